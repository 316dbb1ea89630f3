//! The pure rules of MedicalEdu: identifiers, time, and the vocabulary shared by
//! the store and the API. Nothing here touches the network, the disk or a database.

mod id;
#[cfg(feature = "sqlx")]
mod sql;
mod time;

pub use id::{Id, ParseIdError};
pub use time::Timestamp;
