//! Why a producer went away: the hook through which a promise dropped unfulfilled learns
//! the reason (`object::Promise`'s drop reads [`drop_error`]).
//!
//! The executor sets it when a task's future panics (its future is dropped inside a
//! [`FailureScope`] naming `TaskPanicked { message }`), the actor supervisor when a method
//! panics or its actor is killed or shut down. A scope is a guard on a thread-local stack:
//! promises dropped on this thread while it lives resolve to its error instead of
//! `ObjectLost`. Outside any scope, a promise dropped while the thread unwinds from a panic
//! resolves to `TaskPanicked` with that panic's message ([`install_panic_recorder`]).
//!
//! ```text
//!  scope.set(e) ──▶ [ … e ]  ── promise dropped here ──▶ object = Err(e)
//!  no scope, unwinding ─────── promise dropped ──────▶ object = Err(TaskPanicked { last panic's message })
//!  otherwise ────────────────── promise dropped ──────▶ object = Err(ObjectLost)
//! ```

#[cfg(feature = "std")]
use super::catch::panic_message;
use crate::error::Error;

#[cfg(feature = "std")]
std::thread_local! {
    /// The message of the panic this thread is unwinding from (set by the hook below).
    static LAST_PANIC: core::cell::RefCell<Option<alloc::string::String>> = const { core::cell::RefCell::new(None) };
}

/// Installs (once per process) a panic hook that records each panic's message for the
/// panicking thread, then calls the previous hook. Promises dropped while unwinding use
/// it, so a caller sees `TaskPanicked { message: "<the real message>" }`. A hook set by the
/// application afterwards replaces it; then the message is a generic one.
#[cfg(feature = "std")]
pub(crate) fn install_panic_recorder() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(alloc::boxed::Box::new(move |info| {
            let _ = LAST_PANIC.try_with(|p| *p.borrow_mut() = Some(panic_message(info.payload())));
            previous(info);
        }));
    });
}

#[cfg(feature = "std")]
std::thread_local! {
    /// Errors of the active failure scopes, innermost last.
    static DROP_ERRORS: core::cell::RefCell<alloc::vec::Vec<Error>> = const { core::cell::RefCell::new(alloc::vec::Vec::new()) };
}

/// While alive (and [`set`](FailureScope::set)), promises dropped on this thread resolve
/// to the scope's error instead of `ObjectLost`: a producer that panicked or was killed
/// reports *why* to every caller waiting on it. One byte: the error lives in a
/// thread-local stack.
#[derive(Debug)]
pub(crate) struct FailureScope {
    #[cfg(feature = "std")]
    pushed: bool,
}

impl FailureScope {
    pub(crate) fn new() -> Self {
        FailureScope {
            #[cfg(feature = "std")]
            pushed: false,
        }
    }

    /// Makes `error` the reason for promises dropped until this scope ends.
    pub(crate) fn set(&mut self, error: Error) {
        #[cfg(feature = "std")]
        let _ = DROP_ERRORS.try_with(|d| {
            let mut d = d.borrow_mut();
            if self.pushed {
                d.pop();
            }
            d.push(error);
            self.pushed = true;
        });
        #[cfg(not(feature = "std"))]
        let _ = error;
    }
}

impl Drop for FailureScope {
    fn drop(&mut self) {
        #[cfg(feature = "std")]
        if self.pushed {
            let _ = DROP_ERRORS.try_with(|d| d.borrow_mut().pop());
        }
    }
}

/// Drops `value` inside a [`FailureScope`] naming `error`: the promises it owns resolve to
/// that error (a task refused or dropped by a shutdown: `RuntimeShutdown`).
#[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))] // used by actors
pub(crate) fn drop_failed<T>(value: T, error: Error) {
    let mut scope = FailureScope::new();
    scope.set(error);
    drop(value);
}

/// Why a promise being dropped now was not fulfilled: the innermost [`FailureScope`]'s
/// error; else `TaskPanicked` while unwinding; else `ObjectLost`.
#[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))] // used by promises
pub(crate) fn drop_error() -> Error {
    #[cfg(feature = "std")]
    {
        if let Some(e) = DROP_ERRORS.try_with(|d| d.borrow().last().cloned()).ok().flatten() {
            return e;
        }
        if std::thread::panicking() {
            let message = LAST_PANIC.try_with(|p| p.borrow().clone()).ok().flatten().unwrap_or_else(|| {
                alloc::string::String::from("the producer panicked (its message was printed by the panic hook)")
            });
            return Error::TaskPanicked { message };
        }
    }
    Error::ObjectLost
}
