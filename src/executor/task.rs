//! Task cells and join handles.
//!
//! A task is one `async-task` allocation: its header (state, awaiter, vtable), our
//! [`Header`] metadata, the schedule function and the future. The future is wrapped so
//! that its output is `Result<T, Error>`: under `std` a panic while polling is caught
//! and becomes [`Error::TaskPanicked`] instead of unwinding through a worker.
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

use crate::error::Error;
use crate::executor::budget;
use crate::sync::atomic::AtomicPtr;

/// Per-task metadata stored in the `async-task` header.
///
/// `next` links the task into the intrusive run queue of the single-threaded
/// [`LocalExecutor`](crate::executor::LocalExecutor); the multi-threaded scheduler
/// leaves it null.
#[derive(Debug)]
pub(crate) struct Header {
    pub(crate) next: AtomicPtr<()>,
}

impl Header {
    pub(crate) fn new() -> Self {
        Header { next: AtomicPtr::new(core::ptr::null_mut()) }
    }
}

/// A scheduled task, ready to be polled once.
pub(crate) type Runnable = async_task::Runnable<Header>;

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

/// Runs `f`, containing a panic (caught and dropped; the panic hook has reported it). For
/// drops that run where no caller could be told (a detached task's output, a cancelled
/// task's future).
#[cfg(feature = "std")]
#[inline]
pub(crate) fn contain(f: impl FnOnce()) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
}

/// A task's output as its cell stores it: dropped (if nobody takes it: a detached task)
/// with a panic in its drop contained, since `async-task` would abort the process (std;
/// without unwinding there is nothing to contain, and the output is stored as it is).
#[cfg(feature = "std")]
pub(crate) struct Contained<T>(Option<T>);

#[cfg(feature = "std")]
impl<T> Contained<T> {
    fn into_inner(mut self) -> T {
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
    fn into_inner(self) -> T {
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
            let mut future = this.project().inner.project().future;
            // (A finished task's future is gone already: `Catch` dropped it.)
            if future.is_some() {
                contain(|| future.set(None));
            }
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

#[cfg(feature = "std")]
std::thread_local! {
    /// The message of the panic this thread is unwinding from (set by the hook below).
    static LAST_PANIC: core::cell::RefCell<Option<alloc::string::String>> = const { core::cell::RefCell::new(None) };
}

/// Installs (once per process) a panic hook that records each panic's message for the
/// panicking thread, then calls the previous hook. Promises dropped while unwinding use
/// it, so a caller sees `TaskPanicked { message: "<the real message>" }`. A hook set by the
/// application afterwards replaces it; then the message is a generic one.
#[cfg(feature = "std")]
pub(crate) fn install_panic_recorder() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(alloc::boxed::Box::new(move |info| {
            let _ = LAST_PANIC.try_with(|p| *p.borrow_mut() = Some(panic_message(info.payload())));
            previous(info);
        }));
    });
}

#[cfg(feature = "std")]
std::thread_local! {
    /// Errors of the active failure scopes, innermost last.
    static DROP_ERRORS: core::cell::RefCell<alloc::vec::Vec<Error>> = const { core::cell::RefCell::new(alloc::vec::Vec::new()) };
}

/// While alive (and [`set`](FailureScope::set)), promises dropped on this thread resolve
/// to the scope's error instead of `ObjectLost`: a producer that panicked or was killed
/// reports *why* to every caller waiting on it. One byte: the error lives in a
/// thread-local stack.
#[derive(Debug)]
pub(crate) struct FailureScope {
    #[cfg(feature = "std")]
    pushed: bool,
}

impl FailureScope {
    pub(crate) fn new() -> Self {
        FailureScope {
            #[cfg(feature = "std")]
            pushed: false,
        }
    }

    /// Makes `error` the reason for promises dropped until this scope ends.
    pub(crate) fn set(&mut self, error: Error) {
        #[cfg(feature = "std")]
        let _ = DROP_ERRORS.try_with(|d| {
            let mut d = d.borrow_mut();
            if self.pushed {
                d.pop();
            }
            d.push(error);
            self.pushed = true;
        });
        #[cfg(not(feature = "std"))]
        let _ = error;
    }
}

impl Drop for FailureScope {
    fn drop(&mut self) {
        #[cfg(feature = "std")]
        if self.pushed {
            let _ = DROP_ERRORS.try_with(|d| d.borrow_mut().pop());
        }
    }
}

/// Why a promise being dropped now was not fulfilled: the innermost [`FailureScope`]'s
/// error; else `TaskPanicked` while unwinding; else `ObjectLost`.
#[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))] // used by promises
pub(crate) fn drop_error() -> Error {
    #[cfg(feature = "std")]
    {
        if let Some(e) = DROP_ERRORS.try_with(|d| d.borrow().last().cloned()).ok().flatten() {
            return e;
        }
        if std::thread::panicking() {
            let message = LAST_PANIC.try_with(|p| p.borrow().clone()).ok().flatten().unwrap_or_else(|| {
                alloc::string::String::from("the producer panicked (its message was printed by the panic hook)")
            });
            return Error::TaskPanicked { message };
        }
    }
    Error::ObjectLost
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

/// See [`AsyncMethod`].
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
fn panic_message(payload: &(dyn core::any::Any + Send)) -> alloc::string::String {
    use alloc::string::ToString;
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<alloc::string::String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
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
    (runnable, JoinHandle { state: State::Task(task.fallible()) })
}

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

impl JoinHandle<()> {
    /// Turns the handle into a [`Producer`]: the task runs on, detached, but its memory is
    /// released where the producer is dropped (if the task finished by then).
    #[cfg(feature = "std")]
    pub(crate) fn into_producer(mut self) -> Producer {
        match core::mem::replace(&mut self.state, State::Done) {
            State::Task(t) => Producer(Some(t)),
            _ => Producer(None),
        }
    }
}

/// The handle of a task that produces an object, kept by that object: dropping it detaches
/// the task. A task that finished before its object is dropped is freed right here, on the
/// object's thread, rather than on the worker that ran it — a submitter that reads its
/// results frees its own allocations (which keeps the allocator's per-thread caches warm).
#[cfg(feature = "std")]
pub(crate) struct Producer(Option<async_task::FallibleTask<Result<Contained<()>, Error>, Header>>);

#[cfg(feature = "std")]
impl Drop for Producer {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            t.detach();
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
