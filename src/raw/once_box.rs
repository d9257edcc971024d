//! [`OnceBox`]: a value allocated on first use and then shared, in one pointer.
//!
//! A mailbox needs a general waker slot (`AtomicWaker`, 24 bytes) only when a task other
//! than its actor receives from it; every actor mailbox carried one all the same. Boxed on
//! first use, the slot costs the others 8 bytes.
//!
//! ```text
//!  null ──get_or_init: box a value, CAS null → box (one winner; a loser frees its box)──▶ box
//!  get: load Acquire, non-null ⇒ &T (the box lives until drop)
//! ```

use alloc::boxed::Box;
use core::ptr;

use crate::sync::atomic::{AtomicPtr, Ordering::*};

/// A lazily boxed `T`. See the [module docs](self).
pub(crate) struct OnceBox<T> {
    ptr: AtomicPtr<T>,
}

// SAFETY: the box is created by one thread and published with a `Release` CAS; every
// other thread only reads it (`&T`) after an `Acquire` load, and it is freed only by
// `drop` (`&mut self`). So this is `Send`/`Sync` exactly when sharing `&T` and moving `T`
// are: `T: Send + Sync`.
unsafe impl<T: Send + Sync> Send for OnceBox<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for OnceBox<T> {}

impl<T> core::fmt::Debug for OnceBox<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OnceBox").field("set", &!self.ptr.load(Acquire).is_null()).finish()
    }
}

impl<T> OnceBox<T> {
    /// An empty slot.
    pub(crate) fn new() -> Self {
        OnceBox { ptr: AtomicPtr::new(ptr::null_mut()) }
    }

    /// The value, once one is set.
    #[inline]
    pub(crate) fn get(&self) -> Option<&T> {
        let p = self.ptr.load(Acquire);
        // SAFETY: a non-null pointer was published (Release) by `get_or_init` right after
        // its box was written, and the box is freed only by `drop` (`&mut self`).
        (!p.is_null()).then(|| unsafe { &*p })
    }

    /// The value, made by `make` if none is set yet (if two threads race, one value wins
    /// and the other is dropped).
    pub(crate) fn get_or_init(&self, make: impl FnOnce() -> T) -> &T {
        if let Some(value) = self.get() {
            return value;
        }
        let mine = Box::into_raw(Box::new(make()));
        match self.ptr.compare_exchange(ptr::null_mut(), mine, AcqRel, Acquire) {
            // SAFETY: `mine` is now published and lives until `drop`, as in `get`.
            Ok(_) => unsafe { &*mine },
            Err(theirs) => {
                // SAFETY: the CAS failed, so `mine` was never shared: this is its only
                // owner. `theirs` was published like any winner's (see `get`).
                unsafe {
                    drop(Box::from_raw(mine));
                    &*theirs
                }
            }
        }
    }
}

impl<T> Drop for OnceBox<T> {
    fn drop(&mut self) {
        let p = self.ptr.load(Acquire);
        if !p.is_null() {
            // SAFETY: the box came from `Box::into_raw` in `get_or_init`; `&mut self`
            // means no reference handed out by `get` is alive.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}
