//! Reading a [`Frame`] off its bytes by hand: postcard's encoding of the frame types, walked
//! with a cursor instead of serde's visitors.
//!
//! The result is the one `postcard::take_from_bytes::<Frame>` gives — the same frame, or the
//! same [`WireError`] (`Truncated` where postcard runs out of input, `Corrupt` for anything
//! else) — which a test over the golden frames and their mutations, and the `wire_decode`
//! fuzz target, check against the serde derive. The reason for a second path: a node
//! firmware pays for every visitor serde derives (one per struct, field and variant, each
//! monomorphized for postcard), and this is a fraction of that code. The serde derives stay
//! the reference, and the encoding.
//!
//! postcard, as the frames use it: unsigned integers above `u8` are LEB128 varints (at most
//! 5 bytes for a `u32`, 10 for a `u64`; the last allowed byte may not carry bits beyond the
//! type); a `u8` is one raw byte; an enum is its variant index as a `u32` varint followed by
//! the variant's fields; `Option` and `Result` are enums (`None`/`Some`, `Ok`/`Err`, the first
//! byte strictly 0 or 1 for `Option`); bytes and strings are a `usize` varint length then
//! the bytes; structs are their fields in order.

use alloc::vec::Vec;

use super::{
    ActorCall, Callee, Capabilities, Credit, Fetch, Frame, Hello, Lookup, ObjectTransfer, Release, RemoteError, Reply,
    TaskArg, TaskSubmission, WireError,
};
use crate::object::ObjectId;

/// A cursor over the bytes of one frame; every read either takes its bytes or fails.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

/// The `Corrupt` error, short.
const CORRUPT: WireError = WireError::Corrupt;

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    /// What is left unread.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.bytes
    }

    fn byte(&mut self) -> Result<u8, WireError> {
        let (&byte, rest) = self.bytes.split_first().ok_or(WireError::Truncated)?;
        self.bytes = rest;
        Ok(byte)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if n > self.bytes.len() {
            return Err(WireError::Truncated);
        }
        let (taken, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(taken)
    }

    /// A varint of an integer of `bits` bits.
    #[inline(never)]
    fn varint(&mut self, bits: u32) -> Result<u64, WireError> {
        let max_len = bits.div_ceil(7);
        let last_max = (1_u8 << (bits % 7)) - 1;
        let mut value = 0_u64;
        for i in 0..max_len {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7F) << (7 * i);
            if byte & 0x80 == 0 {
                return if i == max_len - 1 && byte > last_max { Err(CORRUPT) } else { Ok(value) };
            }
        }
        Err(CORRUPT)
    }

    fn u32(&mut self) -> Result<u32, WireError> {
        // In range: a 5-byte varint's last byte carries at most 4 bits.
        self.varint(32).map(|v| v as u32)
    }

    fn u64(&mut self) -> Result<u64, WireError> {
        self.varint(64)
    }

    fn id(&mut self) -> Result<ObjectId, WireError> {
        self.u64().map(ObjectId::from_u64)
    }

    fn bytes(&mut self) -> Result<&'a [u8], WireError> {
        let len = self.varint(usize::BITS)?;
        // A length the platform cannot hold cannot fit in the frame either.
        self.take(usize::try_from(len).unwrap_or(usize::MAX))
    }

    fn str(&mut self) -> Result<&'a str, WireError> {
        core::str::from_utf8(self.bytes()?).map_err(|_| CORRUPT)
    }

    fn callee(&mut self) -> Result<Callee<'a>, WireError> {
        match self.u32()? {
            0 => self.u32().map(Callee::Index),
            1 => self.str().map(Callee::Name),
            _ => Err(CORRUPT),
        }
    }

    fn option_u64(&mut self) -> Result<Option<u64>, WireError> {
        match self.byte()? {
            0 => Ok(None),
            1 => self.u64().map(Some),
            _ => Err(CORRUPT),
        }
    }

    fn task_args(&mut self) -> Result<Vec<TaskArg<'a>>, WireError> {
        let count = self.varint(usize::BITS)?;
        // Grows only with arguments present: each takes at least a byte.
        let mut args = Vec::new();
        for _ in 0..count {
            args.push(match self.u32()? {
                0 => TaskArg::Value(self.bytes()?),
                1 => TaskArg::Object(self.id()?),
                _ => return Err(CORRUPT),
            });
        }
        Ok(args)
    }

    fn remote_error(&mut self) -> Result<RemoteError<'a>, WireError> {
        let tag = self.u32()?;
        Ok(match tag {
            0 => RemoteError::RuntimeShutdown,
            2 => RemoteError::Cancelled,
            3 => RemoteError::Timeout,
            4 => RemoteError::ObjectLost,
            5 => RemoteError::ObjectNotFound { id: self.id()? },
            1 | 6..=12 => {
                let text = self.str()?;
                match tag {
                    1 => RemoteError::TaskPanicked { message: text },
                    6 => RemoteError::ActorDied { reason: text },
                    7 => RemoteError::ActorNotFound { name: text },
                    8 => RemoteError::TypeMismatch { expected: text },
                    9 => RemoteError::Decode { message: text },
                    10 => RemoteError::Encode { message: text },
                    11 => RemoteError::Other { message: text },
                    _ => RemoteError::NodeLost { reason: text },
                }
            }
            _ => return Err(CORRUPT),
        })
    }

    /// One frame (without the version byte). Fields are read in declaration order.
    pub(crate) fn frame(&mut self) -> Result<Frame<'a>, WireError> {
        Ok(match self.u32()? {
            0 => Frame::Hello(Hello {
                magic: [self.byte()?, self.byte()?, self.byte()?, self.byte()?],
                max_version: self.byte()?,
                node_id: self.u64()?,
                capabilities: Capabilities(self.u32()?),
                window: self.u32()?,
            }),
            1 => Frame::ActorCall(ActorCall {
                actor: self.u64()?,
                method: self.callee()?,
                args: self.bytes()?,
                reply_to: self.option_u64()?,
            }),
            2 => Frame::Reply(Reply {
                reply_to: self.u64()?,
                result: match self.u32()? {
                    0 => Ok(self.bytes()?),
                    1 => Err(self.remote_error()?),
                    _ => return Err(CORRUPT),
                },
            }),
            3 => Frame::SubmitTask(TaskSubmission {
                function: self.callee()?,
                args: self.task_args()?,
                result: self.id()?,
            }),
            4 => Frame::Object(ObjectTransfer { id: self.id()?, bytes: self.bytes()? }),
            5 => Frame::Lookup(Lookup { name: self.str()?, actor_type: self.str()?, reply_to: self.u64()? }),
            6 => Frame::Fetch(Fetch { object: self.id()?, reply_to: self.u64()? }),
            7 => Frame::Release(Release { object: self.id()? }),
            8 => Frame::Credit(Credit { requests: self.u32()? }),
            _ => return Err(CORRUPT),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_u32(bytes: &[u8]) -> Result<u32, WireError> {
        Reader::new(bytes).u32()
    }

    fn read_u64(bytes: &[u8]) -> Result<u64, WireError> {
        Reader::new(bytes).u64()
    }

    #[test]
    fn varints_take_their_bytes_and_no_more_bits_than_the_type_has() {
        assert_eq!(read_u32(&[0x05]), Ok(5));
        assert_eq!(read_u32(&[0x80, 0x01]), Ok(128));
        // Not minimal, but postcard accepts it: so does the reader.
        assert_eq!(read_u32(&[0x80, 0x00]), Ok(0));
        assert_eq!(read_u32(&[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]), Ok(u32::MAX));
        assert_eq!(read_u32(&[0xFF, 0xFF, 0xFF, 0xFF, 0x10]), Err(WireError::Corrupt));
        assert_eq!(read_u32(&[0xFF, 0xFF, 0xFF, 0xFF, 0x8F]), Err(WireError::Corrupt));
        assert_eq!(read_u32(&[0x80]), Err(WireError::Truncated));
        assert_eq!(read_u64(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]), Ok(u64::MAX));
        assert_eq!(read_u64(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02]), Err(WireError::Corrupt));
        assert_eq!(read_u32(&[]), Err(WireError::Truncated));
    }

    #[test]
    fn lengths_past_the_end_are_truncated_and_bad_utf8_is_corrupt() {
        assert_eq!(Reader::new(&[0x03, 1, 2]).bytes(), Err(WireError::Truncated));
        assert_eq!(Reader::new(&[0x02, 1, 2, 9]).bytes(), Ok(&[1_u8, 2][..]));
        assert_eq!(Reader::new(&[0x01, 0xFF]).str(), Err(WireError::Corrupt));
        assert_eq!(Reader::new(&[0x02]).option_u64(), Err(WireError::Corrupt));
    }
}
