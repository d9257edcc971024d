//! [`LifoSlot`]: the one-job slot a thread runs next, which another thread may take over.
//!
//! A job woken by the job that runs on a thread (a request's reply, the next actor of a
//! ring) goes to that thread's LIFO slot and runs right after the current poll, on the
//! same core. If the current poll blocks instead (user code sleeping, reading a file,
//! taking a lock), the job must not be stranded: the runtime's monitor, seeing the same
//! job in the slot across a whole tick while its owner started no poll, takes it out and
//! queues it where any thread can run it (Go's `runnext`, stolen when its owner keeps
//! running).
//!
//! ```text
//!   owner:   put(job)  ── empty: store; else swap ──▶ [ job ] ──▶ previous occupant, if any
//!   owner:   take()    ── empty: nothing; else swap ──▶ [  ∅  ]
//!   monitor: steal(seen) ─ CAS seen → ∅ ─▶ the job, if it is still the one it saw
//! ```
//!
//! Every transfer of a job *out of* the slot is one atomic read-modify-write, so a job is
//! taken exactly once, by its owner or by the monitor. Only the owner puts jobs in, so a
//! put into an empty slot is a plain store: nobody else can fill it meanwhile (the
//! monitor only empties it). Comparing addresses is only a heuristic for "still the same
//! job" (a freed job's address may be reused by a new one): stealing the new one instead
//! is harmless, it is a runnable job all the same.

use core::marker::PhantomData;
use core::ptr::{self, NonNull};

use crate::sync::atomic::{AtomicPtr, Ordering::*};

/// A job that can travel through one pointer (a run-queue item).
///
/// # Safety
/// `from_raw(into_raw(x))` gives `x` back, and `into_raw` never returns a pointer that
/// another live value of the type also owns.
pub(crate) unsafe trait RawJob: Send {
    /// Gives up ownership as a pointer.
    fn into_raw(self) -> NonNull<()>;
    /// Takes ownership back.
    ///
    /// # Safety
    /// `ptr` came from [`into_raw`](Self::into_raw) and is turned back once.
    unsafe fn from_raw(ptr: NonNull<()>) -> Self;
}

/// A slot holding at most one job. See the [module docs](self).
pub(crate) struct LifoSlot<J: RawJob> {
    ptr: AtomicPtr<()>,
    _job: PhantomData<J>,
}

// SAFETY: the slot owns at most one `J` (`Send`), handed out by atomic swaps to exactly one
// thread at a time.
unsafe impl<J: RawJob> Send for LifoSlot<J> {}
// SAFETY: as above: `&LifoSlot` only moves whole jobs in and out atomically.
unsafe impl<J: RawJob> Sync for LifoSlot<J> {}

impl<J: RawJob> core::fmt::Debug for LifoSlot<J> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LifoSlot").field("occupied", &self.is_occupied()).finish()
    }
}

impl<J: RawJob> LifoSlot<J> {
    /// An empty slot.
    pub(crate) fn new() -> Self {
        LifoSlot { ptr: AtomicPtr::new(ptr::null_mut()), _job: PhantomData }
    }

    /// Puts `job` in the slot; returns the job it held before, if any. Only the slot's
    /// owner calls this.
    #[inline]
    pub(crate) fn put(&self, job: J) -> Option<J> {
        let job = job.into_raw().as_ptr();
        if self.ptr.load(Relaxed).is_null() {
            // Empty, and only the owner fills it: it stays empty until this store.
            self.ptr.store(job, Release);
            return None;
        }
        let previous = self.ptr.swap(job, AcqRel);
        // SAFETY: a non-null pointer in the slot came from `into_raw` in `put`, and the
        // swap moved its ownership to us.
        NonNull::new(previous).map(|p| unsafe { J::from_raw(p) })
    }

    /// Takes the job out of the slot, if any.
    #[inline]
    pub(crate) fn take(&self) -> Option<J> {
        if self.ptr.load(Relaxed).is_null() {
            return None;
        }
        let taken = self.ptr.swap(ptr::null_mut(), AcqRel);
        // SAFETY: as in `put`: the swap moved the job's ownership to us.
        NonNull::new(taken).map(|p| unsafe { J::from_raw(p) })
    }

    /// True if a job waits in the slot (a snapshot).
    #[inline]
    pub(crate) fn is_occupied(&self) -> bool {
        !self.ptr.load(Relaxed).is_null()
    }

    /// The address of the job in the slot (0 when empty): what the monitor remembers.
    #[inline]
    pub(crate) fn seen(&self) -> usize {
        self.ptr.load(Acquire).addr()
    }

    /// Takes the job out if the slot still holds the one at address `seen` (or a new one
    /// at the same address, see the module docs).
    pub(crate) fn steal(&self, seen: usize) -> Option<J> {
        let current = self.ptr.load(Acquire);
        if current.is_null() || current.addr() != seen {
            return None;
        }
        match self.ptr.compare_exchange(current, ptr::null_mut(), AcqRel, Acquire) {
            // SAFETY: the CAS moved the job's ownership from the slot to us.
            Ok(p) => NonNull::new(p).map(|p| unsafe { J::from_raw(p) }),
            Err(_) => None,
        }
    }
}

impl<J: RawJob> Drop for LifoSlot<J> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use alloc::boxed::Box;

    /// A boxed number as a job.
    struct Num(Box<u32>);

    // SAFETY: the box's pointer, given up and taken back unchanged.
    unsafe impl RawJob for Num {
        fn into_raw(self) -> NonNull<()> {
            NonNull::from(Box::leak(self.0)).cast()
        }
        unsafe fn from_raw(ptr: NonNull<()>) -> Self {
            // SAFETY: by the caller's contract, from `into_raw`.
            Num(unsafe { Box::from_raw(ptr.cast::<u32>().as_ptr()) })
        }
    }

    #[test]
    fn put_take_and_steal_hand_each_job_out_once() {
        let slot = LifoSlot::<Num>::new();
        assert!(slot.take().is_none());
        assert!(slot.put(Num(Box::new(1))).is_none());
        let displaced = slot.put(Num(Box::new(2))).expect("the first job comes back");
        assert_eq!(*displaced.0, 1);
        let seen = slot.seen();
        assert!(slot.steal(seen + 8).is_none(), "not the job that was seen");
        assert_eq!(*slot.steal(seen).expect("stolen").0, 2);
        assert!(slot.take().is_none() && !slot.is_occupied());
        slot.put(Num(Box::new(3)));
        assert_eq!(*slot.take().expect("taken").0, 3);
        slot.put(Num(Box::new(4))); // dropped with the slot
    }
}
