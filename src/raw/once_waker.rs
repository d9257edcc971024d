//! [`OnceWaker`]: a waker slot written once, then read by any thread without a
//! read-modify-write.
//!
//! An actor's task is polled with the same waker (its own task's) every time it goes idle.
//! `AtomicWaker` hands a waker over per wake-up: the receiver registers a clone, a sender
//! takes it out and wakes it by value, so every idle → woken round trip pays the slot's
//! two state transitions, the clone's reference-count increment, and the registration's
//! transitions again. A slot that keeps the first waker for good lets the receiver
//! re-register by comparing (`Waker::will_wake`, two loads) and a sender wake it by
//! reference — the wake-up itself is then the task's single state transition.
//!
//! ```text
//!  EMPTY ──set (CAS, one winner)──▶ SETTING ──write waker, store Release──▶ READY
//!  get: load Acquire == READY ⇒ &Waker (never written again until drop)
//!  EMPTY ──set_lent──▶ SETTING ──▶ LENT: as READY, but the slot never drops the waker
//!        (a cell's own uncounted waker, see `cell::CellRef::lend_waker`)
//! ```

use core::mem::MaybeUninit;
use core::task::Waker;

use crate::sync::atomic::{AtomicU8, Ordering::*};
use crate::sync::UnsafeCell;

const EMPTY: u8 = 0;
const SETTING: u8 = 1;
const READY: u8 = 2;
/// Holds a lent waker: readable like READY, never dropped by the slot.
#[cfg_attr(not(feature = "std"), allow(dead_code))] // lent only by std cells
const LENT: u8 = 3;

/// A set-once waker slot. See the [module docs](self).
pub(crate) struct OnceWaker {
    state: AtomicU8,
    slot: UnsafeCell<MaybeUninit<Waker>>,
}

// SAFETY: the slot holds a `Waker` (`Send + Sync`), written only by the one thread that
// won the EMPTY → SETTING transition, before READY is published with `Release`; readers
// take `&Waker` only after reading READY with `Acquire`, and the slot is never written
// again while shared.
unsafe impl Send for OnceWaker {}
// SAFETY: as above.
unsafe impl Sync for OnceWaker {}

impl core::fmt::Debug for OnceWaker {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OnceWaker").field("set", &(self.state.load(Acquire) == READY)).finish()
    }
}

impl OnceWaker {
    /// An empty slot.
    pub(crate) fn new() -> Self {
        OnceWaker { state: AtomicU8::new(EMPTY), slot: UnsafeCell::new(MaybeUninit::uninit()) }
    }

    /// The stored waker, once one is stored.
    #[inline]
    pub(crate) fn get(&self) -> Option<&Waker> {
        if self.state.load(Acquire) < READY {
            return None;
        }
        // SAFETY: READY (or LENT) was published (Release) after the only write of the slot, and the
        // slot is not written again until `drop`, which needs `&mut self`.
        Some(self.slot.with(|p| unsafe { (*p).assume_init_ref() }))
    }

    /// Stores a clone of `waker` if the slot is empty. Returns false if another waker was
    /// stored (or is being stored) first.
    pub(crate) fn set(&self, waker: &Waker) -> bool {
        if self.state.compare_exchange(EMPTY, SETTING, Acquire, Relaxed).is_err() {
            return false;
        }
        // SAFETY: winning EMPTY → SETTING makes this the slot's only writer, and no reader
        // looks at the slot before READY.
        self.slot.with_mut(|p| unsafe { (*p).write(waker.clone()) });
        self.state.store(READY, Release);
        true
    }
}

#[cfg(feature = "std")]
impl OnceWaker {
    /// Stores `waker` (not a clone) if the slot is empty, to be woken by reference but
    /// never dropped: for a waker whose reference is not counted. Returns false if another
    /// waker was stored first.
    ///
    /// # Safety
    /// Whatever `waker` wakes stays alive for as long as this slot does.
    pub(crate) unsafe fn set_lent(&self, waker: core::mem::ManuallyDrop<Waker>) -> bool {
        if self.state.compare_exchange(EMPTY, SETTING, Acquire, Relaxed).is_err() {
            return false;
        }
        // SAFETY: winning EMPTY → SETTING makes this the slot's only writer, and no reader
        // looks at the slot before LENT.
        self.slot.with_mut(|p| unsafe { (*p).write(core::mem::ManuallyDrop::into_inner(waker)) });
        self.state.store(LENT, Release);
        true
    }
}

impl Drop for OnceWaker {
    fn drop(&mut self) {
        if self.state.load(Acquire) == READY {
            // SAFETY: READY means the slot was initialized; `&mut self` means no reader.
            self.slot.with_mut(|p| unsafe { (*p).assume_init_drop() });
        }
    }
}
