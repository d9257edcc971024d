//! The process's runtime (started by `init`, stopped by `shutdown`) and its pool of Python
//! work: jobs run on the pool's own threads, at most `num_cpus` at a time, each thread
//! holding the GIL across a run of jobs instead of taking it per job.
//!
//! The pool's threads are not the runtime's workers: a job may block (in `get`, in user
//! code), and the runtime's workers must stay free for what it drives (timers, waiters
//! on dependencies, the object store's wake-ups). A job blocked in `get` or `wait` gives
//! its place back (`State::blocking`), so another thread runs queued jobs meanwhile; when
//! the wait ends it runs on, over the limit for a while, as a Ray worker does.

use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// Python work the pool runs (a remote function's call, an actor's queue).
pub(crate) trait Job: Send + Sync {
    /// Runs it, attached. (Claiming it is the job's own business: an inline `get` may
    /// have run it already.)
    fn run(self: Arc<Self>, py: Python<'_>);
}

/// The running runtime and its pool.
pub(crate) struct State {
    /// Spawns, `block_on`, the store (the `Runtime` itself is kept by `OWNER`, so a
    /// straggling job holding this state never owns the runtime's last handle).
    pub(crate) rt: rustyray::Handle,
    pub(crate) num_cpus: usize,
    pool: Mutex<Pool>,
    /// Idle pool threads wait here for work.
    work: Condvar,
    /// The worker processes, once started (`process.rs`).
    pub(crate) workers: Mutex<Option<Arc<crate::process::Workers>>>,
}

/// The pool's books, under one lock.
#[derive(Default)]
struct Pool {
    queue: VecDeque<Arc<dyn Job>>,
    /// Threads running jobs, not counting those blocked in a `get`.
    active: usize,
    /// Threads waiting on `work`.
    idle: usize,
    /// Threads woken or started for work that have not looked at the queue yet.
    waking: usize,
    /// Threads alive.
    threads: usize,
    stopped: bool,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State").field("num_cpus", &self.num_cpus).finish_non_exhaustive()
    }
}

static CURRENT: RwLock<Option<Arc<State>>> = RwLock::new(None);
static OWNER: Mutex<Option<rustyray::Runtime>> = Mutex::new(None);

/// How long a pool thread beyond `num_cpus` waits idle before it ends.
const SPARE_THREAD_IDLE: Duration = Duration::from_secs(2);

thread_local! {
    /// Set on a pool thread while it counts as active (a `get` in a job then gives its
    /// place back).
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
}

/// The running runtime, or the `RuntimeError` Python sees when there is none.
pub(crate) fn current() -> PyResult<Arc<State>> {
    match &*CURRENT.read().unwrap_or_else(|e| e.into_inner()) {
        Some(state) => Ok(state.clone()),
        None => Err(PyRuntimeError::new_err("rustyray is not initialized: call rustyray.init()")),
    }
}

impl State {
    fn pool(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `job` for the pool.
    pub(crate) fn enqueue(self: &Arc<Self>, job: Arc<dyn Job>) {
        let mut pool = self.pool();
        if pool.stopped {
            // After `shutdown`: the job is dropped (outside the lock), and with it its
            // promise, so whoever waits for it gets `ObjectLostError` instead of waiting on.
            drop(pool);
            drop(job);
            return;
        }
        pool.queue.push_back(job);
        self.kick(&mut pool);
    }

    /// Wakes or starts a thread if there is queued work and a free place that no thread
    /// is already on its way to.
    fn kick(self: &Arc<Self>, pool: &mut Pool) {
        if pool.stopped || pool.queue.len() <= pool.waking || pool.active + pool.waking >= self.num_cpus {
            return;
        }
        pool.waking += 1;
        if pool.idle > 0 {
            self.work.notify_one();
            return;
        }
        pool.threads += 1;
        let state = self.clone();
        let started = std::thread::Builder::new().name("rustyray-py".into()).spawn(move || state.serve());
        if started.is_err() {
            // (No thread: the work waits for one that finishes or blocks.)
            pool.waking -= 1;
            pool.threads -= 1;
        }
    }

    /// A pool thread: takes a place and runs jobs while there are any and it may.
    fn serve(self: &Arc<Self>) {
        let mut pool = self.pool();
        pool.waking = pool.waking.saturating_sub(1);
        loop {
            if pool.stopped {
                break;
            }
            if pool.active < self.num_cpus && !pool.queue.is_empty() {
                pool.active += 1;
                drop(pool);
                self.drain();
                pool = self.pool();
                pool.active -= 1;
                // (More may have been queued while this thread could not take it.)
                self.kick(&mut pool);
                continue;
            }
            pool.idle += 1;
            let (guard, waited) = self.work.wait_timeout(pool, SPARE_THREAD_IDLE).unwrap_or_else(|e| e.into_inner());
            pool = guard;
            pool.idle -= 1;
            if waited.timed_out() {
                if pool.queue.is_empty() && pool.threads > self.num_cpus {
                    break;
                }
            } else {
                pool.waking = pool.waking.saturating_sub(1);
            }
        }
        pool.threads -= 1;
        if pool.stopped {
            self.work.notify_all();
        }
    }

    /// Runs queued jobs, attached, while there are any and this thread's place is not
    /// over the limit (a blocked job that came back may have put it over).
    fn drain(self: &Arc<Self>) {
        ACTIVE.with(|a| a.set(true));
        Python::attach(|py| loop {
            let job = {
                let mut pool = self.pool();
                if pool.active > self.num_cpus || pool.stopped {
                    None
                } else {
                    pool.queue.pop_front()
                }
            };
            match job {
                Some(job) => job.run(py),
                None => break,
            }
        });
        ACTIVE.with(|a| a.set(false));
    }

    /// Runs `wait` (detached, blocking) with this thread's place given back for the
    /// while, so a job blocked in a `get` does not hold a CPU (as in Ray).
    pub(crate) fn blocking<R>(self: &Arc<Self>, wait: impl FnOnce() -> R) -> R {
        let active = ACTIVE.with(Cell::get);
        if active {
            let mut pool = self.pool();
            pool.active -= 1;
            self.kick(&mut pool);
        }
        let out = wait();
        if active {
            self.pool().active += 1;
        }
        out
    }

    /// Stops the pool: queued work is dropped, idle threads end, running jobs end their
    /// threads when they return.
    fn stop(&self) -> VecDeque<Arc<dyn Job>> {
        let mut pool = self.pool();
        pool.stopped = true;
        self.work.notify_all();
        std::mem::take(&mut pool.queue)
    }

    /// Waits (bounded) until the pool's threads have ended, but for the caller's own.
    fn join(&self, grace: Duration) {
        let own = usize::from(ACTIVE.with(Cell::get));
        let deadline = std::time::Instant::now() + grace;
        let mut pool = self.pool();
        while pool.threads > own {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return;
            }
            pool = self.work.wait_timeout(pool, left).unwrap_or_else(|e| e.into_inner()).0;
        }
    }
}

/// Starts the runtime with `num_cpus` worker threads (default: the machine's CPUs).
#[pyfunction]
#[pyo3(signature = (num_cpus=None))]
pub(crate) fn init(py: Python<'_>, num_cpus: Option<i64>) -> PyResult<usize> {
    let n = match num_cpus {
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        Some(n) if n >= 1 && n as usize <= rustyray::MAX_WORKER_THREADS => n as usize,
        Some(n) => {
            return Err(PyValueError::new_err(format!(
                "num_cpus must be between 1 and {}, got {n}",
                rustyray::MAX_WORKER_THREADS
            )))
        }
    };
    let mut current = CURRENT.write().unwrap_or_else(|e| e.into_inner());
    if current.is_some() {
        return Err(PyRuntimeError::new_err("rustyray.init() was already called"));
    }
    let rt = py
        .detach(|| rustyray::Runtime::builder().worker_threads(n).build())
        .map_err(|e| PyRuntimeError::new_err(format!("could not start the runtime: {e}")))?;
    *current = Some(Arc::new(State {
        rt: rt.handle().clone(),
        num_cpus: n,
        pool: Mutex::new(Pool::default()),
        work: Condvar::new(),
        workers: Mutex::new(None),
    }));
    *OWNER.lock().unwrap_or_else(|e| e.into_inner()) = Some(rt);
    Ok(n)
}

/// How long `shutdown` waits for calls still running (a call blocked forever in user code
/// cannot be stopped; its thread is left behind, detached).
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Stops the runtime (a no-op when none runs). Work still queued is dropped: its refs
/// raise `ObjectLostError`.
#[pyfunction]
pub(crate) fn shutdown(py: Python<'_>) {
    let state = CURRENT.write().unwrap_or_else(|e| e.into_inner()).take();
    let rt = OWNER.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(state) = &state {
        if let Some(workers) = state.workers.lock().unwrap_or_else(|e| e.into_inner()).take() {
            py.detach(|| workers.stop());
        }
        // (Dropped outside the pool's lock: a job's drop may drop Python objects.)
        drop(state.stop());
        py.detach(|| state.join(SHUTDOWN_GRACE));
    }
    if let Some(rt) = rt {
        let _ = py.detach(|| rt.shutdown_timeout(SHUTDOWN_GRACE));
    }
}

/// True between `init` and `shutdown`.
#[pyfunction]
pub(crate) fn is_initialized() -> bool {
    CURRENT.read().unwrap_or_else(|e| e.into_inner()).is_some()
}

/// The number of worker threads of the running runtime.
#[pyfunction]
pub(crate) fn num_cpus() -> PyResult<usize> {
    Ok(current()?.num_cpus)
}
