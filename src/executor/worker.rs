//! A worker thread's scheduling loop.
//!
//! ```text
//!        ┌───────────────────────────────────────────────────────────┐
//!        ▼                                                           │
//!   next_task: (every 61st tick: injector first) local queue,        │
//!              else a batch from the injector ───── found ──▶ run ───┤
//!        │ none                                        (then up to   │
//!        ▼                                  3 LIFO tasks, more while │
//!        │                                  nothing else is queued)  │
//!   search (if fewer than half the workers search): steal half       │
//!          from a random victim, or take from the injector; spin     │
//!          a few µs re-trying ──────────────────────── found ──▶ run ┤
//!        │ none                                                      │
//!        ▼                                                           │
//!   park: register as sleeper; the last searcher re-checks every     │
//!         queue; sleep until notified ───────────────────────────────┘
//! ```

use alloc::rc::Rc;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::context;
use super::failure::FailureScope;
use super::scheduler::{Core, Shared};
use crate::raw::job::Job;
use crate::raw::local_queue::{self, Local, Steal};

/// Every this many ticks a worker looks at the injector before its own queue, so tasks
/// injected from outside cannot be starved by a busy local queue.
const GLOBAL_QUEUE_INTERVAL: u32 = 61;
/// How many LIFO-slot tasks may run back to back before the LIFO task goes to the back
/// of the queue (a ping-pong pair cannot starve the rest of the queue).
const MAX_LIFO_POLLS: u32 = 3;
/// Rounds of "steal, check the injector, pause" a searching worker makes before it parks.
/// Each round is well under a microsecond; a futex hand-off costs ~55 µs here.
const SPIN_ROUNDS: u32 = 64;

struct Worker {
    core: Rc<Core>,
    shared: Arc<Shared>,
    index: usize,
    tick: u32,
    is_searching: bool,
    rng: u32,
    batch: Vec<Job>,
}

/// Runs worker `index` until the runtime shuts down, then drops what it still holds.
pub(crate) fn run(shared: Arc<Shared>, index: usize, local: Local<Job>) {
    let core = Rc::new(Core::worker(shared.clone(), index, local));
    let guard = context::enter(core.clone());
    let mut worker = Worker {
        core,
        shared,
        index,
        tick: 0,
        is_searching: false,
        rng: 0x9E37_79B9 ^ (index as u32).wrapping_mul(0x85EB_CA6B) | 1,
        batch: Vec::with_capacity(local_queue::CAPACITY / 2),
    };
    // A panic escaping a job (none should: see `Core::run`) unwinds to here and the worker
    // goes on — a worker thread is never lost, so the idle accounting stays true. Catching
    // here rather than around each job keeps the hot path free of it; the worker's state is
    // consistent at that point (it was running a job: not searching, not parked).
    while std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| worker.run())).is_err() {}
    // Leave the context first: dropping tasks may wake others, which must then go to the
    // (closed) injector and be dropped there rather than back into our queues. The core
    // goes last: its LIFO task to the graveyard, its local queue's tasks dropped here.
    let Worker { core, shared, .. } = worker;
    drop(guard);
    // The tasks dropped from here on were dropped by the shutdown: their promises say so.
    let mut scope = FailureScope::new();
    scope.set(crate::Error::RuntimeShutdown);
    let local = core.local.borrow_mut().take();
    drop(local);
    drop(core);
    // A worker that outlived a bounded shutdown (stuck in a poll) drops what its last task
    // left in the graveyard: nobody else would.
    loop {
        let dead = shared.take_graveyard();
        if dead.is_empty() {
            break;
        }
        drop(dead);
    }
}

impl Worker {
    fn run(&mut self) {
        while !self.shared.is_shutdown() {
            self.tick = self.tick.wrapping_add(1);
            if let Some(task) = self.next_task() {
                self.run_task(task);
                continue;
            }
            if let Some(task) = self.search() {
                self.run_task(task);
                continue;
            }
            self.park();
        }
    }

    fn pop_local(&self) -> Option<Job> {
        self.core.local.borrow_mut().as_mut().and_then(Local::pop)
    }

    fn next_task(&mut self) -> Option<Job> {
        if self.tick % GLOBAL_QUEUE_INTERVAL == 0 {
            if let Some(t) = self.shared.injector.pop() {
                return Some(t);
            }
        }
        if let Some(t) = self.pop_local() {
            return Some(t);
        }
        self.take_from_injector()
    }

    /// Moves a fair share of the injector into the local queue and returns one task.
    fn take_from_injector(&mut self) -> Option<Job> {
        let injector = &self.shared.injector;
        if injector.is_empty() {
            return None;
        }
        let mut local = self.core.local.borrow_mut();
        let local = local.as_mut()?;
        let room = local.remaining().min(local_queue::CAPACITY / 2);
        let share = injector.len() / self.shared.num_workers() + 1;
        injector.pop_batch(share.min(room).max(1), &mut self.batch);
        let mut tasks = self.batch.drain(..);
        let first = tasks.next();
        local.push_batch(tasks);
        first
    }

    /// Steals half of `queue` into this worker's local queue; returns one of the tasks.
    fn steal_from(&self, queue: &Steal<Job>) -> Option<Job> {
        self.core.local.borrow_mut().as_mut().and_then(|local| queue.steal_into(local))
    }

    fn search(&mut self) -> Option<Job> {
        if !self.is_searching {
            if !self.shared.idle.transition_to_searching() {
                return None;
            }
            self.is_searching = true;
        }
        let n = self.shared.num_workers();
        for round in 0..SPIN_ROUNDS {
            let start = self.next_rand() as usize % n;
            for i in 0..n {
                let victim = (start + i) % n;
                if victim == self.index {
                    continue;
                }
                if let Some(t) = self.steal_from(&self.shared.remotes[victim].steal) {
                    return Some(t);
                }
            }
            // The queues of `block_on` threads (the tasks a driver spawns).
            for queue in self.shared.driver_queues.iter() {
                if let Some(t) = self.steal_from(&queue.steal) {
                    return Some(t);
                }
            }
            if let Some(t) = self.take_from_injector() {
                return Some(t);
            }
            if self.shared.is_shutdown() {
                return None;
            }
            for _ in 0..(16 + 4 * round.min(32)) {
                crate::sync::spin_hint();
            }
            if round % 16 == 15 {
                std::thread::yield_now();
            }
        }
        None
    }

    fn run_task(&mut self, task: Job) {
        if self.is_searching {
            self.is_searching = false;
            // The last searcher found work: if more is visible, wake another worker to take
            // it. (A task pushed while we still searched is visible here: its producer saw
            // us searching and woke nobody. One pushed later wakes a worker itself.) Not
            // when nothing more is queued: a wake-up costs tens of microseconds between
            // vCPUs, and a worker woken for nothing parks again.
            if self.shared.idle.transition_from_searching() && self.shared.has_visible_work() {
                self.shared.notify_parked();
            }
        }
        self.core.run(task);
        let mut lifo_polls = 0;
        while let Some(next) = self.core.take_lifo() {
            if self.shared.is_shutdown() {
                self.core.push_back(next);
                break;
            }
            if lifo_polls == MAX_LIFO_POLLS {
                if self.core.others_waiting() {
                    self.core.push_back(next);
                    break;
                }
                // Nobody else is queued here or in the injector: queueing the LIFO task
                // would only let an idle worker steal it, and a chain of hand-offs (a
                // token going round a ring of actors) would hop between cores.
                lifo_polls = 0;
            }
            lifo_polls += 1;
            self.core.run(next);
        }
    }

    fn park(&mut self) {
        if self.core.has_local_work() {
            return;
        }
        let last_searcher = self.shared.idle.transition_to_parked(self.index, self.is_searching);
        self.is_searching = false;
        // Pairs with the fence in `Shared::inject` (see there).
        crate::sync::atomic::fence(crate::sync::atomic::Ordering::SeqCst);
        if last_searcher && self.shared.has_visible_work() {
            // Work arrived while we gave up searching: wake someone (maybe ourselves).
            self.shared.notify_parked();
        }
        if self.shared.is_shutdown() {
            return;
        }
        self.shared.remotes[self.index].parker.park();
        self.is_searching = self.shared.idle.transition_from_parked(self.index);
        // Awake again (counted unparked): the monitor watches while any thread is awake.
        self.shared.monitor.arm();
    }

    fn next_rand(&mut self) -> u32 {
        // xorshift32
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        x
    }
}
