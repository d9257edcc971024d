//! A link is a trust boundary: raw, hostile frames written straight into a node's link.
//!
//! Each test serves a node over an in-memory duplex link and plays the peer by hand — no
//! client node, just bytes — so it can send what a well-behaved node never would: frames
//! before the Hello, a second Hello, another wire version, garbage, oversized and truncated
//! frames, unknown actors, methods and functions, undecodable arguments, replies to nothing,
//! more requests than the window. Every case ends in a typed error reply (and the link
//! stays up) or a closed link, and the node goes on serving a fresh link afterwards.

use std::time::Duration;

use rustyray::node::{duplex, LinkRead, LinkWrite, Node, PipeReader, PipeWriter};
use rustyray::wire::{
    encode_cobs, ActorCall, Callee, Capabilities, Credit, Deframer, Fetch, Frame, Hello, Lookup, ObjectTransfer,
    Release, Reply, TaskArg, TaskSubmission, MAGIC, PROTOCOL_VERSION,
};
use rustyray::{Error, ObjectId, Runtime};

rustyray::dsl::actor! {
    pub struct Counter { n: u64 }
    #[export]
    impl Counter {
        pub fn new() -> Self { Counter { n: 0 } }
        pub fn add(&mut self, k: u64) -> u64 { self.n += k; self.n }
    }
}

// Lives in the server's runtime, registered under a name, but never exported.
rustyray::dsl::actor! {
    pub struct Secret { touched: u64 }
    impl Secret {
        pub fn new() -> Self { Secret { touched: 0 } }
        pub fn touch(&mut self) -> u64 { self.touched += 1; self.touched }
        pub fn touched(&self) -> u64 { self.touched }
    }
}

rustyray::dsl::task! {
    #[export]
    pub fn add(x: u64, y: u64) -> u64 { x + y }
}

/// The method index of `Counter::add` on the wire (declaration order, constructor aside).
const ADD: u32 = 0;

struct Server {
    rt: Runtime,
    node: Node,
    secret: rustyray::ActorHandle<Secret>,
}

/// A node with one worker thread (so a burst of frames in one read is handled before any
/// request finishes), exporting `counter` and `add`; `Secret` runs beside it unexported.
fn server(window: u32) -> Server {
    let rt = Runtime::builder().worker_threads(1).build().expect("runtime");
    let node = Node::builder(&rt).window(window).build();
    let counter = rt.block_on(Counter::remote_on(&rt)).expect("counter");
    node.export("counter", &counter).expect("export");
    node.export_task(add::export()).expect("export add");
    let secret = rt.block_on(Secret::options().name("secret").remote_on(&rt)).expect("secret");
    Server { rt, node, secret }
}

/// What the node sent, owned.
#[derive(Debug)]
enum Got {
    Hello(Hello),
    Reply(u64, Result<Vec<u8>, Error>),
    Credit(u32),
    /// Anything else (shown by the panics that report it).
    Other(#[allow(dead_code)] String),
    Closed,
}

/// The peer, played by hand over a duplex link.
struct Raw {
    io: Runtime,
    r: PipeReader,
    w: PipeWriter,
    deframer: Box<Deframer<{ 1 << 17 }>>,
    unread: Vec<u8>,
}

const WAIT: Duration = Duration::from_secs(10);

impl Raw {
    /// A raw link into `server`'s node (nothing sent yet; the node sends its Hello).
    fn connect(server: &Server) -> Raw {
        let ((sr, sw), (r, w)) = duplex();
        server.node.accept_link(sr, sw);
        let io = Runtime::builder().worker_threads(1).build().expect("io runtime");
        Raw { io, r, w, deframer: Box::default(), unread: Vec::new() }
    }

    /// Connects and completes the handshake (window 64 offered to the node).
    fn hello(server: &Server) -> Raw {
        let mut raw = Raw::connect(server);
        assert!(matches!(raw.next(), Got::Hello(h) if h.max_version == PROTOCOL_VERSION), "the node says Hello first");
        raw.send(&Frame::Hello(Hello::new(99, Capabilities::ACTORS, 64)));
        raw
    }

    fn send_bytes(&mut self, bytes: &[u8]) {
        let w = &mut self.w;
        // A write to a link the node closed fails; the test then reads `Closed`.
        let _ = self.io.block_on(w.write_all(bytes));
    }

    fn send(&mut self, frame: &Frame<'_>) {
        let mut buf = vec![0_u8; 1 << 16];
        let bytes = encode_cobs(frame, &mut buf).expect("encode").to_vec();
        self.send_bytes(&bytes);
    }

    /// The next frame the node sent, or `Closed`; every wait bounded.
    fn next(&mut self) -> Got {
        loop {
            if !self.unread.is_empty() {
                let mut input = &self.unread[..];
                let got = self.deframer.feed(&mut input).map(|frame| match frame {
                    Ok(Frame::Hello(h)) => Got::Hello(h),
                    Ok(Frame::Reply(Reply { reply_to, result })) => {
                        Got::Reply(reply_to, result.map(<[u8]>::to_vec).map_err(Error::from))
                    }
                    Ok(Frame::Credit(c)) => Got::Credit(c.requests),
                    Ok(other) => Got::Other(format!("{other:?}")),
                    Err(e) => Got::Other(format!("a frame the node should never send: {e}")),
                });
                let used = self.unread.len() - input.len();
                self.unread.drain(..used);
                if let Some(got) = got {
                    return got;
                }
            }
            let mut buf = [0_u8; 4096];
            let r = &mut self.r;
            let read = self.io.block_on(rustyray::time::timeout(WAIT, r.read(&mut buf)));
            match read {
                Err(_) => panic!("the node neither answered nor closed the link within {WAIT:?}"),
                Ok(Ok(0)) | Ok(Err(_)) => return Got::Closed,
                Ok(Ok(n)) => self.unread.extend_from_slice(&buf[..n]),
            }
        }
    }

    /// The next reply, skipping credits.
    fn reply(&mut self) -> (u64, Result<Vec<u8>, Error>) {
        loop {
            match self.next() {
                Got::Credit(_) => continue,
                Got::Reply(to, result) => return (to, result),
                other => panic!("expected a reply, got {other:?}"),
            }
        }
    }

    /// Reads until the node closes the link (replies and credits on the way are fine).
    fn expect_closed(&mut self) {
        loop {
            match self.next() {
                Got::Closed => return,
                Got::Credit(_) | Got::Reply(..) => continue,
                other => panic!("expected the link to close, got {other:?}"),
            }
        }
    }

    fn lookup(&mut self, name: &str, actor_type: &str, reply_to: u64) -> Result<Vec<u8>, Error> {
        self.send(&Frame::Lookup(Lookup { name, actor_type, reply_to }));
        let (to, result) = self.reply();
        assert_eq!(to, reply_to);
        result
    }

    fn call(&mut self, actor: u64, method: Callee<'_>, args: &[u8], reply_to: u64) -> Result<Vec<u8>, Error> {
        self.send(&Frame::ActorCall(ActorCall { actor, method, args, reply_to: Some(reply_to) }));
        let (to, result) = self.reply();
        assert_eq!(to, reply_to);
        result
    }

    fn fetch(&mut self, key: u64, reply_to: u64) -> Result<Vec<u8>, Error> {
        self.send(&Frame::Fetch(Fetch { object: ObjectId::from_u64(key), reply_to }));
        let (to, result) = self.reply();
        assert_eq!(to, reply_to);
        result
    }

    /// The link still works: the exported counter answers a well-formed call.
    fn still_serves(&mut self, k: u64) -> u64 {
        let bytes = self.call(0, Callee::Index(ADD), &postcard::to_allocvec(&(k,)).unwrap(), 1_000_000).unwrap();
        postcard::from_bytes(&bytes).unwrap()
    }
}

fn u64_of(bytes: &[u8]) -> u64 {
    postcard::from_bytes(bytes).expect("a u64")
}

/// After a link was closed on it, the node serves a fresh link as before.
fn node_survives(server: &Server) {
    let mut raw = Raw::hello(server);
    assert_eq!(u64_of(&raw.lookup("counter", "Counter", 1).unwrap()), 0);
    raw.still_serves(0);
}

// ---- frames that close the link -----------------------------------------------------------

#[test]
fn a_frame_before_the_hello_closes_the_link() {
    let s = server(8);
    let mut raw = Raw::connect(&s);
    assert!(matches!(raw.next(), Got::Hello(_)));
    raw.send(&Frame::ActorCall(ActorCall { actor: 0, method: Callee::Index(ADD), args: &[1], reply_to: Some(1) }));
    assert!(matches!(raw.next(), Got::Closed), "no reply to a call made before the Hello");
    node_survives(&s);
}

#[test]
fn a_second_hello_closes_the_link() {
    let s = server(8);
    let mut raw = Raw::hello(&s);
    assert_eq!(raw.still_serves(1), 1);
    raw.send(&Frame::Hello(Hello::new(7, Capabilities::ACTORS, 64)));
    raw.expect_closed();
    node_survives(&s);
}

#[test]
fn a_hello_of_another_version_closes_the_link() {
    let s = server(8);
    // A Hello that says it speaks at most version 1.
    let mut raw = Raw::connect(&s);
    raw.next();
    raw.send(&Frame::Hello(Hello {
        magic: MAGIC,
        max_version: 1,
        node_id: 5,
        capabilities: Capabilities::NONE,
        window: 8,
    }));
    raw.expect_closed();
    // A whole frame of version 1 (its version byte), and one of a version from the future.
    for version in [1_u8, PROTOCOL_VERSION + 1] {
        let mut raw = Raw::connect(&s);
        raw.next();
        let hello = Frame::Hello(Hello::new(5, Capabilities::NONE, 8));
        raw.send_bytes(&postcard::to_allocvec_cobs(&(version, &hello)).unwrap());
        raw.expect_closed();
    }
    // Not a rustyray node: the magic is wrong.
    let mut raw = Raw::connect(&s);
    raw.next();
    raw.send(&Frame::Hello(Hello { magic: *b"HTTP", ..Hello::new(5, Capabilities::NONE, 8) }));
    raw.expect_closed();
    node_survives(&s);
}

#[test]
fn garbage_truncated_and_oversized_frames_close_the_link() {
    let s = server(8);
    // Not COBS: a zero-length run in the middle.
    let mut raw = Raw::hello(&s);
    raw.send_bytes(&[0x05, 0x01, 0x02, 0x03, 0x01, 0x00]);
    raw.expect_closed();
    // Valid COBS, not a frame.
    let mut raw = Raw::hello(&s);
    raw.send_bytes(&[0x04, 0xff, 0xff, 0xff, 0x00]);
    raw.expect_closed();
    // A well-formed frame cut short, then the delimiter.
    let mut raw = Raw::hello(&s);
    let mut buf = vec![0_u8; 256];
    let call = Frame::ActorCall(ActorCall { actor: 0, method: Callee::Index(ADD), args: &[1; 40], reply_to: Some(3) });
    let whole = encode_cobs(&call, &mut buf).unwrap().to_vec();
    let mut cut = whole[..whole.len() / 2].to_vec();
    cut.push(0);
    raw.send_bytes(&cut);
    raw.expect_closed();
    // Bytes after a complete frame, inside the same delimiters.
    let mut raw = Raw::hello(&s);
    let mut padded = postcard::to_allocvec(&(PROTOCOL_VERSION, &call)).unwrap();
    padded.extend_from_slice(&[9, 9, 9]);
    raw.send_bytes(&cobs(&padded));
    raw.expect_closed();
    // A frame larger than the node reads (no delimiter for 1 MiB): closed once it outgrows
    // the limit, without buffering the rest.
    let mut raw = Raw::hello(&s);
    raw.send_bytes(&vec![0x42_u8; rustyray::node::MAX_FRAME + 1]);
    raw.expect_closed();
    raw.send_bytes(&vec![0x42_u8; 1 << 20]);
    node_survives(&s);
}

#[test]
fn a_reply_to_nothing_and_an_object_frame_close_the_link() {
    let s = server(8);
    let mut raw = Raw::hello(&s);
    raw.send(&Frame::Reply(Reply { reply_to: 12345, result: Ok(&[1]) }));
    raw.expect_closed();
    let mut raw = Raw::hello(&s);
    raw.send(&Frame::Object(ObjectTransfer { id: ObjectId::from_u64(1), bytes: &[1, 2] }));
    raw.expect_closed();
    node_survives(&s);
}

#[test]
fn a_peer_that_exceeds_its_window_is_disconnected() {
    let s = server(4);
    let mut raw = Raw::hello(&s);
    // Five calls in one burst against a window of four: the node reads them in one go (one
    // worker thread), so none has finished when the fifth arrives.
    let mut burst = Vec::new();
    let mut buf = vec![0_u8; 256];
    let args = postcard::to_allocvec(&(1_u64,)).unwrap();
    for reply_to in 0..5 {
        let call =
            Frame::ActorCall(ActorCall { actor: 0, method: Callee::Index(ADD), args: &args, reply_to: Some(reply_to) });
        burst.extend_from_slice(encode_cobs(&call, &mut buf).unwrap());
    }
    raw.send_bytes(&burst);
    raw.expect_closed();
    node_survives(&s);
}

#[test]
fn a_peer_within_its_window_is_served_however_long_it_runs() {
    let s = server(4);
    let mut raw = Raw::hello(&s);
    let args = postcard::to_allocvec(&(1_u64,)).unwrap();
    let mut credits = 4_u32;
    let mut sent = 0_u64;
    let mut answered = 0_u64;
    // 200 calls, never more than the window in flight: each waits for a credit.
    while answered < 200 {
        while credits > 0 && sent < 200 {
            raw.send(&Frame::ActorCall(ActorCall {
                actor: 0,
                method: Callee::Index(ADD),
                args: &args,
                reply_to: Some(sent),
            }));
            credits -= 1;
            sent += 1;
        }
        match raw.next() {
            Got::Credit(n) => credits += n,
            Got::Reply(to, result) => {
                assert_eq!(to, answered, "replies in call order");
                assert_eq!(u64_of(&result.unwrap()), answered + 1);
                answered += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // Credits beyond any window saturate and are harmless.
    raw.send(&Frame::Credit(Credit { requests: u32::MAX }));
    raw.send(&Frame::Credit(Credit { requests: u32::MAX }));
    assert_eq!(raw.still_serves(0), 200);
}

// ---- requests that get a typed error and leave the link up --------------------------------

#[test]
fn unknown_actors_methods_and_bad_arguments_get_typed_errors() {
    let s = server(8);
    let mut raw = Raw::hello(&s);
    let one = postcard::to_allocvec(&(1_u64,)).unwrap();
    // Ids past the exports: not found, whatever runs in the runtime.
    for actor in 1..64 {
        assert!(matches!(raw.call(actor, Callee::Index(ADD), &one, actor), Err(Error::ActorNotFound { .. })));
    }
    assert!(matches!(raw.call(u64::MAX, Callee::Index(0), &one, 1), Err(Error::ActorNotFound { .. })));
    // Ids of actors lent to this link (bit 63): none were lent.
    assert!(matches!(raw.call(1 << 63, Callee::Index(ADD), &one, 8), Err(Error::ActorNotFound { .. })));
    // A method the actor does not have, by index or by name.
    assert!(matches!(raw.call(0, Callee::Index(7), &one, 2), Err(Error::Decode { .. })));
    assert!(matches!(raw.call(0, Callee::Index(u32::MAX), &one, 3), Err(Error::Decode { .. })));
    assert!(matches!(raw.call(0, Callee::Name("add"), &one, 4), Err(Error::Decode { .. })));
    // Arguments that are not a `(u64,)`: nothing, a bad varint, extra bytes.
    assert!(matches!(raw.call(0, Callee::Index(ADD), &[], 5), Err(Error::Decode { .. })));
    assert!(matches!(raw.call(0, Callee::Index(ADD), &[0xff; 11], 6), Err(Error::Decode { .. })));
    assert!(matches!(raw.call(0, Callee::Index(ADD), &[1, 2, 3], 7), Err(Error::Decode { .. })));
    // None of it reached the counter, and the link is up.
    assert_eq!(raw.still_serves(2), 2);
    // A told call (no reply) with bad arguments is dropped without a word.
    raw.send(&Frame::ActorCall(ActorCall { actor: 0, method: Callee::Index(ADD), args: &[], reply_to: None }));
    assert_eq!(raw.still_serves(1), 3);
}

#[test]
fn nothing_that_is_not_exported_can_be_reached() {
    let s = server(8);
    let mut raw = Raw::hello(&s);
    // By name: registered in the runtime, not exported.
    assert!(matches!(raw.lookup("secret", "Secret", 1), Err(Error::ActorNotFound { .. })));
    // The exported name with another type.
    assert!(matches!(raw.lookup("counter", "Secret", 2), Err(Error::Remote { .. })));
    // By id: every id and method a peer could try.
    for actor in 0..16_u64 {
        for method in 0..4 {
            let _ = raw.call(actor, Callee::Index(method), &[], 100 + actor * 4 + u64::from(method));
        }
    }
    // A function by a name that is not exported (the actor's method names included).
    raw.send(&Frame::SubmitTask(TaskSubmission {
        function: Callee::Name("touch"),
        args: vec![],
        result: ObjectId::from_u64(1),
    }));
    assert!(matches!(raw.fetch(1, 500), Err(Error::Remote { message }) if message.contains("touch")));
    let touched = s.rt.block_on(async { s.secret.touched().await?.get().await }).unwrap();
    assert_eq!(touched, 0, "the unexported actor was never called");
}

#[test]
fn bad_task_submissions_fail_their_object() {
    let s = server(8);
    let mut raw = Raw::hello(&s);
    let value = |v: &u64| postcard::to_allocvec(v).unwrap();
    let (one, two) = (value(&1), value(&2));
    // A good one first.
    raw.send(&Frame::SubmitTask(TaskSubmission {
        function: Callee::Name("add"),
        args: vec![TaskArg::Value(&one), TaskArg::Value(&two)],
        result: ObjectId::from_u64(10),
    }));
    assert_eq!(u64_of(&raw.fetch(10, 1).unwrap()), 3);
    // Too few arguments, too many, undecodable ones.
    let cases: [Vec<TaskArg<'_>>; 3] = [
        vec![TaskArg::Value(&one)],
        vec![TaskArg::Value(&one), TaskArg::Value(&one), TaskArg::Value(&one)],
        vec![TaskArg::Value(&[0xff; 11]), TaskArg::Value(&one)],
    ];
    for (key, args) in (11..).zip(cases) {
        raw.send(&Frame::SubmitTask(TaskSubmission {
            function: Callee::Name("add"),
            args,
            result: ObjectId::from_u64(key),
        }));
        assert!(matches!(raw.fetch(key, key), Err(Error::Decode { .. })), "case {key}");
    }
    // A ref to an object this link never created.
    raw.send(&Frame::SubmitTask(TaskSubmission {
        function: Callee::Name("add"),
        args: vec![TaskArg::Object(ObjectId::from_u64(777)), TaskArg::Value(&one)],
        result: ObjectId::from_u64(20),
    }));
    assert!(matches!(raw.fetch(20, 20), Err(Error::ObjectNotFound { id: 777 })));
    // A function by index (functions go by name).
    raw.send(&Frame::SubmitTask(TaskSubmission {
        function: Callee::Index(0),
        args: vec![],
        result: ObjectId::from_u64(21),
    }));
    assert!(matches!(raw.fetch(21, 21), Err(Error::Decode { .. })));
    // Fetching or releasing what was never held.
    assert!(matches!(raw.fetch(9999, 30), Err(Error::ObjectNotFound { id: 9999 })));
    raw.send(&Frame::Release(Release { object: ObjectId::from_u64(9999) }));
    // The good object is still there; released, it is gone.
    assert_eq!(u64_of(&raw.fetch(10, 31).unwrap()), 3);
    raw.send(&Frame::Release(Release { object: ObjectId::from_u64(10) }));
    assert!(matches!(raw.fetch(10, 32), Err(Error::ObjectNotFound { id: 10 })));
    assert_eq!(raw.still_serves(4), 4);
    // Reusing a key the node holds breaks the protocol: the link closes.
    raw.send(&Frame::SubmitTask(TaskSubmission {
        function: Callee::Name("add"),
        args: vec![TaskArg::Value(&one), TaskArg::Value(&one)],
        result: ObjectId::from_u64(11),
    }));
    raw.expect_closed();
    node_survives(&s);
}

/// COBS-encodes `plain` and appends the delimiter (for frames `encode_cobs` would not make).
fn cobs(plain: &[u8]) -> Vec<u8> {
    let mut out = vec![0_u8];
    let mut code_at = 0;
    for &byte in plain {
        if byte == 0 || out.len() - code_at == 0xff {
            out[code_at] = (out.len() - code_at) as u8;
            code_at = out.len();
            out.push(0);
            if byte == 0 {
                continue;
            }
        }
        out.push(byte);
    }
    out[code_at] = (out.len() - code_at) as u8;
    out.push(0);
    out
}
