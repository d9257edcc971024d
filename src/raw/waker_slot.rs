//! [`WakerSlot`]: where a mailbox's receiver waits, in one word.
//!
//! A receiver's waker is either its actor cell's own, lent to the mailbox when the cell is
//! made (a pointer to the cell, not counted: the slot lies inside the cell), or a general
//! `AtomicWaker` for any other receiving task, boxed on first use. An actor's mailbox
//! nearly always needs only the first; the second is for the public `recv` and for actors
//! run by another executor. Both used to be a word each; here one word holds either, or
//! both (the lent cell moves into the box when one is made).
//!
//! ```text
//!  null ──lend(cell)──▶ cell | LENT ──first atomic()──▶ box { lent: cell, atomic }
//!    └───────────────────first atomic()──────────────▶ box { lent: none, atomic }
//!  a box, once published (CAS, Release), stays until the slot is dropped
//! ```
//!
//! Readers load the word (Acquire) and follow it: the lent cell lives as long as the slot
//! (the slot is inside it), the box until `drop` (`&mut self`).

use alloc::boxed::Box;
use core::ptr::{self, NonNull};
use core::task::Waker;

use atomic_waker::AtomicWaker;

use super::cell::{wake_cell_by_ref, waker_is_cell, Header};
use crate::sync::atomic::{AtomicPtr, Ordering::*};

/// Tag of a word holding a lent cell (a header is 8-aligned, so bit 0 is free; a box's
/// address has it clear).
const LENT: usize = 1;

/// Whether cells lend their wakers at all: only the std scheduler runs cells, so without
/// `std` the slot is only ever empty or boxed (and the lent paths compile to nothing).
const LENDS: bool = cfg!(feature = "std");

/// The boxed form: the general waker, and the lent cell if there was one.
struct Spare {
    lent: Option<NonNull<Header>>,
    atomic: AtomicWaker,
}

/// A receiver's waker slot. See the [module docs](self).
pub(crate) struct WakerSlot {
    word: AtomicPtr<u8>,
}

// SAFETY: the word refers to the cell the slot lies in (alive as long as the slot; only
// its `wake_by_ref` is called, which is thread-safe) or to a box whose `AtomicWaker` is
// `Send + Sync` and which is only read through `&` until `drop` (`&mut self`).
unsafe impl Send for WakerSlot {}
// SAFETY: as above.
unsafe impl Sync for WakerSlot {}

/// What the word holds.
enum Held<'a> {
    Nothing,
    Lent(NonNull<Header>),
    Boxed(&'a Spare),
}

impl core::fmt::Debug for WakerSlot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let held = match self.held() {
            Held::Nothing => "nothing",
            Held::Lent(_) => "lent",
            Held::Boxed(_) => "boxed",
        };
        f.debug_struct("WakerSlot").field("holds", &held).finish()
    }
}

impl WakerSlot {
    /// An empty slot.
    pub(crate) fn new() -> Self {
        WakerSlot { word: AtomicPtr::new(ptr::null_mut()) }
    }

    #[inline]
    fn held(&self) -> Held<'_> {
        self.held_at(self.word.load(Acquire))
    }

    /// Lends `cell`'s waker to this slot (the caller, `CellRef::lend_waker`, checked that
    /// the slot lies inside that cell). Done once, before the cell is shared.
    #[cfg(feature = "std")]
    pub(super) fn lend(&self, cell: NonNull<Header>) {
        let tagged = cell.as_ptr().cast::<u8>().map_addr(|a| a | LENT);
        let lent = self.word.compare_exchange(ptr::null_mut(), tagged, Release, Relaxed);
        assert!(lent.is_ok(), "a waker is lent to an empty slot, once");
    }

    /// The lent cell, if any.
    #[inline]
    fn lent(&self) -> Option<NonNull<Header>> {
        if !LENDS {
            return None;
        }
        match self.held() {
            Held::Nothing => None,
            Held::Lent(cell) => Some(cell),
            Held::Boxed(spare) => spare.lent,
        }
    }

    /// True if `waker` is the lent cell's waker.
    #[inline]
    pub(crate) fn is_lent(&self, waker: &Waker) -> bool {
        self.lent().is_some_and(|cell| waker_is_cell(waker, cell))
    }

    /// Wakes the lent cell by reference, if one was lent.
    #[inline]
    pub(crate) fn wake_lent(&self) {
        if let Some(cell) = self.lent() {
            // SAFETY: a lent cell contains this slot, so it is alive while `self` is.
            unsafe { wake_cell_by_ref(cell) }
        }
    }

    /// Wakes the task registered in the general waker, if there is one.
    #[inline]
    pub(crate) fn wake_atomic(&self) {
        if let Held::Boxed(spare) = self.held() {
            spare.atomic.wake();
        }
    }

    /// The general waker, boxed on first use (keeping a lent cell). If two threads race,
    /// one box wins and the other is dropped.
    pub(crate) fn atomic(&self) -> &AtomicWaker {
        let mut word = self.word.load(Acquire);
        loop {
            let lent = match self.held_at(word) {
                Held::Boxed(spare) => return &spare.atomic,
                Held::Lent(cell) => Some(cell),
                Held::Nothing => None,
            };
            let mine = Box::into_raw(Box::new(Spare { lent, atomic: AtomicWaker::new() }));
            match self.word.compare_exchange(word, mine.cast::<u8>(), AcqRel, Acquire) {
                // SAFETY: `mine` is now published and lives until `drop`, as in `held`.
                Ok(_) => return unsafe { &(*mine).atomic },
                Err(now) => {
                    // SAFETY: the CAS failed, so `mine` was never shared: this is its only
                    // owner.
                    drop(unsafe { Box::from_raw(mine) });
                    word = now;
                }
            }
        }
    }

    /// What `word`, loaded (Acquire) from this slot, holds.
    #[inline]
    fn held_at(&self, word: *mut u8) -> Held<'_> {
        if word.is_null() {
            Held::Nothing
        } else if LENDS && word.addr() & LENT != 0 {
            // Non-null: it was a header's address before the tag was set.
            Held::Lent(NonNull::new(word.map_addr(|a| a & !LENT).cast::<Header>()).expect("a lent cell"))
        } else {
            // SAFETY: an untagged non-null word is a box published (Release) by `atomic`,
            // loaded with Acquire, and freed only by `drop` (`&mut self`, so not while
            // the returned reference, tied to `&self`, lives).
            Held::Boxed(unsafe { &*word.cast::<Spare>() })
        }
    }
}

impl Drop for WakerSlot {
    fn drop(&mut self) {
        let word = self.word.load(Acquire);
        if !word.is_null() && word.addr() & LENT == 0 {
            // SAFETY: an untagged word is a box from `Box::into_raw` in `atomic`; `&mut
            // self` means no reference handed out by `atomic` or `held` is alive.
            drop(unsafe { Box::from_raw(word.cast::<Spare>()) });
        }
    }
}
