//! The `ObjectRef` class: a typed ref of rustyray's store holding a Python object, and
//! where it came from, so a `get` can run its producer if nobody has started it yet.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyModule;

use crate::lane::LaneCore;
use crate::stored::{Outcome, Stored};
use crate::task::TaskCell;

/// The producer of an object, if a `get` may run it inline.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    /// `put`, a promise, a finished or failed submission: nothing to run.
    None,
    /// A remote function's call.
    Task(Arc<TaskCell>),
    /// A synchronous actor's call, queued in its lane.
    Lane(Arc<LaneCore>),
    /// A call of a process function (`process.rs`).
    Process(Arc<crate::process::ProcessCell>),
}

/// A reference to an object in rustyray's store (`ray.ObjectRef`). The object lives while
/// any `ObjectRef` to it does; `rustyray.get(ref)` or `await ref` reads it.
#[pyclass(module = "rustyray", frozen, weakref)]
#[derive(Debug)]
pub struct ObjectRef {
    pub(crate) inner: rustyray::ObjectRef<Stored>,
    pub(crate) origin: Origin,
}

impl ObjectRef {
    pub(crate) fn new(inner: rustyray::ObjectRef<Stored>, origin: Origin) -> Self {
        ObjectRef { inner, origin }
    }

    /// The outcome if the object is finished, without waiting.
    pub(crate) fn try_outcome(&self) -> Option<Outcome> {
        try_outcome(&self.inner)
    }
}

/// The outcome of a finished object (`None` while it is pending).
pub(crate) fn try_outcome(inner: &rustyray::ObjectRef<Stored>) -> Option<Outcome> {
    inner.try_get_shared()
}

#[pymethods]
impl ObjectRef {
    /// The object's id as hex (as Ray's `ObjectRef.hex()`).
    fn hex(&self) -> String {
        format!("{:016x}", self.inner.id().as_u64())
    }

    /// True once the object holds a value or an error.
    fn is_ready(&self) -> bool {
        self.inner.is_ready()
    }

    fn __repr__(&self) -> String {
        format!("ObjectRef({})", self.hex())
    }

    fn __hash__(&self) -> u64 {
        self.inner.id().as_u64()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<ObjectRef>().is_ok_and(|o| o.get().inner == self.inner)
    }

    /// Calls `callback()` (with no argument) once the object is finished: right away if it
    /// is, else from a runtime thread. What `await ref` and `ref.future()` build on.
    fn _on_ready(&self, py: Python<'_>, callback: Py<PyAny>) -> PyResult<()> {
        if self.inner.is_ready() {
            callback.call0(py)?;
            return Ok(());
        }
        let state = crate::runtime::current()?;
        let inner = self.inner.clone();
        drop(state.rt.spawn(async move {
            let _ = inner.get_shared().await;
            Python::attach(|py| {
                if let Err(e) = callback.call0(py) {
                    e.write_unraisable(py, None);
                }
            });
        }));
        Ok(())
    }

    /// `await ref`: the value, or the exception `get` would raise.
    fn __await__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, PyAny>> {
        let py = slf.py();
        let bridge = PyModule::import(py, "rustyray._bridge")?;
        bridge.getattr("await_ref")?.call1((slf,))
    }

    /// A `concurrent.futures.Future` completed with the value or the exception.
    fn future(slf: Bound<'_, Self>) -> PyResult<Bound<'_, PyAny>> {
        let py = slf.py();
        let bridge = PyModule::import(py, "rustyray._bridge")?;
        bridge.getattr("future_of")?.call1((slf,))
    }

    /// Refs cannot be pickled across processes yet (no cross-process store from Python).
    fn __reduce__(&self) -> PyResult<()> {
        Err(pyo3::exceptions::PyTypeError::new_err(
            "an ObjectRef cannot be pickled: it names an object of this process's store",
        ))
    }
}
