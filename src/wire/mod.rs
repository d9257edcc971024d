//! The wire format: the frames rustyray nodes exchange, their encoding, and the framing of
//! a byte stream (`docs/wire.md` is the specification, with example bytes).
//!
//! ```text
//!  Frame ──encode──▶ [version][postcard(frame)] ──COBS──▶ [..no 0x00..][0x00] ──▶ link
//!  link ──▶ Deframer (split on 0x00, ≤ MAX bytes) ──▶ COBS⁻¹ ──▶ decode ──▶ Frame
//! ```
//!
//! * [`Frame`]s borrow their payloads (argument bytes, names, object values) from the buffer
//!   they were decoded from; payloads are themselves postcard bytes the caller encodes
//!   and decodes with the types it expects.
//! * Every encoded frame starts with [`PROTOCOL_VERSION`]; [`decode`] rejects other versions
//!   with [`WireError::UnknownVersion`].
//! * Nothing here needs `std` or atomics: the module builds on every target the crate does.
//!   Encoding writes into a caller's buffer ([`encode`], [`encode_cobs`]) or a
//!   `heapless::Vec` ([`encode_to_heapless`], [`encode_cobs_to_heapless`]); the
//!   [`Deframer`] holds one frame in an inline buffer.
//!
//! ```
//! use rustyray::wire::{decode_cobs, encode_cobs_to_heapless, ActorCall, Callee, Frame};
//!
//! let call = Frame::ActorCall(ActorCall {
//!     actor: 3,
//!     method: Callee::Name("incr"),
//!     args: &[0x05],
//!     reply_to: Some(9),
//! });
//! let mut bytes = encode_cobs_to_heapless::<64>(&call)?;
//! assert_eq!(bytes.last(), Some(&0x00));
//! assert_eq!(decode_cobs(&mut bytes)?, call);
//! # Ok::<(), rustyray::wire::WireError>(())
//! ```

mod codec;
mod error;
mod frame;
mod framing;
mod read;
mod write;

pub use codec::{
    decode, decode_cobs, decode_reference, encode, encode_cobs, encode_cobs_append, encode_cobs_to_heapless,
    encode_to_heapless,
};
pub use error::WireError;
pub use frame::{
    ActorCall, Callee, Capabilities, Credit, Fetch, Frame, Hello, Lookup, ObjectTransfer, Release, RemoteError, Reply,
    TaskArg, TaskSubmission, MAGIC,
};
pub use framing::Deframer;

/// The protocol version this build speaks: the first byte of every encoded frame.
pub const PROTOCOL_VERSION: u8 = 2;
