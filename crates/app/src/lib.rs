//! Every use case of MedicalEdu, callable without HTTP.
//!
//! A use case is a plain async function: it takes the [`AppContext`]
//! (database, policies, providers, clock), the acting user when there is one
//! ([`Actor`]) and typed input, owns its transaction, and returns typed
//! output or an error enum of its own that implements [`Failure`]. It knows
//! nothing of HTTP, status codes or JSON bodies: the JSON API (`medicaledu-api`),
//! the web pages (`medicaledu-web`), the command line and the background jobs
//! are adapters over the same functions.

pub mod accounts;
mod actor;
pub mod admin;
pub mod audit;
pub mod backup;
pub mod bookings;
pub mod calendar;
mod client;
pub mod cme;
pub mod cme_learners;
mod context;
pub mod courses;
pub mod dashboard;
pub mod demo;
pub mod enrollments;
mod error;
pub mod health;
pub mod inbox;
pub mod jobs;
mod lockout;
pub mod materials;
pub mod notify;
pub mod outbox;
mod page;
pub mod payments;
pub mod promo;
pub mod ratings;
pub mod schema;
pub mod second_factor;
pub mod sessions;
mod settings;
pub mod slots;
pub mod teaching;
pub mod telemetry;

pub use actor::Actor;
pub use client::client_ip;
pub use context::{AppContext, Clock, ContextError};
pub(crate) use error::failure;
pub use error::{
    DATABASE_RETRY_AFTER, ErrorCode, Failure, FieldError, Fields, Forbidden, Internal, Invalid,
    ReadError,
};
pub use page::{DEFAULT_LIMIT, MAX_LIMIT, Page, PageRequest, page};
pub use settings::Settings;

/// Audit and request details of the call, recorded with the changes it makes.
pub use medicaledu_store::audit::RequestMeta;
