//! [`cancel`]: stop a remote task and resolve its result to [`Error::Cancelled`].

use crate::object::ObjectRef;
use crate::Error;

/// Cancels the task that produces `object`: the object is completed with
/// [`Error::Cancelled`] at once, and
///
/// * a task that has not started its body (waiting for its arguments, for CPUs, or in a
///   run queue) never runs it;
/// * a running task is dropped at its next await point (its future is dropped when the
///   current poll returns; a body busy in a synchronous computation is not interrupted);
/// * tasks depending on `object` fail with `Cancelled` without running.
///
/// Cancelling an object that is already ready (a finished task, a `put`) is a no-op.
/// An object produced by other means (an actor call, a hand-held
/// [`Promise`](crate::Promise)) resolves to `Cancelled` too, but its producer keeps running
/// (its result is dropped). Child tasks the cancelled task submitted are not cancelled
/// (Ray's `recursive=True` is not implemented).
///
/// ```
/// # let rt = rustyray::Runtime::builder().worker_threads(1).build()?;
/// let (never, _promise) = rt.store().pending::<u32>();
/// rt.block_on(async {
///     let blocked = rustyray::put(0_u32)?; // ready
///     rustyray::cancel(&blocked);            // no-op: already ready
///     assert_eq!(blocked.get().await?, 0);
///     rustyray::cancel(&never);
///     assert_eq!(never.get().await, Err(rustyray::Error::Cancelled));
///     Ok::<(), rustyray::Error>(())
/// })?;
/// # Ok::<(), rustyray::Error>(())
/// ```
pub fn cancel<T>(object: &ObjectRef<T>) {
    // The task producing the object watches it (its waker is registered there while it
    // waits) and stops when it finds it completed. A ready object ignores the completion.
    object.cell().complete(Err(Error::Cancelled)).wake();
}
