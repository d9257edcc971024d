//! The frames: what two rustyray nodes say to each other.
//!
//! Frames borrow their byte and string payloads from the buffer they were decoded from, so
//! decoding copies nothing (only a task's argument list is collected into a `Vec`, sized by
//! the arguments actually present). Every enum's variant order is its wire tag: variants are
//! only ever appended (see `docs/wire.md`).

use alloc::vec::Vec;
use core::fmt;

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::object::ObjectId;
use crate::Error;

/// The first four bytes of every [`Hello`]: `b"RRAY"`.
pub const MAGIC: [u8; 4] = *b"RRAY";

/// One message between two nodes. The variant order is the wire tag (0 = `Hello`, …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Frame<'a> {
    /// Tag 0: the handshake, sent first by both sides.
    Hello(Hello),
    /// Tag 1: call a method of an actor.
    #[serde(borrow)]
    ActorCall(ActorCall<'a>),
    /// Tag 2: the result of an actor call (or of anything else that asked for a reply).
    #[serde(borrow)]
    Reply(Reply<'a>),
    /// Tag 3: run a remote task.
    #[serde(borrow)]
    SubmitTask(TaskSubmission<'a>),
    /// Tag 4: the value of an object.
    #[serde(borrow)]
    Object(ObjectTransfer<'a>),
    /// Tag 5 (v2): find an exported actor by name; answered by a [`Reply`] holding its id.
    #[serde(borrow)]
    Lookup(Lookup<'a>),
    /// Tag 6 (v2): send me the value of an object you hold for me; answered by a [`Reply`].
    Fetch(Fetch),
    /// Tag 7 (v2): I dropped my last ref to an object you hold for me: free it.
    Release(Release),
    /// Tag 8 (v2): room for this many more requests in the sender's window.
    Credit(Credit),
}

/// Find an exported actor by name (v2). The [`Reply`] holds its id (a postcard `u64`) or
/// [`RemoteError::ActorNotFound`] / [`RemoteError::TypeMismatch`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookup<'a> {
    /// The name the actor was exported under.
    pub name: &'a str,
    /// The actor type the caller expects (the struct's name, as declared).
    pub actor_type: &'a str,
    /// Where to send the [`Reply`].
    pub reply_to: u64,
}

/// Ask for the value of an object the receiver holds for the sender (v2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fetch {
    /// The key the sender gave the object (a task's `result`).
    pub object: ObjectId,
    /// Where to send the [`Reply`] with the value.
    pub reply_to: u64,
}

/// The sender's last ref to an object the receiver holds for it is gone (v2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// The key the sender gave the object.
    pub object: ObjectId,
}

/// Flow control (v2): the receiver of this frame may have this many more requests in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    /// Requests (calls, task submissions, lookups, fetches) finished since the last credit.
    pub requests: u32,
}

/// The handshake: who the sender is and what it can do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// [`MAGIC`]; decoding rejects anything else with
    /// [`WireError::BadMagic`](super::WireError::BadMagic).
    pub magic: [u8; 4],
    /// The highest protocol version the sender speaks (both sides then use the lower of the
    /// two).
    pub max_version: u8,
    /// The sender's node id, unique in the cluster.
    pub node_id: u64,
    /// What the sender accepts.
    pub capabilities: Capabilities,
    /// (v2) How many requests the sender accepts in flight from the receiver: the
    /// receiver's window. A peer that exceeds it is disconnected.
    pub window: u32,
}

impl Hello {
    /// A handshake of this build: [`MAGIC`] and [`PROTOCOL_VERSION`](super::PROTOCOL_VERSION).
    pub const fn new(node_id: u64, capabilities: Capabilities, window: u32) -> Hello {
        Hello { magic: MAGIC, max_version: super::PROTOCOL_VERSION, node_id, capabilities, window }
    }
}

/// A set of capability bits (postcard: a varint `u32`). Unknown bits are kept, so a newer
/// peer's capabilities survive a round trip.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Capabilities(pub u32);

impl Capabilities {
    /// No capabilities.
    pub const NONE: Capabilities = Capabilities(0);
    /// Runs remote tasks ([`Frame::SubmitTask`]).
    pub const TASKS: Capabilities = Capabilities(1 << 0);
    /// Hosts actors ([`Frame::ActorCall`]).
    pub const ACTORS: Capabilities = Capabilities(1 << 1);
    /// Holds objects for peers (task results: [`Frame::Fetch`], [`Frame::Release`]).
    pub const OBJECTS: Capabilities = Capabilities(1 << 2);

    /// Both sets together.
    pub const fn union(self, other: Capabilities) -> Capabilities {
        Capabilities(self.0 | other.0)
    }

    /// True if every bit of `other` is set in `self`.
    pub const fn contains(self, other: Capabilities) -> bool {
        self.0 & other.0 == other.0
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Capabilities({:#x})", self.0)
    }
}

/// What to call: by index (compact) or by name (self-describing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Callee<'a> {
    /// Tag 0: the method's or function's index in the receiver's table.
    Index(u32),
    /// Tag 1: the method's or function's name.
    Name(&'a str),
}

/// A call of an actor method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorCall<'a> {
    /// The target actor's id on the receiving node.
    pub actor: u64,
    /// The method.
    #[serde(borrow)]
    pub method: Callee<'a>,
    /// The arguments, postcard-encoded by the caller (the method's argument tuple).
    pub args: &'a [u8],
    /// Where to send the [`Reply`]; `None` for a call whose result nobody reads.
    pub reply_to: Option<u64>,
}

/// The outcome of a call that asked for a reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply<'a> {
    /// The `reply_to` of the call this answers.
    pub reply_to: u64,
    /// The postcard-encoded return value, or why there is none.
    #[serde(borrow)]
    pub result: Result<&'a [u8], RemoteError<'a>>,
}

/// A remote task: run `function` on `args`, hold its return value for the sender under the
/// key `result` (until the sender [`Release`]s it or the link closes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSubmission<'a> {
    /// The function.
    #[serde(borrow)]
    pub function: Callee<'a>,
    /// The arguments, in order.
    #[serde(borrow, deserialize_with = "deserialize_args")]
    pub args: Vec<TaskArg<'a>>,
    /// The key the return value is held under (chosen by the sender).
    pub result: ObjectId,
}

/// One argument of a remote task: a value, or the object holding it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskArg<'a> {
    /// Tag 0: the postcard-encoded value itself.
    Value(&'a [u8]),
    /// Tag 1: an object the receiver holds for the sender, by its key (a task's `result`):
    /// passed by reference, never copied through the sender.
    Object(ObjectId),
}

/// The value of an object, sent to a node that needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectTransfer<'a> {
    /// The object's id in the sender's store.
    pub id: ObjectId,
    /// The postcard-encoded value (as [`Store::export`](crate::Store::export) makes it).
    pub bytes: &'a [u8],
}

/// Why a remote call produced no value: the [`Error`] variants that mean something on the
/// other side of a link. Variant order is the wire tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RemoteError<'a> {
    /// Tag 0: [`Error::RuntimeShutdown`].
    RuntimeShutdown,
    /// Tag 1: [`Error::TaskPanicked`].
    TaskPanicked {
        /// The panic message.
        message: &'a str,
    },
    /// Tag 2: [`Error::Cancelled`].
    Cancelled,
    /// Tag 3: [`Error::Timeout`].
    Timeout,
    /// Tag 4: [`Error::ObjectLost`].
    ObjectLost,
    /// Tag 5: [`Error::ObjectNotFound`].
    ObjectNotFound {
        /// The id that was looked up.
        id: ObjectId,
    },
    /// Tag 6: [`Error::ActorDied`].
    ActorDied {
        /// Why it stopped.
        reason: &'a str,
    },
    /// Tag 7: [`Error::ActorNotFound`].
    ActorNotFound {
        /// The name that was looked up.
        name: &'a str,
    },
    /// Tag 8: [`Error::TypeMismatch`].
    TypeMismatch {
        /// The type that was asked for.
        expected: &'a str,
    },
    /// Tag 9: [`Error::Decode`]: the receiver could not decode the arguments.
    Decode {
        /// What went wrong.
        message: &'a str,
    },
    /// Tag 10: [`Error::Encode`]: the receiver could not encode the result.
    Encode {
        /// What went wrong.
        message: &'a str,
    },
    /// Tag 11: any other failure on the remote side, described.
    Other {
        /// What went wrong.
        message: &'a str,
    },
    /// Tag 12 (v2): [`Error::NodeLost`]: a third node the remote side depended on is gone.
    NodeLost {
        /// Why.
        reason: &'a str,
    },
}

impl<'a> From<&'a Error> for RemoteError<'a> {
    /// The wire form of a local error. Errors about the remote node's own setup
    /// (`NoRuntime`, `InvalidConfig`, …) become [`RemoteError::Other`].
    fn from(error: &'a Error) -> Self {
        match error {
            Error::RuntimeShutdown => RemoteError::RuntimeShutdown,
            Error::TaskPanicked { message } => RemoteError::TaskPanicked { message },
            Error::Cancelled => RemoteError::Cancelled,
            Error::Timeout => RemoteError::Timeout,
            Error::ObjectLost => RemoteError::ObjectLost,
            Error::ObjectNotFound { id } => RemoteError::ObjectNotFound { id: ObjectId::from_u64(*id) },
            Error::ActorDied { reason } => RemoteError::ActorDied { reason },
            Error::ActorNotFound { name } => RemoteError::ActorNotFound { name },
            Error::TypeMismatch { expected } => RemoteError::TypeMismatch { expected },
            Error::Decode { message } => RemoteError::Decode { message },
            Error::Encode { message } => RemoteError::Encode { message },
            Error::Remote { message } => RemoteError::Other { message },
            Error::NoRuntime => RemoteError::Other { message: "no runtime is running on the remote node" },
            Error::AlreadyInitialized => RemoteError::Other { message: "the remote runtime was initialized twice" },
            Error::InvalidConfig { reason } => RemoteError::Other { message: reason },
            Error::ThreadSpawn { message } => RemoteError::Other { message },
            Error::NameTaken { name } => RemoteError::Other { message: name },
            Error::NodeLost { reason } => RemoteError::NodeLost { reason },
        }
    }
}

impl From<RemoteError<'_>> for Error {
    /// The local error for a remote one. A remote type mismatch and
    /// [`RemoteError::Other`] become [`Error::Remote`] (a `&'static` type name cannot come
    /// off the wire).
    fn from(error: RemoteError<'_>) -> Self {
        use alloc::string::ToString;
        match error {
            RemoteError::RuntimeShutdown => Error::RuntimeShutdown,
            RemoteError::TaskPanicked { message } => Error::TaskPanicked { message: message.to_string() },
            RemoteError::Cancelled => Error::Cancelled,
            RemoteError::Timeout => Error::Timeout,
            RemoteError::ObjectLost => Error::ObjectLost,
            RemoteError::ObjectNotFound { id } => Error::ObjectNotFound { id: id.as_u64() },
            RemoteError::ActorDied { reason } => Error::ActorDied { reason: reason.to_string() },
            RemoteError::ActorNotFound { name } => Error::ActorNotFound { name: name.to_string() },
            RemoteError::TypeMismatch { expected } => {
                Error::Remote { message: alloc::format!("the object or actor is not a {expected}") }
            }
            RemoteError::Decode { message } => Error::Decode { message: message.to_string() },
            RemoteError::Encode { message } => Error::Encode { message: message.to_string() },
            RemoteError::Other { message } => Error::Remote { message: message.to_string() },
            RemoteError::NodeLost { reason } => Error::NodeLost { reason: reason.to_string() },
        }
    }
}

/// Collects a task's arguments without trusting the encoded count for a pre-allocation:
/// the `Vec` grows only with arguments actually present in the frame.
fn deserialize_args<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<TaskArg<'de>>, D::Error> {
    struct Args;

    impl<'de> Visitor<'de> for Args {
        type Value = Vec<TaskArg<'de>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a sequence of task arguments")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut args = Vec::new();
            while let Some(arg) = seq.next_element()? {
                args.push(arg);
            }
            Ok(args)
        }
    }

    deserializer.deserialize_seq(Args)
}
