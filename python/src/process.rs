//! Worker processes for CPU-bound Python (`@rustyray.remote(process=True)`): under the
//! GIL, threads do not run Python in parallel, so these calls run in other interpreters.
//!
//! The driver binds a Unix socket in a private directory (mode 0700) with a fresh
//! pre-shared key, starts `python -c 'import rustyray._worker as w; w.main()' ADDRESS` children with the key in
//! their environment, and accepts one node-layer link per child. A child exports one
//! function, [`py_run`]: a pickled call in, a pickled reply out (`rustyray/_worker.py`
//! does the pickling on both sides). A call is prepared on the pool (arguments resolved
//! and pickled, attached), sent by the runtime to the child with the fewest calls in
//! flight (detached: no thread waits for it), and finished on the pool (the reply
//! unpickled, attached). A child that dies fails its calls over to the others (each
//! crash costs one of the call's `max_retries`, as in Ray) and is replaced.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};
use rustyray::node::net::{connect_psk, Listener, Psk};
use rustyray::node::{Node, Peer};

use crate::call::{when_ready, Call};
use crate::object_ref::{ObjectRef, Origin};
use crate::runtime::State;
use crate::stored::Stored;

/// A call for the worker's Python thread, and where its reply goes.
type WorkerJob = (Vec<u8>, async_channel::Sender<Vec<u8>>);

/// The worker's queue of calls (set once, by `_serve_worker`).
static JOBS: std::sync::OnceLock<async_channel::Sender<WorkerJob>> = std::sync::OnceLock::new();
/// The worker's directory for large payloads: the driver's socket's (set with `JOBS`).
static WORKER_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Runs one pickled call in a worker process: queues it for the worker's Python thread
/// (the runtime's thread stays free to serve the link, so a finished call's result is
/// fetched while the next one runs) and waits for the pickled reply (empty if the worker
/// could not run Python at all).
#[rustyray::remote(export)]
async fn py_run(payload: Vec<u8>) -> Vec<u8> {
    let (Some(jobs), Some(dir)) = (JOBS.get(), WORKER_DIR.get()) else { return Vec::new() };
    let Ok(payload) = crate::spill::unwrap(dir, &payload) else { return Vec::new() };
    let (reply, replied) = async_channel::bounded(1);
    if jobs.send((payload, reply)).await.is_err() {
        return Vec::new();
    }
    replied.recv().await.unwrap_or_default()
}

/// `rustyray._worker.execute(payload)`, attached.
fn execute(py: Python<'_>, payload: &[u8]) -> Vec<u8> {
    let reply = py
        .import("rustyray._worker")
        .and_then(|m| m.call_method1("execute", (PyBytes::new(py, payload),)))
        .and_then(|r| Ok(r.cast_into::<PyBytes>()?.as_bytes().to_vec()));
    reply.unwrap_or_default()
}

/// How long the driver waits for a started worker to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long `shutdown` waits for a worker to exit once its link is closed, before killing it.
const EXIT_GRACE: Duration = Duration::from_secs(2);

fn runtime_error(what: &str, e: impl std::fmt::Display) -> PyErr {
    PyRuntimeError::new_err(format!("{what}: {e}"))
}

/// A worker's main (`rustyray._worker.main`): connects to the driver and runs its calls
/// on this (the main) thread, one at a time, in the order they came, until the driver
/// closes the link or goes away.
#[pyfunction]
pub(crate) fn _serve_worker(py: Python<'_>, address: String, key: &str) -> PyResult<()> {
    let key = Psk::new(key.as_bytes()).map_err(|e| runtime_error("worker key", e))?;
    let dir = address
        .strip_prefix("unix:")
        .and_then(|socket| Path::new(socket).parent())
        .map(Path::to_path_buf)
        .ok_or_else(|| PyRuntimeError::new_err(format!("a worker's address is unix:<path>, got {address}")))?;
    let (jobs, queued) = async_channel::unbounded::<WorkerJob>();
    if JOBS.set(jobs.clone()).is_err() || WORKER_DIR.set(dir.clone()).is_err() {
        return Err(PyRuntimeError::new_err("this process already serves as a worker"));
    }
    let rt = py
        .detach(|| rustyray::Runtime::builder().worker_threads(1).build())
        .map_err(|e| runtime_error("worker runtime", e))?;
    let node = Node::new(&rt);
    node.export_task(py_run::export()).map_err(|e| runtime_error("worker export", e))?;
    // The link: up until the driver goes; then the queue closes and the loop below ends.
    let link = rt.spawn(async move {
        let served = match connect_psk(&node, &address, &key).await {
            Ok(peer) => {
                peer.closed().await;
                Ok(())
            }
            Err(e) => Err(e),
        };
        jobs.close();
        served
    });
    while let Ok((payload, reply)) = py.detach(|| queued.recv_blocking()) {
        let out = execute(py, &payload);
        // (Empty: the driver reports that the worker could not run the call.)
        let _ = reply.try_send(crate::spill::wrap(&dir, &out).unwrap_or_default());
    }
    let served = py.detach(|| rt.block_on(link));
    match served {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(runtime_error("worker link", e)),
        Err(e) => Err(runtime_error("worker link", e)),
    }
}

/// One worker process and its link.
struct Slot {
    peer: Option<Peer>,
    child: Option<Child>,
    /// Calls sent to it and not answered.
    in_flight: Arc<AtomicUsize>,
    /// A replacement was started and has not connected yet.
    replacing: bool,
}

/// The driver's worker processes.
pub(crate) struct Workers {
    listener: Listener,
    dir: PathBuf,
    python: String,
    pythonpath: String,
    key: String,
    slots: Mutex<Vec<Slot>>,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workers").field("dir", &self.dir).finish_non_exhaustive()
    }
}

/// A call counted in flight on a worker (see `Workers::pick`) until this drops (also when
/// the dispatch is dropped mid-way, by a shutdown).
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

impl Workers {
    fn slots(&self) -> MutexGuard<'_, Vec<Slot>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn spawn_child(&self) -> std::io::Result<Child> {
        Command::new(&self.python)
            // (`-c`, not `-m`: the package imports `_worker` itself, and `-m` would run a
            // second copy of it as `__main__`.)
            .args(["-c", "import rustyray._worker as w; w.main()", &self.listener.local_addr()])
            .env("PYTHONPATH", &self.pythonpath)
            .env(KEY_ENV, &self.key)
            .stdin(Stdio::null())
            .spawn()
    }

    /// Starts `n` workers and waits (bounded) until each has connected.
    fn start(state: &State, n: usize, python: String, pythonpath: String, key: String) -> PyResult<Workers> {
        let psk = Psk::new(key.as_bytes()).map_err(|e| runtime_error("worker key", e))?;
        let dir = private_dir().map_err(|e| runtime_error("creating the workers' directory", e))?;
        let address = format!("unix:{}", dir.join("workers.sock").display());
        let node = Node::new(&state.rt);
        let listener = match Listener::bind_psk(&node, &address, psk) {
            Ok(listener) => listener,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(runtime_error("binding the workers' socket", e));
            }
        };
        let workers = Workers { listener, dir, python, pythonpath, key, slots: Mutex::new(Vec::new()) };
        for _ in 0..n {
            let child = workers.spawn_child().map_err(|e| runtime_error("starting a worker process", e))?;
            workers.slots().push(Slot {
                peer: None,
                child: Some(child),
                in_flight: Arc::new(AtomicUsize::new(0)),
                replacing: true,
            });
        }
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        for i in 0..n {
            let peer = loop {
                let left = deadline.saturating_duration_since(Instant::now());
                let step = left.min(Duration::from_millis(200));
                match state.rt.block_on(rustyray::time::timeout(step, workers.listener.accept())) {
                    Ok(Ok(peer)) => break peer,
                    Ok(Err(e)) => return Err(runtime_error("accepting a worker", e)),
                    Err(_) => {}
                }
                if let Some(status) = workers.exited() {
                    return Err(PyRuntimeError::new_err(format!("a worker process exited while starting ({status})")));
                }
                if left.is_zero() {
                    return Err(PyRuntimeError::new_err(format!(
                        "worker processes did not connect within {CONNECT_TIMEOUT:?}"
                    )));
                }
            };
            let mut slots = workers.slots();
            slots[i].peer = Some(peer);
            slots[i].replacing = false;
        }
        Ok(workers)
    }

    /// A child that exited, if any (while starting: its status).
    fn exited(&self) -> Option<std::process::ExitStatus> {
        self.slots().iter_mut().find_map(|s| s.child.as_mut().and_then(|c| c.try_wait().ok().flatten()))
    }

    /// The connected worker with the fewest calls in flight, counted as having one more
    /// before the lock is released: calls dispatched at the same moment (on two threads)
    /// see each other's choice, so two calls that need to run at once never both pick the
    /// same idle worker.
    fn pick(&self) -> Option<(usize, Peer, InFlight)> {
        let slots = self.slots();
        let (i, slot) = slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.peer.as_ref().is_some_and(Peer::is_connected))
            .min_by_key(|(_, s)| s.in_flight.load(Relaxed))?;
        let peer = slot.peer.clone()?;
        slot.in_flight.fetch_add(1, Relaxed);
        Some((i, peer, InFlight(slot.in_flight.clone())))
    }

    /// True while some worker is connected or on its way.
    fn any_alive(&self) -> bool {
        self.slots().iter().any(|s| s.replacing || s.peer.as_ref().is_some_and(Peer::is_connected))
    }

    /// Worker `i`'s link was lost: reaps its process and starts a replacement, which
    /// takes the slot when it connects.
    fn lost(self: &Arc<Self>, state: &Arc<State>, i: usize) {
        let old = {
            let mut slots = self.slots();
            // (None after `stop`: nothing to replace.)
            let Some(slot) = slots.get_mut(i) else { return };
            if slot.replacing || slot.peer.as_ref().is_some_and(Peer::is_connected) {
                return; // (another call saw it first, or it was replaced already)
            }
            slot.replacing = true;
            slot.peer = None;
            slot.child.take()
        };
        if let Some(mut child) = old {
            let _ = child.kill();
            let _ = child.wait();
        }
        let child = self.spawn_child();
        let mut slots = self.slots();
        let Some(slot) = slots.get_mut(i) else {
            // (Stopped meanwhile: the new child goes too.)
            if let Ok(mut child) = child {
                let _ = child.kill();
                let _ = child.wait();
            }
            return;
        };
        match child {
            Ok(child) => slot.child = Some(child),
            Err(_) => {
                slot.replacing = false;
                return;
            }
        }
        drop(slots);
        let workers = self.clone();
        drop(state.rt.spawn(async move {
            let peer = rustyray::time::timeout(CONNECT_TIMEOUT, workers.listener.accept()).await;
            let mut slots = workers.slots();
            if let Some(slot) = slots.get_mut(i) {
                slot.replacing = false;
                if let Ok(Ok(peer)) = peer {
                    slot.peer = Some(peer);
                }
            }
        }));
    }

    /// Closes every link, waits (bounded) for the processes to exit, kills the rest, and
    /// removes the socket's directory.
    pub(crate) fn stop(&self) {
        let slots = std::mem::take(&mut *self.slots());
        for slot in &slots {
            if let Some(peer) = &slot.peer {
                peer.close();
            }
        }
        let deadline = Instant::now() + EXIT_GRACE;
        for mut slot in slots {
            let Some(mut child) = slot.child.take() else { continue };
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if child.try_wait().ok().flatten().is_none() {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Workers {
    /// (A pool that failed to start, or a runtime dropped without `shutdown`: its
    /// processes and directory go too.)
    fn drop(&mut self) {
        self.stop();
    }
}

/// The environment variable that carries the key to a worker (`rustyray/_worker.py`).
const KEY_ENV: &str = "RUSTYRAY_WORKER_KEY";

/// A fresh directory only this user can enter, for the workers' socket.
fn private_dir() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let dir =
        std::env::temp_dir().join(format!("rustyray-{}-{}-{nanos:08x}", std::process::id(), SEQ.fetch_add(1, Relaxed)));
    std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
    Ok(dir)
}

/// Starts the worker processes of the running runtime (a no-op if they run).
#[pyfunction]
pub(crate) fn _start_workers(
    py: Python<'_>,
    n: usize,
    python: String,
    pythonpath: String,
    key: String,
) -> PyResult<()> {
    let state = crate::runtime::current()?;
    if n == 0 {
        return Err(pyo3::exceptions::PyValueError::new_err("the number of worker processes must be at least 1"));
    }
    if state.workers.lock().unwrap_or_else(|e| e.into_inner()).is_some() {
        return Ok(());
    }
    // (Not under the lock: a thread that checks `_workers_started` holds the GIL while it
    // takes it, and this one needs the GIL back when the workers are up.)
    let started = py.detach(|| Workers::start(&state, n, python, pythonpath, key))?;
    let mut workers = state.workers.lock().unwrap_or_else(|e| e.into_inner());
    if workers.is_some() {
        drop(workers);
        py.detach(|| started.stop());
        return Ok(());
    }
    *workers = Some(Arc::new(started));
    Ok(())
}

/// True while the running runtime has its worker processes.
#[pyfunction]
pub(crate) fn _workers_started() -> bool {
    crate::runtime::current().is_ok_and(|s| s.workers.lock().unwrap_or_else(|e| e.into_inner()).is_some())
}

/// The body of a process call, while nobody is working on it.
#[derive(Debug)]
struct Task {
    /// The pickled function (`_worker.dumps_function`).
    function: Py<PyBytes>,
    /// Its name, for the remote traceback.
    name: Py<PyString>,
    call: Call,
    promise: rustyray::Promise<Stored>,
    /// The pickled call, once prepared.
    payload: Option<Vec<u8>>,
    /// The worker's pickled reply, or why there is none.
    reply: Option<Result<Vec<u8>, rustyray::Error>>,
}

/// One call of a process function.
#[derive(Debug)]
pub(crate) struct ProcessCell {
    /// Taken by whoever works on it (the pool, the runtime while it is at a worker) or a
    /// cancel (which finds it here only before it is sent).
    task: Mutex<Option<Task>>,
}

/// Submits a call of a process function: `function` is its pickled bytes, `name` its name.
#[pyfunction]
#[pyo3(signature = (function, name, args, kwargs=None, max_retries=0, retry_exceptions=None))]
pub(crate) fn submit_process(
    function: Py<PyBytes>,
    name: Py<PyString>,
    args: Bound<'_, PyTuple>,
    kwargs: Option<Bound<'_, PyDict>>,
    max_retries: u32,
    retry_exceptions: Option<Bound<'_, PyAny>>,
) -> PyResult<ObjectRef> {
    let state = crate::runtime::current()?;
    let (call, waiting_for) = Call::submitted(args, kwargs, max_retries, retry_exceptions.as_ref())?;
    let (object, promise) = state.rt.store().pending::<Stored>();
    let cell = Arc::new(ProcessCell {
        task: Mutex::new(Some(Task { function, name, call, promise, payload: None, reply: None })),
    });
    let runner = cell.clone();
    when_ready(&waiting_for, move || state.enqueue(runner));
    Ok(ObjectRef::new(object, Origin::Process(cell)))
}

impl ProcessCell {
    fn take(&self) -> Option<Task> {
        self.task.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// `rustyray.cancel`: a call not sent to a worker yet never runs; one at a worker runs
    /// to its end (a worker is not interrupted).
    pub(crate) fn cancel(&self) {
        if let Some(task) = self.take() {
            task.promise.fulfill(Err(rustyray::Error::Cancelled));
        }
    }

    /// On the pool: resolves and pickles the arguments, then hands the call to the runtime.
    fn prepare(self: Arc<Self>, py: Python<'_>, mut task: Task) {
        let (args, kwargs) = match task.call.resolved(py) {
            Ok(resolved) => resolved,
            Err(failed) => return task.promise.fulfill(failed),
        };
        let payload = py.import("rustyray._worker").and_then(|m| {
            let bytes = m.call_method1("dumps_call", (task.function.bind(py), args, kwargs))?;
            Ok(bytes.cast_into::<PyBytes>()?.as_bytes().to_vec())
        });
        match payload {
            Ok(payload) => {
                task.payload = Some(payload);
                self.send(task);
            }
            Err(err) => {
                let raised = crate::errors::wrap_task_error(py, err, task.name.bind(py).as_any());
                task.promise.fulfill(Ok(Stored::Raised(raised)));
            }
        }
    }

    /// Sends the prepared call to a worker (detached, on the runtime); its reply comes
    /// back to the pool.
    fn send(self: Arc<Self>, mut task: Task) {
        let Ok(state) = crate::runtime::current() else {
            return task.promise.fulfill(Err(rustyray::Error::RuntimeShutdown));
        };
        let Some(workers) = state.workers.lock().unwrap_or_else(|e| e.into_inner()).clone() else {
            return task.promise.fulfill(Err(rustyray::Error::RuntimeShutdown));
        };
        let pool = state.clone();
        drop(state.rt.spawn(async move {
            let payload = task.payload.clone().unwrap_or_default();
            let reply = loop {
                let Some((slot, peer, in_flight)) = workers.pick() else {
                    if workers.any_alive() {
                        // (Every worker is being replaced: wait for one.)
                        rustyray::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                    break Err(rustyray::Error::NodeLost { reason: "no worker process is running".into() });
                };
                let framed = match crate::spill::wrap(&workers.dir, &payload) {
                    Ok(framed) => framed,
                    Err(e) => break Err(rustyray::Error::Encode { message: format!("spilling a large call: {e}") }),
                };
                let reply = async { py_run::remote_at(&peer, framed).await?.get().await }.await;
                drop(in_flight);
                let reply = reply.and_then(|framed| {
                    crate::spill::unwrap(&workers.dir, &framed).map_err(|e| rustyray::Error::Remote {
                        message: format!("reading a worker's large reply: {e}"),
                    })
                });
                match reply {
                    Err(rustyray::Error::NodeLost { .. }) if !peer.is_connected() => {
                        workers.lost(&pool, slot);
                        if task.call.retries == 0 {
                            break reply;
                        }
                        task.call.retries -= 1;
                    }
                    other => break other,
                }
            };
            task.reply = Some(reply);
            *self.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
            pool.enqueue(self);
        }));
    }

    /// On the pool: the reply becomes the value or the exception (or another attempt,
    /// as `retry_exceptions` asks).
    fn finish(self: Arc<Self>, py: Python<'_>, mut task: Task, reply: Result<Vec<u8>, rustyray::Error>) {
        let reply = match reply {
            Ok(reply) if reply.is_empty() => {
                let message = "the worker process could not run the call (is rustyray importable there?)";
                return task.promise.fulfill(Err(rustyray::Error::Remote { message: message.into() }));
            }
            Ok(reply) => reply,
            Err(error) => return task.promise.fulfill(Err(error)),
        };
        let decoded = py.import("rustyray._worker").and_then(|m| {
            let pair = m.call_method1("loads_reply", (PyBytes::new(py, &reply), task.name.bind(py)))?;
            pair.extract::<(bool, Py<PyAny>)>()
        });
        match decoded {
            Ok((true, value)) => task.promise.fulfill(Ok(Stored::Value(value))),
            Ok((false, raised)) => {
                let err = PyErr::from_value(raised.bind(py).clone());
                if task.call.retries > 0 && task.call.retry_on.wants(py, &err) {
                    task.call.retries -= 1;
                    return self.send(task);
                }
                task.promise.fulfill(Ok(Stored::Raised(raised)));
            }
            Err(err) => {
                let raised = crate::errors::wrap_task_error(py, err, task.name.bind(py).as_any());
                task.promise.fulfill(Ok(Stored::Raised(raised)));
            }
        }
    }
}

impl crate::runtime::Job for ProcessCell {
    fn run(self: Arc<Self>, py: Python<'_>) {
        let Some(mut task) = self.take() else { return };
        match task.reply.take() {
            None => self.prepare(py, task),
            Some(reply) => self.finish(py, task, reply),
        }
    }
}
