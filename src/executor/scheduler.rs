//! The multi-threaded work-stealing scheduler: state shared by every worker, and the
//! per-thread [`Core`] that owns a LIFO slot and (for workers) a local run queue.
//!
//! Where a task goes when it becomes runnable:
//!
//! ```text
//!  woken on a thread of this runtime, not by itself ──▶ LIFO slot of that thread
//!        (the previous occupant moves to the back of the local queue)
//!  woken by itself (yield), or newly spawned, there ──▶ back of the local queue
//!        (a driver thread has no local queue: a new task takes its LIFO slot if
//!        free, anything else goes to the injector)
//!  anywhere else ────────────────────────────────────▶ global injector
//!  local queue full ─────────────────────────────────▶ half of it to the injector
//!        (and a sleeping worker woken, even while another searches)
//! ```
//!
//! Every push that may leave work unattended calls [`Shared::notify_parked`], which wakes
//! a sleeping worker only when nobody is searching (see [`super::idle`]).

use alloc::boxed::Box;
use alloc::sync::Arc as StdArc;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::future::Future;

use super::block_on::{DriverSignal, SignalRef};
use super::budget;
use super::context;
use super::idle::Idle;
use super::injector::Injector;
use super::join_handle::JoinHandle;
use super::lease::{Bank, Lease};
use super::monitor::{Monitor, Visible};
use super::owned::{OwnedTasks, TaskKey, Tracked};
use super::park::Parker;
use super::task::{self, Runnable};
use crate::raw::cell::{CellRef, Schedule};
use crate::raw::job::Job;
use crate::raw::local_queue::{self, Local, Steal};
use crate::sync::atomic::{fence, AtomicBool, Ordering::*};

/// What other threads may touch of a worker: its stealer end, its parker, and what the
/// monitor watches (its LIFO slot and poll count).
#[derive(Debug)]
pub(crate) struct Remote {
    pub(crate) steal: Steal<Job>,
    pub(crate) parker: Parker,
    pub(crate) visible: StdArc<Visible>,
}

/// A run queue a `block_on` thread checks out for as long as it drives (see
/// [`Core::driver`]): the tasks it spawns queue there, and the workers steal them half a
/// queue at a time, instead of each one passing through the injector.
#[derive(Debug)]
pub(crate) struct DriverQueue {
    pub(crate) steal: Steal<Job>,
    /// The owner's end, while no driver holds it.
    local: crate::sync::Lock<Option<Local<Job>>>,
}

/// Driver queues per runtime: more `block_on` threads at once spawn through the injector.
const DRIVER_QUEUES: usize = 4;

/// A driver publishes its pushes (a `SeqCst` fence, then a look for a parked worker) at
/// least this often, besides whenever it pushes into an empty queue and whenever its
/// `block_on` loop comes round (see [`Core::push_back`]).
const DRIVER_PUBLISH_EVERY: u32 = 16;

/// State shared by all threads of one runtime.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) injector: Injector<Job>,
    pub(crate) remotes: Box<[Remote]>,
    /// Run queues `block_on` threads check out (see [`DriverQueue`]).
    pub(crate) driver_queues: Box<[DriverQueue]>,
    pub(crate) idle: Idle,
    /// Rescues jobs stranded in the LIFO slot of a thread blocked in user code.
    pub(crate) monitor: Monitor,
    shutdown: AtomicBool,
    /// The live tasks (so shutdown reaches waiting ones).
    pub(crate) owned: OwnedTasks,
    /// Tasks refused after shutdown began, dropped by shutdown outside every lock.
    pub(crate) graveyard: crate::sync::Lock<Vec<Job>>,
    /// `block_on` threads asleep (woken by `inject` when every worker is busy).
    pub(crate) drivers: crate::sync::Lock<Vec<SignalRef>>,
    /// Whether a `block_on` thread may help with injected work now (see
    /// [`Self::set_help_gate`]); open when unset.
    help_gate: std::sync::OnceLock<HelpGate>,
}

/// See [`Shared::set_help_gate`].
pub(crate) struct HelpGate(pub(crate) alloc::boxed::Box<dyn Fn() -> bool + Send + Sync>);

impl core::fmt::Debug for HelpGate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("HelpGate")
    }
}

impl Shared {
    /// Creates the shared state and the local queues, one per worker.
    pub(crate) fn new(num_workers: usize) -> (StdArc<Shared>, Vec<Local<Job>>) {
        let mut locals = Vec::with_capacity(num_workers);
        let mut remotes = Vec::with_capacity(num_workers);
        let monitor = Monitor::new();
        for index in 0..num_workers {
            let (local, steal) = local_queue::new();
            locals.push(local);
            let visible = StdArc::new(Visible::new(Some(index)));
            monitor.register(&visible);
            remotes.push(Remote { steal, parker: Parker::new(), visible });
        }
        let driver_queues = (0..DRIVER_QUEUES)
            .map(|_| {
                let (local, steal) = local_queue::new();
                DriverQueue { steal, local: crate::sync::Lock::new(Some(local)) }
            })
            .collect();
        let shared = Shared {
            injector: Injector::new(),
            remotes: remotes.into_boxed_slice(),
            driver_queues,
            idle: Idle::new(num_workers),
            monitor,
            shutdown: AtomicBool::new(false),
            owned: OwnedTasks::new(num_workers),
            graveyard: crate::sync::Lock::new(Vec::new()),
            drivers: crate::sync::Lock::new(Vec::new()),
            help_gate: std::sync::OnceLock::new(),
        };
        (StdArc::new(shared), locals)
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.remotes.len()
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Acquire)
    }

    /// Lets the layer that owns the runtime say when a `block_on` thread may take injected
    /// work (it does so only while every worker is busy): a runtime whose CPUs are all
    /// granted to remote tasks closes the gate, since a task the helper took would only
    /// queue for a CPU — a lock and a wake-up per task instead of a compare-and-swap. The
    /// workers drain the injector either way; helping is an optimization. Set once.
    pub(crate) fn set_help_gate(&self, gate: HelpGate) {
        let _ = self.help_gate.set(gate);
    }

    /// True if a `block_on` thread may help with injected work now.
    #[inline]
    pub(crate) fn may_help(&self) -> bool {
        self.help_gate.get().is_none_or(|gate| (gate.0)())
    }

    /// Spawns `future` onto this runtime. After shutdown the future is dropped at once
    /// and the handle resolves to `RuntimeShutdown`. The task registers with the runtime
    /// only if it ever waits (see `owned`).
    pub(crate) fn spawn<F>(self: &StdArc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if self.is_shutdown() {
            // Refused: what the future owns learns why.
            super::failure::drop_failed(future, crate::Error::RuntimeShutdown);
            return JoinHandle::failed(crate::Error::RuntimeShutdown);
        }
        let shared = Lease::new(self);
        let (runnable, handle) = task::spawn(
            Tracked::new(future),
            async_task::WithInfo(move |r: Runnable, info: async_task::ScheduleInfo| {
                shared.schedule(Job::from(r), info.woken_while_running)
            }),
        );
        self.schedule_new(Job::from(runnable));
        handle
    }

    /// Spawns `future` as a cell of its own that nobody awaits (a remote task: it fulfils
    /// its promise itself): one block from the cell pool, no join handle. After shutdown
    /// the future is dropped at once, inside a failure scope naming `RuntimeShutdown`.
    pub(crate) fn spawn_task<F>(self: &StdArc<Self>, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        if self.is_shutdown() {
            super::failure::drop_failed(future, crate::Error::RuntimeShutdown);
            return;
        }
        let job = CellRef::spawn_job(Lease::new(self), Tracked::new(future), |shared: &Lease, job, woken| {
            shared.schedule(Job::from(job), woken);
        });
        self.schedule_new(Job::from(job));
    }

    /// Spawns an actor's cell: its prefix and the future `make` builds from a reference
    /// to it and its registry key (built before the cell is first queued, so `make` may
    /// also set the cell up). The future must unregister the key when it is dropped (the
    /// prefix holds the runtime; a `Tracked` wrapper would hold it once more), and
    /// `schedule` must hand jobs to [`Self::schedule`]. After shutdown nothing is spawned:
    /// the prefix comes back as the error.
    pub(crate) fn spawn_cell<P, F, S>(
        self: &StdArc<Self>,
        prefix: P,
        make: impl FnOnce(CellRef<P>, TaskKey) -> F,
        schedule: S,
    ) -> Result<CellRef<P>, P>
    where
        P: Send + Sync + 'static,
        F: Future<Output = ()> + Send + 'static,
        S: Schedule<P>,
    {
        let mut parts = Some((prefix, make, schedule));
        let spawned = self.owned.register(|key| {
            let (prefix, make, schedule) = parts.take().expect("spawned once");
            let (cell, job) = CellRef::spawn(prefix, move |cell| make(cell, key), schedule);
            let waker = cell.waker();
            ((cell, job), waker)
        });
        match spawned {
            Some((cell, job)) => {
                self.schedule_new(Job::from(job));
                Ok(cell)
            }
            None => Err(parts.take().expect("not spawned").0),
        }
    }

    /// Schedules a newly spawned task: back of the current worker's queue; on a `block_on`
    /// thread its free LIFO slot (the driver runs it as soon as its future waits, so
    /// spawn-then-await needs no thread hand-off), else the injector.
    fn schedule_new(self: &StdArc<Self>, runnable: Job) {
        let rest = context::with_current(|core| match core {
            Some(core) if core.belongs_to(self) => {
                core.queue_new(runnable);
                None
            }
            _ => Some(runnable),
        });
        if let Some(r) = rest {
            self.inject(r);
        }
    }

    /// The schedule function of every task and cell of this runtime. Once shutdown began a
    /// woken task goes to the graveyard (shutdown drops it), never back to a thread that
    /// would run it again.
    pub(crate) fn schedule(self: &StdArc<Self>, runnable: Job, woken_while_running: bool) {
        if self.is_shutdown() {
            self.graveyard.with(|g| g.push(runnable));
            return;
        }
        let rest = context::with_current(|core| match core {
            Some(core) if core.belongs_to(self) => {
                if woken_while_running {
                    if core.quiet.replace(false) {
                        core.requeue_quietly(runnable);
                    } else {
                        core.push_back(runnable);
                    }
                } else {
                    core.push_lifo(runnable);
                }
                None
            }
            _ => Some(runnable),
        });
        if let Some(r) = rest {
            self.inject(r);
        }
    }

    /// Pushes to the injector and wakes a worker; after shutdown the task is dropped
    /// (which drops its future once and resolves its handle to `RuntimeShutdown`).
    pub(crate) fn inject(&self, runnable: Job) {
        match self.injector.push(runnable) {
            Ok(()) => {
                // Pairs with the fence in `Worker::park`: either we see the last searcher
                // parked (and wake it), or it sees our task. Without it the producer's
                // write (injector) then read (idle state) can miss the worker's write
                // (idle state) then read (injector), and the task would wait for a wake-up
                // that never comes. (Found by loom.)
                fence(SeqCst);
                if !self.notify_parked() && self.idle.all_busy() && self.may_help() {
                    // No worker can take it (all running or blocked): wake a sleeping
                    // `block_on` thread, which then helps.
                    if let Some(d) = self.drivers.with(|d| d.first().cloned()) {
                        d.parker.unpark();
                    }
                }
            }
            // Shutting down: never drop a task here (we may be inside somebody's `wake()`,
            // under a lock its drop needs); shutdown drops the graveyard.
            Err(r) => self.graveyard.with(|g| g.push(r)),
        }
    }

    /// Takes the half of a full local queue that overflowed, into the injector (after
    /// shutdown began, into the graveyard), and wakes a sleeping worker for it even if
    /// another counts as searching: a queue that filled up (256 tasks) was not being
    /// stolen from, so whoever searches is not keeping up, or not running at all (its
    /// thread may wait for a CPU behind this busy one while another CPU idles: a sleeper
    /// whose last CPU is that idle one starts there at once).
    fn take_overflow(&self, batch: Vec<Job>) {
        match self.injector.push_batch(batch) {
            Ok(()) => {
                self.wake_sleeper();
            }
            Err(batch) => self.graveyard.with(|g| g.extend(batch)),
        }
    }

    /// Wakes one parked worker if new work would otherwise wait; true if it woke one.
    #[inline]
    pub(crate) fn notify_parked(&self) -> bool {
        self.unpark(self.idle.worker_to_notify())
    }

    /// Wakes one parked worker even if another counts as searching (see
    /// [`Idle::sleeper_to_wake`]); true if it woke one.
    pub(crate) fn wake_sleeper(&self) -> bool {
        self.unpark(self.idle.sleeper_to_wake())
    }

    /// Unparks the worker `Idle` chose (already counted awake), if any.
    #[inline]
    fn unpark(&self, index: Option<usize>) -> bool {
        index.map(|i| self.remotes[i].parker.unpark()).is_some()
    }

    /// Takes every task queued for the workers (their LIFO slots and local queues), for a
    /// shutdown that stopped waiting for a stuck worker to drop them itself.
    pub(crate) fn take_worker_queues(&self) -> Vec<Job> {
        let mut jobs = Vec::new();
        let (mut into, _) = local_queue::new::<Job>();
        for remote in self.remotes.iter() {
            jobs.extend(remote.visible.lifo.take());
            drain(&remote.steal, &mut into, &mut jobs);
        }
        jobs
    }

    /// Takes every task queued in the driver queues (no worker takes them once the runtime
    /// shuts down).
    pub(crate) fn take_driver_queues(&self) -> Vec<Job> {
        let mut jobs = Vec::new();
        let (mut into, _) = local_queue::new::<Job>();
        for queue in self.driver_queues.iter() {
            drain(&queue.steal, &mut into, &mut jobs);
        }
        jobs
    }

    /// Takes the graveyard's tasks (the caller drops them outside the lock).
    pub(crate) fn take_graveyard(&self) -> Vec<Job> {
        self.graveyard.with(core::mem::take)
    }

    /// True if any queue visible to other threads holds a task.
    pub(crate) fn has_visible_work(&self) -> bool {
        !self.injector.is_empty()
            || self.remotes.iter().any(|r| !r.steal.is_empty())
            || self.driver_queues.iter().any(|d| !d.steal.is_empty())
    }

    /// Stops the runtime: refuses new work, wakes every worker, and returns the tasks
    /// that were waiting in the injector (the caller drops them outside any lock).
    pub(crate) fn begin_shutdown(&self) -> Vec<Job> {
        self.shutdown.store(true, Release);
        let rest = self.injector.close();
        for r in self.remotes.iter() {
            r.parker.unpark();
        }
        self.monitor.wake();
        rest
    }
}

/// Moves every task of `queue` into `jobs`, stealing through `into` (an empty queue).
fn drain(queue: &Steal<Job>, into: &mut Local<Job>, jobs: &mut Vec<Job>) {
    while let Some(job) = queue.steal_into(into) {
        jobs.push(job);
        jobs.extend(core::iter::from_fn(|| into.pop()));
    }
}

/// What kind of thread a [`Core`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CoreKind {
    /// Worker thread `index`.
    Worker(usize),
    /// A thread inside `Runtime::block_on`.
    Driver,
}

/// Per-thread scheduler state, reachable through the thread-local context.
///
/// Dropping it (a worker leaving, `block_on` returning or unwinding) moves a job left in
/// its LIFO slot to the injector: nothing is stranded with a thread that went away.
pub(crate) struct Core {
    pub(crate) shared: StdArc<Shared>,
    pub(crate) kind: CoreKind,
    /// The task to run next on this thread (woken by the task that ran last), and the
    /// poll count: what the monitor watches.
    visible: StdArc<Visible>,
    /// The thread's local run queue: a worker's own, or the driver queue a `block_on`
    /// thread checked out (`None` if every one was taken).
    pub(crate) local: RefCell<Option<Local<Job>>>,
    /// The driver queue checked out, to give back on drop.
    driver_queue: Option<usize>,
    /// Pushes into the driver queue not yet published (see [`Core::push_back`]).
    unpublished: core::cell::Cell<u32>,
    /// The running task yields only to work waiting on this thread (see
    /// [`yield_to_waiting`](super::yield_to_waiting)): its re-queueing wakes nobody.
    quiet: core::cell::Cell<bool>,
    /// A `block_on` thread's main future's signal: its being woken is work waiting here.
    main: Option<SignalRef>,
    /// The main future was woken on this thread (by a task run here, or by its own poll):
    /// a plain flag, where a wake from another thread goes through the signal's atomic.
    main_woken_here: core::cell::Cell<bool>,
    /// Spare references to `shared` for the tasks spawned and freed here (see [`Lease`]).
    pub(crate) bank: Bank,
}

impl core::fmt::Debug for Core {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Core").field("kind", &self.kind).finish_non_exhaustive()
    }
}

impl Core {
    pub(crate) fn worker(shared: StdArc<Shared>, index: usize, local: Local<Job>) -> Self {
        let visible = shared.remotes[index].visible.clone();
        Core {
            shared,
            kind: CoreKind::Worker(index),
            visible,
            local: RefCell::new(Some(local)),
            driver_queue: None,
            unpublished: core::cell::Cell::new(0),
            quiet: core::cell::Cell::new(false),
            main: None,
            main_woken_here: core::cell::Cell::new(false),
            bank: Bank::default(),
        }
    }

    /// The core of a thread inside `block_on`, watched by the monitor until it is dropped.
    /// It checks out a free driver queue, if any, for the tasks it spawns.
    pub(crate) fn driver(shared: StdArc<Shared>, main: SignalRef) -> Self {
        let visible = StdArc::new(Visible::new(None));
        shared.monitor.register(&visible);
        shared.monitor.arm();
        let (driver_queue, local) = shared
            .driver_queues
            .iter()
            .enumerate()
            .find_map(|(i, q)| q.local.with(Option::take).map(|local| (Some(i), Some(local))))
            .unwrap_or((None, None));
        Core {
            shared,
            kind: CoreKind::Driver,
            visible,
            local: RefCell::new(local),
            driver_queue,
            unpublished: core::cell::Cell::new(0),
            quiet: core::cell::Cell::new(false),
            main: Some(main),
            main_woken_here: core::cell::Cell::new(false),
            bank: Bank::default(),
        }
    }

    /// A `block_on` thread goes to sleep (its LIFO slot is empty) or woke up: the monitor
    /// sleeps only while every thread does.
    pub(crate) fn set_parked(&self, parked: bool) {
        self.visible.set_parked(parked);
        if !parked {
            self.shared.monitor.arm();
        }
    }

    /// Runs one job on this thread: counts the poll (for the monitor) and gives it a fresh
    /// cooperative budget. A job does not unwind: a task's poll, its finished future's drop
    /// and its unread output's drop are caught or contained by the task wrapper
    /// (`executor::task`), an actor cell's by the cell (`raw::cell`); a worker's loop
    /// catches anything else (see `worker::run`).
    #[inline]
    pub(crate) fn run(&self, job: Job) {
        self.visible.started_poll();
        budget::scoped(|| job.run());
        // A quiet yield's flag lives no longer than the poll that set it.
        self.quiet.set(false);
    }

    /// Counts a poll of something other than a job (a `block_on` future).
    #[inline]
    pub(crate) fn started_poll(&self) {
        self.visible.started_poll();
    }

    /// Records a wake-up of the main future `signal` wakes, if this is the core of the
    /// `block_on` thread it belongs to (the wake happens on the driver's own thread, which
    /// looks at the flag before it polls, spins or sleeps): true if recorded.
    #[inline]
    pub(crate) fn wake_main_here(&self, signal: &DriverSignal) -> bool {
        let drives = self.main.as_ref().is_some_and(|main| core::ptr::eq::<DriverSignal>(&**main, signal));
        if drives {
            self.main_woken_here.set(true);
        }
        drives
    }

    /// Takes a wake-up recorded by [`Self::wake_main_here`].
    #[inline]
    pub(crate) fn take_main_woken_here(&self) -> bool {
        self.main_woken_here.replace(false)
    }

    /// True if a wake-up recorded by [`Self::wake_main_here`] waits.
    #[inline]
    pub(crate) fn main_woken_here(&self) -> bool {
        self.main_woken_here.get()
    }

    #[inline]
    pub(crate) fn belongs_to(&self, shared: &StdArc<Shared>) -> bool {
        StdArc::ptr_eq(&self.shared, shared)
    }

    /// Queues a task spawned on this thread: on a driver its LIFO slot if it is free, else
    /// the driver queue (or the injector); on a worker the back of its local queue.
    #[inline]
    fn queue_new(&self, runnable: Job) {
        if self.kind == CoreKind::Driver {
            if let Some(r) = self.put_lifo_if_free(runnable) {
                self.push_back(r);
            }
        } else {
            self.push_back(runnable);
        }
    }

    /// Puts `runnable` in the LIFO slot; a displaced task goes to the back of the queue.
    #[inline]
    pub(crate) fn push_lifo(&self, runnable: Job) {
        if let Some(prev) = self.visible.lifo.put(runnable) {
            self.push_back(prev);
        }
    }

    /// Puts `runnable` in the LIFO slot if it is empty; gives it back otherwise.
    #[inline]
    fn put_lifo_if_free(&self, runnable: Job) -> Option<Job> {
        if self.visible.lifo.is_occupied() {
            return Some(runnable);
        }
        // Only this thread puts jobs in its slot: it is still empty (or was emptied by the
        // monitor, which is as good).
        let displaced = self.visible.lifo.put(runnable);
        debug_assert!(displaced.is_none(), "only the owner fills its slot");
        displaced
    }

    /// Queues `runnable` behind this thread's other work and lets idle workers know.
    ///
    /// A driver does not run its queue itself, so its pushes must be *published*: as in
    /// `Shared::inject`, a `SeqCst` fence pairs with the one in `Worker::park` (a worker
    /// parking then either sees the task or is woken for it). The fence waits for every
    /// store before it (a fresh task's, its object's) to leave the core, so a driver
    /// submitting a batch publishes only when it pushes into an empty queue (the workers
    /// have caught up and may be parking), every [`DRIVER_PUBLISH_EVERY`] pushes, and
    /// whenever its `block_on` loop comes round ([`publish`](Self::publish)), before it
    /// can sleep. Between two publications a worker may park unaware of the newest tasks;
    /// the next publication wakes it (and the monitor wakes one for a non-empty driver
    /// queue if the driver is stuck in user code before publishing).
    pub(crate) fn push_back(&self, runnable: Job) {
        let mut local = self.local.borrow_mut();
        match local.as_mut() {
            Some(q) => {
                let was_empty = self.kind == CoreKind::Driver && q.is_empty();
                q.push_back_or_overflow(runnable, &mut |batch| self.shared.take_overflow(batch));
                drop(local);
                if self.kind == CoreKind::Driver {
                    let unpublished = self.unpublished.get() + 1;
                    if was_empty || unpublished >= DRIVER_PUBLISH_EVERY {
                        self.unpublished.set(0);
                        fence(SeqCst);
                    } else {
                        self.unpublished.set(unpublished);
                        return;
                    }
                }
                self.shared.notify_parked();
            }
            None => {
                drop(local);
                self.shared.inject(runnable);
            }
        }
    }

    /// The running task's next re-queueing is a yield to the work waiting on this thread
    /// (see [`yield_to_waiting`](super::yield_to_waiting)).
    pub(crate) fn yield_quietly(&self) {
        self.quiet.set(true);
    }

    /// Re-queues a task that yielded to the work waiting here, waking no other thread for
    /// it: this thread runs it again once that work is done. On a worker, behind its local
    /// queue; on a `block_on` thread, in its LIFO slot (run right after the main future,
    /// and watched by the monitor should the thread block), or queued as usual if taken.
    fn requeue_quietly(&self, runnable: Job) {
        if self.kind == CoreKind::Driver {
            if let Some(r) = self.put_lifo_if_free(runnable) {
                self.push_back(r);
            }
            return;
        }
        let mut local = self.local.borrow_mut();
        match local.as_mut() {
            Some(q) => {
                let mut overflowed = false;
                q.push_back_or_overflow(runnable, &mut |batch| {
                    overflowed = true;
                    self.shared.take_overflow(batch);
                });
                drop(local);
                // Half of a full queue went to the injector: those tasks are for others.
                if overflowed {
                    fence(SeqCst);
                    self.shared.notify_parked();
                }
            }
            None => {
                drop(local);
                self.shared.inject(runnable);
            }
        }
    }

    /// True if a task waits that this thread could run instead of the current one: in its
    /// LIFO slot, its local queue or the injector, or (on a `block_on` thread) its main
    /// future, woken.
    pub(crate) fn work_waiting(&self) -> bool {
        self.has_local_work()
            || !self.shared.injector.is_empty()
            || self.main_woken_here.get()
            || self.main.as_ref().is_some_and(|m| m.is_woken())
    }

    /// Takes the LIFO task, if any.
    #[inline]
    pub(crate) fn take_lifo(&self) -> Option<Job> {
        self.visible.lifo.take()
    }

    /// True if a task other than the LIFO one waits in this thread's local queue (a driver's
    /// checked-out one included) or in the injector: the LIFO cap then hands the LIFO task over.
    pub(crate) fn others_waiting(&self) -> bool {
        self.local.borrow().as_ref().is_some_and(|q| !q.is_empty()) || !self.shared.injector.is_empty()
    }

    /// Publishes a driver's unpublished pushes (see [`push_back`](Self::push_back)).
    #[inline]
    pub(crate) fn publish(&self) {
        if self.unpublished.get() != 0 {
            self.unpublished.set(0);
            fence(SeqCst);
            self.shared.notify_parked();
        }
    }

    /// Takes the task at the front of this thread's local queue, if any.
    pub(crate) fn pop_local(&self) -> Option<Job> {
        self.local.borrow_mut().as_mut().and_then(Local::pop)
    }

    /// True if the LIFO slot or the local queue holds a task.
    pub(crate) fn has_local_work(&self) -> bool {
        self.visible.lifo.is_occupied() || self.local.borrow().as_ref().is_some_and(|q| !q.is_empty())
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        if self.kind == CoreKind::Driver {
            self.shared.monitor.unregister(&self.visible);
        }
        // A job left in the slot (a `block_on` that returned or unwound right after waking
        // it) runs elsewhere; so do the jobs left in the driver queue, which goes back
        // empty (the next driver to check it out must find it so: its steal end may still
        // be mid-steal, which is as good).
        let mut left: Vec<Job> = self.visible.lifo.take().into_iter().collect();
        if let (Some(index), Some(mut local)) = (self.driver_queue, self.local.get_mut().take()) {
            left.extend(core::iter::from_fn(|| local.pop()));
            self.shared.driver_queues[index].local.with(|slot| *slot = Some(local));
        }
        if self.shared.is_shutdown() {
            // Nobody will run them: a `block_on` thread still driving when its runtime
            // shut down drops them here, as shutdown drops everything queued (the injector
            // would only hand them to the graveyard, dropped with the runtime's last handle).
            super::failure::drop_failed(left, crate::Error::RuntimeShutdown);
        } else {
            for job in left {
                self.shared.inject(job);
            }
        }
    }
}

/// A runtime's shared state with no worker threads, its two workers set by hand: both went
/// to sleep, then a producer woke worker 1, which counts as searching from then on but
/// never runs (as a thread the OS left queued behind a busy one). Worker 0 still sleeps,
/// and a producer wakes nobody (somebody searches).
#[cfg(all(test, not(loom)))]
pub(crate) fn with_a_stalled_searcher() -> StdArc<Shared> {
    let (shared, _queues) = Shared::new(2);
    for index in 0..2 {
        assert!(!shared.idle.transition_to_parked(index, false));
    }
    assert!(shared.notify_parked());
    assert!(shared.remotes[1].parker.try_consume(), "worker 1 was unparked");
    assert!(!shared.notify_parked());
    assert!(!shared.remotes[0].parker.try_consume(), "worker 0 sleeps on");
    shared
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn an_overflowing_queue_wakes_a_sleeper_even_while_another_worker_searches() {
        let shared = with_a_stalled_searcher();
        // A queue overflowed into the injector: nobody took from it, so the searcher is
        // not keeping up (or not running): the other sleeper is woken anyway.
        shared.take_overflow(Vec::new());
        assert!(shared.remotes[0].parker.try_consume(), "worker 0 was unparked");
        assert!(shared.idle.sleeper_to_wake().is_none(), "nobody sleeps any more");
    }
}
