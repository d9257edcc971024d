//! # rustyray's Python extension (`rustyray._rustyray`)
//!
//! The native half of `import rustyray as ray`: object refs, `get` / `put` / `wait` /
//! `cancel`, remote functions and the serial lanes that run synchronous actors, all on a
//! [`rustyray::Runtime`] and its object store; and worker processes, linked to the driver
//! by rustyray's node layer, for functions declared `process=True`. The Python half (`python/rustyray/`) adds the
//! decorators, actor handles, async and threaded actors, and the exception types.
//!
//! ## Layers
//!
//! Each layer uses only the ones below it.
//!
//! ```text
//!  module      the #[pymodule]: what Python sees
//!     │
//!  api         put, get, wait, cancel, pending/Promise: the calls on refs
//!     │
//!  task │ lane │ process   remote functions (one cell each, run by the pool or inline by
//!     │        a `get`) │ synchronous actors (one queue each, drained by one runner at a
//!     │        time) │ process functions (prepared and finished on the pool, run by a
//!     │        worker process over a node link)
//!  call        one Python call: dependencies awaited, arguments resolved, retries, the
//!     │        exception wrapped
//!     │
//!  object_ref  the ObjectRef class, what a ref came from (so a `get` can help run it)
//!     │
//!  stored │ errors │ runtime   what the store holds │ Ray's exception types │ the
//!     │        process's runtime and its pool of threads that run Python
//!     │
//!  raw         every unsafe block: the CPython calls PyO3 does not wrap
//! ```
//!
//! Objects stay Python objects: the store holds `Py<PyAny>`, nothing is pickled in
//! process. Waiting (`get`, `wait`) detaches from the interpreter, so other Python threads
//! run meanwhile, and a `get` on a task or actor call nobody has started yet runs it right
//! there on the calling thread, which already holds the GIL (no thread hand-off).
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    rust_2018_idioms,
    clippy::undocumented_unsafe_blocks
)]
#![deny(unsafe_op_in_unsafe_fn, unsafe_code)]

mod api;
mod call;
mod errors;
mod lane;
mod object_ref;
mod process;
#[allow(unsafe_code)]
mod raw;
mod runtime;
mod spill;
mod stored;
mod task;

use pyo3::prelude::*;

/// The module `rustyray._rustyray`.
#[pymodule]
fn _rustyray(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<object_ref::ObjectRef>()?;
    m.add_class::<api::Promise>()?;
    m.add_class::<lane::Lane>()?;
    m.add_function(wrap_pyfunction!(runtime::init, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::shutdown, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::is_initialized, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::num_cpus, m)?)?;
    m.add_function(wrap_pyfunction!(api::put, m)?)?;
    m.add_function(wrap_pyfunction!(api::get, m)?)?;
    m.add_function(wrap_pyfunction!(api::wait, m)?)?;
    m.add_function(wrap_pyfunction!(api::cancel, m)?)?;
    m.add_function(wrap_pyfunction!(api::pending, m)?)?;
    m.add_function(wrap_pyfunction!(task::submit, m)?)?;
    m.add_function(wrap_pyfunction!(process::submit_process, m)?)?;
    m.add_function(wrap_pyfunction!(process::_start_workers, m)?)?;
    m.add_function(wrap_pyfunction!(process::_workers_started, m)?)?;
    m.add_function(wrap_pyfunction!(process::_serve_worker, m)?)?;
    Ok(())
}
