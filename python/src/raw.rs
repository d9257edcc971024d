//! Every unsafe block of the extension: the CPython calls PyO3 does not wrap.

use pyo3::prelude::*;

// Part of CPython's stable C API (`pythread.h`), not declared by PyO3's `ffi`; the
// interpreter that loads the module provides the symbol.
extern "C" {
    fn PyThread_get_thread_ident() -> std::ffi::c_ulong;
}

/// The calling thread's Python thread id (what `threading.get_ident()` returns).
pub(crate) fn thread_ident(_py: Python<'_>) -> u64 {
    // SAFETY: `PyThread_get_thread_ident` takes no argument and only reads the calling
    // thread's id; the caller is attached to the interpreter (`_py`).
    unsafe { PyThread_get_thread_ident() as u64 }
}

/// Raises `exc` (an exception class) asynchronously in the Python thread `ident` at its
/// next bytecode, or with `exc == None` clears such a pending exception. Returns how many
/// threads were affected (0 or 1).
pub(crate) fn set_async_exc(_py: Python<'_>, ident: u64, exc: Option<&Bound<'_, PyAny>>) -> i32 {
    let ptr = exc.map_or(std::ptr::null_mut(), |e| e.as_ptr());
    // SAFETY: the caller is attached (`_py`), as the call requires; `ptr` is null or a
    // live object borrowed for the call (the interpreter takes its own reference).
    unsafe { pyo3::ffi::PyThreadState_SetAsyncExc(ident as _, ptr) }
}
