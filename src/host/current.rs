//! The runtime of the calling thread, and the process-wide default: how the free functions
//! (`Counter::remote()`, `add::remote(…)`, `rustyray::spawn`, `rustyray::put`) find where to
//! run. A runtime lends its parts to the threads it runs ([`enter`]: its workers, and a
//! thread for the duration of a `block_on`) and names the default one ([`set_default`]).

use core::cell::RefCell;
use std::sync::{Mutex, PoisonError};

use alloc::sync::Arc;

use super::RuntimeParts;
use crate::Error;

std::thread_local! {
    /// The runtime this thread works for. Borrowed (not cloned) on the submission hot
    /// paths.
    static CURRENT: RefCell<Option<Arc<RuntimeParts>>> = const { RefCell::new(None) };
}

/// The process-wide default runtime (`rustyray::init`).
static DEFAULT: Mutex<Option<Arc<RuntimeParts>>> = Mutex::new(None);

/// Restores the thread's previous runtime when dropped.
pub(crate) struct HomeGuard {
    previous: Option<Arc<RuntimeParts>>,
}

impl core::fmt::Debug for HomeGuard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HomeGuard").finish_non_exhaustive()
    }
}

/// Makes `parts` this thread's runtime until the guard drops.
pub(crate) fn enter(parts: Arc<RuntimeParts>) -> HomeGuard {
    HomeGuard { previous: CURRENT.with(|c| c.borrow_mut().replace(parts)) }
}

impl Drop for HomeGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // A runtime's parts may drop here: outside the borrow.
        let current = CURRENT.try_with(|c| core::mem::replace(&mut *c.borrow_mut(), previous));
        drop(current);
    }
}

/// Sets (or clears) the process-wide default runtime.
pub(crate) fn set_default(parts: Option<Arc<RuntimeParts>>) {
    let previous = core::mem::replace(&mut *DEFAULT.lock().unwrap_or_else(PoisonError::into_inner), parts);
    drop(previous);
}

/// Runs `f` with the calling thread's runtime, if it is one of a runtime's threads (a
/// worker, or inside a `block_on`): borrowed, no reference-count traffic.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Arc<RuntimeParts>>) -> R) -> R {
    let mut f = Some(f);
    // During thread-local destruction: no runtime.
    let out = CURRENT.try_with(|c| f.take().map(|f| f(c.borrow().as_ref())));
    match (out, f) {
        (Ok(Some(r)), _) => r,
        (_, Some(f)) => f(None),
        (_, None) => unreachable!("f runs once"),
    }
}

/// Runs `f` with the calling thread's runtime (when it is one of a runtime's threads), else
/// the default runtime. On a runtime thread this borrows it: no reference-count traffic.
///
/// # Errors
/// [`Error::NoRuntime`] with neither.
pub(crate) fn with_current_or_default<R>(f: impl FnOnce(&Arc<RuntimeParts>) -> R) -> Result<R, Error> {
    let mut f = Some(f);
    let current = CURRENT.try_with(|c| c.borrow().as_ref().and_then(|parts| f.take().map(|f| f(parts))));
    if let Ok(Some(r)) = current {
        return Ok(r);
    }
    let parts = DEFAULT.lock().unwrap_or_else(PoisonError::into_inner).clone().ok_or(Error::NoRuntime)?;
    match f.take() {
        Some(f) => Ok(f(&parts)),
        None => unreachable!("f runs once"),
    }
}
