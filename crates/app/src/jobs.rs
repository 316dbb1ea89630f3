//! Background jobs: use cases no user starts. `medicaledu serve` and
//! `medicaledu worker` both run them; each claims its work in write
//! transactions, so any number of processes can run them at once.

use std::future::Future;

use crate::{AppContext, Internal};

/// Expires unpaid booking holds that ran out; returns how many.
pub async fn expire_holds(ctx: &AppContext) -> Result<usize, Internal> {
    crate::bookings::expire_holds(ctx).await
}

/// Expires ran-out holds every `hold_sweep_interval` until `stop` resolves.
/// Each expiry is its own transaction, so stopping at any point loses
/// nothing, and a failed sweep is simply tried again at the next tick.
pub async fn sweep_holds(ctx: AppContext, stop: impl Future<Output = ()>) {
    let mut ticks = tokio::time::interval(ctx.settings.hold_sweep_interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return,
            _ = ticks.tick() => {}
        }
        match expire_holds(&ctx).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "released unpaid booking holds"),
            Err(e) => {
                tracing::warn!(code = %e.code(), error = %e, "hold sweep failed; retrying next tick");
            }
        }
    }
}
