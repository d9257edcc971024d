//! The timer driver: one thread per runtime (started on first use) that sleeps on a
//! condition variable until the earliest deadline and wakes the tasks whose deadline
//! passed. Entries are kept in a `BTreeMap` ordered by deadline, so registration,
//! cancellation (a dropped `Sleep`) and expiry are all O(log n); nothing ever polls.
//!
//! ```text
//!   Sleep::poll ──register(deadline, waker)──▶ entries ──(earliest changed)──▶ notify
//!   driver thread: wait_timeout(earliest - now) ─▶ take due entries ─▶ wake (unlocked)
//!   Sleep::drop ──remove(key)──▶ entries
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::task::Waker;
use std::thread::JoinHandle;
use std::time::Instant;
use std::vec::Vec;

/// Identifies a registration: deadline first, then a sequence number.
pub(crate) type TimerKey = (Instant, u64);

#[derive(Debug, Default)]
struct State {
    entries: BTreeMap<TimerKey, Waker>,
    next_seq: u64,
    shutdown: bool,
}

#[derive(Debug, Default)]
pub(crate) struct TimerShared {
    state: Mutex<State>,
    condvar: Condvar,
}

/// A runtime's timer driver.
#[derive(Debug, Default)]
pub(crate) struct TimerDriver {
    shared: Arc<TimerShared>,
    thread: Mutex<Option<JoinHandle<()>>>,
    started: OnceLock<()>,
}

impl TimerDriver {
    pub(crate) fn new() -> Self {
        TimerDriver::default()
    }

    /// The driver's shared state, starting its thread on first use.
    pub(crate) fn handle(&self) -> Arc<TimerShared> {
        self.started.get_or_init(|| {
            let shared = self.shared.clone();
            let spawned = std::thread::Builder::new().name("rustyray-timer".into()).spawn(move || shared.run());
            match spawned {
                Ok(t) => *self.thread.lock().unwrap_or_else(PoisonError::into_inner) = Some(t),
                // Without a thread, timers still fire when polled past their deadline;
                // nothing would wake them early, so report it loudly once.
                Err(e) => std::eprintln!("rustyray: could not start the timer thread: {e}"),
            }
        });
        self.shared.clone()
    }

    /// Stops the thread (pending timers never fire; their tasks are being dropped).
    pub(crate) fn shutdown(&self) {
        let entries = {
            let mut s = self.shared.state.lock().unwrap_or_else(PoisonError::into_inner);
            s.shutdown = true;
            core::mem::take(&mut s.entries)
        };
        // Dropping wakers may reschedule (and so release) tasks: outside the lock.
        drop(entries);
        self.shared.condvar.notify_all();
        if let Some(t) = self.thread.lock().unwrap_or_else(PoisonError::into_inner).take() {
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }
}

impl TimerShared {
    /// Registers (or re-registers) a waker for `deadline`.
    pub(crate) fn register(&self, key: Option<TimerKey>, deadline: Instant, waker: &Waker) -> TimerKey {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(key) = key {
            if let Some(w) = s.entries.get_mut(&key) {
                if !w.will_wake(waker) {
                    w.clone_from(waker);
                }
                return key;
            }
        }
        let key = (deadline, s.next_seq);
        s.next_seq += 1;
        let earliest = s.entries.keys().next().is_none_or(|first| key < *first);
        s.entries.insert(key, waker.clone());
        drop(s);
        if earliest {
            self.condvar.notify_one();
        }
        key
    }

    /// Removes a registration (a `Sleep` dropped before its deadline).
    pub(crate) fn cancel(&self, key: TimerKey) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).entries.remove(&key);
    }

    fn run(&self) {
        let mut due = Vec::new();
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if s.shutdown {
                return;
            }
            let now = Instant::now();
            while let Some(entry) = s.entries.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                due.push(entry.remove());
            }
            if !due.is_empty() {
                drop(s);
                for w in due.drain(..) {
                    w.wake();
                }
                s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            s = match s.entries.keys().next() {
                Some(&(deadline, _)) => {
                    self.condvar.wait_timeout(s, deadline - now).unwrap_or_else(PoisonError::into_inner).0
                }
                None => self.condvar.wait(s).unwrap_or_else(PoisonError::into_inner),
            };
        }
    }
}

/// The timer used by futures polled outside any rustyray runtime.
pub(crate) fn fallback() -> &'static TimerDriver {
    static FALLBACK: OnceLock<TimerDriver> = OnceLock::new();
    FALLBACK.get_or_init(TimerDriver::new)
}

std::thread_local! {
    /// The timer of the runtime this thread works for (set with [`enter`]).
    static CURRENT: core::cell::RefCell<Option<Arc<TimerDriver>>> = const { core::cell::RefCell::new(None) };
}

/// Makes `driver` this thread's timer until the guard drops: the hook through which the
/// runtime that owns a timer lends it to the threads it runs (workers, `block_on`).
pub(crate) fn enter(driver: &Arc<TimerDriver>) -> TimerGuard {
    TimerGuard { previous: CURRENT.with(|c| c.borrow_mut().replace(driver.clone())) }
}

/// Restores the previous timer of the thread when dropped.
#[derive(Debug)]
pub(crate) struct TimerGuard {
    previous: Option<Arc<TimerDriver>>,
}

impl Drop for TimerGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let current = CURRENT.try_with(|c| core::mem::replace(&mut *c.borrow_mut(), previous));
        drop(current);
    }
}

/// The timer of the runtime whose thread this is, or the process-wide fallback.
pub(crate) fn current() -> Arc<TimerShared> {
    CURRENT.try_with(|c| c.borrow().as_ref().map(|d| d.handle())).ok().flatten().unwrap_or_else(|| fallback().handle())
}
