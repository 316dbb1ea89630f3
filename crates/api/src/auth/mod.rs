//! Who is calling: the session extractor, role checks and request metadata.
//! Every route that needs a user takes [`Authenticated`]; ownership checks
//! live next to the data they guard.

mod meta;
mod session;

pub use meta::{Meta, client_ip};
pub use session::{
    AnySession, Authenticated, MaybeAuthenticated, SESSION_COOKIE, clear_session_cookie,
    session_cookie,
};
