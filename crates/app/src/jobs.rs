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

/// How often `sweep_renewals` looks for licence renewal reminders coming
/// due: well within [`RENEWAL_HORIZON_DAYS`](crate::cme_learners::RENEWAL_HORIZON_DAYS),
/// so no reminder falls between two sweeps.
pub const RENEWAL_SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

/// Queues the licence renewal reminders coming due; returns how many were
/// due (queued now or by an earlier sweep, never twice).
pub async fn remind_renewals(ctx: &AppContext) -> Result<usize, Internal> {
    crate::cme_learners::send_renewal_reminders(ctx).await
}

/// Queues renewal reminders every [`RENEWAL_SWEEP_INTERVAL`] until `stop`
/// resolves. Each licence is its own transaction and each reminder has its
/// own dedupe key, so any number of processes may sweep at once.
pub async fn sweep_renewals(ctx: AppContext, stop: impl Future<Output = ()>) {
    let mut ticks = tokio::time::interval(RENEWAL_SWEEP_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return,
            _ = ticks.tick() => {}
        }
        match remind_renewals(&ctx).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(due = n, "licence renewal reminders queued"),
            Err(e) => {
                tracing::warn!(code = %e.code(), error = %e, "renewal reminder sweep failed; retrying next tick");
            }
        }
    }
}
