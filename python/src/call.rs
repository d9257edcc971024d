//! One Python call of a task or an actor method: top-level `ObjectRef` arguments resolved
//! to their values, application errors retried as asked, the final exception wrapped.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::object_ref::{try_outcome, ObjectRef};
use crate::stored::Stored;

/// Which application exceptions are retried (Ray's `retry_exceptions`).
#[derive(Debug)]
pub(crate) enum RetryOn {
    /// None (the default: only system failures would be, and in process there are none).
    Never,
    /// Any exception.
    Any,
    /// Instances of these classes.
    Types(Py<PyTuple>),
}

impl RetryOn {
    /// From Python: `False`, `True`, or a list/tuple of exception classes.
    pub(crate) fn from_py(value: &Bound<'_, PyAny>) -> PyResult<RetryOn> {
        if let Ok(flag) = value.extract::<bool>() {
            return Ok(if flag { RetryOn::Any } else { RetryOn::Never });
        }
        let types = PyTuple::new(value.py(), value.try_iter()?.collect::<PyResult<Vec<_>>>()?)?;
        let exception = value.py().get_type::<pyo3::exceptions::PyBaseException>();
        for t in types.iter() {
            let is_class = t.cast::<pyo3::types::PyType>().is_ok_and(|t| t.is_subclass(&exception).unwrap_or(false));
            if !is_class {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "retry_exceptions must be a bool or a list of exception classes, not {}",
                    t.repr()?
                )));
            }
        }
        Ok(RetryOn::Types(types.unbind()))
    }

    pub(crate) fn wants(&self, py: Python<'_>, err: &PyErr) -> bool {
        match self {
            RetryOn::Never => false,
            RetryOn::Any => true,
            RetryOn::Types(types) => err.value(py).is_instance(types.bind(py).as_any()).unwrap_or(false),
        }
    }
}

/// The arguments of one call, as submitted.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) args: Py<PyTuple>,
    pub(crate) kwargs: Option<Py<PyDict>>,
    /// Some top-level argument is an `ObjectRef` (resolved before the call).
    pub(crate) has_refs: bool,
    /// Application-error retries left.
    pub(crate) retries: u32,
    pub(crate) retry_on: RetryOn,
}

/// The refs among a call's top-level arguments that are still pending (what it waits for),
/// and whether there were refs at all.
fn pending_deps(
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> (bool, Vec<rustyray::ObjectRef<Stored>>) {
    let mut has_refs = false;
    let mut deps = Vec::new();
    let mut see = |v: &Bound<'_, PyAny>| {
        if let Ok(r) = v.cast::<ObjectRef>() {
            has_refs = true;
            let r = &r.get().inner;
            if !r.is_ready() {
                deps.push(r.clone());
            }
        }
    };
    args.iter().for_each(|v| see(&v));
    if let Some(kwargs) = kwargs {
        kwargs.values().iter().for_each(|v| see(&v));
    }
    (has_refs, deps)
}

/// Runs `then` once every one of `deps` is ready (a value or an error): at once if they
/// are, else on the thread that completes the last one, right there (`then` only queues
/// work: a chain of tasks goes from one to the next on the pool thread that ran the first,
/// with no hand-off to another thread).
pub(crate) fn when_ready(deps: &[rustyray::ObjectRef<Stored>], then: impl FnOnce() + Send + 'static) {
    use std::sync::atomic::{AtomicUsize, Ordering::AcqRel};
    use std::sync::{Arc, Mutex};
    if deps.is_empty() {
        return then();
    }
    let left = Arc::new(AtomicUsize::new(deps.len()));
    let then = Arc::new(Mutex::new(Some(then)));
    for dep in deps {
        let (left, then) = (left.clone(), then.clone());
        dep.on_ready(move || {
            if left.fetch_sub(1, AcqRel) == 1 {
                let then = then.lock().unwrap_or_else(|e| e.into_inner()).take();
                if let Some(then) = then {
                    then();
                }
            }
        });
    }
}

/// A resolved argument: the value, or the failure that stops the call.
fn resolve<'py>(py: Python<'py>, v: Bound<'py, PyAny>) -> Result<Bound<'py, PyAny>, Result<Stored, rustyray::Error>> {
    let Ok(r) = v.cast::<ObjectRef>() else { return Ok(v) };
    match try_outcome(&r.get().inner) {
        Some(Ok(stored)) => match &*stored {
            Stored::Value(value) => Ok(value.bind(py).clone()),
            // A failed dependency: the call does not run, its result is the same error.
            Stored::Raised(exc) => Err(Ok(Stored::Raised(exc.clone_ref(py)))),
        },
        Some(Err(error)) => Err(Err(error)),
        // (Dependencies are awaited before a call runs.)
        None => Err(Err(rustyray::Error::ObjectLost)),
    }
}

/// The arguments a call runs with, or why it does not run.
type Resolved<'py> = Result<(Bound<'py, PyTuple>, Option<Bound<'py, PyDict>>), Result<Stored, rustyray::Error>>;

impl Call {
    /// A call as submitted (`max_retries` application errors matching `retry_exceptions`
    /// are retried), and the refs among its top-level arguments still pending: what it
    /// waits for before it runs.
    pub(crate) fn submitted(
        args: Bound<'_, PyTuple>,
        kwargs: Option<Bound<'_, PyDict>>,
        max_retries: u32,
        retry_exceptions: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Call, Vec<rustyray::ObjectRef<Stored>>)> {
        let retry_on = match retry_exceptions {
            None => RetryOn::Never,
            Some(r) => RetryOn::from_py(r)?,
        };
        let (has_refs, deps) = pending_deps(&args, kwargs.as_ref());
        let call =
            Call { args: args.unbind(), kwargs: kwargs.map(Bound::unbind), has_refs, retries: max_retries, retry_on };
        Ok((call, deps))
    }

    /// The arguments with top-level refs replaced by their values (every one is ready:
    /// dependencies are awaited before a call runs); `Err` with the call's outcome if one
    /// of them failed (the call does not run: its result is that error).
    pub(crate) fn resolved<'py>(&self, py: Python<'py>) -> Resolved<'py> {
        let args = self.args.bind(py);
        let kwargs = self.kwargs.as_ref().map(|k| k.bind(py));
        if !self.has_refs {
            return Ok((args.clone(), kwargs.cloned()));
        }
        let mut resolved = Vec::with_capacity(args.len());
        for v in args.iter() {
            resolved.push(resolve(py, v)?);
        }
        let kw = match kwargs {
            None => None,
            Some(kwargs) => {
                let out = PyDict::new(py);
                for (k, v) in kwargs.iter() {
                    out.set_item(k, resolve(py, v)?).map_err(|_| Err(rustyray::Error::ObjectLost))?;
                }
                Some(out)
            }
        };
        let tuple = PyTuple::new(py, resolved).map_err(|_| Err(rustyray::Error::ObjectLost))?;
        Ok((tuple, kw))
    }

    /// Calls `callable` with these arguments: the value, the wrapped exception, or the
    /// failure of a dependency. `name_of` names the function in the remote traceback.
    /// A call being cancelled (`cancelled` set) is not retried.
    pub(crate) fn run(
        &mut self,
        py: Python<'_>,
        callable: &Bound<'_, PyAny>,
        name_of: &Bound<'_, PyAny>,
        cancelled: &std::sync::atomic::AtomicBool,
    ) -> Result<Stored, rustyray::Error> {
        let (args, kwargs) = match self.resolved(py) {
            Ok(resolved) => resolved,
            Err(failed) => return failed,
        };
        loop {
            match callable.call(&args, kwargs.as_ref()) {
                Ok(value) => return Ok(Stored::Value(value.unbind())),
                Err(err) => {
                    let stop = cancelled.load(std::sync::atomic::Ordering::Relaxed);
                    if self.retries > 0 && !stop && self.retry_on.wants(py, &err) {
                        self.retries -= 1;
                        continue;
                    }
                    return Ok(Stored::Raised(crate::errors::wrap_task_error(py, err, name_of)));
                }
            }
        }
    }
}
