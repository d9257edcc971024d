//! Arbitrary bytes into a whole node, as a hostile peer would send them: the node never
//! panics, never hangs (it answers or closes the link, every wait here is bounded), never
//! lets the link grow without bound (libFuzzer's RSS limit), and serves a fresh link
//! afterwards.
//!
//! The first byte picks how the input starts: with a well-formed Hello (so the fuzzer
//! reaches calls, submissions, fetches, releases and credits) or raw. The rest is written
//! into the link in chunks whose size the second byte picks.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use rustyray::node::{duplex, LinkRead, LinkWrite, Node};
use rustyray::wire::{encode_cobs, ActorCall, Callee, Capabilities, Frame, Hello, Lookup, Reply};
use rustyray::Runtime;

rustyray::dsl::actor! {
    pub struct Counter { n: u64 }
    #[export]
    impl Counter {
        pub fn new() -> Self { Counter { n: 0 } }
        pub fn add(&mut self, k: u64) -> u64 { self.n = self.n.wrapping_add(k); self.n }
        pub fn echo(&self, s: String) -> String { s }
        pub fn boom(&mut self, fail: bool) -> u64 { assert!(!fail, "asked to fail"); self.n }
    }
}

rustyray::dsl::task! {
    #[export]
    pub fn add(x: u64, y: u64) -> u64 { x.wrapping_add(y) }

    #[export]
    pub fn bytes(n: u16) -> Vec<u8> { vec![1; usize::from(n)] }
}

struct World {
    /// The serving runtime (kept here, so it stays reachable for the leak checker).
    _rt: &'static Runtime,
    node: Node,
    io: Runtime,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let rt: &'static Runtime = Box::leak(Box::new(Runtime::builder().worker_threads(1).build().unwrap()));
        let node = Node::builder(rt).window(16).build();
        node.export("counter", &rt.block_on(Counter::remote_on(rt)).unwrap()).unwrap();
        node.export_task(add::export()).unwrap();
        node.export_task(bytes::export()).unwrap();
        World { _rt: rt, node, io: Runtime::builder().worker_threads(1).build().unwrap() }
    })
}

const WAIT: Duration = Duration::from_secs(20);

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Some((&chunk, input)) = rest.split_first() else { return };
    let w = world();
    let ((sr, sw), (mut r, mut wr)) = duplex();
    w.node.accept_link(sr, sw);
    let mut buf = vec![0_u8; 1 << 16];
    if mode & 1 == 1 {
        let hello = Frame::Hello(Hello::new(7, Capabilities::ACTORS, 16));
        let bytes = encode_cobs(&hello, &mut buf).unwrap().to_vec();
        let _ = w.io.block_on(wr.write_all(&bytes));
    }
    for piece in input.chunks(1 + usize::from(chunk)) {
        let _ = w.io.block_on(wr.write_all(piece));
    }
    if mode & 2 == 2 {
        // Then a well-formed lookup: answered if the link is still up.
        let lookup = Frame::Lookup(Lookup { name: "counter", actor_type: "Counter", reply_to: u64::MAX });
        let bytes = encode_cobs(&lookup, &mut buf).unwrap().to_vec();
        let _ = w.io.block_on(wr.write_all(&bytes));
    }
    drop(wr);
    // The node closes its side once it has read the end of ours (and answered what it
    // chose to answer): read until then, bounded.
    let drained = w.io.block_on(rustyray::time::timeout(WAIT, async {
        let mut chunk = [0_u8; 4096];
        while let Ok(1..) = r.read(&mut chunk).await {}
    }));
    drained.expect("the node neither closed the link nor finished within the bound");

    // The node still serves a fresh, well-behaved link.
    let ((sr, sw), (mut r, mut wr)) = duplex();
    w.node.accept_link(sr, sw);
    let served = w.io.block_on(rustyray::time::timeout(WAIT, async {
        let mut out = Vec::new();
        let hello = Frame::Hello(Hello::new(8, Capabilities::ACTORS, 16));
        out.extend_from_slice(encode_cobs(&hello, &mut buf).unwrap());
        let args = postcard::to_allocvec(&(0_u64,)).unwrap();
        let call = Frame::ActorCall(ActorCall { actor: 0, method: Callee::Index(0), args: &args, reply_to: Some(1) });
        out.extend_from_slice(encode_cobs(&call, &mut buf).unwrap());
        wr.write_all(&out).await.unwrap();
        let mut deframer = Box::new(rustyray::wire::Deframer::<{ 1 << 16 }>::new());
        let mut chunk = [0_u8; 4096];
        loop {
            let n = r.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the node closed a well-behaved link");
            let mut input = &chunk[..n];
            while let Some(frame) = deframer.feed(&mut input) {
                if let Ok(Frame::Reply(Reply { reply_to: 1, result })) = frame {
                    assert!(result.is_ok(), "a good call failed: {result:?}");
                    return;
                }
            }
        }
    }));
    served.expect("the node did not answer a well-behaved link");
});
