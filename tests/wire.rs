//! The wire format: golden bytes for every frame (the examples of `docs/wire.md`), the
//! stream framing, and the encoders' errors.

use rustyray::wire::{
    decode, decode_cobs, decode_reference, encode, encode_cobs, encode_cobs_append, encode_cobs_to_heapless,
    encode_to_heapless, ActorCall, Callee, Capabilities, Credit, Deframer, Fetch, Frame, Hello, Lookup, ObjectTransfer,
    Release, RemoteError, Reply, TaskArg, TaskSubmission, WireError, MAGIC, PROTOCOL_VERSION,
};
use rustyray::{Error, ObjectId};

/// Encodes `frame` every way there is, checks each against `golden` (the plain encoding),
/// and decodes `golden` back to `frame`.
#[track_caller]
fn assert_golden(frame: &Frame<'_>, golden: &[u8]) {
    let mut buf = [0_u8; 256];
    assert_eq!(encode(frame, &mut buf).unwrap(), golden, "encode");
    assert_eq!(encode_to_heapless::<256>(frame).unwrap(), golden, "encode_to_heapless");
    assert_eq!(&decode(golden).unwrap(), frame, "decode");
    // The serde derive (the reference the hand-written codec follows) gives the same bytes
    // and reads them back to the same frame.
    assert_eq!(postcard::to_allocvec(&(PROTOCOL_VERSION, frame)).unwrap(), golden, "serde encoding");
    assert_eq!(&decode_reference(golden).unwrap(), frame, "serde decoding");

    // The stream form decodes to the same frame, with and without its delimiter.
    let mut cobs = encode_cobs_to_heapless::<256>(frame).unwrap();
    assert_eq!(encode_cobs(frame, &mut buf).unwrap(), &cobs[..], "encode_cobs");
    // Appended after other bytes (what a node's outgoing buffer does): the same bytes.
    let mut appended = vec![0xAA, 0x00, 0x55];
    assert_eq!(encode_cobs_append(frame, &mut appended).unwrap(), cobs.len());
    assert_eq!(&appended[..3], &[0xAA, 0x00, 0x55]);
    assert_eq!(&appended[3..], &cobs[..], "encode_cobs_append");
    assert_eq!(cobs.last(), Some(&0));
    assert!(!cobs[..cobs.len() - 1].contains(&0));
    let mut without_delimiter = cobs.clone();
    without_delimiter.pop();
    assert_eq!(&decode_cobs(&mut without_delimiter).unwrap(), frame, "decode_cobs without delimiter");
    assert_eq!(&decode_cobs(&mut cobs).unwrap(), frame, "decode_cobs");
}

fn hello() -> Frame<'static> {
    Frame::Hello(Hello::new(258, Capabilities::TASKS.union(Capabilities::ACTORS), 256))
}

/// `hello()` on the stream: a run of one byte (the version) ended by the Hello tag's `00`,
/// then a final run of the remaining 10 bytes, then the delimiter.
const HELLO_COBS: [u8; 14] = [0x02, 0x02, 0x0B, 0x52, 0x52, 0x41, 0x59, 0x02, 0x82, 0x02, 0x03, 0x80, 0x02, 0x00];

#[test]
fn hello_golden() {
    assert_eq!(PROTOCOL_VERSION, 2);
    assert_eq!(MAGIC, *b"RRAY");
    assert_golden(
        &hello(),
        &[
            0x02, // version 2
            0x00, // Frame::Hello
            0x52, 0x52, 0x41, 0x59, // magic "RRAY"
            0x02, // max_version 2
            0x82, 0x02, // node_id 258 (varint)
            0x03, // capabilities TASKS | ACTORS
            0x80, 0x02, // window 256 (varint)
        ],
    );
    let mut buf = [0_u8; 32];
    assert_eq!(encode_cobs(&hello(), &mut buf).unwrap(), HELLO_COBS);
    assert_eq!(encode_cobs_to_heapless::<32>(&hello()).unwrap(), HELLO_COBS);
}

#[test]
fn hello_with_unknown_capability_bits_round_trips() {
    let frame = Frame::Hello(Hello::new(0, Capabilities(0x80), 1));
    assert_golden(&frame, &[0x02, 0x00, 0x52, 0x52, 0x41, 0x59, 0x02, 0x00, 0x80, 0x01, 0x01]);
}

#[test]
fn actor_call_by_index_golden() {
    let frame = Frame::ActorCall(ActorCall { actor: 7, method: Callee::Index(2), args: &[0x2A], reply_to: Some(300) });
    assert_golden(
        &frame,
        &[
            0x02, // version 2
            0x01, // Frame::ActorCall
            0x07, // actor 7
            0x00, 0x02, // Callee::Index(2)
            0x01, 0x2A, // args: 1 byte
            0x01, 0xAC, 0x02, // reply_to Some(300)
        ],
    );
}

#[test]
fn actor_call_by_name_golden() {
    let frame = Frame::ActorCall(ActorCall { actor: 1, method: Callee::Name("get"), args: &[], reply_to: None });
    assert_golden(
        &frame,
        &[
            0x02, 0x01, // version 2, Frame::ActorCall
            0x01, // actor 1
            0x01, 0x03, b'g', b'e', b't', // Callee::Name("get")
            0x00, // args: empty
            0x00, // reply_to None
        ],
    );
}

#[test]
fn reply_ok_golden() {
    let frame = Frame::Reply(Reply { reply_to: 300, result: Ok(&[0x05, 0x00]) });
    assert_golden(
        &frame,
        &[
            0x02, 0x02, // version 2, Frame::Reply
            0xAC, 0x02, // reply_to 300
            0x00, // Ok
            0x02, 0x05, 0x00, // 2 bytes
        ],
    );
}

#[test]
fn reply_err_golden() {
    let died = Frame::Reply(Reply { reply_to: 1, result: Err(RemoteError::ActorDied { reason: "killed" }) });
    assert_golden(
        &died,
        &[
            0x02, 0x02, // version 2, Frame::Reply
            0x01, // reply_to 1
            0x01, // Err
            0x06, // RemoteError::ActorDied
            0x06, b'k', b'i', b'l', b'l', b'e', b'd', // reason
        ],
    );
    let missing =
        Frame::Reply(Reply { reply_to: 2, result: Err(RemoteError::ObjectNotFound { id: ObjectId::from_u64(0x20) }) });
    assert_golden(&missing, &[0x02, 0x02, 0x02, 0x01, 0x05, 0x20]);
    let cancelled = Frame::Reply(Reply { reply_to: 3, result: Err(RemoteError::Cancelled) });
    assert_golden(&cancelled, &[0x02, 0x02, 0x03, 0x01, 0x02]);
}

#[test]
fn reply_node_lost_golden() {
    let lost = Frame::Reply(Reply { reply_to: 1, result: Err(RemoteError::NodeLost { reason: "link closed" }) });
    assert_golden(
        &lost,
        &[
            0x02, 0x02, // version 2, Frame::Reply
            0x01, // reply_to 1
            0x01, // Err
            0x0C, // RemoteError::NodeLost (tag 12)
            0x0B, b'l', b'i', b'n', b'k', b' ', b'c', b'l', b'o', b's', b'e', b'd', // reason
        ],
    );
}

#[test]
fn every_remote_error_has_its_tag() {
    let cases: [(RemoteError<'_>, &[u8]); 13] = [
        (RemoteError::RuntimeShutdown, &[0x00]),
        (RemoteError::TaskPanicked { message: "p" }, &[0x01, 0x01, b'p']),
        (RemoteError::Cancelled, &[0x02]),
        (RemoteError::Timeout, &[0x03]),
        (RemoteError::ObjectLost, &[0x04]),
        (RemoteError::ObjectNotFound { id: ObjectId::from_u64(1) }, &[0x05, 0x01]),
        (RemoteError::ActorDied { reason: "r" }, &[0x06, 0x01, b'r']),
        (RemoteError::ActorNotFound { name: "n" }, &[0x07, 0x01, b'n']),
        (RemoteError::TypeMismatch { expected: "u8" }, &[0x08, 0x02, b'u', b'8']),
        (RemoteError::Decode { message: "d" }, &[0x09, 0x01, b'd']),
        (RemoteError::Encode { message: "e" }, &[0x0A, 0x01, b'e']),
        (RemoteError::Other { message: "o" }, &[0x0B, 0x01, b'o']),
        (RemoteError::NodeLost { reason: "l" }, &[0x0C, 0x01, b'l']),
    ];
    for (error, tail) in cases {
        let mut golden = vec![0x02, 0x02, 0x00, 0x01];
        golden.extend_from_slice(tail);
        assert_golden(&Frame::Reply(Reply { reply_to: 0, result: Err(error) }), &golden);
    }
}

#[test]
fn submit_task_golden() {
    // v2: `result` is a key chosen by the sender; `TaskArg::Object(0x81)` names the object the
    // receiver holds for the sender under key 0x81 (an earlier task's `result`).
    let frame = Frame::SubmitTask(TaskSubmission {
        function: Callee::Name("add"),
        args: vec![TaskArg::Value(&[0x02]), TaskArg::Object(ObjectId::from_u64(0x81))],
        result: ObjectId::from_u64(5),
    });
    assert_golden(
        &frame,
        &[
            0x02, 0x03, // version 2, Frame::SubmitTask
            0x01, 0x03, b'a', b'd', b'd', // Callee::Name("add")
            0x02, // 2 args
            0x00, 0x01, 0x02, // TaskArg::Value([0x02])
            0x01, 0x81, 0x01, // TaskArg::Object(key 0x81)
            0x05, // result: key 5
        ],
    );
}

#[test]
fn object_transfer_golden() {
    // Tag 4 stays in the v2 format (a node never sends it, and closes a link that does).
    // generation 1, slot 1, shard 0; the value is `(7_u8, "hi")` as Store::export makes it.
    let id = ObjectId::from_u64(1 << 32 | 1 << 5);
    let frame = Frame::Object(ObjectTransfer { id, bytes: &[0x07, 0x02, b'h', b'i'] });
    let golden = [
        0x02, 0x04, // version 2, Frame::Object
        0xA0, 0x80, 0x80, 0x80, 0x10, // id 0x1_0000_0020 (varint)
        0x04, 0x07, 0x02, 0x68, 0x69, // 4 bytes
    ];
    assert_golden(&frame, &golden);
    // No zero byte: one COBS run of 12 data bytes.
    let mut cobs = vec![0x0D];
    cobs.extend_from_slice(&golden);
    cobs.push(0x00);
    assert_eq!(encode_cobs_to_heapless::<64>(&frame).unwrap(), &cobs[..]);
}

#[test]
fn lookup_golden() {
    let frame = Frame::Lookup(Lookup { name: "counter", actor_type: "Counter", reply_to: 4 });
    assert_golden(
        &frame,
        &[
            0x02, // version 2
            0x05, // Frame::Lookup
            0x07, b'c', b'o', b'u', b'n', b't', b'e', b'r', // name "counter"
            0x07, b'C', b'o', b'u', b'n', b't', b'e', b'r', // actor_type "Counter"
            0x04, // reply_to 4
        ],
    );
}

#[test]
fn fetch_golden() {
    let frame = Frame::Fetch(Fetch { object: ObjectId::from_u64(5), reply_to: 300 });
    assert_golden(
        &frame,
        &[
            0x02, // version 2
            0x06, // Frame::Fetch
            0x05, // object: key 5
            0xAC, 0x02, // reply_to 300
        ],
    );
}

#[test]
fn release_golden() {
    let frame = Frame::Release(Release { object: ObjectId::from_u64(5) });
    assert_golden(
        &frame,
        &[
            0x02, // version 2
            0x07, // Frame::Release
            0x05, // object: key 5
        ],
    );
}

#[test]
fn credit_golden() {
    let frame = Frame::Credit(Credit { requests: 200 });
    let golden = [
        0x02, // version 2
        0x08, // Frame::Credit
        0xC8, 0x01, // requests 200 (varint)
    ];
    assert_golden(&frame, &golden);
    // No zero byte: one COBS run of 4 data bytes.
    assert_eq!(encode_cobs_to_heapless::<16>(&frame).unwrap(), [0x05, 0x02, 0x08, 0xC8, 0x01, 0x00]);
}

#[test]
fn long_payloads_cross_cobs_run_boundaries() {
    let payload: Vec<u8> = (0..600).map(|i| (i % 256) as u8).collect();
    let frame = Frame::Object(ObjectTransfer { id: ObjectId::from_u64(9), bytes: &payload });
    let mut buf = vec![0_u8; 700];
    let stream = encode_cobs(&frame, &mut buf).unwrap().to_vec();
    let mut deframer = Deframer::<700>::new();
    let mut input = &stream[..];
    assert_eq!(deframer.feed(&mut input), Some(Ok(frame)));
    assert!(input.is_empty());
}

// ---- decoding errors ----

#[test]
fn unknown_version_is_rejected() {
    assert_eq!(decode(&[0x03, 0x00]), Err(WireError::UnknownVersion { got: 3 }));
    assert_eq!(decode(&[0x00]), Err(WireError::UnknownVersion { got: 0 }));
    assert_eq!(decode(&[0xFF, 0x08, 0x01]), Err(WireError::UnknownVersion { got: 0xFF }));
}

#[test]
fn a_v1_frame_is_rejected() {
    // A version-1 Hello (node 258, tasks | actors; no window field), plain and on the stream.
    let v1_hello = [0x01, 0x00, 0x52, 0x52, 0x41, 0x59, 0x01, 0x82, 0x02, 0x03];
    assert_eq!(decode(&v1_hello), Err(WireError::UnknownVersion { got: 1 }));
    let v1_cobs = [0x02, 0x01, 0x09, 0x52, 0x52, 0x41, 0x59, 0x01, 0x82, 0x02, 0x03, 0x00];
    assert_eq!(decode_cobs(&mut v1_cobs.clone()), Err(WireError::UnknownVersion { got: 1 }));
    let mut deframer = Deframer::<64>::new();
    let mut input = &v1_cobs[..];
    assert_eq!(deframer.feed(&mut input), Some(Err(WireError::UnknownVersion { got: 1 })));
    assert!(input.is_empty());
    // The version byte is checked first, whatever follows it.
    assert_eq!(decode(&[0x01]), Err(WireError::UnknownVersion { got: 1 }));
    assert_eq!(decode(&[0x01, 0x02, 0x03, 0x01, 0x02]), Err(WireError::UnknownVersion { got: 1 }));
    // The same v1 body under the v2 version byte lacks the window: truncated.
    let mut relabelled = v1_hello;
    relabelled[0] = 0x02;
    assert_eq!(decode(&relabelled), Err(WireError::Truncated));
}

#[test]
fn bad_magic_is_rejected() {
    let frame = Frame::Hello(Hello { magic: *b"XRAY", ..Hello::new(1, Capabilities::NONE, 16) });
    let mut buf = [0_u8; 32];
    let bytes = encode(&frame, &mut buf).unwrap();
    assert_eq!(decode(bytes), Err(WireError::BadMagic { got: *b"XRAY" }));
}

#[test]
fn malformed_frames_are_typed_errors() {
    // Unknown frame tag (8 = Credit is the last one).
    assert_eq!(decode(&[0x02, 0x09]), Err(WireError::Corrupt));
    // Unknown RemoteError tag (12 = NodeLost is the last one).
    assert_eq!(decode(&[0x02, 0x02, 0x00, 0x01, 0x0D]), Err(WireError::Corrupt));
    // A byte after a complete frame.
    assert_eq!(decode(&[0x02, 0x02, 0x03, 0x01, 0x02, 0xFF]), Err(WireError::Corrupt));
    assert_eq!(decode(&[0x02, 0x08, 0x03, 0x00]), Err(WireError::Corrupt));
    // Invalid UTF-8 in a name.
    assert_eq!(decode(&[0x02, 0x01, 0x01, 0x01, 0x01, 0xFF, 0x00, 0x00]), Err(WireError::Corrupt));
    assert_eq!(decode(&[0x02, 0x05, 0x01, 0xFF, 0x00, 0x00]), Err(WireError::Corrupt));
    // An option tag that is neither 0 nor 1.
    assert_eq!(decode(&[0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x02]), Err(WireError::Corrupt));
    // The frame ends early.
    assert_eq!(decode(&[0x02]), Err(WireError::Truncated));
    assert_eq!(decode(&[0x02, 0x00, 0x52, 0x52]), Err(WireError::Truncated));
    assert_eq!(decode(&[0x02, 0x04, 0x05, 0x09, 0x07]), Err(WireError::Truncated));
    assert_eq!(decode(&[0x02, 0x06, 0x05]), Err(WireError::Truncated));
    assert_eq!(decode(&[0x02, 0x08, 0x80]), Err(WireError::Truncated));
}

#[test]
fn a_huge_claimed_argument_count_allocates_nothing_up_front() {
    // SubmitTask claiming u32::MAX arguments with none present: truncated, not an abort.
    let bytes = [0x02, 0x03, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
    assert_eq!(decode(&bytes), Err(WireError::Truncated));
}

/// One frame of every shape: each variant, each callee and option case, each remote error,
/// both task arguments, the largest varints.
fn every_shape() -> Vec<Frame<'static>> {
    let id = ObjectId::from_u64;
    let mut frames = vec![
        hello(),
        Frame::Hello(Hello::new(u64::MAX, Capabilities(u32::MAX), u32::MAX)),
        call(),
        Frame::ActorCall(ActorCall { actor: u64::MAX, method: Callee::Name("incr"), args: &[], reply_to: None }),
        Frame::Reply(Reply { reply_to: 5, result: Ok(&[1, 0, 0x80]) }),
        Frame::SubmitTask(TaskSubmission {
            function: Callee::Name("add"),
            args: vec![TaskArg::Value(&[1, 2]), TaskArg::Object(id(0x81))],
            result: id(1 << 40),
        }),
        Frame::SubmitTask(TaskSubmission { function: Callee::Index(3), args: vec![], result: id(0) }),
        Frame::Object(ObjectTransfer { id: id(9), bytes: &[0; 300] }),
        Frame::Lookup(Lookup { name: "counter", actor_type: "Counter", reply_to: 70_000 }),
        Frame::Fetch(Fetch { object: id(u64::MAX), reply_to: 1 }),
        Frame::Release(Release { object: id(128) }),
        Frame::Credit(Credit { requests: 16_384 }),
    ];
    let errors = [
        RemoteError::RuntimeShutdown,
        RemoteError::TaskPanicked { message: "boom" },
        RemoteError::Cancelled,
        RemoteError::Timeout,
        RemoteError::ObjectLost,
        RemoteError::ObjectNotFound { id: id(300) },
        RemoteError::ActorDied { reason: "r" },
        RemoteError::ActorNotFound { name: "n" },
        RemoteError::TypeMismatch { expected: "u8" },
        RemoteError::Decode { message: "d" },
        RemoteError::Encode { message: "e" },
        RemoteError::Other { message: "ü" },
        RemoteError::NodeLost { reason: "" },
    ];
    frames.extend(errors.into_iter().map(|error| Frame::Reply(Reply { reply_to: 2, result: Err(error) })));
    frames
}

#[test]
fn the_codec_agrees_with_the_serde_derive_on_every_shape_and_its_mutations() {
    // A small xorshift: deterministic "random" bytes.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut checked = 0;
    let mut check = |bytes: &[u8]| {
        assert_eq!(decode(bytes), decode_reference(bytes), "decoding {bytes:02x?}");
        checked += 1;
    };
    for frame in every_shape() {
        let golden = postcard::to_allocvec(&(PROTOCOL_VERSION, &frame)).unwrap();
        let mut buf = [0_u8; 512];
        assert_eq!(encode(&frame, &mut buf).unwrap(), &golden[..], "encoding {frame:?}");
        check(&golden);
        for cut in 0..golden.len() {
            check(&golden[..cut]);
        }
        for at in 0..golden.len() {
            for value in [0x00, 0x01, 0x02, 0x0D, 0x0F, 0x10, 0x7F, 0x80, 0xC3, 0xFF, golden[at] ^ 0x01] {
                let mut mutated = golden.clone();
                mutated[at] = value;
                check(&mutated);
            }
            let mut longer = golden.clone();
            longer.insert(at + 1, (next() & 0xFF) as u8);
            check(&longer);
        }
        // The frame's first bytes, then noise.
        for _ in 0..200 {
            let keep = (next() as usize) % golden.len();
            let mut noisy = golden[..keep].to_vec();
            noisy.extend((0..(next() % 24)).map(|_| (next() & 0xFF) as u8));
            check(&noisy);
        }
    }
    assert!(checked > 10_000, "only {checked} inputs checked");
}

// ---- framing ----

fn stream_of(frames: &[Frame<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for frame in frames {
        out.extend_from_slice(&encode_cobs_to_heapless::<256>(frame).unwrap());
    }
    out
}

fn call() -> Frame<'static> {
    Frame::ActorCall(ActorCall { actor: 7, method: Callee::Index(2), args: &[0x2A], reply_to: Some(300) })
}

#[test]
fn two_frames_in_one_chunk() {
    let stream = stream_of(&[hello(), call()]);
    let mut deframer = Deframer::<64>::new();
    let mut input = &stream[..];
    assert_eq!(deframer.feed(&mut input), Some(Ok(hello())));
    assert_eq!(deframer.feed(&mut input), Some(Ok(call())));
    assert_eq!(deframer.feed(&mut input), None);
    assert!(input.is_empty());
    assert_eq!(deframer.finish(), Ok(()));
}

#[test]
fn one_frame_split_across_many_chunks() {
    let mut deframer = Deframer::<64>::new();
    let (last, head) = HELLO_COBS.split_last().unwrap();
    for byte in head {
        let mut input = core::slice::from_ref(byte);
        assert_eq!(deframer.feed(&mut input), None);
        assert!(input.is_empty());
    }
    assert_eq!(deframer.buffered(), HELLO_COBS.len() - 1);
    let mut input = core::slice::from_ref(last);
    assert_eq!(deframer.feed(&mut input), Some(Ok(hello())));
    assert_eq!(deframer.buffered(), 0);
}

#[test]
fn a_chunk_ending_one_frame_and_starting_the_next() {
    let stream = stream_of(&[hello(), call()]);
    let mut deframer = Deframer::<64>::new();
    let (a, b) = stream.split_at(HELLO_COBS.len() + 3);
    let mut input = a;
    assert_eq!(deframer.feed(&mut input), Some(Ok(hello())));
    assert_eq!(deframer.feed(&mut input), None);
    let mut input = b;
    assert_eq!(deframer.feed(&mut input), Some(Ok(call())));
}

#[test]
fn oversized_frame_then_a_good_frame() {
    let big = Frame::Object(ObjectTransfer { id: ObjectId::from_u64(1), bytes: &[0x11; 40] });
    let stream = stream_of(&[big, hello()]);
    let mut deframer = Deframer::<16>::new();
    let mut input = &stream[..];
    assert_eq!(deframer.feed(&mut input), Some(Err(WireError::FrameTooLarge { max: 16 })));
    assert_eq!(deframer.feed(&mut input), Some(Ok(hello())));
    assert_eq!(deframer.feed(&mut input), None);
}

#[test]
fn oversized_frame_split_across_chunks_is_skipped_to_its_delimiter() {
    let big = Frame::Object(ObjectTransfer { id: ObjectId::from_u64(1), bytes: &[0x11; 40] });
    let stream = stream_of(&[big, hello()]);
    let mut deframer = Deframer::<16>::new();
    let mut results = Vec::new();
    for chunk in stream.chunks(5) {
        let mut input = chunk;
        while let Some(result) = deframer.feed(&mut input) {
            results.push(result.map(|frame| frame == hello()));
        }
    }
    assert_eq!(results, [Err(WireError::FrameTooLarge { max: 16 }), Ok(true)]);
}

#[test]
fn corrupt_bytes_then_a_good_frame() {
    let mut stream = vec![
        0x03, 0x02, 0x09, 0x00, // valid COBS, unknown frame tag 9
        0x02, 0x01, 0x01, 0x00, // version 1
        0x04, 0x01, 0x00, // COBS run longer than the frame
        0xFF, 0xFF, 0x00, // garbage: a run claiming 254 bytes
    ];
    stream.extend_from_slice(&HELLO_COBS);
    let mut deframer = Deframer::<64>::new();
    let mut input = &stream[..];
    assert_eq!(deframer.feed(&mut input), Some(Err(WireError::Corrupt)));
    assert_eq!(deframer.feed(&mut input), Some(Err(WireError::UnknownVersion { got: 1 })));
    assert_eq!(deframer.feed(&mut input), Some(Err(WireError::Truncated)));
    assert_eq!(deframer.feed(&mut input), Some(Err(WireError::Truncated)));
    assert_eq!(deframer.feed(&mut input), Some(Ok(hello())));
    assert_eq!(deframer.feed(&mut input), None);
}

#[test]
fn truncated_input() {
    // The link lost the last bytes of a frame before its delimiter.
    let mut stream = HELLO_COBS[..8].to_vec();
    stream.push(0x00);
    stream.extend_from_slice(&HELLO_COBS);
    let mut deframer = Deframer::<64>::new();
    let mut input = &stream[..];
    assert_eq!(deframer.feed(&mut input), Some(Err(WireError::Truncated)));
    assert_eq!(deframer.feed(&mut input), Some(Ok(hello())));

    // The stream ends inside a frame.
    let mut input = &HELLO_COBS[..5];
    assert_eq!(deframer.feed(&mut input), None);
    assert_eq!(deframer.finish(), Err(WireError::Truncated));
    assert_eq!(deframer.buffered(), 0);
}

#[test]
fn empty_frames_between_delimiters_are_ignored() {
    let mut stream = vec![0x00, 0x00];
    stream.extend_from_slice(&HELLO_COBS);
    stream.push(0x00);
    let mut deframer = Deframer::<64>::new();
    let mut input = &stream[..];
    assert_eq!(deframer.feed(&mut input), Some(Ok(hello())));
    assert_eq!(deframer.feed(&mut input), None);
}

#[test]
fn feed_raw_yields_the_plain_encoding() {
    let mut deframer = Deframer::<64>::new();
    let mut input = &HELLO_COBS[..];
    let mut buf = [0_u8; 32];
    let plain = encode(&hello(), &mut buf).unwrap();
    assert_eq!(deframer.feed_raw(&mut input), Some(Ok(&plain[..])));
}

// ---- encoding errors ----

#[test]
fn buffer_too_small() {
    // The plain Hello takes 12 bytes, its stream form 14.
    let mut buf = [0_u8; 11];
    assert_eq!(encode(&hello(), &mut buf), Err(WireError::BufferTooSmall));
    let mut buf = [0_u8; 13];
    assert_eq!(encode_cobs(&hello(), &mut buf), Err(WireError::BufferTooSmall));
    assert_eq!(encode_to_heapless::<11>(&hello()), Err(WireError::BufferTooSmall));
    assert_eq!(encode_cobs_to_heapless::<13>(&hello()), Err(WireError::BufferTooSmall));
    assert_eq!(encode_cobs_to_heapless::<0>(&hello()), Err(WireError::BufferTooSmall));

    let mut buf = [0_u8; 12];
    assert_eq!(encode(&hello(), &mut buf).unwrap().len(), 12);
    assert_eq!(encode_to_heapless::<12>(&hello()).unwrap().len(), 12);
    let mut buf = [0_u8; 14];
    assert_eq!(encode_cobs(&hello(), &mut buf).unwrap(), HELLO_COBS);
    assert_eq!(encode_cobs_to_heapless::<14>(&hello()).unwrap(), HELLO_COBS);
}

// ---- errors across the boundary ----

#[test]
fn remote_errors_mirror_crate_errors() {
    let cases = [
        Error::RuntimeShutdown,
        Error::TaskPanicked { message: "boom".into() },
        Error::Cancelled,
        Error::Timeout,
        Error::ObjectLost,
        Error::ObjectNotFound { id: 0x1_0000_0020 },
        Error::ActorDied { reason: "killed".into() },
        Error::ActorNotFound { name: "counter".into() },
        Error::Decode { message: "bad".into() },
        Error::Encode { message: "full".into() },
        Error::Remote { message: "disk full".into() },
        Error::NodeLost { reason: "the peer closed the link".into() },
    ];
    for error in cases {
        let remote = RemoteError::from(&error);
        assert_eq!(Error::from(remote), error);
    }
    assert_eq!(
        RemoteError::from(&Error::TypeMismatch { expected: "u32" }),
        RemoteError::TypeMismatch { expected: "u32" }
    );
    assert!(matches!(
        Error::from(RemoteError::TypeMismatch { expected: "u32" }),
        Error::Remote { message } if message.contains("u32")
    ));
    assert_eq!(RemoteError::from(&Error::NameTaken { name: "x".into() }), RemoteError::Other { message: "x" });
    assert_eq!(
        RemoteError::from(&Error::NodeLost { reason: "reset".into() }),
        RemoteError::NodeLost { reason: "reset" }
    );
}

#[test]
fn wire_errors_become_crate_errors() {
    assert!(matches!(Error::from(WireError::BufferTooSmall), Error::Encode { .. }));
    assert!(matches!(Error::from(WireError::Corrupt), Error::Decode { .. }));
    let too_large = Error::from(WireError::FrameTooLarge { max: 16 }).to_string();
    assert!(too_large.contains("16"), "{too_large}");
}
