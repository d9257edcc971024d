//! The executor: rustyray's own scheduler.
//!
//! * With `std`: a multi-threaded work-stealing scheduler (see `scheduler`, `worker`) —
//!   a bounded local run queue per worker, a LIFO slot so a task woken by the running
//!   task runs next on the same thread (capped against starvation), a global injector,
//!   steal-half from a random victim, at most half the workers searching, a cooperative
//!   budget per poll, and a brief spin before parking. Threads in
//!   [`Runtime::block_on`](crate::Runtime::block_on) run tasks while they wait.
//! * Always: [`LocalExecutor`], a single-threaded executor for `no_std` targets with an
//!   intrusive run queue and a user-supplied [`Pender`] hook.
//!
//! Both use `async-task` cells (one allocation per task) and return a [`JoinHandle`].

mod budget;
mod catch;
pub(crate) mod failure;
mod join_handle;
mod local;
pub(crate) mod task;

#[cfg(feature = "std")]
mod block_on;
#[cfg(feature = "std")]
mod context;
#[cfg(feature = "std")]
mod idle;
#[cfg(feature = "std")]
mod injector;
#[cfg(feature = "std")]
mod lease;
#[cfg(feature = "std")]
mod monitor;
#[cfg(feature = "std")]
pub(crate) mod owned;
#[cfg(feature = "std")]
mod park;
#[cfg(feature = "std")]
pub(crate) mod scheduler;
#[cfg(feature = "std")]
mod worker;

pub use budget::{poll_proceed, yield_now, YieldNow};
pub use join_handle::JoinHandle;
pub use local::{LocalExecutor, Pender};

#[cfg(feature = "std")]
pub(crate) use block_on::block_on;
#[cfg(feature = "std")]
pub(crate) use catch::panic_message;
#[cfg_attr(not(target_has_atomic = "ptr"), allow(unused_imports))] // used by actors and tasks
pub(crate) use catch::{catch, catch_sync, poll_catch, Catch};
#[cfg(feature = "std")]
pub(crate) use context::with_current;

/// True if the thread running the current task has other work waiting for it (or is not a
/// runtime thread): a task that would poll something for a moment should yield instead.
#[cfg(feature = "std")]
pub(crate) fn work_waiting() -> bool {
    with_current(|core| core.is_none_or(scheduler::Core::work_waiting))
}

/// Yields to the work waiting on this thread (see [`work_waiting`]) without waking another
/// thread for the yielding task: this thread runs it again after that work. For a task
/// that polls in place while its thread has nothing else to do (a link's reader in a
/// conversation); a plain [`yield_now`] would hand it to any idle worker, and keep them all
/// spinning on it.
#[cfg(feature = "std")]
pub(crate) async fn yield_to_waiting() {
    let mut yielded = false;
    core::future::poll_fn(|cx| {
        if yielded {
            return core::task::Poll::Ready(());
        }
        yielded = true;
        with_current(|core| core.map(scheduler::Core::yield_quietly));
        cx.waker().wake_by_ref();
        core::task::Poll::Pending
    })
    .await;
}
#[cfg(feature = "std")]
pub(crate) use monitor::run as run_monitor;
#[cfg(feature = "std")]
pub(crate) use worker::run as run_worker;
