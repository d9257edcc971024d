//! [`WireError`]: why bytes could not become a frame, or a frame could not become bytes.

use alloc::string::ToString;
use core::fmt;

/// Encoding or decoding a [`Frame`](super::Frame) failed.
///
/// Decoding never panics: every malformed input ends in one of these variants. A
/// [`Deframer`](super::Deframer) reports the error and carries on with the next frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// The output buffer cannot hold the encoded frame.
    BufferTooSmall,
    /// A frame on the stream exceeded the deframer's limit; its bytes up to the next `0x00`
    /// delimiter are skipped.
    FrameTooLarge {
        /// The limit, in COBS-encoded bytes between two delimiters.
        max: usize,
    },
    /// The frame ended before the value it encodes did (bytes were lost, or the stream ended
    /// inside a frame).
    Truncated,
    /// The bytes are not a frame: bad COBS encoding, an unknown tag, an invalid varint, bool,
    /// option or UTF-8 string, or bytes left over after the frame.
    Corrupt,
    /// The frame is of a protocol version this build does not speak.
    UnknownVersion {
        /// The version byte the frame started with.
        got: u8,
    },
    /// A [`Hello`](super::Hello) did not start with [`MAGIC`](super::MAGIC): the peer is not a
    /// rustyray node.
    BadMagic {
        /// The four bytes found instead.
        got: [u8; 4],
    },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::BufferTooSmall => {
                f.write_str("the output buffer is too small for the encoded frame; give it a larger buffer")
            }
            WireError::FrameTooLarge { max } => write!(
                f,
                "a frame exceeded {max} encoded bytes and was skipped; raise the deframer's limit or send smaller frames"
            ),
            WireError::Truncated => {
                f.write_str("the frame was cut short; bytes were lost on the link or the stream ended inside a frame")
            }
            WireError::Corrupt => f.write_str("the bytes are not a valid frame; check the link for corruption"),
            WireError::UnknownVersion { got } => write!(
                f,
                "the frame is of wire protocol version {got}, this build speaks version {}; upgrade the older side",
                super::PROTOCOL_VERSION
            ),
            WireError::BadMagic { got } => write!(
                f,
                "the handshake started with {got:02x?}, not the rustyray magic; the peer is not a rustyray node"
            ),
        }
    }
}

impl core::error::Error for WireError {}

impl From<WireError> for crate::Error {
    /// [`WireError::BufferTooSmall`] becomes [`Error::Encode`](crate::Error::Encode), every
    /// other variant [`Error::Decode`](crate::Error::Decode); the message is the wire error's.
    fn from(error: WireError) -> Self {
        let message = error.to_string();
        match error {
            WireError::BufferTooSmall => crate::Error::Encode { message },
            _ => crate::Error::Decode { message },
        }
    }
}

/// The wire error for a postcard error: running out of output room, running out of input,
/// or anything else malformed.
pub(crate) fn from_postcard(error: postcard::Error) -> WireError {
    match error {
        postcard::Error::SerializeBufferFull => WireError::BufferTooSmall,
        postcard::Error::DeserializeUnexpectedEnd => WireError::Truncated,
        _ => WireError::Corrupt,
    }
}
