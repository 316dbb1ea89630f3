//! Background jobs: use cases no user starts. `medicaledu serve` runs them
//! on a timer, `medicaledu worker` runs them without serving HTTP; each
//! claims its work in write transactions, so any number can run at once.

use crate::{AppContext, Internal};

/// Expires unpaid booking holds that ran out; returns how many.
pub async fn expire_holds(ctx: &AppContext) -> Result<usize, Internal> {
    crate::bookings::expire_holds(ctx).await
}
