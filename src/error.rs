//! The one error type of rustyray.

use alloc::string::String;
use core::fmt;

/// Everything that can go wrong in rustyray, with a message that says what to do about it.
///
/// Errors are plain data (`Clone + Eq`): a failed result can be stored as an object and
/// handed to every dependent, as Ray does.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The runtime that owns the task or actor has been shut down.
    RuntimeShutdown,
    /// A free function (`rustyray::spawn`, `Counter::remote()`, …) was called with no
    /// process-wide runtime running.
    NoRuntime,
    /// [`init`](crate::init) was called while the process-wide runtime was already running.
    AlreadyInitialized,
    /// A task panicked; the payload's message is kept. The worker thread was not affected.
    TaskPanicked {
        /// The panic message (`"<non-string panic payload>"` when it was not a string).
        message: String,
    },
    /// The task was cancelled before it produced a value.
    Cancelled,
    /// A deadline passed before the operation completed.
    Timeout,
    /// A runtime option was out of range.
    InvalidConfig {
        /// Which option, and what is accepted.
        reason: &'static str,
    },
    /// The operating system refused to start a worker thread.
    ThreadSpawn {
        /// The operating system's message.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::RuntimeShutdown => f.write_str(
                "the rustyray runtime has been shut down; create a new Runtime (or call rustyray::init()) before submitting more work",
            ),
            Error::NoRuntime => f.write_str(
                "no rustyray runtime is running; call rustyray::init() first, annotate main with #[rustyray::main], or use the *_on(&runtime, ..) form",
            ),
            Error::AlreadyInitialized => f.write_str(
                "rustyray::init() was called twice; call rustyray::shutdown() before initializing again",
            ),
            Error::TaskPanicked { message } => {
                write!(f, "the task panicked: {message}; the runtime is unaffected, fix the panic or catch it inside the task")
            }
            Error::Cancelled => f.write_str("the task was cancelled before it produced a value"),
            Error::Timeout => f.write_str("the deadline passed before the operation completed; retry with a longer timeout"),
            Error::InvalidConfig { reason } => write!(f, "invalid runtime configuration: {reason}"),
            Error::ThreadSpawn { message } => write!(
                f,
                "the operating system refused to start a worker thread ({message}); lower worker_threads or raise the process's thread limit"
            ),
        }
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn messages_tell_the_user_what_to_do() {
        assert!(Error::NoRuntime.to_string().contains("rustyray::init()"));
        assert!(Error::AlreadyInitialized.to_string().contains("shutdown"));
        let p = Error::TaskPanicked { message: "boom".into() };
        assert!(p.to_string().contains("boom"));
    }
}
