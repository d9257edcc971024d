//! [`SpinLock`]: the lock of a growable mailbox queue and of an object cell under `std`.
//!
//! A mailbox's critical sections are a few moves (push one message, or swap the queued
//! batch out), and so are an object cell's (complete it, register a waiter, read it), so
//! the lock is taken with one compare-and-swap and released with a plain `Release` store:
//! a futex mutex also releases with an atomic swap, to learn whether a sleeper needs
//! waking, which costs a second read-modify-write per send and per batch.
//! A contended acquire spins briefly, then yields the thread a few times (a holder that
//! was preempted on this core gets it back), then naps in short sleeps: with more runnable
//! threads than cores, a holder preempted on *another* core's run queue waits behind a
//! thread spinning there as we do, and a yield comes straight back to us; a sleeping
//! thread leaves its core idle, and the scheduler moves the waiting holder onto it. (Four
//! senders to one actor on two cores: 27,000 yields a run, and runs from 60 to 110 ms;
//! with naps, 30 ms.) No waiter ever needs waking, so the release stays a plain store.
//!
//! Not used without `std`: there the queue uses the `critical-section` lock, which is
//! also safe against interrupt handlers (a spin lock is not, on one core).
//!
//! ```text
//!  with(f): CAS false → true (Acquire) ─▶ f(&mut T) ─▶ store false (Release)
//!           contended: spin on loads, then yield, then nap, then CAS again
//! ```

use crate::sync::atomic::{AtomicBool, Ordering::*};
use crate::sync::{spin_hint, UnsafeCell};

/// Spins on a held lock before yielding the thread.
const SPINS: u32 = 64;
/// Yields before napping (see `acquire_contended`).
#[cfg(not(loom))]
const YIELDS: u32 = 4;
/// A nap while the lock is still held after the spins and yields.
#[cfg(not(loom))]
const NAP: core::time::Duration = core::time::Duration::from_micros(20);

/// A test-and-test-and-set lock around `T`. See the [module docs](self).
pub(crate) struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the lock hands out `&mut T` to one thread at a time, so sharing the lock moves
// `T` between threads (hence `T: Send`) but never shares it.
unsafe impl<T: Send> Sync for SpinLock<T> {}
// SAFETY: owning the lock is owning the `T`.
unsafe impl<T: Send> Send for SpinLock<T> {}

impl<T> core::fmt::Debug for SpinLock<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SpinLock").field("locked", &self.locked.load(Relaxed)).finish_non_exhaustive()
    }
}

/// Releases the lock when dropped, also while unwinding out of the critical section.
struct Unlock<'a>(&'a AtomicBool);

impl Drop for Unlock<'_> {
    #[inline]
    fn drop(&mut self) {
        self.0.store(false, Release);
    }
}

impl<T> SpinLock<T> {
    /// An unlocked lock around `value`.
    pub(crate) fn new(value: T) -> Self {
        SpinLock { locked: AtomicBool::new(false), value: UnsafeCell::new(value) }
    }

    /// The value, through a unique borrow: no locking needed.
    #[inline]
    pub(crate) fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves that no section holds the lock and that none can
        // start, so this is the only reference to the value while it lives.
        self.value.with_mut(|p| unsafe { &mut *p })
    }

    /// Runs `f` with exclusive access. `f` must not block, await, or re-enter this lock.
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        if self.locked.compare_exchange_weak(false, true, Acquire, Relaxed).is_err() {
            self.acquire_contended();
        }
        let _unlock = Unlock(&self.locked);
        // SAFETY: the lock is held (the CAS above or `acquire_contended` set `locked`
        // with `Acquire`, and only the holder clears it), so no other `&mut T` exists
        // until `_unlock` is dropped after `f` returns or unwinds.
        self.value.with_mut(|p| f(unsafe { &mut *p }))
    }

    #[cold]
    fn acquire_contended(&self) {
        let mut spins = 0u32;
        #[cfg(not(loom))]
        let mut yields = 0u32;
        loop {
            while self.locked.load(Relaxed) {
                if spins < SPINS {
                    spins += 1;
                    spin_hint();
                    continue;
                }
                #[cfg(not(loom))]
                if yields < YIELDS {
                    // A holder preempted on this core's run queue gets it back.
                    yields += 1;
                    std::thread::yield_now();
                } else {
                    // Still held: its holder waits on another core's run queue, behind a
                    // thread that spins as we do. A yield would come straight back (nothing
                    // else is queued here); sleeping leaves this core idle, and an idle core
                    // takes the waiting thread over, so the holder runs and releases.
                    std::thread::sleep(NAP);
                }
                #[cfg(loom)]
                spin_hint();
            }
            if self.locked.compare_exchange_weak(false, true, Acquire, Relaxed).is_ok() {
                return;
            }
        }
    }
}
