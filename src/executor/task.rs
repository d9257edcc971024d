//! Task cells: [`spawn`] makes one `async-task` allocation holding the header (state,
//! awaiter, vtable), rustyray's [`Header`] metadata, the schedule function and the future,
//! wrapped ([`Spawned`]) so that its output is `Result<T, Error>` with panics caught
//! ([`Catch`]) and its drops contained.
//!
//! ```text
//!  spawn ──▶ SCHEDULED ──run()──▶ RUNNING ──Ready──▶ COMPLETED ──JoinHandle reads──▶ CLOSED
//!               ▲                    │
//!               └──── wake() ────────┘ Pending (the waker holds the task)
//!  drop(Runnable) at shutdown, or JoinHandle::cancel ─▶ CLOSED (future dropped once)
//! ```

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

#[cfg(feature = "std")]
use super::catch::contain;
use super::catch::{catch, Catch};
use super::join_handle::JoinHandle;
use crate::error::Error;
pub(crate) use crate::raw::task::{Header, Runnable};

/// A task's output as its cell stores it: dropped (if nobody takes it: a detached task)
/// with a panic in its drop contained, since `async-task` would abort the process (std;
/// without unwinding there is nothing to contain, and the output is stored as it is).
#[cfg(feature = "std")]
pub(crate) struct Contained<T>(Option<T>);

#[cfg(feature = "std")]
impl<T> Contained<T> {
    pub(crate) fn into_inner(mut self) -> T {
        self.0.take().unwrap_or_else(|| unreachable!("taken once"))
    }
}

#[cfg(feature = "std")]
impl<T> Drop for Contained<T> {
    #[inline]
    fn drop(&mut self) {
        if core::mem::needs_drop::<T>() {
            if let Some(value) = self.0.take() {
                contain(|| drop(value));
            }
        }
    }
}

/// A task's output as its cell stores it (see the `std` version).
#[cfg(not(feature = "std"))]
pub(crate) struct Contained<T>(T);

#[cfg(not(feature = "std"))]
impl<T> Contained<T> {
    pub(crate) fn into_inner(self) -> T {
        self.0
    }
}

#[cfg(feature = "std")]
pin_project_lite::pin_project! {
    /// A spawned task's future: [`Catch`], with the output [`Contained`]; wherever it is
    /// dropped unfinished (cancel, shutdown), a panic in its drop is contained, since
    /// `async-task` would abort the process.
    #[must_use = "futures do nothing unless awaited"]
    pub(crate) struct Spawned<F> {
        #[pin]
        inner: Catch<F>,
    }

    impl<F> PinnedDrop for Spawned<F> {
        fn drop(this: Pin<&mut Self>) {
            // (A finished task's future is gone already: `Catch` dropped it.)
            this.project().inner.drop_contained();
        }
    }
}

#[cfg(not(feature = "std"))]
pin_project_lite::pin_project! {
    /// A spawned task's future: [`Catch`] (nothing to contain without unwinding).
    #[must_use = "futures do nothing unless awaited"]
    pub(crate) struct Spawned<F> {
        #[pin]
        inner: Catch<F>,
    }
}

impl<F: Future> Future for Spawned<F> {
    type Output = Result<Contained<F::Output>, Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        #[cfg(feature = "std")]
        let wrap = |v| Contained(Some(v));
        #[cfg(not(feature = "std"))]
        let wrap = Contained;
        self.project().inner.poll(cx).map(|r| r.map(wrap))
    }
}

/// Creates a task cell for `future`, scheduled by `schedule`.
pub(crate) fn spawn<F, S>(future: F, schedule: S) -> (Runnable, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: async_task::Schedule<Header> + Send + Sync + 'static,
{
    let (runnable, task) =
        async_task::Builder::new().metadata(Header::new()).spawn(move |_| Spawned { inner: catch(future) }, schedule);
    (runnable, JoinHandle::new(task.fallible()))
}
