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

/// A short critical section around `T`: a `std` mutex, or on `no_std` a
/// `critical-section` mutex (interrupt-safe on a microcontroller; the firmware provides
/// the implementation, e.g. `cortex-m`'s `critical-section-single-core`).
///
/// The closure API keeps every critical section visibly short and never held across an
/// `.await`.
#[derive(Debug)]
pub(crate) struct Lock<T> {
    #[cfg(any(loom, feature = "std"))]
    inner: Mutex<T>,
    #[cfg(not(any(loom, feature = "std")))]
    inner: critical_section::Mutex<core::cell::RefCell<T>>,
}

impl<T: Default> Default for Lock<T> {
    fn default() -> Self {
        Lock::new(T::default())
    }
}

impl<T> Lock<T> {
    #[cfg(not(loom))]
    pub(crate) const fn new(value: T) -> Self {
        #[cfg(feature = "std")]
        {
            Lock { inner: Mutex::new(value) }
        }
        #[cfg(not(feature = "std"))]
        {
            Lock { inner: critical_section::Mutex::new(core::cell::RefCell::new(value)) }
        }
    }

    #[cfg(loom)]
    pub(crate) fn new(value: T) -> Self {
        Lock { inner: Mutex::new(value) }
    }

    /// The value, through a unique borrow: no locking needed.
    #[inline]
    pub(crate) fn get_mut(&mut self) -> &mut T {
        #[cfg(loom)]
        {
            self.inner.get_mut().unwrap()
        }
        #[cfg(all(not(loom), feature = "std"))]
        {
            self.inner.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner)
        }
        #[cfg(all(not(loom), not(feature = "std")))]
        {
            self.inner.get_mut().get_mut()
        }
    }

    /// Runs `f` with exclusive access. `f` must not block, await, or re-enter this lock.
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        #[cfg(any(loom, feature = "std"))]
        {
            f(&mut lock(&self.inner))
        }
        #[cfg(not(any(loom, feature = "std")))]
        {
            critical_section::with(|cs| f(&mut self.inner.borrow_ref_mut(cs)))
        }
    }
}
