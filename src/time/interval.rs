//! [`Interval`]: ticks at a fixed period.

use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::sleep::{later, sleep_until, Sleep};

/// Ticks every `period`, the first tick at once. A tick that is late is not made up
/// for by a burst: the next deadline is a whole period after the late tick (like
/// tokio's `MissedTickBehavior::Delay`).
///
/// # Panics
/// If `period` is zero (a zero period would be a busy loop).
pub fn interval(period: Duration) -> Interval {
    assert!(!period.is_zero(), "rustyray::time::interval: the period must be non-zero");
    Interval { period, sleep: sleep_until(Instant::now()) }
}

/// Stream of ticks returned by [`interval`].
#[derive(Debug)]
pub struct Interval {
    period: Duration,
    sleep: Sleep,
}

impl Interval {
    /// Waits for the next tick and returns its scheduled instant.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        let scheduled = self.sleep.deadline();
        if Pin::new(&mut self.sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let now = Instant::now();
        // `later`: a period too long to add (`Duration::MAX`) means the next tick never comes.
        let on_time = later(scheduled, self.period);
        let next = if now > on_time { later(now, self.period) } else { on_time };
        self.sleep.reset(next);
        Poll::Ready(scheduled)
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }
}
