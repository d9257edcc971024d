//! Submitting a remote task: a pending object, and the [`RemoteTask`] that resolves its
//! arguments, takes its CPU share, runs its body (panics caught), retries and stores the
//! result, spawned on the target.
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

use core::future::Future;
#[cfg(not(feature = "std"))]
use core::task::Poll;

use super::options::TaskOptions;
use super::remote::RemoteTask;
use crate::host::Host;
#[cfg(feature = "std")]
use crate::host::RuntimeParts;
use crate::object::{pending, ObjectRef};
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
    name: &'static str,
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
                submit_on_runtime(parts, options, units, name, resolve, make, is_err)
            })?
            .map_err(Refused::error);
        }
    };
    #[cfg(feature = "std")]
    if let Some(parts) = host.runtime_parts() {
        return submit_on_runtime(parts, options, units, name, resolve, make, is_err).map_err(Refused::error);
    }
    #[cfg(feature = "std")]
    let _ = units; // admission needs a std runtime; a LocalExecutor runs one task at a time
    let home = host.home();
    let (object, promise) = pending::<R>(home.store());
    let task = RemoteTask::new(promise, resolve, make, is_err, options.retry_policy(), Grant::none());
    #[cfg(feature = "std")]
    if super::traced::wanted() {
        host.spawn_detached(super::traced::Traced::new(task, name));
        return Ok(object);
    }
    let _ = name;
    host.spawn_detached(task);
    Ok(object)
}

/// Why a runtime refused a task before making it. Two words with the object's pointer,
/// `submit_on_runtime`'s result comes back in registers: returned through memory (an
/// [`Error`] makes it five words), the caller's first read of it waited for the store
/// buffer to drain, behind the writes that just made the task's and the object's cells
/// (fresh memory in a large batch, each write a miss): `perf` put 8 % of a million-task
/// batch's samples on that one load.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug)]
enum Refused {
    Shutdown,
    TooManyCpus,
}

#[cfg(feature = "std")]
impl Refused {
    #[cold]
    fn error(self) -> Error {
        match self {
            Refused::Shutdown => Error::RuntimeShutdown,
            Refused::TooManyCpus => Error::InvalidConfig {
                reason: "a task asks for more num_cpus than its runtime has (Builder::num_cpus, default: worker_threads); lower the task's num_cpus or raise the runtime's",
            },
        }
    }
}

#[cfg(feature = "std")]
fn submit_on_runtime<R, A, Res, Make, Fut>(
    parts: &Arc<RuntimeParts>,
    options: TaskOptions,
    units: u64,
    name: &'static str,
    resolve: Res,
    make: Make,
    is_err: fn(&R) -> bool,
) -> Result<ObjectRef<R>, Refused>
where
    R: Send + Sync + 'static,
    A: Send + 'static,
    Res: Future<Output = Result<A, Error>> + Send + 'static,
    Make: FnMut(&mut Option<A>, bool) -> Option<Fut> + Send + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    if parts.scheduler.is_shutdown() {
        return Err(Refused::Shutdown);
    }
    if units > parts.cpus.total() {
        return Err(Refused::TooManyCpus);
    }
    let (object, promise) = pending::<R>(&parts.store);
    // The pool is found through the runtime's threads when the task runs (see `Grant`).
    let grant = Grant::new(units);
    // A task refused by a runtime shutting down meanwhile drops its promise inside a scope
    // naming `RuntimeShutdown`: the object says so.
    let task = RemoteTask::new(promise, resolve, make, is_err, options.retry_policy(), grant);
    if super::traced::wanted() {
        parts.scheduler.spawn_task(super::traced::Traced::new(task, name));
    } else {
        parts.scheduler.spawn_task(task);
    }
    Ok(object)
}

/// Without `std` there is no admission: the body is polled as is.
#[cfg(not(feature = "std"))]
#[derive(Debug)]
pub(crate) struct Grant;

#[cfg(not(feature = "std"))]
impl Grant {
    fn none() -> Self {
        Grant
    }

    #[allow(clippy::unused_self)]
    pub(crate) fn poll_body<F: Future>(
        &mut self,
        body: core::pin::Pin<&mut F>,
        cx: &mut core::task::Context<'_>,
    ) -> Poll<Result<F::Output, Error>> {
        body.poll(cx).map(Ok)
    }
}
