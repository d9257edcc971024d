//! [`JoinHandle`]: an owned permission to await a spawned task's output.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::budget;
use super::task::Contained;
use crate::error::Error;
use crate::raw::task::Header;

/// An owned permission to await a spawned task's output.
///
/// Awaiting it yields `Ok(output)`, [`Error::TaskPanicked`] if the task panicked (std),
/// or [`Error::RuntimeShutdown`] if the runtime was shut down before the task finished.
/// Dropping the handle detaches the task: it keeps running and its output is dropped.
#[must_use = "dropping a JoinHandle detaches the task; call .detach() to say so"]
pub struct JoinHandle<T> {
    state: State<T>,
}

enum State<T> {
    Task(async_task::FallibleTask<Result<Contained<T>, Error>, Header>),
    /// The task could not be spawned; awaiting yields this error.
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    Failed(Error),
    /// The output was taken (or the handle detached / cancelled).
    Done,
}

impl<T> core::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JoinHandle").field("finished", &self.is_finished()).finish()
    }
}

impl<T> JoinHandle<T> {
    /// The handle of a spawned task.
    pub(crate) fn new(task: async_task::FallibleTask<Result<Contained<T>, Error>, Header>) -> Self {
        JoinHandle { state: State::Task(task) }
    }

    /// A handle that resolves to `error` (a task that could not be spawned).
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    pub(crate) fn failed(error: Error) -> Self {
        JoinHandle { state: State::Failed(error) }
    }

    /// Lets the task run to completion on its own; its output is dropped.
    pub fn detach(mut self) {
        if let State::Task(t) = core::mem::replace(&mut self.state, State::Done) {
            t.detach();
        }
    }

    /// Cancels the task: if it has not started it never runs; if it is running, its
    /// future is dropped when the current poll returns. The future is dropped exactly once.
    pub fn cancel(mut self) {
        drop(core::mem::replace(&mut self.state, State::Done));
    }

    /// True once awaiting the handle would not wait.
    pub fn is_finished(&self) -> bool {
        match &self.state {
            State::Task(t) => t.is_finished(),
            State::Failed(_) | State::Done => true,
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let task = match &mut self.state {
            State::Task(task) => task,
            State::Failed(_) => {
                let State::Failed(e) = core::mem::replace(&mut self.state, State::Done) else { unreachable!() };
                return Poll::Ready(Err(e));
            }
            State::Done => panic!("JoinHandle polled after it returned its output"),
        };
        if budget::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        match Pin::new(task).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(out) => {
                self.state = State::Done;
                Poll::Ready(match out {
                    Some(Ok(value)) => Ok(value.into_inner()),
                    Some(Err(e)) => Err(e),
                    None => Err(Error::RuntimeShutdown),
                })
            }
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let State::Task(t) = core::mem::replace(&mut self.state, State::Done) {
            t.detach();
        }
    }
}
