//! Ray's exception types (defined in `rustyray/exceptions.py`) for the runtime's errors,
//! and the wrapping of a task's own exception.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyModule;

static EXCEPTIONS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The `rustyray.exceptions` module (imported once).
pub(crate) fn module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    EXCEPTIONS.get_or_try_init(py, || Ok::<_, PyErr>(py.import("rustyray.exceptions")?.unbind())).map(|m| m.bind(py))
}

/// The exception class `name` of `rustyray.exceptions`.
pub(crate) fn class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    module(py)?.getattr(name)
}

/// The Python exception for one of the runtime's own errors.
pub(crate) fn to_py(py: Python<'_>, error: &rustyray::Error) -> PyErr {
    use rustyray::Error as E;
    let (class_name, message) = match error {
        E::Cancelled => ("TaskCancelledError", "the task was cancelled".to_owned()),
        E::Timeout => ("GetTimeoutError", "get timed out: the object is not ready".to_owned()),
        E::ActorDied { reason } => ("ActorDiedError", format!("the actor died: {reason}")),
        E::ObjectLost | E::RuntimeShutdown => {
            ("ObjectLostError", format!("the object was lost: {error} (was rustyray shut down?)"))
        }
        E::NodeLost { reason } => {
            ("WorkerCrashedError", format!("the worker process running the task was lost: {reason}"))
        }
        other => ("RayError", other.to_string()),
    };
    match class(py, class_name).and_then(|cls| cls.call1((message,))) {
        Ok(exc) => PyErr::from_value(exc),
        Err(import_failed) => import_failed,
    }
}

/// Wraps the exception a task or actor method raised as a `RayTaskError` that is also an
/// instance of its own class, with the remote traceback (`exceptions._wrap_task_error`).
pub(crate) fn wrap_task_error(py: Python<'_>, err: PyErr, function: &Bound<'_, PyAny>) -> Py<PyAny> {
    let exc = err.into_value(py);
    match module(py).and_then(|m| m.getattr("_wrap_task_error")?.call1((exc.bind(py), function))) {
        Ok(wrapped) => wrapped.unbind(),
        // (The wrapper itself failed: keep the task's own exception rather than lose it.)
        Err(_) => exc.into_any(),
    }
}
