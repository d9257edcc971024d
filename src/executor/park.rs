//! Parking a thread until it is notified.
//!
//! ```text
//!            park()                      unpark()
//!   EMPTY ──────────▶ PARKED ───────────────────▶ NOTIFIED ──(park returns)──▶ EMPTY
//!     │                                             ▲
//!     └──────────────── unpark() ───────────────────┘   (a later park returns at once)
//! ```
//!
//! * `EMPTY`: nobody is asleep and no notification is pending.
//! * `PARKED`: the owner sleeps on the condition variable.
//! * `NOTIFIED`: a notification is pending; the next `park` consumes it without sleeping.
//!
//! A notification is never lost: `unpark` always stores `NOTIFIED`, and the sleeper
//! re-checks the state under the mutex before waiting. Spinning is the caller's job (the
//! worker spins while searching for work, before it gets here).

use crate::sync::atomic::{AtomicUsize, Ordering::*};
use crate::sync::{lock, Condvar, Mutex};

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

/// A one-permit parker (like `std::thread::park`, but owned and loom-checkable).
#[derive(Debug)]
pub(crate) struct Parker {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
}

impl Parker {
    pub(crate) fn new() -> Self {
        Parker { state: AtomicUsize::new(EMPTY), mutex: Mutex::new(()), condvar: Condvar::new() }
    }

    /// Consumes a pending notification without sleeping; true if there was one.
    #[inline]
    pub(crate) fn try_consume(&self) -> bool {
        self.state.compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst).is_ok()
    }

    /// Sleeps until [`unpark`](Self::unpark) is (or was) called.
    pub(crate) fn park(&self) {
        if self.try_consume() {
            return;
        }
        let mut guard = lock(&self.mutex);
        match self.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // A swap, not a store: it must read (synchronize with) the latest unpark,
                // or a second unpark racing with us could be overwritten and its writes
                // (e.g. the shutdown flag) not yet visible when we return. (Found by loom.)
                let _ = self.state.swap(EMPTY, SeqCst);
                return;
            }
            Err(_) => unreachable!("two threads parked on one parker"),
        }
        loop {
            guard = self.condvar.wait(guard).unwrap_or_else(|e| e.into_inner());
            if self.state.compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst).is_ok() {
                return;
            }
            // spurious wake-up: still PARKED
        }
    }

    /// Sleeps until [`unpark`](Self::unpark) is (or was) called, or `timeout` has passed.
    #[cfg(not(loom))]
    pub(crate) fn park_timeout(&self, timeout: core::time::Duration) {
        if self.try_consume() {
            return;
        }
        let guard = lock(&self.mutex);
        match self.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                let _ = self.state.swap(EMPTY, SeqCst);
                return;
            }
            Err(_) => unreachable!("two threads parked on one parker"),
        }
        let (guard, _) = self.condvar.wait_timeout(guard, timeout).unwrap_or_else(|e| e.into_inner());
        // Notified, or timed out (or spuriously woken): either way, back to EMPTY. A swap
        // reads (synchronizes with) an unpark that raced the timeout.
        let _ = self.state.swap(EMPTY, SeqCst);
        drop(guard);
    }

    /// Wakes the parked thread, or makes its next `park` return at once.
    pub(crate) fn unpark(&self) {
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // Taking the lock orders us after the sleeper's check-then-wait.
                drop(lock(&self.mutex));
                self.condvar.notify_one();
            }
            _ => unreachable!("invalid parker state"),
        }
    }
}
