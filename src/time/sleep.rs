//! [`Sleep`]: a future that completes at a deadline.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::driver::{self, TimerKey, TimerShared};

/// Completes after `duration`. A duration too long to add to the current instant
/// (`Duration::MAX`) means "never" (the deadline is set some 30 years ahead).
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(deadline_after(duration))
}

/// The instant `duration` from now; a duration too long to add to it (`Duration::MAX`)
/// gives an instant about 30 years away, which no program waits for: "no deadline",
/// without a separate kind of timer (tokio's `Instant::far_future` does the same).
pub(crate) fn deadline_after(duration: Duration) -> Instant {
    later(Instant::now(), duration)
}

/// `at + duration`, or about 30 years after `at` when that overflows.
pub(crate) fn later(at: Instant, duration: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(86_400 * 365 * 30);
    at.checked_add(duration).or_else(|| at.checked_add(FAR)).unwrap_or(at)
}

/// Completes at `deadline` (at once if it has passed).
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep { deadline, registration: None }
}

/// Future returned by [`sleep`] and [`sleep_until`]. Dropping it cancels the timer.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    deadline: Instant,
    registration: Option<(Arc<TimerShared>, TimerKey)>,
}

impl Sleep {
    /// The instant this sleep completes at.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Moves the deadline (used by [`Interval`](super::Interval)).
    pub(crate) fn reset(&mut self, deadline: Instant) {
        self.cancel();
        self.deadline = deadline;
    }

    fn cancel(&mut self) {
        if let Some((timer, key)) = self.registration.take() {
            timer.cancel(key);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            self.cancel();
            return Poll::Ready(());
        }
        let deadline = self.deadline;
        let this = &mut *self;
        match &mut this.registration {
            Some((timer, key)) => *key = timer.register(Some(*key), deadline, cx.waker()),
            None => {
                let timer = driver::current();
                let key = timer.register(None, deadline, cx.waker());
                this.registration = Some((timer, key));
            }
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel();
    }
}
