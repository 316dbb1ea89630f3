//! One integration-test binary (so linking stays fast), one module per area.
//! Every store and API test runs on SQLite and on PostgreSQL.

mod support;

mod access;
mod account_pages;
mod admin_pages;
mod backup;
mod catalog;
mod cli;
mod cme;
mod cme_keys;
mod cme_learner_pages;
mod cme_licences;
mod cme_pages;
mod cme_staff_pages;
mod commerce;
mod demo;
mod diagram;
mod earnings_pages;
mod faults;
mod http;
mod identity;
mod inbox;
mod jobs;
mod learning;
mod metrics;
mod migrations;
mod money;
mod notify;
mod online_index;
mod payments;
mod promo_pages;
mod scheduling;
mod schema_exports;
mod second_factor;
mod teach;
mod teach_schedule;
mod usecases;
mod web;
