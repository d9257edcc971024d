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
    /// The task or actor call that was to produce this object stopped without producing
    /// it (its promise was dropped).
    ObjectLost,
    /// No live object has this id: it was freed (its last ref dropped) or never existed.
    /// Ids carry a generation, so a stale id never reads a reused slot.
    ObjectNotFound {
        /// The id that was looked up.
        id: u64,
    },
    /// An object or actor exists under this id or name, but with another type.
    TypeMismatch {
        /// The type that was asked for.
        expected: &'static str,
    },
    /// Bytes could not be decoded (postcard): corrupt, truncated, or of another type.
    Decode {
        /// What went wrong.
        message: String,
    },
    /// A value could not be encoded (postcard), e.g. the buffer was too small.
    Encode {
        /// What went wrong.
        message: String,
    },
    /// The actor stopped (killed, stopped, or out of restarts) before handling the call.
    ActorDied {
        /// Why it stopped.
        reason: String,
    },
    /// No actor is registered under this name.
    ActorNotFound {
        /// The name that was looked up.
        name: String,
    },
    /// An actor is already registered under this name.
    NameTaken {
        /// The name.
        name: String,
    },
    /// The node that held the actor, the task or the object is unreachable: its link
    /// closed (the peer exited, the connection dropped, or the peer broke the protocol).
    /// Calls in flight on the link fail with it; reconnecting is explicit.
    NodeLost {
        /// What happened to the link.
        reason: String,
    },
    /// The remote node failed in a way that has no variant of its own here (see
    /// [`wire::RemoteError`](crate::wire::RemoteError)).
    Remote {
        /// The remote node's description.
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
            Error::ObjectLost => f.write_str(
                "the task or actor call that was to produce this object stopped without producing it; check the producer for panics or early returns",
            ),
            Error::ObjectNotFound { id } => write!(
                f,
                "no live object has id {id:#x}: it was freed when its last ObjectRef was dropped (keep a ref alive while you need the object)"
            ),
            Error::TypeMismatch { expected } => {
                write!(f, "the object or actor exists but is not a {expected}; look it up with the type it was created with")
            }
            Error::Decode { message } => {
                write!(f, "could not decode the bytes ({message}); they are corrupt, truncated, or encode another type")
            }
            Error::Encode { message } => write!(f, "could not encode the value ({message}); give it a larger buffer"),
            Error::ActorDied { reason } => {
                write!(f, "the actor stopped before handling the call ({reason}); create it again, or raise max_restarts")
            }
            Error::ActorNotFound { name } => write!(
                f,
                "no actor is named \"{name}\"; create it with .options().name(\"{name}\") first, or use get_or_create"
            ),
            Error::NameTaken { name } => {
                write!(f, "an actor named \"{name}\" already exists; look it up with get_actor, or pick another name")
            }
            Error::Remote { message } => {
                write!(f, "the remote node failed: {message}; see that node's logs")
            }
            Error::NodeLost { reason } => write!(
                f,
                "the node holding the actor, task or object is unreachable ({reason}); calls in flight on its link failed, reconnect to call it again"
            ),
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
