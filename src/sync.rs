//! The synchronization facade: every atomic, cell and lock the executor uses comes from
//! here, so the same code runs on `core`, on `portable-atomic` (targets without CAS) and
//! under the `loom` model checker (`--cfg loom`).

#![allow(unused_imports, dead_code)]

#[cfg(all(not(loom), not(feature = "portable-atomic")))]
pub(crate) use core::sync::atomic;
#[cfg(loom)]
pub(crate) use loom::sync::atomic;
#[cfg(all(not(loom), feature = "portable-atomic"))]
pub(crate) use portable_atomic as atomic;

#[cfg(loom)]
pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(all(not(loom), feature = "std"))]
pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Spin-loop hint; under loom a yield so the model explores other threads.
#[inline]
pub(crate) fn spin_hint() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    core::hint::spin_loop();
}

/// Locks a mutex, ignoring poisoning: every critical section in rustyray leaves the data
/// consistent before any code that could panic runs.
#[cfg(any(loom, feature = "std"))]
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    #[cfg(loom)]
    {
        m.lock().unwrap()
    }
    #[cfg(not(loom))]
    {
        m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// An `UnsafeCell` with loom's closure API, so access sites are model-checked.
#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

/// An `UnsafeCell` with loom's closure API, so access sites are model-checked.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(v: T) -> Self {
        UnsafeCell(core::cell::UnsafeCell::new(v))
    }
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }
    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
