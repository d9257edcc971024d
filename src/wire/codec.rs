//! Encoding a [`Frame`] to bytes and decoding it back.
//!
//! An encoded frame is the protocol version byte followed by the postcard encoding of the
//! [`Frame`]. For a byte stream it is COBS-encoded and ends in one `0x00` delimiter
//! ([`encode_cobs`], [`Deframer`](super::Deframer)).

use core::ops::{Index, IndexMut};

use postcard::ser_flavors::{Cobs, Flavor, Slice};

use super::error::from_postcard;
use super::read::Reader;
use super::write::write_frame;
use super::{Frame, WireError, MAGIC, PROTOCOL_VERSION};

/// Encodes `frame` (version byte + postcard) into `buf`; returns the used prefix.
///
/// # Errors
/// [`WireError::BufferTooSmall`] if `buf` cannot hold it.
///
/// ```
/// use rustyray::wire::{encode, decode, Frame, ObjectTransfer};
/// use rustyray::ObjectId;
///
/// let frame = Frame::Object(ObjectTransfer { id: ObjectId::from_u64(5), bytes: &[7, 8] });
/// let mut buf = [0_u8; 16];
/// let bytes = encode(&frame, &mut buf)?;
/// assert_eq!(bytes, [0x02, 0x04, 0x05, 0x02, 0x07, 0x08]);
/// assert_eq!(decode(bytes)?, frame);
/// # Ok::<(), rustyray::wire::WireError>(())
/// ```
pub fn encode<'b>(frame: &Frame<'_>, buf: &'b mut [u8]) -> Result<&'b mut [u8], WireError> {
    encode_into(Slice::new(buf), frame)
}

/// Encodes `frame` for a byte stream into `buf`: COBS, then the `0x00` delimiter. Returns
/// the used prefix, delimiter included.
///
/// # Errors
/// [`WireError::BufferTooSmall`] if `buf` cannot hold it.
pub fn encode_cobs<'b>(frame: &Frame<'_>, buf: &'b mut [u8]) -> Result<&'b mut [u8], WireError> {
    encode_into(Cobs::try_new(Slice::new(buf)).map_err(from_postcard)?, frame)
}

/// Encodes `frame` (version byte + postcard) into a fixed-capacity vector.
///
/// # Errors
/// [`WireError::BufferTooSmall`] if the frame needs more than `N` bytes.
pub fn encode_to_heapless<const N: usize>(frame: &Frame<'_>) -> Result<heapless::Vec<u8, N>, WireError> {
    encode_into(FixedVec(heapless::Vec::new()), frame)
}

/// Encodes `frame` for a byte stream (COBS + `0x00` delimiter) into a fixed-capacity vector.
///
/// # Errors
/// [`WireError::BufferTooSmall`] if the encoding needs more than `N` bytes.
pub fn encode_cobs_to_heapless<const N: usize>(frame: &Frame<'_>) -> Result<heapless::Vec<u8, N>, WireError> {
    encode_into(Cobs::try_new(FixedVec(heapless::Vec::new())).map_err(from_postcard)?, frame)
}

/// Writes `frame` (version byte first) into `flavor` and finishes it.
fn encode_into<F: Flavor>(mut flavor: F, frame: &Frame<'_>) -> Result<F::Output, WireError> {
    write_frame(&mut flavor, frame).and_then(|()| flavor.finalize()).map_err(from_postcard)
}

/// Decodes one frame (version byte + postcard, no COBS) that fills `bytes` exactly. The
/// frame borrows its payloads from `bytes`.
///
/// # Errors
/// [`WireError::UnknownVersion`] for another protocol version, [`WireError::BadMagic`] for a
/// [`Hello`](super::Hello) without [`MAGIC`], [`WireError::Truncated`] if the bytes end
/// inside the frame, [`WireError::Corrupt`] for anything else malformed, including bytes
/// left over after the frame. Never panics.
pub fn decode(bytes: &[u8]) -> Result<Frame<'_>, WireError> {
    let mut reader = Reader::new(after_version(bytes)?);
    let frame = reader.frame()?;
    checked(frame, reader.rest())
}

/// [`decode`] through the frame types' serde derive (postcard's `take_from_bytes`): the
/// reference the hand-written reader behind [`decode`] is checked against (same frames, same
/// errors). Slower, and a firmware pays for every visitor serde derives; use [`decode`].
///
/// # Errors
/// As [`decode`].
///
/// ```
/// use rustyray::wire::{decode, decode_reference};
///
/// let bytes = [0x02, 0x08, 0x03]; // Frame::Credit { requests: 3 }
/// assert_eq!(decode(&bytes), decode_reference(&bytes));
/// assert_eq!(decode(&bytes[..2]), decode_reference(&bytes[..2])); // both Truncated
/// ```
pub fn decode_reference(bytes: &[u8]) -> Result<Frame<'_>, WireError> {
    let (frame, rest) = postcard::take_from_bytes::<Frame<'_>>(after_version(bytes)?).map_err(from_postcard)?;
    checked(frame, rest)
}

/// The bytes after the version byte, which must be ours.
fn after_version(bytes: &[u8]) -> Result<&[u8], WireError> {
    match bytes.split_first() {
        None => Err(WireError::Truncated),
        Some((&PROTOCOL_VERSION, rest)) => Ok(rest),
        Some((&got, _)) => Err(WireError::UnknownVersion { got }),
    }
}

/// `frame` if nothing was `left` after it and, for a `Hello`, it carries the magic.
fn checked<'a>(frame: Frame<'a>, left: &[u8]) -> Result<Frame<'a>, WireError> {
    if !left.is_empty() {
        return Err(WireError::Corrupt);
    }
    if let Frame::Hello(hello) = &frame {
        if hello.magic != MAGIC {
            return Err(WireError::BadMagic { got: hello.magic });
        }
    }
    Ok(frame)
}

/// Decodes one COBS-encoded frame in place (`bytes` is overwritten with the decoded frame).
/// A trailing `0x00` delimiter is allowed. The frame borrows its payloads from `bytes`.
///
/// # Errors
/// As [`decode`]; a malformed COBS encoding is [`WireError::Corrupt`], one whose last run
/// claims more bytes than there are is [`WireError::Truncated`].
pub fn decode_cobs(bytes: &mut [u8]) -> Result<Frame<'_>, WireError> {
    let body = match bytes.last() {
        Some(0) => bytes.len() - 1,
        _ => bytes.len(),
    };
    let bytes = &mut bytes[..body];
    let len = cobs_decode_in_place(bytes)?;
    decode(&bytes[..len])
}

/// Undoes COBS on `buf` (the bytes between two delimiters: a `0x00` is corrupt), in place;
/// returns the decoded length (always less than `buf.len()` for a valid encoding).
///
/// COBS: each run starts with a code byte `c` (1..=255) followed by `c - 1` data bytes; a run
/// with `c < 255` stands for its data followed by a `0x00`, except the last run of the frame.
pub(crate) fn cobs_decode_in_place(buf: &mut [u8]) -> Result<usize, WireError> {
    let mut read = 0;
    let mut write = 0;
    while read < buf.len() {
        let code = usize::from(buf[read]);
        if code == 0 {
            return Err(WireError::Corrupt);
        }
        read += 1;
        let end = read + code - 1;
        if end > buf.len() {
            return Err(WireError::Truncated);
        }
        if buf[read..end].contains(&0) {
            return Err(WireError::Corrupt);
        }
        // `write < read` always: each run's code byte is dropped, at most one 0x00 added.
        buf.copy_within(read..end, write);
        write += end - read;
        read = end;
        if code != 0xFF && read < buf.len() {
            buf[write] = 0;
            write += 1;
        }
    }
    Ok(write)
}

/// A postcard output flavor writing into a `heapless::Vec` (postcard's own one is for an
/// older heapless).
struct FixedVec<const N: usize>(heapless::Vec<u8, N>);

impl<const N: usize> Flavor for FixedVec<N> {
    type Output = heapless::Vec<u8, N>;

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(data).map_err(|()| postcard::Error::SerializeBufferFull)
    }

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data).map_err(|_| postcard::Error::SerializeBufferFull)
    }

    fn finalize(self) -> postcard::Result<Self::Output> {
        Ok(self.0)
    }
}

/// Encodes `frame` for a byte stream (COBS + `0x00` delimiter) onto the end of `out`,
/// without a buffer of its own; returns the encoded length. On failure `out` is as before.
///
/// # Errors
/// As [`encode_cobs`] (only an encoding error: `out` grows as needed).
pub fn encode_cobs_append(frame: &Frame<'_>, out: &mut alloc::vec::Vec<u8>) -> Result<usize, WireError> {
    let start = out.len();
    match encode_into(Cobs::try_new(Append { start, out: &mut *out }).map_err(from_postcard)?, frame) {
        Ok(_) => Ok(out.len() - start),
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

/// The end of a `Vec` as a postcard flavor (indices relative to where it started).
struct Append<'a> {
    start: usize,
    out: &'a mut alloc::vec::Vec<u8>,
}

impl<'a> Flavor for Append<'a> {
    type Output = &'a mut alloc::vec::Vec<u8>;

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.out.extend_from_slice(data);
        Ok(())
    }

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.out.push(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<Self::Output> {
        Ok(self.out)
    }
}

impl Index<usize> for Append<'_> {
    type Output = u8;

    fn index(&self, index: usize) -> &u8 {
        &self.out[self.start + index]
    }
}

impl IndexMut<usize> for Append<'_> {
    fn index_mut(&mut self, index: usize) -> &mut u8 {
        &mut self.out[self.start + index]
    }
}

// The COBS flavor patches the code byte of a run once the run ends.
impl<const N: usize> Index<usize> for FixedVec<N> {
    type Output = u8;

    fn index(&self, index: usize) -> &u8 {
        &self.0[index]
    }
}

impl<const N: usize> IndexMut<usize> for FixedVec<N> {
    fn index_mut(&mut self, index: usize) -> &mut u8 {
        &mut self.0[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cobs_decodes_runs_and_implied_zeros() {
        // 11 22 00 33 → 03 11 22 02 33
        let mut buf = [0x03, 0x11, 0x22, 0x02, 0x33];
        let n = cobs_decode_in_place(&mut buf).unwrap();
        assert_eq!(&buf[..n], [0x11, 0x22, 0x00, 0x33]);
        // a single 00 → 01 01
        let mut buf = [0x01, 0x01];
        let n = cobs_decode_in_place(&mut buf).unwrap();
        assert_eq!(&buf[..n], [0x00]);
    }

    #[test]
    fn cobs_rejects_zero_codes_and_short_runs() {
        assert_eq!(cobs_decode_in_place(&mut [0x02, 0x00]), Err(WireError::Corrupt));
        assert_eq!(cobs_decode_in_place(&mut [0x05, 0x11, 0x22]), Err(WireError::Truncated));
    }

    #[test]
    fn cobs_long_runs_round_trip_through_postcard() {
        // 300 non-zero bytes: needs a 0xFF run and a continuation.
        let data: alloc::vec::Vec<u8> = (0..300).map(|i| (i % 255 + 1) as u8).collect();
        let mut buf = [0_u8; 320];
        let encoded = postcard::to_slice_cobs(&data[..], &mut buf).unwrap();
        let (last, body) = encoded.split_last_mut().unwrap();
        assert_eq!(*last, 0);
        let n = cobs_decode_in_place(body).unwrap();
        let back: &[u8] = postcard::from_bytes(&body[..n]).unwrap();
        assert_eq!(back, &data[..]);
    }

    #[test]
    fn empty_input_is_truncated() {
        assert_eq!(decode(&[]), Err(WireError::Truncated));
    }
}
