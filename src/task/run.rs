//! Submitting a remote task and the future that runs it: watch for cancellation, resolve
//! the arguments, take the CPU share, run the body (panics caught), retry, store the result.
//!
//! The generated code (see [`dsl::task!`](crate::dsl::task)) hands over three pieces, all built
//! where the function's types are concrete:
//!
//! * `resolve`: a future resolving every argument (values at once, refs when their objects
//!   are ready), failing with the first error an argument holds;
//! * `make(&mut args, keep)`: starts one attempt of the function. With `keep` it tries to
//!   clone the arguments (so a retry can run) and moves them only if some argument is not
//!   `Clone`; without it, it moves them;
//! * `is_err(&result)`: true for an `Err` result (always false for non-`Result` types).

use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::Poll;

use super::options::TaskOptions;
use crate::executor::catch;
use crate::host::Host;
#[cfg(feature = "std")]
use crate::host::RuntimeParts;
use crate::object::{pending, ObjectRef, Promise};
use crate::Error;

#[cfg(feature = "std")]
use super::admission::Grant;
#[cfg(feature = "std")]
use alloc::sync::Arc;

/// Where a task is submitted: an explicit host, or the current (else default) runtime.
#[doc(hidden)]
#[derive(Debug)]
pub enum Target<'a, S> {
    /// A [`Runtime`](crate::Runtime), a [`Handle`](crate::Handle), or a
    /// `(&'static LocalExecutor, &'static Store)` pair.
    On(&'a S),
    /// The runtime of the calling thread, else the process-wide default one.
    #[cfg(feature = "std")]
    Current,
}

/// [`Target::Current`], with a concrete (unused) host type.
#[cfg(feature = "std")]
#[doc(hidden)]
pub fn current() -> Target<'static, (&'static crate::executor::LocalExecutor, &'static crate::object::Store)> {
    Target::Current
}

/// Submits a task; returns the ref of its result at once (the task runs on the target).
///
/// # Errors
/// [`Error::InvalidConfig`] for an out-of-range `num_cpus` (or one larger than the
/// runtime's), [`Error::RuntimeShutdown`] if the runtime has stopped,
/// [`Error::NoRuntime`] for [`Target::Current`] with no runtime running.
#[doc(hidden)]
pub fn submit<S, R, A, Res, Make, Fut>(
    target: Target<'_, S>,
    options: TaskOptions,
    resolve: Res,
    make: Make,
    is_err: fn(&R) -> bool,
) -> Result<ObjectRef<R>, Error>
where
    S: Host,
    R: Send + Sync + 'static,
    A: Send + 'static,
    Res: Future<Output = Result<A, Error>> + Send + 'static,
    Make: FnMut(&mut Option<A>, bool) -> Option<Fut> + Send + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    #[cfg(feature = "std")]
    let units = options.cpu_units()?;
    #[cfg(not(feature = "std"))]
    options.check()?;
    // Without `std`, `Target` has one variant: the match is then a plain destructuring.
    #[cfg_attr(not(feature = "std"), allow(clippy::infallible_destructuring_match))]
    let host = match target {
        Target::On(host) => host,
        #[cfg(feature = "std")]
        Target::Current => {
            return crate::host::with_current_or_default(|parts| {
                submit_on_runtime(parts, options, units, resolve, make, is_err)
            })?;
        }
    };
    #[cfg(feature = "std")]
    if let Some(parts) = host.runtime_parts() {
        return submit_on_runtime(parts, options, units, resolve, make, is_err);
    }
    #[cfg(feature = "std")]
    let _ = units; // admission needs a std runtime; a LocalExecutor runs one task at a time
    let home = host.home();
    let (object, promise) = pending::<R>(home.store());
    let done = Done::new(promise);
    host.spawn_detached(run(object.clone(), done, options, Grant::none(), resolve, make, is_err));
    Ok(object)
}

#[cfg(feature = "std")]
fn submit_on_runtime<R, A, Res, Make, Fut>(
    parts: &Arc<RuntimeParts>,
    options: TaskOptions,
    units: u64,
    resolve: Res,
    make: Make,
    is_err: fn(&R) -> bool,
) -> Result<ObjectRef<R>, Error>
where
    R: Send + Sync + 'static,
    A: Send + 'static,
    Res: Future<Output = Result<A, Error>> + Send + 'static,
    Make: FnMut(&mut Option<A>, bool) -> Option<Fut> + Send + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    if parts.scheduler.is_shutdown() {
        return Err(Error::RuntimeShutdown);
    }
    let pool = &parts.cpus;
    if units > pool.total() {
        return Err(Error::InvalidConfig {
            reason: "a task asks for more num_cpus than its runtime has (Builder::num_cpus, default: worker_threads); lower the task's num_cpus or raise the runtime's",
        });
    }
    let (object, promise) = pending::<R>(&parts.store);
    let done = Done::new(promise);
    // The pool is found through the runtime's threads when the task runs (see `Grant`).
    let grant = Grant::new(units);
    let task = parts.scheduler.spawn(run(object.clone(), done, options, grant, resolve, make, is_err));
    object.cell().set_producer(task.into_producer());
    Ok(object)
}

/// The task: runs `attempts` unless `own` (the task's result object) is completed first,
/// which only [`cancel`](super::cancel) does. While the task waits, its waker is registered
/// in `own`, so a cancel wakes it and its future is dropped at once.
async fn run<R, A, Res, Make, Fut>(
    own: ObjectRef<R>,
    mut done: Done<R>,
    options: TaskOptions,
    grant: Grant,
    resolve: Res,
    make: Make,
    is_err: fn(&R) -> bool,
) where
    Res: Future<Output = Result<A, Error>>,
    Make: FnMut(&mut Option<A>, bool) -> Option<Fut>,
    Fut: Future<Output = R>,
{
    let mut work = pin!(Some(attempts(options, grant, resolve, make, is_err)));
    let mut key = None;
    let result = poll_fn(|cx| {
        let Some(fut) = work.as_mut().as_pin_mut() else { return Poll::Ready(None) };
        // Cancelled before this poll: the body does not run (again).
        if own.cell().is_ready() {
            work.set(None);
            return Poll::Ready(None);
        }
        match fut.poll(cx) {
            Poll::Ready(out) => Poll::Ready(Some(out)),
            Poll::Pending => {
                // Watch our own object while we wait: `cancel` completes it and wakes us.
                if own.cell().ready_or_register(cx.waker(), &mut key) {
                    work.set(None);
                    Poll::Ready(None)
                } else {
                    Poll::Pending
                }
            }
        }
    })
    .await;
    if let Some(key) = key {
        own.cell().deregister(key);
    }
    // Our ref goes before the result is stored: if nobody else holds the object, it is
    // freed now and the result is just dropped.
    drop(own);
    match result {
        Some(outcome) => done.fulfill(outcome),
        None => done.cancelled(),
    }
}

/// Resolves the arguments, takes the CPU share, and runs attempts until one succeeds or
/// the retries are spent. The share is released when this future ends (or is dropped).
async fn attempts<R, A, Res, Make, Fut>(
    options: TaskOptions,
    mut grant: Grant,
    resolve: Res,
    mut make: Make,
    is_err: fn(&R) -> bool,
) -> Result<R, Error>
where
    Res: Future<Output = Result<A, Error>>,
    Make: FnMut(&mut Option<A>, bool) -> Option<Fut>,
    Fut: Future<Output = R>,
{
    // An argument holding an error: the body never runs, the error is the result.
    let mut args = Some(resolve.await?);
    let mut retries = options.get_max_retries();
    loop {
        let Some(body) = make(&mut args, retries > 0) else {
            unreachable!("the arguments are moved only into the last attempt");
        };
        let mut body = pin!(catch(body));
        // The CPU share is taken before the first poll of the body (admission).
        let outcome = poll_fn(|cx| grant.poll_body(body.as_mut(), cx)).await?;
        let retry = retries > 0
            && args.is_some()
            && match &outcome {
                Ok(value) => options.get_retry_exceptions() && is_err(value),
                Err(_panicked) => true,
            };
        if !retry {
            return outcome;
        }
        retries -= 1;
    }
}

/// The task's promise: fulfilled with the result. A task dropped unfinished drops it, and
/// the promise stores why: `RuntimeShutdown` when its runtime's shutdown dropped the task
/// (the runtime drops tasks inside a failure scope naming it), else `TaskPanicked` while
/// unwinding, else `ObjectLost`.
struct Done<R> {
    promise: Option<Promise<R>>,
}

impl<R> Done<R> {
    fn new(promise: Promise<R>) -> Self {
        Done { promise: Some(promise) }
    }

    fn fulfill(&mut self, outcome: Result<R, Error>) {
        if let Some(promise) = self.promise.take() {
            promise.fulfill(outcome);
        }
    }

    /// The object already holds `Cancelled`: the promise has nothing left to do.
    fn cancelled(&mut self) {
        self.fulfill(Err(Error::Cancelled));
    }
}

/// Without `std` there is no admission: the body is polled as is.
#[cfg(not(feature = "std"))]
#[derive(Debug)]
struct Grant;

#[cfg(not(feature = "std"))]
impl Grant {
    fn none() -> Self {
        Grant
    }

    #[allow(clippy::unused_self)]
    fn poll_body<F: Future>(
        &mut self,
        body: core::pin::Pin<&mut F>,
        cx: &mut core::task::Context<'_>,
    ) -> Poll<Result<F::Output, Error>> {
        body.poll(cx).map(Ok)
    }
}
