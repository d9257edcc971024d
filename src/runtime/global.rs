//! The process-wide default runtime: [`init`], [`shutdown`], [`spawn`], [`put`], and what
//! `#[rustyray::main]` expands to. The runtime is owned here; its home is what the free
//! functions find (`host::with_current_or_default`).

use core::future::Future;
use std::sync::{Mutex, PoisonError};

use super::{Handle, Runtime};
use crate::executor::{self, JoinHandle};
use crate::host;
use crate::object::ObjectRef;
use crate::Error;

static DEFAULT: Mutex<Option<Runtime>> = Mutex::new(None);

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
    host::with_current_or_default(|parts| parts.store.put(value))
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
    let rt = builder.build()?;
    host::set_default(Some(rt.handle().parts.clone()));
    *slot = Some(rt);
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
            host::set_default(None);
            rt.shutdown();
            Ok(())
        }
        None => Err(Error::NoRuntime),
    }
}

/// A handle to the default runtime, if it runs.
fn default_handle() -> Result<Handle, Error> {
    DEFAULT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .map(|rt| rt.handle().clone())
        .ok_or(Error::NoRuntime)
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
    match default_handle() {
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
    let handle = default_handle().unwrap_or_else(|e| panic!("#[rustyray::main]: {e}"));
    let out = handle.block_on(body);
    let _ = shutdown();
    out
}
