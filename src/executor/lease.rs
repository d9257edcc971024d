//! [`Lease`]: the counted reference to its runtime that a task holds (to queue itself when
//! woken), taken from and given back to a [`Bank`] on the current thread's core.
//!
//! Without the bank, every task spawned and freed on the runtime's threads pays a locked
//! increment of the runtime's count when it is spawned and a locked decrement when it is
//! freed, on one line all of the runtime's threads share. With one thread spawning and the
//! workers freeing, each of those moves the line between cores. A bank keeps up to
//! [`BANK`] references per thread:
//!
//! ```text
//!  spawn on a thread of the runtime ── bank empty? take REFILL at once ──▶ pop one
//!  free on a thread of the runtime ─── bank full? give back BANK - REFILL ──▶ push one
//!  anywhere else (or a bank in use) ──▶ a plain clone / drop of the runtime's `Arc`
//! ```
//!
//! The shared line then moves about once per [`REFILL`] tasks, not twice per task.
//!
//! A bank belongs to its thread's core and goes with it (a worker's exit, the end of a
//! `block_on`): it keeps the runtime alive no longer than the core itself does, and the
//! core's own reference means giving references back never drops the runtime.

use alloc::sync::Arc as StdArc;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::ops::Deref;

use super::context;
use super::scheduler::Shared;

/// The most references a thread's bank keeps.
const BANK: usize = 64;

/// How many references a bank takes at once when empty, and keeps when it gives back.
const REFILL: usize = 32;

/// Spare references to a core's runtime (see the [module docs](self)).
#[derive(Debug, Default)]
pub(crate) struct Bank(RefCell<Vec<StdArc<Shared>>>);

impl Bank {
    /// One reference to `shared` (the core's own runtime): from the bank, refilled first if
    /// it is empty.
    fn take(&self, shared: &StdArc<Shared>) -> StdArc<Shared> {
        // In use further up this thread's stack (cannot happen today: nothing it calls
        // spawns or frees a task): a plain clone.
        let Ok(mut bank) = self.0.try_borrow_mut() else { return shared.clone() };
        if let Some(lease) = bank.pop() {
            return lease;
        }
        // On a line this thread now holds: the increments after the first are cheap.
        bank.reserve_exact(BANK);
        bank.extend(core::iter::repeat_with(|| shared.clone()).take(REFILL));
        shared.clone()
    }

    /// Keeps `lease` (a reference to the core's own runtime), or hands it back if the bank
    /// is in use. A full bank first gives back all but [`REFILL`]; none of those is the
    /// runtime's last reference, as the core holds one of its own.
    fn give(&self, lease: StdArc<Shared>) -> Option<StdArc<Shared>> {
        let Ok(mut bank) = self.0.try_borrow_mut() else { return Some(lease) };
        if bank.len() >= BANK {
            bank.truncate(REFILL);
        }
        bank.push(lease);
        None
    }
}

/// A task's reference to its runtime (see the [module docs](self)). `None` only while it
/// drops.
#[derive(Debug)]
pub(crate) struct Lease(Option<StdArc<Shared>>);

impl Lease {
    /// A reference to `shared`, from the current thread's bank if the thread is one of its
    /// runtime's.
    #[inline]
    pub(crate) fn new(shared: &StdArc<Shared>) -> Self {
        Lease(Some(context::with_current(|core| match core {
            Some(core) if core.belongs_to(shared) => core.bank.take(shared),
            _ => shared.clone(),
        })))
    }
}

impl Deref for Lease {
    type Target = StdArc<Shared>;

    #[inline]
    fn deref(&self) -> &StdArc<Shared> {
        match &self.0 {
            Some(shared) => shared,
            None => unreachable!("a lease is emptied only by its drop"),
        }
    }
}

impl Drop for Lease {
    #[inline]
    fn drop(&mut self) {
        let Some(shared) = self.0.take() else { return };
        let rest = context::with_current(|core| match core {
            Some(core) if core.belongs_to(&shared) => core.bank.give(shared),
            _ => Some(shared),
        });
        // Outside the context's borrow: this may be the runtime's last reference, whose
        // drop drops what is still queued.
        drop(rest);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    impl Bank {
        fn len(&self) -> usize {
            self.0.borrow().len()
        }
    }

    #[test]
    fn a_bank_takes_and_gives_back_in_batches_and_returns_everything_when_dropped() {
        let (shared, _queues) = Shared::new(1);
        let base = StdArc::strong_count(&shared);
        let bank = Bank::default();
        let mut out = Vec::new();
        // Every reference is either out or in the bank.
        let balanced =
            |bank: &Bank, out: &Vec<StdArc<Shared>>| StdArc::strong_count(&shared) == base + bank.len() + out.len();

        out.push(bank.take(&shared));
        assert_eq!(bank.len(), REFILL, "an empty bank takes REFILL at once, besides the one handed out");
        assert!(balanced(&bank, &out));
        for _ in 0..3 * BANK {
            out.push(bank.take(&shared));
            assert!(bank.len() < REFILL + 1 && balanced(&bank, &out));
        }
        while let Some(lease) = out.pop() {
            assert!(bank.give(lease).is_none(), "a bank not in use keeps what it is given");
            assert!(bank.len() <= BANK && balanced(&bank, &out));
        }
        assert!(bank.len() > REFILL, "a full bank gave back all but REFILL, then kept filling");
        drop(bank);
        assert_eq!(StdArc::strong_count(&shared), base);
    }

    #[test]
    fn off_the_runtimes_threads_a_lease_is_a_plain_reference() {
        let (shared, _queues) = Shared::new(1);
        let base = StdArc::strong_count(&shared);
        let lease = Lease::new(&shared);
        assert!(StdArc::ptr_eq(&lease, &shared));
        assert_eq!(StdArc::strong_count(&shared), base + 1);
        drop(lease);
        assert_eq!(StdArc::strong_count(&shared), base);
    }
}
