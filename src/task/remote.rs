//! [`RemoteTask`]: the future a remote task runs as — resolve the arguments, take the CPU
//! share, run the body (panics caught), retry, store the result — as one hand-written
//! state machine.
//!
//! ```text
//!  Resolve(args…) ──error──────────────────────────────▶ Done: the error is the result
//!     │ values
//!     ▼
//!  Run { args, body } ──panic / Err with retry_exceptions, retries left──▶ Run (a new body on clones)
//!     │ result
//!     ▼
//!  Done: the result is stored (the CPU share went back first)
//!
//!  before every poll: the object completed by `cancel` ──▶ Done, the body dropped unrun
//! ```
//!
//! Hand-written rather than two nested `async fn`s: those kept every argument, option and
//! intermediate future of both levels side by side (480 bytes for a one-argument task);
//! this keeps one stage at a time next to a few words of bookkeeping, so a task in flight
//! costs a small fraction of the memory (and of the page faults of a fresh process).
//!
//! The task holds its promise, not a ref to its own object: it watches the object for a
//! cancellation through the promise (registering its waker there while it waits), and an
//! object nobody holds any more is freed at once, whatever the task is doing.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::executor::{catch, Catch};
use crate::object::cell::WaiterKey;
use crate::object::Promise;
use crate::Error;

#[cfg(feature = "std")]
use super::admission::Grant;
#[cfg(not(feature = "std"))]
use super::run::Grant;

pin_project_lite::pin_project! {
    /// Where a task is in its life (see the module docs).
    #[project = StageProj]
    enum Stage<Res, A, Fut> {
        Resolve { #[pin] resolve: Res },
        Run { args: Option<A>, #[pin] body: Option<Catch<Fut>> },
        Done,
    }
}

pin_project_lite::pin_project! {
    /// A remote task's future. See the [module docs](self).
    pub(crate) struct RemoteTask<R, A, Res, Make, Fut> {
        promise: Option<Promise<R>>,
        #[pin]
        stage: Stage<Res, A, Fut>,
        make: Make,
        is_err: fn(&R) -> bool,
        retries: u32,
        retry_exceptions: bool,
        grant: Grant,
        // The task's registration in its own object while it waits (a `cancel` wakes it).
        watch: Option<WaiterKey>,
        // Its result was an error (read by a timeline's span).
        failed: bool,
        // The process's count of cancels when the task was made (see `may_be_cancelled`;
        // unused without `std`).
        cancels: u32,
    }

    impl<R, A, Res, Make, Fut> PinnedDrop for RemoteTask<R, A, Res, Make, Fut> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let (Some(key), Some(promise)) = (this.watch.take(), this.promise.as_ref()) {
                promise.unwatch(key);
            }
        }
    }
}

impl<R, A, Res, Make, Fut> RemoteTask<R, A, Res, Make, Fut>
where
    Res: Future<Output = Result<A, Error>>,
    Make: FnMut(&mut Option<A>, bool) -> Option<Fut>,
    Fut: Future<Output = R>,
{
    /// A task that will resolve `resolve`, then run attempts made by `make` (which may
    /// retry `max_retries` times; `retry_exceptions`: an `Err` result, as `is_err` tells,
    /// counts as a failure too), holding `grant` while its body runs.
    pub(crate) fn new(
        promise: Promise<R>,
        resolve: Res,
        make: Make,
        is_err: fn(&R) -> bool,
        (max_retries, retry_exceptions): (u32, bool),
        grant: Grant,
    ) -> Self {
        RemoteTask {
            promise: Some(promise),
            stage: Stage::Resolve { resolve },
            make,
            is_err,
            retries: max_retries,
            retry_exceptions,
            grant,
            watch: None,
            failed: false,
            #[cfg(feature = "std")]
            cancels: super::cancel::cancels(),
            #[cfg(not(feature = "std"))]
            cancels: 0,
        }
    }
}

/// True if a cancel may have completed the task's object before this poll: with `std`,
/// only once some cancel (of any object) was made since the task was (a cancel of its
/// object comes after the task is made, and one that happened before this poll is seen by
/// it: see `cancel::cancels`); the object is then locked to look.
#[cfg_attr(not(feature = "std"), allow(unused_variables))]
#[inline]
fn may_be_cancelled(cancels_then: u32) -> bool {
    #[cfg(feature = "std")]
    {
        super::cancel::cancels() != cancels_then
    }
    #[cfg(not(feature = "std"))]
    {
        true
    }
}

impl<R, A, Res, Make, Fut> Future for RemoteTask<R, A, Res, Make, Fut>
where
    Res: Future<Output = Result<A, Error>>,
    Make: FnMut(&mut Option<A>, bool) -> Option<Fut>,
    Fut: Future<Output = R>,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        // Cancelled before this poll: the body does not run (again).
        if may_be_cancelled(*this.cancels) && this.promise.as_ref().is_some_and(Promise::is_completed) {
            this.stage.set(Stage::Done);
            return Poll::Ready(());
        }
        let outcome = loop {
            match this.stage.as_mut().project() {
                StageProj::Resolve { resolve } => match resolve.poll(cx) {
                    Poll::Pending => break None,
                    // An argument holding an error: the body never runs, the error is the result.
                    Poll::Ready(Err(e)) => break Some(Err(e)),
                    Poll::Ready(Ok(args)) => this.stage.set(Stage::Run { args: Some(args), body: None }),
                },
                StageProj::Run { args, mut body } => {
                    if body.is_none() {
                        let Some(attempt) = (this.make)(args, *this.retries > 0) else {
                            unreachable!("the arguments are moved only into the last attempt");
                        };
                        body.set(Some(catch(attempt)));
                    }
                    let Some(running) = body.as_mut().as_pin_mut() else { unreachable!("set above") };
                    // The CPU share is taken before the first poll of the body (admission).
                    match this.grant.poll_body(running, cx) {
                        Poll::Pending => break None,
                        // Admission failed: the runtime shut down.
                        Poll::Ready(Err(e)) => break Some(Err(e)),
                        Poll::Ready(Ok(result)) => {
                            let retry = *this.retries > 0
                                && args.is_some()
                                && match &result {
                                    Ok(value) => *this.retry_exceptions && (this.is_err)(value),
                                    Err(_panicked) => true,
                                };
                            if !retry {
                                break Some(result);
                            }
                            *this.retries -= 1;
                            #[cfg(feature = "std")]
                            crate::host::gauges::RETRIES.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                            body.set(None);
                        }
                    }
                }
                StageProj::Done => panic!("a remote task polled after it finished"),
            }
        };
        match outcome {
            Some(result) => {
                if let (Some(key), Some(promise)) = (this.watch.take(), this.promise.as_ref()) {
                    promise.unwatch(key);
                }
                // What the task still holds (its arguments, a finished body) goes before the
                // result is stored.
                this.stage.set(Stage::Done);
                *this.failed = match &result {
                    Ok(value) => (this.is_err)(value),
                    Err(_) => true,
                };
                // A traced task's span ends before its result is visible.
                #[cfg(feature = "std")]
                if crate::timeline::armed() {
                    crate::timeline::finish(!*this.failed);
                }
                if let Some(promise) = this.promise.take() {
                    promise.fulfill(result);
                }
                Poll::Ready(())
            }
            None => {
                // Watch our own object while we wait: `cancel` completes it and wakes us.
                let cancelled = this.promise.as_ref().is_some_and(|p| p.completed_or_watch(cx.waker(), this.watch));
                if cancelled {
                    this.stage.set(Stage::Done);
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

#[cfg(feature = "std")]
impl<R, A, Res, Make, Fut> super::traced::Outcome for RemoteTask<R, A, Res, Make, Fut> {
    fn ok(&self) -> bool {
        !self.failed
    }
}
