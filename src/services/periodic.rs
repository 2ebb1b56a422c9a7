//! Periodic jobs shared by the processes of one instance: each process
//! ticks, and the first to take a period's run does the job (reading the
//! peers' directories, copying mirrored files, removing unused files), so
//! that N processes behind a load balancer do it once, not N times.

use std::time::Duration;

use chrono::TimeDelta;

use crate::{
    AppState,
    db::{self, periodic_runs},
    error::AppError,
};

/// Whether this process should run `job` now, the job being meant to run
/// once `every`. A tick that comes a tenth early still finds it due, so
/// that processes started at different times do not skip a period.
pub async fn due(state: &AppState, job: &'static str, every: Duration) -> bool {
    let gap = TimeDelta::from_std(every.mul_f64(0.9)).unwrap_or(TimeDelta::MAX);
    let since = db::now()
        .checked_sub_signed(gap)
        .unwrap_or(chrono::NaiveDateTime::MIN);
    match state
        .db
        .run(move |conn| Ok::<_, AppError>(periodic_runs::take(conn, job, since)?))
        .await
    {
        Ok(taken) => taken,
        Err(error) => {
            tracing::warn!(%error, job, "periodic job not started");
            false
        }
    }
}
