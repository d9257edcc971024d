//! [`Deframer`]: splits a byte stream into frames on `0x00` delimiters.
//!
//! ```text
//!                 byte != 0, room left: buffer it
//!               ┌────┐
//!               ▼    │        0x00: COBS-decode + decode the buffer ──▶ Ok(frame) / Err(Truncated | Corrupt | …)
//!  ──▶ FILLING ──────┴──────────────────────────────────────────────▶ FILLING (buffer emptied)
//!        │  ▲
//!        │  └──────── 0x00 ── SKIPPING ◀─┐ byte != 0: dropped
//!        │                        │ ─────┘
//!        └── byte != 0, buffer full (MAX bytes): Err(FrameTooLarge) ──▶ SKIPPING
//! ```
//!
//! An empty frame (two delimiters in a row, or a delimiter first) is skipped silently: a
//! sender may send a lone `0x00` to make the receiver drop a partial frame.

use super::codec::{cobs_decode_in_place, decode};
use super::{Frame, WireError};

/// Splits a COBS byte stream into frames, holding at most `MAX` bytes of one frame.
///
/// `MAX` bounds the COBS-encoded bytes of one frame between two delimiters (a frame whose
/// plain encoding is `n` bytes takes `n + 1 + n / 254` of them). The buffer is inline: the
/// deframer never allocates (the frames it decodes allocate only a task's argument list).
///
/// Feed it chunks as they arrive; each call consumes input up to the end of the next frame.
///
/// ```
/// use rustyray::wire::{encode_cobs, Capabilities, Deframer, Frame, Hello};
///
/// let hello = Frame::Hello(Hello::new(7, Capabilities::TASKS, 256));
/// let mut out = [0_u8; 64];
/// let bytes = encode_cobs(&hello, &mut out)?;
///
/// let mut deframer = Deframer::<256>::new();
/// let (first, second) = bytes.split_at(3); // the link delivers it in two chunks
/// let mut chunk = &first[..];
/// assert!(deframer.feed(&mut chunk).is_none()); // nothing complete yet
/// let mut chunk = &second[..];
/// assert_eq!(deframer.feed(&mut chunk), Some(Ok(hello)));
/// assert!(chunk.is_empty());
/// # Ok::<(), rustyray::wire::WireError>(())
/// ```
pub struct Deframer<const MAX: usize> {
    buf: [u8; MAX],
    /// Bytes of the current frame in `buf`.
    len: usize,
    /// The current frame overflowed: drop bytes up to the next delimiter.
    skipping: bool,
}

impl<const MAX: usize> Deframer<MAX> {
    /// An empty deframer.
    pub const fn new() -> Self {
        Deframer { buf: [0; MAX], len: 0, skipping: false }
    }

    /// Consumes `input` up to the end of the next frame, advancing it past what was
    /// consumed, and decodes that frame. `None` when `input` ran out first (the partial frame
    /// is kept for the next call).
    ///
    /// Errors concern one frame; the next call continues with the next one:
    /// [`WireError::FrameTooLarge`] as soon as a frame outgrows `MAX` (its remaining bytes up
    /// to the next delimiter are skipped), and the errors of [`decode`](super::decode).
    pub fn feed(&mut self, input: &mut &[u8]) -> Option<Result<Frame<'_>, WireError>> {
        Some(self.feed_raw(input)?.and_then(decode))
    }

    /// As [`feed`](Self::feed), but returns the COBS-decoded bytes of the frame (version byte
    /// + postcard) without decoding them.
    pub fn feed_raw(&mut self, input: &mut &[u8]) -> Option<Result<&[u8], WireError>> {
        while !input.is_empty() {
            let end = input.iter().position(|&b| b == 0);
            let run = &input[..end.unwrap_or(input.len())];
            if self.skipping {
                *input = &input[run.len()..];
            } else {
                let room = MAX - self.len;
                if run.len() > room {
                    // Too large: report once, then drop the rest of this frame.
                    *input = &input[room + 1..];
                    self.len = 0;
                    self.skipping = true;
                    return Some(Err(WireError::FrameTooLarge { max: MAX }));
                }
                self.buf[self.len..self.len + run.len()].copy_from_slice(run);
                self.len += run.len();
                *input = &input[run.len()..];
            }
            // Without a delimiter the frame continues in the next chunk.
            end?;
            // At the delimiter: the frame is complete.
            *input = &input[1..];
            let len = core::mem::take(&mut self.len);
            if core::mem::take(&mut self.skipping) || len == 0 {
                continue;
            }
            return Some(match cobs_decode_in_place(&mut self.buf[..len]) {
                Ok(n) => Ok(&self.buf[..n]),
                Err(e) => Err(e),
            });
        }
        None
    }

    /// The stream ended: drops any partial frame.
    ///
    /// # Errors
    /// [`WireError::Truncated`] if a frame was begun and not finished.
    pub fn finish(&mut self) -> Result<(), WireError> {
        let partial = self.len > 0;
        self.len = 0;
        self.skipping = false;
        if partial {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// Bytes of an unfinished frame held (0 between frames and while skipping).
    pub fn buffered(&self) -> usize {
        self.len
    }
}

impl<const MAX: usize> Default for Deframer<MAX> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const MAX: usize> core::fmt::Debug for Deframer<MAX> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Deframer")
            .field("max", &MAX)
            .field("buffered", &self.len)
            .field("skipping", &self.skipping)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_frame_is_reported_once_and_skipped() {
        let mut d = Deframer::<4>::new();
        let mut input: &[u8] = &[1, 1, 1, 1, 1, 1, 1, 1, 0, 0x02, 0x07, 0];
        assert_eq!(d.feed_raw(&mut input), Some(Err(WireError::FrameTooLarge { max: 4 })));
        assert_eq!(d.feed_raw(&mut input), Some(Ok(&[0x07][..])));
        assert_eq!(d.feed_raw(&mut input), None);
    }

    #[test]
    fn a_frame_of_exactly_max_bytes_fits() {
        let mut d = Deframer::<3>::new();
        let mut input: &[u8] = &[0x03, 0x11, 0x22];
        assert_eq!(d.feed_raw(&mut input), None);
        assert_eq!(d.buffered(), 3);
        let mut input: &[u8] = &[0];
        assert_eq!(d.feed_raw(&mut input), Some(Ok(&[0x11, 0x22][..])));
    }

    #[test]
    fn empty_frames_are_skipped_and_partial_frames_reported_at_the_end() {
        let mut d = Deframer::<8>::new();
        let mut input: &[u8] = &[0, 0, 0x03, 0x11];
        assert_eq!(d.feed_raw(&mut input), None);
        assert_eq!(d.finish(), Err(WireError::Truncated));
        assert_eq!(d.finish(), Ok(()));
    }

    #[test]
    fn zero_capacity_deframer_rejects_every_frame() {
        let mut d = Deframer::<0>::new();
        let mut input: &[u8] = &[0x01, 0, 0x01, 0];
        assert_eq!(d.feed_raw(&mut input), Some(Err(WireError::FrameTooLarge { max: 0 })));
        assert_eq!(d.feed_raw(&mut input), Some(Err(WireError::FrameTooLarge { max: 0 })));
        assert_eq!(d.feed_raw(&mut input), None);
    }
}
