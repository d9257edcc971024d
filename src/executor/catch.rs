//! Panics at the task boundary: [`Catch`] turns a panic while polling a future into
//! [`Error::TaskPanicked`] (std) and drops the failed or finished future where a panic in
//! its drop is caught too; [`catch_sync`] / [`poll_catch`] do the same for one call or one
//! poll; [`contain`] swallows a panic in a drop nobody could be told about.
//!
//! Without `std` there is no unwinding: these run their closure as it is.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::failure::FailureScope;
use crate::error::Error;

pin_project_lite::pin_project! {
    /// Wraps a future so its output becomes `Result<T, Error>`; under `std` a panic while
    /// polling is caught and becomes [`Error::TaskPanicked`].
    ///
    /// A struct rather than an `async fn`: an `async fn` would store its argument twice
    /// (the captured argument and the pinned local), doubling every task's size.
    ///
    /// After a panic the inner future is dropped inside a [`FailureScope`] holding the
    /// panic's error, so promises it still owns resolve to that `TaskPanicked { message }`.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless awaited"]
    pub(crate) struct Catch<F> {
        #[pin]
        future: Option<F>,
    }
}

/// See [`Catch`].
pub(crate) fn catch<F: Future>(future: F) -> Catch<F> {
    Catch { future: Some(future) }
}

impl<F: Future> Future for Catch<F> {
    type Output = Result<F::Output, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Some(future) = this.future.as_mut().as_pin_mut() else {
            panic!("Catch polled after completion");
        };
        match poll_catch(future, cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => {
                // Drop the failed future now, while the scope names the error.
                let mut scope = FailureScope::new();
                scope.set(e.clone());
                this.future.set(None);
                Poll::Ready(Err(e))
            }
            // Drop the finished future here, where a panic in its drop is caught (and
            // reported as the task's outcome) rather than unwinding through the executor.
            Poll::Ready(Ok(v)) => match catch_sync(|| this.future.set(None)) {
                Ok(()) => Poll::Ready(Ok(v)),
                Err(e) => Poll::Ready(Err(e)),
            },
        }
    }
}

/// Runs `f`, containing a panic (caught and dropped; the panic hook has reported it). For
/// drops that run where no caller could be told (a detached task's output, a cancelled
/// task's future).
#[cfg(feature = "std")]
#[inline]
pub(crate) fn contain(f: impl FnOnce()) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
}

/// Runs `f`, turning a panic into [`Error::TaskPanicked`] (std); on `no_std` just runs it.
pub(crate) fn catch_sync<R>(f: impl FnOnce() -> R) -> Result<R, Error> {
    #[cfg(feature = "std")]
    {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .map_err(|payload| Error::TaskPanicked { message: panic_message(payload.as_ref()) })
    }
    #[cfg(not(feature = "std"))]
    Ok(f())
}

/// Polls `future` once, turning a panic into [`Error::TaskPanicked`] (std).
pub(crate) fn poll_catch<F: Future + ?Sized>(
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<Result<F::Output, Error>> {
    match catch_sync(|| future.poll(cx)) {
        Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(e) => Poll::Ready(Err(e)),
    }
}

#[cfg(feature = "std")]
pub(crate) fn panic_message(payload: &(dyn core::any::Any + Send)) -> alloc::string::String {
    use alloc::string::ToString;
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<alloc::string::String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

impl<F> Catch<F> {
    /// Drops the future if it is still there (a task cancelled or shut down unfinished),
    /// containing a panic in its drop.
    #[cfg(feature = "std")]
    pub(crate) fn drop_contained(self: Pin<&mut Self>) {
        let mut future = self.project().future;
        if future.is_some() {
            contain(|| future.set(None));
        }
    }
}
