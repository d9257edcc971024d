//! The monitor: one thread per runtime that rescues work stranded behind a thread blocked
//! in user code.
//!
//! A job woken on a thread goes to that thread's LIFO slot and waits for the current poll
//! to return — microseconds, normally. If the poll blocks instead (a `std::thread::sleep`,
//! a blocking read, a lock, a long computation), the job would wait just as long, with
//! other threads idle. Every thread that runs jobs (each worker, and each thread inside
//! `block_on`) therefore shows the monitor its LIFO slot and a count of the polls it has
//! started ([`Visible`]). While any of those threads is awake the monitor is *armed* and
//! looks every [`TICK`]: a slot holding the same job as at its last look, on a thread that
//! has started no poll since, is stranded — the monitor takes the job out and queues it in
//! the injector, waking an idle worker. A worker stuck the same way with tasks in its
//! local queue gets an idle worker woken to steal them. Work queued for the workers (a
//! driver's queue, the injector) at two looks in a row gets a sleeping worker woken even
//! while another counts as searching: that searcher is not running.
//!
//! ```text
//!  a worker leaves park, a driver enters block_on or wakes ──▶ arm (wake the monitor if asleep)
//!  monitor, armed: every TICK ─▶ for each thread: same job, no new poll? ─▶ steal ─▶ injector
//!                              ├─ work queued for the workers at two looks ─▶ wake a sleeper
//!                              └─ every worker and every driver asleep ─▶ disarm, sleep
//! ```
//!
//! A thread asleep has an empty LIFO slot (it looks there before sleeping, and only the
//! thread itself fills its slot), so nothing can be stranded while the monitor sleeps: an
//! idle runtime costs no wake-ups. A stranded job waits at most two ticks (it must be seen
//! twice, a tick apart) plus the wake-up of an idle worker: under a millisecond. The cost
//! while the runtime is busy is one wake-up of the monitor thread per tick; on the hot path,
//! one plain store (the poll count) per poll, and the slot's own atomics.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::time::Duration;

use super::park::Parker;
use super::scheduler::Shared;
use crate::raw::job::Job;
use crate::raw::lifo_slot::LifoSlot;
use crate::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering::*};
use crate::sync::Lock;

/// How often an armed monitor looks at the LIFO slots.
pub(crate) const TICK: Duration = Duration::from_micros(250);

/// What the monitor sees of one thread that runs jobs: its LIFO slot and its poll count.
/// Aligned to two cache lines: the owner writes it on every poll, and no other thread's
/// hot data may share its line.
#[derive(Debug)]
#[repr(align(128))]
pub(crate) struct Visible {
    /// The job this thread runs next.
    pub(crate) lifo: LifoSlot<Job>,
    /// Polls started on this thread (written by the owner only, with plain stores).
    polls: AtomicU32,
    /// The worker's index, for its local queue (`None` for a `block_on` thread).
    worker: Option<usize>,
    /// A `block_on` thread asleep (waiting for its future, its slot empty).
    parked: AtomicBool,
    /// The monitor's own notes from its last look: the poll count and the job it saw.
    seen_polls: AtomicU32,
    seen_job: AtomicUsize,
}

impl Visible {
    pub(crate) fn new(worker: Option<usize>) -> Self {
        Visible {
            lifo: LifoSlot::new(),
            polls: AtomicU32::new(0),
            worker,
            parked: AtomicBool::new(false),
            seen_polls: AtomicU32::new(0),
            seen_job: AtomicUsize::new(0),
        }
    }

    /// The owner starts a poll (one plain store: only the owner writes the count).
    #[inline]
    pub(crate) fn started_poll(&self) {
        self.polls.store(self.polls.load(Relaxed).wrapping_add(1), Relaxed);
    }

    /// A `block_on` thread is about to sleep (its slot is empty) or has woken up. `SeqCst`:
    /// pairs with the monitor's disarm (see [`Monitor::arm`]).
    pub(crate) fn set_parked(&self, parked: bool) {
        self.parked.store(parked, SeqCst);
    }
}

/// The monitor's shared state: armed or not, its parker, and the threads it watches.
#[derive(Debug)]
pub(crate) struct Monitor {
    armed: AtomicBool,
    parker: Parker,
    cores: Lock<Vec<Arc<Visible>>>,
}

impl Monitor {
    /// A monitor that starts armed (a runtime's workers start awake).
    pub(crate) fn new() -> Self {
        Monitor { armed: AtomicBool::new(true), parker: Parker::new(), cores: Lock::new(Vec::new()) }
    }

    /// Watches `core` (a worker for the runtime's life, a driver for one `block_on`).
    pub(crate) fn register(&self, core: &Arc<Visible>) {
        self.cores.with(|c| c.push(core.clone()));
    }

    /// Stops watching `core`.
    pub(crate) fn unregister(&self, core: &Arc<Visible>) {
        let removed = self.cores.with(|c| {
            let at = c.iter().position(|v| Arc::ptr_eq(v, core))?;
            Some(c.swap_remove(at))
        });
        drop(removed);
    }

    /// A thread woke up to run jobs (a worker left park, a driver entered `block_on` or
    /// woke): make sure the monitor watches. The thread announced itself awake first (a
    /// `SeqCst` write: the idle count, or [`Visible::set_parked`]) and loads `armed` with
    /// `SeqCst`; the monitor stores `false` with `SeqCst`, then looks whether every thread
    /// sleeps (`SeqCst` loads). So either this sees the monitor disarmed (and wakes it),
    /// or the monitor sees this thread awake and stays armed.
    #[inline]
    pub(crate) fn arm(&self) {
        if !self.armed.load(SeqCst) {
            self.arm_slow();
        }
    }

    #[cold]
    fn arm_slow(&self) {
        if !self.armed.swap(true, SeqCst) {
            self.parker.unpark();
        }
    }

    /// Wakes the monitor so it sees the runtime shut down.
    pub(crate) fn wake(&self) {
        self.parker.unpark();
    }

    /// One look at every thread: takes stranded LIFO jobs into `stolen`. Returns whether
    /// a stuck worker has tasks queued locally.
    fn scan(&self, shared: &Shared, stolen: &mut Vec<Job>) -> bool {
        let mut stuck_with_work = false;
        self.cores.with(|cores| {
            for core in cores.iter() {
                let polls = core.polls.load(Relaxed);
                let job = core.lifo.seen();
                let stuck = polls == core.seen_polls.load(Relaxed);
                if job != 0 && stuck && job == core.seen_job.load(Relaxed) {
                    stolen.extend(core.lifo.steal(job));
                }
                if stuck && core.worker.is_some_and(|i| !shared.remotes[i].steal.is_empty()) {
                    stuck_with_work = true;
                }
                core.seen_polls.store(polls, Relaxed);
                core.seen_job.store(job, Relaxed);
            }
        });
        stuck_with_work
    }

    /// True if every `block_on` thread sleeps (workers are counted by `Idle`).
    fn drivers_asleep(&self) -> bool {
        self.cores.with(|cores| cores.iter().all(|c| c.worker.is_some() || c.parked.load(SeqCst)))
    }
}

/// The monitor thread of `shared`'s runtime: runs until shutdown.
pub(crate) fn run(shared: Arc<Shared>) {
    idle_priority();
    let monitor = &shared.monitor;
    let mut stolen = Vec::new();
    // Work was queued for the workers at the last look.
    let mut queued_before = false;
    while !shared.is_shutdown() {
        if !monitor.armed.load(SeqCst) {
            queued_before = false;
            monitor.parker.park();
            continue;
        }
        monitor.parker.park_timeout(TICK);
        if shared.is_shutdown() {
            return;
        }
        let stuck_with_work = monitor.scan(&shared, &mut stolen);
        for job in stolen.drain(..) {
            shared.inject(job);
        }
        // Work queued for the workers: in a driver queue (its driver may be stuck in user
        // code before it published it: see `Core::push_back`), or in the injector.
        let queued = shared.driver_queues.iter().any(|q| !q.steal.is_empty()) || !shared.injector.is_empty();
        if queued && queued_before {
            // Queued at two looks in a row, a tick apart: whoever counts as searching is not
            // taking it. Its thread waits for a CPU: the OS queued it, when it was woken,
            // behind the busy thread that woke it (a driver submitting), and may leave it
            // there for milliseconds while another CPU idles. A sleeper woken from here
            // (this thread runs on a CPU nothing else wants) starts on such a CPU.
            shared.wake_sleeper();
        } else if stuck_with_work || queued {
            // Seen once: wake a sleeper if nobody searches.
            shared.notify_parked();
        }
        queued_before = queued;
        let asleep = || shared.idle.all_parked() && monitor.drivers_asleep();
        if asleep() {
            monitor.armed.store(false, SeqCst);
            if !asleep() {
                // A thread woke after the first look and may have seen us still armed.
                monitor.armed.store(true, SeqCst);
            }
        }
    }
}

/// Puts the calling thread (the monitor) at idle priority where the OS has one (Linux:
/// `SCHED_IDLE`): it then runs only on a CPU nothing else wants. That is exactly when a
/// stranded job can be helped (an idle worker needs a free CPU to run it), and its ticks
/// never preempt a busy worker. Elsewhere the monitor runs at normal priority.
fn idle_priority() {
    // (Miri has no scheduler policies to set.)
    #[cfg(all(target_os = "linux", not(miri)))]
    crate::raw::os::set_idle_priority();
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn work_queued_at_two_looks_wakes_a_sleeper_even_while_a_worker_counts_as_searching() {
        let shared = super::super::scheduler::with_a_stalled_searcher();
        // A task is queued; its producer wakes nobody (worker 1 counts as searching, but
        // never runs, so it never takes it).
        shared.spawn_task(async {});
        assert!(!shared.remotes[0].parker.try_consume(), "worker 0 sleeps on");

        let monitor = std::thread::spawn({
            let shared = shared.clone();
            move || run(shared)
        });
        // Two looks, a tick apart, find the task still queued: worker 0 is woken.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !shared.remotes[0].parker.try_consume() {
            assert!(Instant::now() < deadline, "the monitor never woke the sleeper");
            std::thread::sleep(TICK);
        }
        let dropped = shared.begin_shutdown();
        shared.monitor.wake();
        monitor.join().expect("the monitor thread ends at shutdown");
        drop(dropped);
    }
}
