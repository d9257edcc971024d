//! Arbitrary bytes through the decoder and the deframer: nothing panics, the hand-written
//! decoder and encoder agree with the serde derive (`decode_reference`: the same frame or
//! the same error; the same bytes), every frame that decodes re-encodes (into a buffer,
//! and appended to a `Vec` as a node's outgoing bytes are) to bytes that decode to the
//! same frame, and the deframer agrees with a reference model (split on 0x00, skip empty
//! frames, reject frames over MAX — even one the input ends in — decode the rest) whatever
//! the chunking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rustyray::wire::{
    decode, decode_cobs, decode_reference, encode, encode_cobs, encode_cobs_append, Deframer, Frame, WireError,
    PROTOCOL_VERSION,
};

/// The deframer's limit: small, so oversized frames are common.
const MAX: usize = 64;

fuzz_target!(|data: &[u8]| {
    // The input as one plain frame, read by hand and through the serde derive.
    let decoded = decode(data);
    assert_eq!(decoded, decode_reference(data), "the hand-written decoder disagrees with the serde derive");
    if let Ok(frame) = decoded {
        let serde_bytes = postcard::to_allocvec(&(PROTOCOL_VERSION, &frame)).expect("serde encodes a frame");
        let mut buf = vec![0_u8; serde_bytes.len() + 16];
        assert_eq!(encode(&frame, &mut buf).ok().map(|b| b.to_vec()), Some(serde_bytes), "encodings differ");
        check_round_trip(&frame);
    }

    // The input as a stream: the first byte picks the chunk size.
    let Some((&first, stream)) = data.split_first() else { return };
    let chunk_size = 1 + usize::from(first % 16);

    // The model: every delimited segment, decoded on its own.
    let mut segments: Vec<Vec<u8>> = stream.split(|&b| b == 0).map(<[u8]>::to_vec).collect();
    let unfinished = segments.pop().expect("split yields at least one segment");
    let mut expected: Vec<Result<Frame<'_>, WireError>> = segments
        .iter_mut()
        .filter(|s| !s.is_empty())
        .map(|s| if s.len() > MAX { Err(WireError::FrameTooLarge { max: MAX }) } else { decode_cobs(s) })
        .collect();
    // An oversized frame is reported as soon as it outgrows MAX, delimiter or not.
    if unfinished.len() > MAX {
        expected.push(Err(WireError::FrameTooLarge { max: MAX }));
    }

    let mut deframer = Deframer::<MAX>::new();
    let mut seen = 0;
    for chunk in stream.chunks(chunk_size) {
        let mut input = chunk;
        while let Some(result) = deframer.feed(&mut input) {
            assert_eq!(Some(&result), expected.get(seen), "deframer result {seen} differs from the model");
            seen += 1;
            if let Ok(frame) = &result {
                check_round_trip(frame);
            }
        }
        assert!(input.is_empty(), "feed returned None with input left");
    }
    assert_eq!(seen, expected.len(), "the deframer yielded fewer frames than the model");
    let finished = deframer.finish();
    if unfinished.is_empty() || unfinished.len() > MAX {
        assert_eq!(finished, Ok(()), "nothing buffered at the end");
    } else {
        assert_eq!(finished, Err(WireError::Truncated), "a partial frame at the end");
    }
});

/// A decoded frame re-encodes (plain and stream form) to bytes that decode to it again.
fn check_round_trip(frame: &Frame<'_>) {
    let mut buf = vec![0_u8; 1 << 16];
    let plain = encode(frame, &mut buf).expect("a decoded frame re-encodes").to_vec();
    assert_eq!(&decode(&plain).expect("a re-encoded frame decodes"), frame);

    let stream = encode_cobs(frame, &mut buf).expect("a decoded frame re-encodes for a stream").to_vec();
    // What a node's outgoing buffer does: appended after other bytes, the same encoding.
    let mut appended = vec![0x5A_u8; usize::from(stream[0] % 7)];
    let before = appended.len();
    assert_eq!(encode_cobs_append(frame, &mut appended), Ok(stream.len()));
    assert_eq!(&appended[before..], &stream[..], "encode_cobs_append differs from encode_cobs");
    let mut deframer = Deframer::<{ 1 << 16 }>::new();
    let mut input = &stream[..];
    assert_eq!(deframer.feed(&mut input), Some(Ok(frame.clone())));
    assert!(input.is_empty());
}
