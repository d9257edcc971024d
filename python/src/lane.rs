//! Synchronous actors: one queue of calls per actor, run in order by one runner at a time
//! — a runtime worker, or a `get` waiting on one of its calls (inline, no hand-off).

use std::collections::VecDeque;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::call::Call;
use crate::object_ref::{ObjectRef, Origin};
use crate::stored::Stored;

/// What a queued job does.
#[derive(Debug)]
enum Work {
    /// Runs the constructor: its value becomes the instance.
    Construct,
    /// Calls the instance's method of this name.
    Method(Py<PyString>),
}

#[derive(Debug)]
struct LaneJob {
    work: Work,
    call: Call,
    promise: rustyray::Promise<Stored>,
    deps: Vec<rustyray::ObjectRef<Stored>>,
}

#[derive(Debug)]
struct LaneState {
    queue: VecDeque<LaneJob>,
    instance: Option<Py<PyAny>>,
    /// Someone is running the queue (at most one: calls run in order, one at a time).
    running: bool,
    /// A worker task is on its way to run the queue.
    scheduled: bool,
    /// Why the actor is dead (killed, or its constructor raised), if it is.
    dead: Option<String>,
}

/// One synchronous actor's queue (shared by the `Lane` object and its calls' refs).
#[derive(Debug)]
pub(crate) struct LaneCore {
    class: Py<PyAny>,
    ctor_args: Py<PyTuple>,
    ctor_kwargs: Option<Py<PyDict>>,
    state: Mutex<LaneState>,
}

/// A synchronous actor's queue of calls, run in submission order one at a time. The
/// Python `ActorHandle` of a plain (not async, not threaded) actor drives one.
#[pyclass(module = "rustyray._rustyray", frozen)]
#[derive(Debug)]
pub struct Lane {
    core: Arc<LaneCore>,
}

fn died(reason: &str) -> rustyray::Error {
    rustyray::Error::ActorDied { reason: reason.to_owned() }
}

impl LaneCore {
    fn lock(&self) -> MutexGuard<'_, LaneState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn construct_job(&self, py: Python<'_>) -> (rustyray::ObjectRef<Stored>, LaneJob) {
        // (After `shutdown` a restart's constructor has no runtime: its object comes from
        // a store of its own, and nothing will run it.)
        let (object, promise) = match crate::runtime::current() {
            Ok(state) => state.rt.store().pending::<Stored>(),
            Err(_) => rustyray::Store::new().pending::<Stored>(),
        };
        let args = self.ctor_args.bind(py).clone();
        let kwargs = self.ctor_kwargs.as_ref().map(|k| k.bind(py).clone());
        let (call, deps) = Call::submitted(args, kwargs, 0, None).expect("no retry_exceptions to check");
        (object, LaneJob { work: Work::Construct, call, promise, deps })
    }

    /// After a push or a runner's exit: makes sure the pool will run what is queued.
    fn schedule(self: &Arc<Self>, state: &mut LaneState) {
        if state.running || state.scheduled || state.queue.is_empty() {
            return;
        }
        let Ok(rt) = crate::runtime::current() else { return };
        state.scheduled = true;
        rt.enqueue(self.clone());
    }

    /// Runs queued calls while the next one's arguments are ready. Returns the refs to
    /// wait for (still the runner), or `None` after giving up the runner's place (queue
    /// empty, or `until` is ready).
    fn run_ready(
        self: &Arc<Self>,
        py: Python<'_>,
        until: Option<&rustyray::ObjectRef<Stored>>,
    ) -> Option<Vec<rustyray::ObjectRef<Stored>>> {
        loop {
            let (job, instance) = {
                let mut state = self.lock();
                let done = until.is_some_and(rustyray::ObjectRef::is_ready);
                let blocked = state
                    .queue
                    .front()
                    .map(|job| job.deps.iter().filter(|d| !d.is_ready()).cloned().collect::<Vec<_>>());
                match blocked {
                    Some(deps) if !done && deps.is_empty() => {}
                    Some(deps) if !done && until.is_none() => return Some(deps),
                    _ => {
                        state.running = false;
                        self.schedule(&mut state);
                        return None;
                    }
                }
                let Some(job) = state.queue.pop_front() else { unreachable!("a front job") };
                let instance = state.instance.as_ref().map(|i| i.clone_ref(py));
                (job, instance)
            };
            self.run_job(py, job, instance);
        }
    }

    fn run_job(&self, py: Python<'_>, mut job: LaneJob, instance: Option<Py<PyAny>>) {
        let never = AtomicBool::new(false);
        match job.work {
            Work::Construct => {
                let class = self.class.bind(py);
                match job.call.run(py, class, class, &never) {
                    Ok(Stored::Value(instance)) => {
                        self.lock().instance = Some(instance);
                        job.promise.fulfill(Ok(Stored::Value(py.None())));
                    }
                    Ok(Stored::Raised(exc)) => {
                        let reason = format!(
                            "the constructor raised: {}",
                            exc.bind(py).str().map_or_else(|_| "<unprintable>".into(), |s| s.to_string())
                        );
                        self.kill(&reason);
                        job.promise.fulfill(Ok(Stored::Raised(exc)));
                    }
                    Err(e) => {
                        self.kill(&e.to_string());
                        job.promise.fulfill(Err(e));
                    }
                }
            }
            Work::Method(ref name) => {
                let Some(instance) = instance else {
                    job.promise.fulfill(Err(died("the actor has no instance")));
                    return;
                };
                let outcome = match instance.bind(py).getattr(name.bind(py)) {
                    Ok(method) => job.call.run(py, &method, &method, &never),
                    Err(e) => Ok(Stored::Raised(crate::errors::wrap_task_error(py, e, name.bind(py)))),
                };
                job.promise.fulfill(outcome);
            }
        }
    }

    /// Marks the actor dead: fails every queued call with `ActorDiedError(reason)` and
    /// drops the instance.
    fn kill(&self, reason: &str) {
        let (queued, instance) = {
            let mut state = self.lock();
            state.dead = Some(reason.to_owned());
            (std::mem::take(&mut state.queue), state.instance.take())
        };
        for job in queued {
            job.promise.fulfill(Err(died(reason)));
        }
        drop(instance);
    }

    /// From a `get` (attached) on one of this actor's calls: if no one runs the queue,
    /// runs it here until that call is done. True if it ran anything.
    pub(crate) fn help(self: &Arc<Self>, py: Python<'_>, until: &rustyray::ObjectRef<Stored>) -> bool {
        {
            let mut state = self.lock();
            if state.running {
                return false;
            }
            state.running = true;
        }
        let _ = self.run_ready(py, Some(until));
        true
    }

    /// `rustyray.cancel` on a call still queued: it never runs, its `get` raises
    /// `TaskCancelledError`. (A running or finished call is unaffected.)
    pub(crate) fn cancel(&self, target: &rustyray::ObjectRef<Stored>) {
        let id = target.id();
        let mut state = self.lock();
        if let Some(at) = state.queue.iter().position(|job| job.promise.id() == Some(id)) {
            let job = state.queue.remove(at).expect("a queued job");
            drop(state);
            job.promise.fulfill(Err(rustyray::Error::Cancelled));
        }
    }
}

#[pymethods]
impl Lane {
    /// Starts an actor of `class`: its constructor is the first queued call. Returns the
    /// lane and the constructor's ref (ready once the instance exists).
    #[staticmethod]
    #[pyo3(signature = (class, args, kwargs=None))]
    fn start(
        py: Python<'_>,
        class: Py<PyAny>,
        args: Py<PyTuple>,
        kwargs: Option<Py<PyDict>>,
    ) -> PyResult<(Lane, ObjectRef)> {
        crate::runtime::current()?;
        let core = Arc::new(LaneCore {
            class,
            ctor_args: args,
            ctor_kwargs: kwargs,
            state: Mutex::new(LaneState {
                queue: VecDeque::new(),
                instance: None,
                running: false,
                scheduled: false,
                dead: None,
            }),
        });
        let (ready, job) = core.construct_job(py);
        {
            let mut state = core.lock();
            state.queue.push_back(job);
            core.schedule(&mut state);
        }
        let origin = Origin::Lane(core.clone());
        Ok((Lane { core }, ObjectRef::new(ready, origin)))
    }

    /// Queues a call of the method `name`; calls run in the order they were queued.
    #[pyo3(signature = (name, args, kwargs=None, max_retries=0, retry_exceptions=None))]
    fn call(
        &self,
        name: Py<PyString>,
        args: Bound<'_, PyTuple>,
        kwargs: Option<Bound<'_, PyDict>>,
        max_retries: u32,
        retry_exceptions: Option<Bound<'_, PyAny>>,
    ) -> PyResult<ObjectRef> {
        let rt = crate::runtime::current()?;
        let (call, deps) = Call::submitted(args, kwargs, max_retries, retry_exceptions.as_ref())?;
        let (object, promise) = rt.rt.store().pending::<Stored>();
        let mut state = self.core.lock();
        if let Some(reason) = &state.dead {
            let error = died(reason);
            drop(state);
            promise.fulfill(Err(error));
            return Ok(ObjectRef::new(object, Origin::None));
        }
        state.queue.push_back(LaneJob { work: Work::Method(name), call, promise, deps });
        self.core.schedule(&mut state);
        drop(state);
        Ok(ObjectRef::new(object, Origin::Lane(self.core.clone())))
    }

    /// Kills the actor: queued and later calls raise `ActorDiedError(reason)`. A call
    /// running now finishes.
    fn kill(&self, reason: &str) {
        self.core.kill(reason);
    }

    /// Restarts the actor: the constructor runs again (first), with the arguments it was
    /// created with. Queued calls then run on the new instance if `keep_pending`, else they
    /// raise `ActorDiedError`. Returns the constructor's ref.
    fn restart(&self, py: Python<'_>, keep_pending: bool) -> ObjectRef {
        let (ready, job) = self.core.construct_job(py);
        let (failed, old) = {
            let mut state = self.core.lock();
            state.dead = None;
            let failed = if keep_pending { VecDeque::new() } else { std::mem::take(&mut state.queue) };
            state.queue.push_front(job);
            let old = state.instance.take();
            self.core.schedule(&mut state);
            (failed, old)
        };
        for job in failed {
            job.promise.fulfill(Err(died("the actor restarted before running the call")));
        }
        drop(old);
        ObjectRef::new(ready, Origin::Lane(self.core.clone()))
    }

    /// False once killed (or its constructor raised) and not restarted.
    fn is_alive(&self) -> bool {
        self.core.lock().dead.is_none()
    }

    /// Why the actor died, if it did.
    fn death_reason(&self) -> Option<String> {
        self.core.lock().dead.clone()
    }
}

impl crate::runtime::Job for LaneCore {
    /// The pool's turn: runs the queue in order (unless an inline `get` runs it now). A
    /// call whose argument refs are pending is waited for off the pool, then the queue
    /// is queued again.
    fn run(self: Arc<Self>, py: Python<'_>) {
        {
            let mut state = self.lock();
            state.scheduled = false;
            if state.running {
                return; // an inline `get` runs it; it schedules again if it leaves work
            }
            state.running = true;
        }
        let Some(deps) = self.run_ready(py, None) else { return };
        {
            let mut state = self.lock();
            state.running = false;
            state.scheduled = true;
        }
        let Ok(rt) = crate::runtime::current() else { return };
        crate::call::when_ready(&deps, move || rt.enqueue(self));
    }
}
