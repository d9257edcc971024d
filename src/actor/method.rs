//! How a generated actor method runs: [`run_method`] (synchronous) and [`AsyncMethod`]
//! (`async`) answer the call's reply with the panic's own message if the method panics,
//! then let the unwinding go on to the actor's supervisor.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

#[cfg(feature = "std")]
use crate::error::Error;
#[cfg(feature = "std")]
use crate::executor::panic_message;

/// Runs `f` (a synchronous actor method); if it panics, answers `reply` with
/// `TaskPanicked { message }` — the real message, whatever panic hook is installed — and
/// resumes the unwinding (without running the hook again) for the actor's supervisor.
#[doc(hidden)]
#[cfg(target_has_atomic = "ptr")]
pub fn run_method<R, T>(reply: &mut Option<crate::object::Promise<T>>, f: impl FnOnce() -> R) -> R {
    #[cfg(feature = "std")]
    {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            Ok(out) => out,
            Err(payload) => {
                // A traced call's span ends before its caller sees the panic.
                if crate::timeline::armed() {
                    crate::timeline::finish(false);
                }
                if let Some(reply) = reply.take() {
                    reply.fulfill(Err(Error::TaskPanicked { message: panic_message(payload.as_ref()) }));
                }
                std::panic::resume_unwind(payload)
            }
        }
    }
    #[cfg(not(feature = "std"))]
    {
        let _ = reply;
        f()
    }
}

/// A call's method returned and its caller is about to be answered: a traced call's
/// timeline span ends now, so a caller that sees the answer finds the span recorded. (A
/// thread-local test while nothing is traced; nothing without `std`.)
#[doc(hidden)]
#[inline]
pub fn call_done() {
    #[cfg(feature = "std")]
    if crate::timeline::armed() {
        crate::timeline::finish(true);
    }
}

/// A synchronous `&self` method run next to others (a concurrent actor's stretch, which
/// has no per-call trace of its own): `f` inside the call's spans, while traced.
#[doc(hidden)]
#[cfg(target_has_atomic = "ptr")]
#[inline]
pub fn run_traced<R>(method: &'static str, actor: &'static str, f: impl FnOnce() -> R) -> R {
    if !super::trace::wanted() {
        return f();
    }
    let mut t = super::trace::named(method, actor);
    super::trace::before(&mut t);
    // (A panic unwinds past the spans: `run_method` ended the timeline span already.)
    let out = f();
    super::trace::after(&mut t);
    super::trace::end(t, true);
    out
}

#[cfg(target_has_atomic = "ptr")]
pin_project_lite::pin_project! {
    /// An `async` actor method's future: as [`run_method`], for every poll.
    #[doc(hidden)]
    #[must_use = "futures do nothing unless awaited"]
    pub struct AsyncMethod<'r, F, T> {
        reply: &'r mut Option<crate::object::Promise<T>>,
        #[pin]
        future: F,
    }
}

/// See [`AsyncMethod`]. (The actor loop traces `async` calls around their whole handling.)
#[doc(hidden)]
#[cfg(target_has_atomic = "ptr")]
pub fn run_async_method<F: Future, T>(
    reply: &mut Option<crate::object::Promise<T>>,
    future: F,
) -> AsyncMethod<'_, F, T> {
    AsyncMethod { reply, future }
}

#[cfg(target_has_atomic = "ptr")]
impl<F: Future, T> Future for AsyncMethod<'_, F, T> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let future = this.future;
        run_method(this.reply, || future.poll(cx))
    }
}
