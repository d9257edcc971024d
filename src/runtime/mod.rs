//! The [`Runtime`]: owns the worker threads, the monitor thread, and its parts (the
//! scheduler, the object store, the named actors, the CPU pool and the timer: a
//! `host::RuntimeParts`, which its actors and tasks reach through their `Home`).
//!
//! ```text
//!   Builder::build ──▶ RUNNING ──shutdown() / drop──▶ STOPPING ──workers joined──▶ STOPPED
//!                        │ spawn, block_on              │ new spawns resolve to
//!                        │                              │ Err(RuntimeShutdown); queued
//!                        │                              │ tasks are dropped (once)
//! ```

mod builder;
mod global;
mod metrics;
mod threads;

use alloc::sync::Arc;
use core::future::Future;
use core::time::Duration;
use std::time::Instant;

pub use builder::{Builder, MAX_WORKER_THREADS};
#[doc(hidden)]
pub use global::run_main;
pub use global::{init, put, shutdown, spawn};
pub use metrics::{MailboxDepth, Metrics};

use crate::executor::failure::FailureScope;
use crate::executor::scheduler::Shared;
use crate::executor::{self, JoinHandle};
use crate::host::{self, Home, Host, NameTable, RuntimeParts};
use crate::object::Store;
use crate::task::admission::CpuPool;
use crate::time::TimerDriver;
use crate::Error;
use threads::Threads;

/// A rustyray runtime: a work-stealing pool of worker threads plus a timer driver.
///
/// Runtimes are independent of each other (a test suite can run many in parallel).
/// Dropping a runtime shuts it down, as [`shutdown`](Runtime::shutdown) does.
#[derive(Debug)]
pub struct Runtime {
    handle: Handle,
    /// The workers and the monitor.
    threads: Threads,
}

/// A cheap, clonable reference to a running runtime (what `*_on(&runtime, …)` APIs and
/// the process-wide default hold). One reference count: every actor and remote call
/// holds or clones one, and the count's cache line is shared by every thread.
#[derive(Debug, Clone)]
pub struct Handle {
    pub(crate) parts: Arc<RuntimeParts>,
}

impl Handle {
    /// Spawns `future`; see [`Runtime::spawn`].
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.parts.scheduler.spawn(future)
    }

    /// Runs `future` on this thread; see [`Runtime::block_on`].
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _home = host::enter(self.parts.clone());
        let _timer = crate::time::enter(&self.parts.timer);
        executor::block_on(&self.parts.scheduler, future)
    }

    /// The runtime's object store; see [`Runtime::store`].
    pub fn store(&self) -> &Store {
        &self.parts.store
    }

    /// True once the runtime has been shut down.
    pub fn is_shutdown(&self) -> bool {
        self.parts.scheduler.is_shutdown()
    }

    /// A snapshot of the runtime's queues, tasks, mailboxes and objects; see
    /// [`Runtime::metrics`].
    pub fn metrics(&self) -> Metrics {
        metrics::snapshot(&self.parts)
    }
}

impl host::sealed::Sealed for Handle {
    #[allow(private_interfaces)]
    fn runtime_parts(&self) -> Option<&Arc<RuntimeParts>> {
        Some(&self.parts)
    }
}

/// Runs actors and tasks on this runtime.
impl Host for Handle {
    fn spawn_detached<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        self.spawn(future).detach();
    }

    fn home(&self) -> Home {
        Home::runtime(self.parts.clone())
    }
}

impl host::sealed::Sealed for Runtime {
    #[allow(private_interfaces)]
    fn runtime_parts(&self) -> Option<&Arc<RuntimeParts>> {
        Some(&self.handle.parts)
    }
}

/// Runs actors and tasks on this runtime.
impl Host for Runtime {
    fn spawn_detached<F: Future<Output = ()> + Send + 'static>(&self, future: F) {
        self.handle.spawn_detached(future);
    }

    fn home(&self) -> Home {
        self.handle.home()
    }
}

impl Runtime {
    /// A [`Builder`] with default options.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// A runtime with default options (one worker per CPU).
    ///
    /// # Errors
    /// See [`Builder::build`].
    pub fn new() -> Result<Runtime, Error> {
        Builder::new().build()
    }

    fn start(config: &Builder, workers: usize) -> Result<Runtime, Error> {
        crate::executor::failure::install_panic_recorder();
        let (shared, locals) = Shared::new(workers);
        let cpus = Arc::new(CpuPool::new(crate::task::options::to_units(config.num_cpus.unwrap_or(workers as f64))));
        // A `block_on` thread helps the workers only while a CPU is free for remote tasks.
        let gate = cpus.clone();
        shared.set_help_gate(executor::scheduler::HelpGate(alloc::boxed::Box::new(move || gate.has_free())));
        let parts = RuntimeParts {
            scheduler: shared.clone(),
            store: Arc::new(Store::new()),
            names: NameTable::default(),
            cpus,
            timer: Arc::new(TimerDriver::new()),
            deep: host::gauges::DeepMailboxes::default(),
        };
        let handle = Handle { parts: Arc::new(parts) };
        let rt = Runtime { handle: handle.clone(), threads: Threads::default() };
        for (index, local) in locals.into_iter().enumerate() {
            let mut b = std::thread::Builder::new().name(alloc::format!("{}-{index}", config.thread_name));
            if let Some(size) = config.thread_stack_size {
                b = b.stack_size(size);
            }
            let shared = shared.clone();
            let parts = handle.parts.clone();
            let worker = move || {
                let _timer = crate::time::enter(&parts.timer);
                let _home = host::enter(parts);
                executor::run_worker(shared, index, local)
            };
            // On failure `rt` drops here and stops the threads already started.
            rt.threads.spawn(b, worker).map_err(|message| Error::ThreadSpawn { message })?;
        }
        let monitor = std::thread::Builder::new().name(alloc::format!("{}-monitor", config.thread_name));
        let shared = shared.clone();
        rt.threads
            .spawn(monitor, move || executor::run_monitor(shared))
            .map_err(|message| Error::ThreadSpawn { message })?;
        Ok(rt)
    }

    /// Spawns `future` onto the runtime. The handle resolves to the output, to
    /// [`Error::TaskPanicked`] if the task panicked, or to [`Error::RuntimeShutdown`] if
    /// the runtime stopped first. Dropping the handle detaches the task.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs `future` to completion on the calling thread and returns its output. While
    /// it waits, the calling thread runs the runtime's tasks too (a task it wakes runs
    /// right here), so request/reply from a driver thread costs no thread hand-off.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// A clonable handle to this runtime.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// The runtime's object store: where [`rustyray::put`](crate::put) (called from the
    /// runtime's tasks or `block_on`) and remote results put their objects. Objects outlive
    /// the runtime as long as refs to them do.
    ///
    /// ```
    /// let rt = rustyray::Runtime::builder().worker_threads(1).build()?;
    /// let obj = rt.block_on(async { rustyray::put(42) })?;
    /// assert_eq!(rt.store().get_ref::<i32>(obj.id())?, obj);
    /// # Ok::<(), rustyray::Error>(())
    /// ```
    pub fn store(&self) -> &Store {
        &self.handle.parts.store
    }

    /// A snapshot of the runtime: queued and live tasks, each worker's queue depth, the
    /// deepest actor mailboxes, live objects and their bytes, restarts and retries.
    /// [`Metrics::to_prometheus`] renders it for a `/metrics` endpoint.
    pub fn metrics(&self) -> Metrics {
        metrics::snapshot(&self.handle.parts)
    }

    /// Number of worker threads.
    pub fn worker_threads(&self) -> usize {
        self.handle.parts.scheduler.num_workers()
    }

    /// Stops the runtime and returns once every worker thread has stopped. Tasks still
    /// queued or waiting are dropped (each future exactly once); their handles resolve to
    /// [`Error::RuntimeShutdown`]. Called from one of the runtime's own tasks, it stops the
    /// other workers and lets the calling one finish its current task.
    ///
    /// A worker finishes the poll it is in before it stops: a task blocked forever in user
    /// code keeps this waiting forever. Use [`shutdown_timeout`](Self::shutdown_timeout) to
    /// bound the wait. (Dropping the runtime is `shutdown()`.)
    pub fn shutdown(self) {
        drop(self);
    }

    /// Stops the runtime like [`shutdown`](Self::shutdown), but waits at most `timeout` for
    /// its threads.
    ///
    /// A worker still inside a poll when the time is up is left behind, detached: the tasks
    /// queued for it (its LIFO slot and local queue) are dropped here with everything else,
    /// and the thread itself ends when the poll it is stuck in returns (it then drops
    /// whatever that task left behind). Nothing else of the runtime waits for it.
    ///
    /// # Errors
    /// [`Error::Timeout`] if some thread was still running when the time was up (the
    /// runtime is shut down all the same).
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = rustyray::Runtime::builder().worker_threads(2).build()?;
    /// // A task that never yields back: its worker cannot stop.
    /// rt.spawn(async { std::thread::sleep(Duration::from_secs(3600)) }).detach();
    /// # std::thread::sleep(Duration::from_millis(20)); // let it start
    /// assert_eq!(rt.shutdown_timeout(Duration::from_millis(50)), Err(rustyray::Error::Timeout));
    /// # Ok::<(), rustyray::Error>(())
    /// ```
    pub fn shutdown_timeout(self, timeout: Duration) -> Result<(), Error> {
        let deadline = Instant::now().checked_add(timeout);
        let stuck = self.shutdown_inner(deadline);
        drop(self); // nothing left to do: its drop sees the runtime shut down
        if stuck == 0 {
            Ok(())
        } else {
            Err(Error::Timeout)
        }
    }

    /// Shuts down, waiting for the runtime's threads until `deadline` (`None`: for as long
    /// as it takes). Returns how many threads were left behind.
    fn shutdown_inner(&self, deadline: Option<Instant>) -> usize {
        if self.handle.parts.scheduler.is_shutdown() {
            return 0; // `shutdown_timeout` did it already
        }
        // Remote tasks waiting for CPUs give up; the promises of tasks dropped below store
        // `RuntimeShutdown` (the workers drop theirs inside the same scope).
        self.handle.parts.cpus.close();
        let mut scope = FailureScope::new();
        scope.set(Error::RuntimeShutdown);
        let shared = &self.handle.parts.scheduler;
        let queued = shared.begin_shutdown();
        // Dropping a task may run user code that wakes other tasks: never under a lock.
        // (Those wake-ups are refused by the closed injector and go to the graveyard.)
        drop(queued);
        drop(shared.take_driver_queues());
        let stuck = self.threads.join(deadline);
        if stuck > 0 {
            // The stuck workers will not drop what is queued for them: do it here.
            drop(shared.take_worker_queues());
        }
        self.handle.parts.timer.shutdown();
        // Tasks waiting in no queue: wake each (from here, holding no lock) so it reaches
        // the graveyard; later spawns are refused.
        shared.owned.close_and_wake_all();
        // Drop the graveyard until it stays empty (drops may wake more tasks).
        loop {
            let dead = shared.take_graveyard();
            if dead.is_empty() {
                break;
            }
            drop(dead);
        }
        drop(shared.injector.close());
        stuck
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown_inner(None);
    }
}

/// The executor's quiet yield, seen from a runtime (the executor's own layer cannot build one).
#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::vec::Vec;

    use crate::executor::{work_waiting, yield_to_waiting};

    #[test]
    fn a_quiet_yield_lets_the_work_waiting_here_run_first_then_resumes_on_this_thread() {
        // One worker and no `block_on` thread: the task runs on the worker, deterministically.
        let rt = super::Runtime::builder().worker_threads(1).build().unwrap();
        let spawner = rt.handle().clone();
        let order = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&order);
        let (done, finished) = std::sync::mpsc::channel();
        drop(rt.spawn(async move {
            let me = std::thread::current().id();
            let nothing_queued = !work_waiting();
            let log2 = Arc::clone(&log);
            // Spawned from the worker: queued on this worker.
            drop(spawner.spawn(async move { log2.lock().unwrap().push("other") }));
            let other_queued = work_waiting();
            yield_to_waiting().await;
            log.lock().unwrap().push("yielder");
            let same_thread = std::thread::current().id() == me;
            done.send((nothing_queued, other_queued, same_thread)).unwrap();
        }));
        let (nothing_queued, other_queued, same_thread) =
            finished.recv_timeout(std::time::Duration::from_secs(10)).expect("the task finished");
        assert!(nothing_queued, "nothing was queued before the spawn");
        assert!(other_queued, "the spawned task waited on this thread");
        assert!(same_thread, "the yielder resumed on the thread it yielded on");
        assert_eq!(*order.lock().unwrap(), ["other", "yielder"]);
    }
}
