//! [`Threads`]: the threads a runtime starts (its workers and its monitor), and waiting for
//! them to stop — for as long as it takes, or until a deadline.
//!
//! Each thread reports its exit (also when it unwinds) before it ends, so a bounded wait
//! sleeps on a condition variable instead of polling the threads.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use std::sync::{Condvar, Mutex, PoisonError};
use std::thread::{JoinHandle, ThreadId};
use std::time::Instant;

/// One started thread: its handle and whether it has reported its exit.
#[derive(Debug)]
struct Started {
    handle: JoinHandle<()>,
    exited: Arc<ExitFlag>,
}

/// Set by a thread on its way out; the runtime's `exits` condvar is notified.
#[derive(Debug, Default)]
struct ExitFlag(core::sync::atomic::AtomicBool);

/// The runtime's threads. See the [module docs](self).
#[derive(Debug, Default)]
pub(crate) struct Threads {
    started: Mutex<Vec<Started>>,
    /// Notified each time a thread exits (the mutex guards nothing but the wait).
    exits: Arc<(Mutex<()>, Condvar)>,
}

/// Reports the thread's exit when dropped (at the end of its function, or while unwinding).
struct ReportExit {
    exited: Arc<ExitFlag>,
    exits: Arc<(Mutex<()>, Condvar)>,
}

impl Drop for ReportExit {
    fn drop(&mut self) {
        let (lock, condvar) = &*self.exits;
        let guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.exited.0.store(true, core::sync::atomic::Ordering::Release);
        drop(guard);
        condvar.notify_all();
    }
}

impl Threads {
    /// Starts a thread running `f`.
    pub(crate) fn spawn(&self, builder: std::thread::Builder, f: impl FnOnce() + Send + 'static) -> Result<(), String> {
        let exited = Arc::new(ExitFlag::default());
        let report = ReportExit { exited: exited.clone(), exits: self.exits.clone() };
        let handle = builder
            .spawn(move || {
                let _report = report;
                f();
            })
            .map_err(|e| alloc::format!("{e}"))?;
        self.started.lock().unwrap_or_else(PoisonError::into_inner).push(Started { handle, exited });
        Ok(())
    }

    /// Waits until every thread except the calling one has exited, or until `deadline`.
    /// Joins those that exited. Returns how many did not exit in time: those are detached
    /// (they end on their own when the code they are running returns).
    pub(crate) fn join(&self, deadline: Option<Instant>) -> usize {
        let me = std::thread::current().id();
        let started = core::mem::take(&mut *self.started.lock().unwrap_or_else(PoisonError::into_inner));
        let others = |s: &Started| s.handle.thread().id() != me;
        let (lock, condvar) = &*self.exits;
        let mut guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let running =
                started.iter().filter(|s| others(s) && !s.exited.0.load(core::sync::atomic::Ordering::Acquire)).count();
            if running == 0 {
                break;
            }
            match deadline {
                None => guard = condvar.wait(guard).unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    guard = condvar.wait_timeout(guard, deadline - now).unwrap_or_else(PoisonError::into_inner).0;
                }
            }
        }
        drop(guard);
        let mut stuck = 0;
        for s in started {
            let id: ThreadId = s.handle.thread().id();
            if id == me {
                continue; // shut down from one of the runtime's own threads: it leaves later
            }
            if s.exited.0.load(core::sync::atomic::Ordering::Acquire) {
                let _ = s.handle.join();
            } else {
                stuck += 1; // detached
            }
        }
        stuck
    }
}
