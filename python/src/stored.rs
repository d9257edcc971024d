//! What the object store holds for Python: a value, or the exception a `get` raises.

use pyo3::prelude::*;

/// One object's content. (Failures the runtime itself reports — cancelled, actor died,
/// lost — are the store's own [`rustyray::Error`]s instead.)
#[derive(Debug)]
pub(crate) enum Stored {
    /// The value, the very Python object the producer returned or `put` was given.
    Value(Py<PyAny>),
    /// The exception the producer raised, already wrapped as a `RayTaskError`.
    Raised(Py<PyAny>),
}

/// A finished object as read back: the value, or the error to raise.
pub(crate) type Outcome = Result<std::sync::Arc<Stored>, rustyray::Error>;

impl Stored {
    /// The value as a Python result: `Raised` becomes the exception to raise.
    pub(crate) fn to_result(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self {
            Stored::Value(v) => Ok(v.clone_ref(py)),
            Stored::Raised(e) => Err(PyErr::from_value(e.bind(py).clone())),
        }
    }
}
