//! The process-wide default runtime: [`init`], [`shutdown`], [`spawn`], and what
//! `#[rustyray::main]` expands to.

use core::future::Future;
use std::sync::{Mutex, PoisonError};

use super::{Handle, Runtime};
use crate::executor::{self, JoinHandle};
use crate::Error;

static DEFAULT: Mutex<Option<Runtime>> = Mutex::new(None);

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
    if let Some(h) = executor::with_current(|c| c.map(|c| Handle { shared: c.shared.clone() })) {
        return Ok(h);
    }
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
    match current_or_default() {
        Ok(h) => h.spawn(future),
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
