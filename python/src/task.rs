//! Remote functions: each call is a cell the pool runs, unless a `get` on its ref
//! comes first and runs it inline (the caller already holds the GIL: no hand-off).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::call::{when_ready, Call};
use crate::object_ref::{ObjectRef, Origin};
use crate::stored::Stored;

/// The body of a submitted call, until someone claims it.
#[derive(Debug)]
struct Job {
    /// Arguments' refs that were pending at submission (held until the call is claimed:
    /// a finished call's ref does not keep its arguments alive).
    deps: Vec<rustyray::ObjectRef<Stored>>,
    func: Py<PyAny>,
    call: Call,
    promise: rustyray::Promise<Stored>,
}

/// One remote function call.
#[derive(Debug)]
pub(crate) struct TaskCell {
    /// Taken by whoever runs it (a worker, an inline `get`) or cancels it.
    job: Mutex<Option<Job>>,
    /// The Python thread running it (0 when not running): where a cancel interrupts it.
    running_on: AtomicU64,
    cancelled: AtomicBool,
}

/// Submits `func(*args, **kwargs)`; `max_retries` application errors matching
/// `retry_exceptions` are retried.
#[pyfunction]
#[pyo3(signature = (func, args, kwargs=None, max_retries=0, retry_exceptions=None))]
pub(crate) fn submit(
    func: Py<PyAny>,
    args: Bound<'_, PyTuple>,
    kwargs: Option<Bound<'_, PyDict>>,
    max_retries: u32,
    retry_exceptions: Option<Bound<'_, PyAny>>,
) -> PyResult<ObjectRef> {
    let state = crate::runtime::current()?;
    let (call, deps) = Call::submitted(args, kwargs, max_retries, retry_exceptions.as_ref())?;
    let (object, promise) = state.rt.store().pending::<Stored>();
    let waiting_for = deps.clone();
    let cell = Arc::new(TaskCell {
        job: Mutex::new(Some(Job { deps, func, call, promise })),
        running_on: AtomicU64::new(0),
        cancelled: AtomicBool::new(false),
    });
    // Its arguments first; then the pool runs it. (Detached: the result goes to the store.)
    let runner = cell.clone();
    when_ready(&waiting_for, move || {
        if runner.is_unclaimed() {
            state.enqueue(runner);
        }
    });
    Ok(ObjectRef::new(object, Origin::Task(cell)))
}

impl TaskCell {
    fn claim(&self) -> Option<Job> {
        self.job.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn is_unclaimed(&self) -> bool {
        self.job.lock().unwrap_or_else(|e| e.into_inner()).is_some()
    }

    /// Runs the call (attached) unless an inline `get` or a cancel took it first.
    fn run_claimed(&self, py: Python<'_>) {
        if let Some(job) = self.claim() {
            self.execute(py, job);
        }
    }

    /// From a `get` (attached): runs the call here if its arguments are ready and nobody
    /// took it yet. True if it ran.
    pub(crate) fn run_inline(&self, py: Python<'_>) -> bool {
        let claimed = {
            let mut job = self.job.lock().unwrap_or_else(|e| e.into_inner());
            match &*job {
                Some(j) if j.deps.iter().all(rustyray::ObjectRef::is_ready) => job.take(),
                _ => None,
            }
        };
        match claimed {
            Some(job) => {
                self.execute(py, job);
                true
            }
            None => false,
        }
    }

    fn execute(&self, py: Python<'_>, mut job: Job) {
        let ident = crate::raw::thread_ident(py);
        self.running_on.store(ident, SeqCst);
        let func = job.func.bind(py);
        let mut outcome = job.call.run(py, func, func, &self.cancelled);
        self.running_on.store(0, SeqCst);
        if self.cancelled.load(SeqCst) {
            // A cancel raced the end of the call: drop its exception if it was not
            // delivered, so it cannot hit this thread's next call.
            crate::raw::set_async_exc(py, ident, None);
            if matches!(outcome, Ok(Stored::Raised(_))) {
                outcome = Err(rustyray::Error::Cancelled);
            }
        }
        job.promise.fulfill(outcome);
    }

    /// `rustyray.cancel`: a call not started yet never runs (its `get` raises
    /// `TaskCancelledError` now); a running one gets `TaskCancelledError` raised in it at
    /// its next bytecode; a finished one is unaffected.
    pub(crate) fn cancel(&self, py: Python<'_>) -> PyResult<()> {
        if let Some(job) = self.claim() {
            job.promise.fulfill(Err(rustyray::Error::Cancelled));
            return Ok(());
        }
        // (Attached: the runner sets and clears `running_on` attached too, so the call
        // cannot end between this check and the exception being set.)
        let ident = self.running_on.load(SeqCst);
        if ident != 0 {
            self.cancelled.store(true, SeqCst);
            let class = crate::errors::class(py, "TaskCancelledError")?;
            crate::raw::set_async_exc(py, ident, Some(&class));
        }
        Ok(())
    }
}

impl crate::runtime::Job for TaskCell {
    fn run(self: Arc<Self>, py: Python<'_>) {
        self.run_claimed(py);
    }
}
