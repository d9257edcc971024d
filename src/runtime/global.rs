//! The process-wide default runtime: [`init`], [`shutdown`], [`spawn`], [`put`], and what
//! `#[rustyray::main]` expands to.

use core::cell::RefCell;
use core::future::Future;
use std::sync::{Mutex, PoisonError};

use super::{Handle, Runtime};
use crate::executor::{self, JoinHandle};
use crate::object::{ObjectRef, Store};
use crate::Error;

static DEFAULT: Mutex<Option<Runtime>> = Mutex::new(None);

std::thread_local! {
    /// The runtime this thread works for: set for a worker's whole life and for the
    /// duration of a `block_on`, exactly where the executor context is set. Borrowed (not
    /// cloned) on the submission hot paths.
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

/// Restores the previous current runtime when dropped.
pub(crate) struct HandleGuard {
    previous: Option<Handle>,
}

/// Makes `handle` this thread's current runtime until the guard drops.
pub(crate) fn enter_handle(handle: Handle) -> HandleGuard {
    HandleGuard { previous: CURRENT.with(|c| c.borrow_mut().replace(handle)) }
}

impl Drop for HandleGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // The handle (and with it the store) may drop here: outside the borrow.
        let current = CURRENT.try_with(|c| core::mem::replace(&mut *c.borrow_mut(), previous));
        drop(current);
    }
}

impl core::fmt::Debug for HandleGuard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HandleGuard").finish_non_exhaustive()
    }
}

/// Runs `f` with the current runtime (when called from one of its threads), else the
/// default one. On a runtime thread this borrows the handle: no reference-count traffic.
///
/// # Errors
/// [`Error::NoRuntime`] with neither running.
pub(crate) fn with_current_or_default<R>(f: impl FnOnce(&Handle) -> R) -> Result<R, Error> {
    let mut f = Some(f);
    let current = CURRENT.try_with(|c| c.borrow().as_ref().map(|handle| (f.take().expect("called once"))(handle)));
    if let Ok(Some(r)) = current {
        return Ok(r);
    }
    let f = f.take().expect("not called yet");
    let handle = default_handle()?;
    Ok(f(&handle))
}

fn default_handle() -> Result<Handle, Error> {
    DEFAULT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .map(|rt| rt.handle().clone())
        .ok_or(Error::NoRuntime)
}

/// Runs `f` with the current runtime's store (when called from one of its threads), else
/// the default runtime's.
///
/// # Errors
/// [`Error::NoRuntime`] with neither running.
pub(crate) fn with_store<R>(f: impl FnOnce(&Store) -> R) -> Result<R, Error> {
    with_current_or_default(|h| f(&h.parts.store))
}

/// Stores `value` as a new object, ready at once, in the current runtime's store (when
/// called from one of its tasks or a `block_on`) or the default runtime's
/// ([`Runtime::store`]).
///
/// ```
/// # let rt = rustyray::Runtime::builder().worker_threads(1).build()?;
/// rt.block_on(async {
///     let obj = rustyray::put(vec![1, 2, 3])?;
///     assert_eq!(obj.get().await?, [1, 2, 3]);
///     Ok::<(), rustyray::Error>(())
/// })?;
/// # Ok::<(), rustyray::Error>(())
/// ```
///
/// # Errors
/// [`Error::NoRuntime`] with neither running.
pub fn put<T: Send + Sync + 'static>(value: T) -> Result<ObjectRef<T>, Error> {
    with_store(|store| store.put(value))
}

/// Starts the process-wide default runtime (one worker per CPU), used by the free
/// functions (`rustyray::spawn`, `Counter::remote()`, `add::remote(…)`).
///
/// # Errors
/// [`Error::AlreadyInitialized`] if it is already running; see also [`crate::Builder::build`].
pub fn init() -> Result<(), Error> {
    init_with(Runtime::builder())
}

/// Like [`init`], with options.
pub(crate) fn init_with(builder: super::Builder) -> Result<(), Error> {
    let mut slot = DEFAULT.lock().unwrap_or_else(PoisonError::into_inner);
    if slot.is_some() {
        return Err(Error::AlreadyInitialized);
    }
    *slot = Some(builder.build()?);
    Ok(())
}

/// Stops the default runtime (see [`Runtime::shutdown`]).
///
/// # Errors
/// [`Error::NoRuntime`] if it was not running.
pub fn shutdown() -> Result<(), Error> {
    let rt = DEFAULT.lock().unwrap_or_else(PoisonError::into_inner).take();
    match rt {
        Some(rt) => {
            rt.shutdown();
            Ok(())
        }
        None => Err(Error::NoRuntime),
    }
}

/// The runtime whose thread this is, else the default runtime.
#[doc(hidden)]
pub fn current_or_default() -> Result<Handle, Error> {
    if let Some(handle) = CURRENT.try_with(|c| c.borrow().clone()).ok().flatten() {
        return Ok(handle);
    }
    default_handle()
}

/// Spawns `future` onto the current runtime (when called from one of its threads) or the
/// default runtime. With neither running, the handle resolves to [`Error::NoRuntime`].
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // Fast path on a runtime thread: spawn through the current core, no handle clone.
    let mut future = Some(future);
    if let Some(handle) = executor::with_current(|c| c.map(|c| c.shared.spawn(future.take().expect("taken once")))) {
        return handle;
    }
    match current_or_default() {
        Ok(h) => h.spawn(future.take().expect("not taken on this path")),
        Err(e) => JoinHandle::failed(e),
    }
}

/// What `#[rustyray::main]` expands to: init, block on `body`, shut down.
///
/// # Panics
/// If the default runtime cannot start (already running, or no thread could be spawned).
#[doc(hidden)]
pub fn run_main<F: Future>(body: F) -> F::Output {
    if let Err(e) = init() {
        panic!("#[rustyray::main] could not start the runtime: {e}");
    }
    let handle = current_or_default().unwrap_or_else(|e| panic!("#[rustyray::main]: {e}"));
    let out = handle.block_on(body);
    let _ = shutdown();
    out
}
