//! Continuing medical education: activities and what they designate, their
//! assessments and question bank, learners' attempts, claims and the
//! certificates issued from them.
//!
//! Rows that prove credit are written once. The decisions that must hold
//! across replicas rest on the database: unique attempt numbers and one
//! attempt in progress per learner and assessment, one live claim per
//! learner and designation, one certificate in force per claim.

pub mod activities;
pub mod assessments;
pub mod attempts;
pub mod certificates;
pub mod claims;
pub mod providers;
