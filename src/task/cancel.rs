//! [`cancel`]: stop a remote task and resolve its result to [`Error::Cancelled`].

use crate::object::ObjectRef;
use crate::Error;

/// How many cancels this process has made (wrapping). A remote task notes it when it is
/// made; while it still reads the same, no cancel can have reached the task's object
/// before the poll reading it, so the poll skips locking the object to look (see
/// [`RemoteTask`](super::remote)).
#[cfg(feature = "std")]
static CANCELS: crate::sync::atomic::AtomicU32 = crate::sync::atomic::AtomicU32::new(0);

/// The count of cancels so far (see [`CANCELS`]). Acquire: a poll that reads a cancel's
/// increment also sees the completion the cancel made before it.
#[cfg(feature = "std")]
#[inline]
pub(crate) fn cancels() -> u32 {
    CANCELS.load(crate::sync::atomic::Ordering::Acquire)
}

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
    // After the completion (Release): whoever reads the new count finds the object completed.
    #[cfg(feature = "std")]
    CANCELS.fetch_add(1, crate::sync::atomic::Ordering::Release);
}
