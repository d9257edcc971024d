//! Which workers are searching for work and which are parked.
//!
//! One atomic word counts `unparked` workers (high half) and `searching` workers (low
//! half); the list of sleepers sits behind a mutex taken only on the park/unpark path.
//!
//! Rules (after tokio's scheduler, whose reasoning carries over):
//! * At most half of the workers search at once (`2 * searching < workers`), so a burst of
//!   wake-ups does not turn into every core spinning on the same queues.
//! * A producer wakes a sleeper only when nobody is searching and somebody sleeps: a
//!   searching worker will find the new task on its own.
//! * The last searcher to park re-checks every queue after announcing it parks (see
//!   `Worker::park`), which closes the race with a producer that saw it still searching.

use alloc::vec::Vec;

use crate::sync::atomic::{AtomicUsize, Ordering::*};
use crate::sync::{lock, Mutex};

const UNPARK_SHIFT: usize = 16;
const SEARCH_MASK: usize = (1 << UNPARK_SHIFT) - 1;

#[derive(Debug)]
pub(crate) struct Idle {
    state: AtomicUsize,
    num_workers: usize,
    sleepers: Mutex<Vec<usize>>,
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Self {
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            num_workers,
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
        }
    }

    fn searching(state: usize) -> usize {
        state & SEARCH_MASK
    }

    fn unparked(state: usize) -> usize {
        state >> UNPARK_SHIFT
    }

    /// Returns the index of a sleeping worker that the caller must unpark, if new work
    /// should wake one.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_notify() {
            return None;
        }
        let mut sleepers = lock(&self.sleepers);
        if !self.should_notify() {
            return None;
        }
        // The woken worker starts out searching.
        self.state.fetch_add((1 << UNPARK_SHIFT) | 1, SeqCst);
        sleepers.pop()
    }

    /// Returns the index of a sleeping worker that the caller must unpark, even while
    /// another worker counts as searching: the remedy when work is seen waiting (a queue
    /// that overflowed, or work the monitor found queued at two looks in a row), so the
    /// searcher is not taking it — its thread may wait for a CPU, queued by the OS behind
    /// the busy thread that woke it while another CPU idles.
    pub(crate) fn sleeper_to_wake(&self) -> Option<usize> {
        // Nobody sleeps: no lock (a busy runtime overflows queues often).
        if Self::unparked(self.state.load(SeqCst)) >= self.num_workers {
            return None;
        }
        let mut sleepers = lock(&self.sleepers);
        let index = sleepers.pop()?;
        // As in `worker_to_notify`: the woken worker starts out unparked and searching.
        self.state.fetch_add((1 << UNPARK_SHIFT) | 1, SeqCst);
        Some(index)
    }

    fn should_notify(&self) -> bool {
        let s = self.state.load(SeqCst);
        Self::searching(s) == 0 && Self::unparked(s) < self.num_workers
    }

    /// True when every worker is running a task (none parked, none searching): work in the
    /// injector will wait until one of them finishes.
    pub(crate) fn all_busy(&self) -> bool {
        let s = self.state.load(SeqCst);
        Self::searching(s) == 0 && Self::unparked(s) == self.num_workers
    }

    /// Workers running a task now: neither parked nor searching (a snapshot).
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    pub(crate) fn running(&self) -> usize {
        let s = self.state.load(SeqCst);
        Self::unparked(s).saturating_sub(Self::searching(s))
    }

    /// True when every worker is parked (the monitor may sleep).
    pub(crate) fn all_parked(&self) -> bool {
        Self::unparked(self.state.load(SeqCst)) == 0
    }

    /// Tries to become a searching worker; false when enough workers search already.
    pub(crate) fn transition_to_searching(&self) -> bool {
        let s = self.state.load(SeqCst);
        if 2 * Self::searching(s) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searching worker found work (or gave up). Returns true when it was the last
    /// searcher, in which case the caller wakes another worker to keep searching.
    pub(crate) fn transition_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(Self::searching(prev) > 0);
        Self::searching(prev) == 1
    }

    /// Registers worker `index` as parked. Returns true when it was the last searcher,
    /// in which case the caller must re-check every queue before sleeping.
    pub(crate) fn transition_to_parked(&self, index: usize, is_searching: bool) -> bool {
        let mut sleepers = lock(&self.sleepers);
        let dec = (1 << UNPARK_SHIFT) | usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(index);
        is_searching && Self::searching(prev) == 1
    }

    /// A parked worker woke up. Returns true if it was woken by `worker_to_notify` (it is
    /// then already counted as unparked and searching); false on a spurious or
    /// self-initiated wake, in which case it unregisters itself here.
    pub(crate) fn transition_from_parked(&self, index: usize) -> bool {
        let mut sleepers = lock(&self.sleepers);
        match sleepers.iter().position(|&i| i == index) {
            None => true,
            Some(pos) => {
                sleepers.swap_remove(pos);
                self.state.fetch_add(1 << UNPARK_SHIFT, SeqCst);
                false
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_producer_wakes_nobody_while_a_worker_searches_but_the_monitor_does() {
        let idle = Idle::new(2);
        // Both workers park, worker 0 first.
        assert!(!idle.transition_to_parked(0, false));
        assert!(!idle.transition_to_parked(1, false));
        assert!(idle.all_parked());
        // A producer wakes worker 1, which counts as searching from then on.
        assert_eq!(idle.worker_to_notify(), Some(1));
        assert_eq!(idle.worker_to_notify(), None, "a worker searches: the producer wakes nobody");
        // The monitor saw the work wait a tick: it wakes the other sleeper anyway.
        assert_eq!(idle.sleeper_to_wake(), Some(0));
        assert_eq!(idle.sleeper_to_wake(), None, "nobody sleeps any more");
        assert!(!idle.all_parked());
        // Both were woken, so neither unregisters itself, and both count as searching.
        assert!(idle.transition_from_parked(0));
        assert!(idle.transition_from_parked(1));
        assert!(!idle.transition_from_searching(), "another still searches");
        assert!(idle.transition_from_searching(), "the last searcher found work");
        assert!(idle.all_busy());
    }
}
