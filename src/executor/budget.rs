//! Cooperative budget: how many operations on rustyray's own primitives a task may
//! complete in one poll before they start returning `Pending` (after waking the task).
//!
//! Without it, a task that always finds its channel ready would never return to the
//! scheduler and would starve every other task on its worker (including its LIFO slot).
//! Each poll of a task or of a `block_on` future gets a fresh budget; outside such polls
//! the budget is unlimited.

use core::task::{Context, Poll};

/// Operations a task may complete per poll.
#[cfg(feature = "std")]
pub(crate) const BUDGET: u32 = 128;

#[cfg(feature = "std")]
std::thread_local! {
    static REMAINING: core::cell::Cell<u32> = const { core::cell::Cell::new(u32::MAX) };
}

/// Runs one poll (`f`) with a fresh budget, then restores the previous one (unlimited
/// outside rustyray polls, or the outer poll's budget for a nested `block_on`).
/// The previous budget is restored on every way out of the poll, unwinding included: a
/// panic caught further up must not leave the thread with a spent budget (rustyray futures
/// polled there afterwards would never complete).
#[inline]
pub(crate) fn scoped<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(feature = "std")]
    {
        /// Puts the previous budget back when dropped.
        struct Restore(u32);
        impl Drop for Restore {
            #[inline]
            fn drop(&mut self) {
                let _ = REMAINING.try_with(|r| r.set(self.0));
            }
        }
        // During thread-local destruction there is no budget to scope: unlimited.
        let Ok(previous) = REMAINING.try_with(|r| r.replace(BUDGET)) else { return f() };
        let _restore = Restore(previous);
        f()
    }
    #[cfg(not(feature = "std"))]
    f()
}

/// Spends one unit of budget, or wakes the task and returns `Pending` when none is left.
/// Outside a rustyray poll the budget is unlimited.
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    #[cfg(feature = "std")]
    {
        // `try_with`: a future polled while this thread's locals are being destroyed has
        // an unlimited budget, like any poll outside the runtime.
        let ok = REMAINING
            .try_with(|r| {
                let left = r.get();
                if left == 0 {
                    false
                } else {
                    r.set(left - 1);
                    true
                }
            })
            .unwrap_or(true);
        if !ok {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
    }
    #[cfg(not(feature = "std"))]
    let _ = cx;
    Poll::Ready(())
}

/// Yields once to the scheduler: the task is queued behind the tasks already runnable.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// Future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl core::future::Future for YieldNow {
    type Output = ();
    fn poll(mut self: core::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
