//! The calls on refs: `put`, `get`, `wait`, `cancel`, and `pending()` / `Promise` for
//! producers written in Python (threaded and async actors).

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::object_ref::{ObjectRef, Origin};
use crate::stored::{Outcome, Stored};

/// Stores `value` and returns its ref. The object is the value itself (not a copy).
#[pyfunction]
pub(crate) fn put(value: Bound<'_, PyAny>) -> PyResult<ObjectRef> {
    if value.cast::<ObjectRef>().is_ok() {
        return Err(PyTypeError::new_err(
            "put() of an ObjectRef is not allowed: pass the ref itself, or put the value it names",
        ));
    }
    let state = crate::runtime::current()?;
    let object = state.rt.store().put(Stored::Value(value.unbind()));
    Ok(ObjectRef::new(object, Origin::None))
}

fn deadline_of(timeout: Option<f64>) -> PyResult<Option<Instant>> {
    match timeout {
        None => Ok(None),
        Some(t) if t.is_finite() && t >= 0.0 => Ok(Some(Instant::now() + Duration::from_secs_f64(t.min(1e9)))),
        Some(t) => Err(PyValueError::new_err(format!("timeout must be None or a number >= 0, got {t}"))),
    }
}

fn to_result(py: Python<'_>, outcome: Outcome) -> PyResult<Py<PyAny>> {
    match outcome {
        Ok(stored) => stored.to_result(py),
        Err(error) => Err(crate::errors::to_py(py, &error)),
    }
}

/// One ref's value: at once if finished; else run here if nobody started its producer
/// (no deadline only: a deadline could not interrupt it); else wait, detached.
fn get_one(py: Python<'_>, r: &ObjectRef, deadline: Option<Instant>) -> PyResult<Py<PyAny>> {
    if let Some(outcome) = r.try_outcome() {
        return to_result(py, outcome);
    }
    if deadline.is_none() {
        match &r.origin {
            Origin::Task(cell) => {
                cell.run_inline(py);
            }
            Origin::Lane(lane) => {
                lane.help(py, &r.inner);
            }
            Origin::Process(_) | Origin::None => {}
        }
        if let Some(outcome) = r.try_outcome() {
            return to_result(py, outcome);
        }
    }
    let state = crate::runtime::current()?;
    let inner = r.inner.clone();
    let outcome = py.detach(|| {
        state.blocking(|| match deadline {
            None => state.rt.block_on(inner.get_shared()),
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                state
                    .rt
                    .block_on(rustyray::time::timeout(left, inner.get_shared()))
                    .unwrap_or(Err(rustyray::Error::Timeout))
            }
        })
    });
    to_result(py, outcome)
}

/// `rustyray.get(ref | [refs], timeout=None)`: the value(s), in order. Raises the
/// producer's exception (`RayTaskError`, …) or `GetTimeoutError`.
#[pyfunction]
#[pyo3(signature = (object_refs, *, timeout=None))]
pub(crate) fn get(py: Python<'_>, object_refs: &Bound<'_, PyAny>, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
    let deadline = deadline_of(timeout)?;
    if let Ok(r) = object_refs.cast::<ObjectRef>() {
        return get_one(py, r.get(), deadline);
    }
    if object_refs.cast::<PyList>().is_ok() || object_refs.cast::<PyTuple>().is_ok() {
        let mut out = Vec::with_capacity(object_refs.len()?);
        for item in object_refs.try_iter()? {
            let item = item?;
            let Ok(r) = item.cast::<ObjectRef>() else {
                return Err(not_a_ref("get", &item));
            };
            out.push(get_one(py, r.get(), deadline)?);
        }
        return Ok(PyList::new(py, out)?.into_any().unbind());
    }
    Err(not_a_ref("get", object_refs))
}

fn not_a_ref(what: &str, value: &Bound<'_, PyAny>) -> PyErr {
    let shown = value.repr().map_or_else(|_| "<unprintable>".to_owned(), |r| r.to_string());
    PyTypeError::new_err(format!("{what}() expects an ObjectRef or a list of ObjectRefs, got {shown}"))
}

/// `rustyray.wait(refs, num_returns=1, timeout=None)`: `(ready, not_ready)`, each in the
/// order given; at most `num_returns` ready.
#[pyfunction]
#[pyo3(signature = (object_refs, *, num_returns=1, timeout=None, fetch_local=true))]
pub(crate) fn wait(
    py: Python<'_>,
    object_refs: &Bound<'_, PyAny>,
    num_returns: i64,
    timeout: Option<f64>,
    fetch_local: bool,
) -> PyResult<(Py<PyList>, Py<PyList>)> {
    let _ = fetch_local; // (every object is local)
    if object_refs.cast::<PyList>().is_err() && object_refs.cast::<PyTuple>().is_err() {
        return Err(PyTypeError::new_err("wait() expects a list of ObjectRefs"));
    }
    let mut refs = Vec::new();
    let mut seen = HashSet::new();
    for item in object_refs.try_iter()? {
        let item = item?;
        let Ok(r) = item.cast::<ObjectRef>() else {
            return Err(not_a_ref("wait", &item));
        };
        if !seen.insert(r.get().inner.id()) {
            return Err(PyValueError::new_err("wait() got the same ObjectRef twice"));
        }
        refs.push(r.clone());
    }
    if num_returns < 1 || num_returns as usize > refs.len() {
        return Err(PyValueError::new_err(format!(
            "num_returns must be between 1 and the number of refs ({}), got {num_returns}",
            refs.len()
        )));
    }
    let n = num_returns as usize;
    let deadline = deadline_of(timeout)?;
    if refs.iter().filter(|r| r.get().inner.is_ready()).count() < n {
        let inners: Vec<_> = refs.iter().map(|r| r.get().inner.clone()).collect();
        let state = crate::runtime::current()?;
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        py.detach(|| state.blocking(|| drop(state.rt.block_on(rustyray::wait(&inners, n, left)))));
    }
    let (ready, not_ready) = (PyList::empty(py), PyList::empty(py));
    for r in refs {
        if ready.len() < n && r.get().inner.is_ready() {
            ready.append(r)?;
        } else {
            not_ready.append(r)?;
        }
    }
    Ok((ready.unbind(), not_ready.unbind()))
}

/// `rustyray.cancel(ref)`: see `TaskCell::cancel` and `LaneCore::cancel`. Refs of `put`
/// objects are unaffected.
#[pyfunction]
#[pyo3(signature = (object_ref, *, force=false, recursive=true))]
pub(crate) fn cancel(py: Python<'_>, object_ref: &Bound<'_, PyAny>, force: bool, recursive: bool) -> PyResult<()> {
    let _ = (force, recursive);
    let Ok(r) = object_ref.cast::<ObjectRef>() else {
        return Err(not_a_ref("cancel", object_ref));
    };
    match &r.get().origin {
        Origin::Task(cell) => cell.cancel(py),
        Origin::Lane(lane) => {
            lane.cancel(&r.get().inner);
            Ok(())
        }
        Origin::Process(cell) => {
            cell.cancel();
            Ok(())
        }
        Origin::None => Ok(()),
    }
}

/// A pending object and the promise that completes it: `(ref, promise)`.
#[pyfunction]
pub(crate) fn pending() -> PyResult<(ObjectRef, Promise)> {
    let state = crate::runtime::current()?;
    let (object, promise) = state.rt.store().pending::<Stored>();
    Ok((ObjectRef::new(object, Origin::None), Promise { inner: Mutex::new(Some(promise)) }))
}

/// Completes one object made by `pending()`; the first completion wins, later ones are
/// ignored (returns False).
#[pyclass(module = "rustyray._rustyray", frozen)]
#[derive(Debug)]
pub struct Promise {
    inner: Mutex<Option<rustyray::Promise<Stored>>>,
}

impl Promise {
    fn complete(&self, outcome: Result<Stored, rustyray::Error>) -> bool {
        match self.inner.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(promise) => {
                promise.fulfill(outcome);
                true
            }
            None => false,
        }
    }
}

#[pymethods]
impl Promise {
    /// The object's value.
    fn set_result(&self, value: Py<PyAny>) -> bool {
        self.complete(Ok(Stored::Value(value)))
    }

    /// The exception `get` raises (already wrapped by the caller).
    fn set_exception(&self, exception: Py<PyAny>) -> bool {
        self.complete(Ok(Stored::Raised(exception)))
    }

    /// `get` raises `TaskCancelledError`.
    fn set_cancelled(&self) -> bool {
        self.complete(Err(rustyray::Error::Cancelled))
    }

    /// `get` raises `ActorDiedError(reason)`.
    fn set_actor_died(&self, reason: String) -> bool {
        self.complete(Err(rustyray::Error::ActorDied { reason }))
    }

    /// True once completed (or abandoned: every ref to the object dropped).
    fn done(&self) -> bool {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).as_ref().is_none_or(|p| p.is_abandoned())
    }
}
