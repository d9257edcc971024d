//! Two runtimes in one process over an in-memory duplex link: exported actors and tasks,
//! the same typed handles and refs, ordering, refs by reference, reference counting, flow
//! control and failure. (Sockets and pre-shared keys: `tests/node_net.rs`; hostile frames:
//! `tests/node_hostile.rs`.)

use std::future::IntoFuture;
use std::time::Duration;

use rustyray::node::{duplex, Node, Peer};
use rustyray::{ActorHandle, Error, ObjectRef, Runtime};

rustyray::dsl::actor! {
    pub struct Counter { n: u64, log: Vec<u64> }
    #[export]
    impl Counter {
        pub fn new() -> Self { Counter { n: 0, log: Vec::new() } }
        pub fn add(&mut self, k: u64) -> u64 { self.n += k; self.log.push(k); self.n }
        pub fn log(&self) -> Vec<u64> { self.log.clone() }
        pub async fn slow(&mut self, ms: u64) -> u64 { rustyray::time::sleep(Duration::from_millis(ms)).await; self.n }
        pub fn boom(&mut self) -> u64 { panic!("boom") }
        pub fn greet(&self, who: String) -> String { format!("hello {who}") }
    }
}

rustyray::dsl::actor! {
    pub struct Other { }
    #[export]
    impl Other {
        pub fn new() -> Self { Other {} }
        pub fn ping(&self) -> u8 { 1 }
    }
}

// Takes, keeps and returns handles: they cross the link inside arguments and results.
rustyray::dsl::actor! {
    pub struct Hub { kept: Option<ActorHandle<Counter>> }
    #[export]
    impl Hub {
        pub fn new() -> Self { Hub { kept: None } }
        /// Calls the counter it is given, wherever that runs; what it answered.
        pub async fn poke(&mut self, counter: ActorHandle<Counter>, k: u64) -> u64 {
            match counter.add(k).await {
                Ok(r) => r.get().await.unwrap_or(u64::MAX),
                Err(_) => u64::MAX,
            }
        }
        /// Whether the handle it got is to an actor of its own node.
        pub fn is_local(&self, counter: ActorHandle<Counter>) -> bool { !counter.actor_ref().is_remote() }
        /// A new counter on this node, handed out.
        pub async fn make(&mut self) -> Option<ActorHandle<Counter>> { Counter::remote().await.ok() }
        /// Keeps a handle (given locally), to hand it out with `relay`.
        pub fn keep(&mut self, counter: ActorHandle<Counter>) { self.kept = Some(counter); }
        pub fn relay(&self) -> Option<ActorHandle<Counter>> { self.kept.clone() }
    }
}

// Takes, keeps and returns refs: they cross the link inside arguments and results.
rustyray::dsl::actor! {
    pub struct Vault { kept: Option<ObjectRef<Vec<u8>>> }
    #[export]
    impl Vault {
        pub fn new() -> Self { Vault { kept: None } }
        /// Reads the ref it is given (fetching the value if the caller lent it): its length.
        pub async fn measure(&mut self, r: ObjectRef<Vec<u8>>) -> u64 {
            r.get().await.map(|v| v.len() as u64).unwrap_or(u64::MAX)
        }
        pub fn keep(&mut self, r: ObjectRef<Vec<u8>>) { self.kept = Some(r); }
        pub fn give(&self) -> Option<ObjectRef<Vec<u8>>> { self.kept.clone() }
        pub fn forget(&mut self) { self.kept = None; }
    }
}

rustyray::dsl::task! {
    #[export]
    pub fn add(x: u64, y: u64) -> u64 { x + y }

    #[export]
    pub fn big(n: u32) -> Vec<u8> { vec![7; n as usize] }

    #[export]
    pub fn len(v: Vec<u8>) -> u64 { v.len() as u64 }
}

struct Pair {
    server_rt: Runtime,
    client_rt: Runtime,
    server: Node,
    peer: Peer,
}

fn rt() -> Runtime {
    Runtime::builder().worker_threads(2).build().expect("runtime")
}

/// A server node exporting a counter and the tasks, and a client connected to it.
fn pair_with(window: u32) -> Pair {
    let (server_rt, client_rt) = (rt(), rt());
    let server = Node::builder(&server_rt).window(window).build();
    let counter = server_rt.block_on(Counter::remote_on(&server_rt)).expect("counter");
    server.export("counter", &counter).expect("export");
    server.export_task(add::export()).expect("export add");
    server.export_task(big::export()).expect("export big");
    server.export_task(len::export()).expect("export len");
    let client = Node::new(&client_rt);
    let ((sr, sw), (cr, cw)) = duplex();
    server.accept_link(sr, sw);
    let peer = client_rt.block_on(async { timeout(client.connect_link(cr, cw)).await }).expect("connect");
    Pair { server_rt, client_rt, server, peer }
}

fn pair() -> Pair {
    pair_with(rustyray::node::DEFAULT_WINDOW)
}

async fn timeout<T>(f: impl std::future::Future<Output = Result<T, Error>>) -> Result<T, Error> {
    rustyray::time::timeout(Duration::from_secs(20), f).await?
}

#[test]
fn a_handle_from_a_peer_calls_the_remote_actor_with_the_same_methods() {
    let p = pair();
    p.client_rt.block_on(async {
        let c: rustyray::ActorHandle<Counter> = timeout(p.peer.actor::<Counter>("counter")).await.unwrap();
        assert!(c.actor_ref().is_remote());
        let r: rustyray::ObjectRef<u64> = c.add(5).await.unwrap();
        assert_eq!(r.get().await.unwrap(), 5);
        assert_eq!(c.greet("node".into()).await.unwrap().get().await.unwrap(), "hello node");
        c.add(1).tell().await.unwrap();
        assert_eq!(timeout(async { c.add(0).await?.get().await }).await.unwrap(), 6);
    });
}

#[test]
fn calls_from_one_caller_run_in_order_and_pipeline() {
    let p = pair_with(8); // a small window: most of the 500 calls wait for credit
    p.client_rt.block_on(async {
        let c = timeout(p.peer.actor::<Counter>("counter")).await.unwrap();
        let mut refs = Vec::new();
        for k in 1..=500_u64 {
            refs.push(c.add(k).await.unwrap());
        }
        let mut expected = 0;
        for (k, r) in (1..=500_u64).zip(refs) {
            expected += k;
            assert_eq!(timeout(r.get()).await.unwrap(), expected);
        }
        let log = timeout(async { c.log().await?.get().await }).await.unwrap();
        assert_eq!(log, (1..=500).collect::<Vec<_>>());
    });
}

#[test]
fn lookups_fail_with_typed_errors() {
    let p = pair();
    p.client_rt.block_on(async {
        match timeout(p.peer.actor::<Counter>("nobody")).await {
            Err(Error::ActorNotFound { name }) => assert_eq!(name, "nobody"),
            other => panic!("expected ActorNotFound, got {other:?}"),
        }
        assert!(matches!(timeout(p.peer.actor::<Other>("counter")).await, Err(Error::Remote { .. })));
    });
}

#[test]
fn a_panicking_remote_method_fails_its_call_only() {
    let p = pair();
    p.client_rt.block_on(async {
        let c = timeout(p.peer.actor::<Counter>("counter")).await.unwrap();
        match timeout(async { c.boom().await?.get().await }).await {
            Err(Error::TaskPanicked { message }) => assert!(message.contains("boom"), "{message}"),
            other => panic!("expected TaskPanicked, got {other:?}"),
        }
    });
}

#[test]
fn tasks_run_on_the_peer_and_refs_stay_there() {
    let p = pair();
    p.client_rt.block_on(async {
        let three = timeout(add::remote_at(&p.peer, 1, 2)).await.unwrap();
        let (sent_before, received_before) = p.peer.bytes();
        // A chain of 1,000 dependent tasks, all on the server: each result goes back in by
        // reference, never through this node.
        let mut acc = three.clone();
        for _ in 0..1000 {
            acc = timeout(add::remote_at(&p.peer, acc, 1)).await.unwrap();
        }
        let (sent, received) = p.peer.bytes();
        let per_task_sent = (sent - sent_before) / 1000;
        assert!(per_task_sent < 32, "{per_task_sent} bytes sent per chained task");
        // Nothing but credits came back while the chain was submitted.
        assert!(received - received_before < 1000 * 8, "{} bytes received", received - received_before);
        assert_eq!(timeout(acc.get()).await.unwrap(), 1003);
        assert_eq!(timeout(three.get()).await.unwrap(), 3);
    });
}

#[test]
fn get_on_a_remote_ref_fetches_the_value_once() {
    let p = pair();
    p.client_rt.block_on(async {
        let v = timeout(big::remote_at(&p.peer, 10_000)).await.unwrap();
        // Let it finish on the server before anyone asks.
        rustyray::time::sleep(Duration::from_millis(50)).await;
        let (_, before) = p.peer.bytes();
        assert_eq!(timeout(v.get()).await.unwrap().len(), 10_000);
        assert_eq!(timeout(v.get()).await.unwrap().len(), 10_000);
        let (_, after) = p.peer.bytes();
        assert!(after - before >= 10_000, "the value came over");
        assert!(after - before < 20_000, "{} bytes: fetched more than once", after - before);
        // A local value as an argument goes by value; a peer's ref by reference.
        let n = timeout(len::remote_at(&p.peer, v.clone())).await.unwrap();
        assert_eq!(timeout(n.get()).await.unwrap(), 10_000);
        let local = p.client_rt.store().put(vec![1_u8, 2, 3]);
        let n = timeout(len::remote_at(&p.peer, local)).await.unwrap();
        assert_eq!(timeout(n.get()).await.unwrap(), 3);
    });
}

/// A result too large for one frame fails the `get` that fetches it with a typed error
/// (it never leaves the caller waiting), and the link goes on serving.
#[test]
fn a_result_over_the_frame_limit_fails_its_get_and_the_link_stays_up() {
    let p = pair();
    p.client_rt.block_on(async {
        let too_big = timeout(big::remote_at(&p.peer, rustyray::node::MAX_FRAME as u32 + 1)).await.unwrap();
        match timeout(too_big.get()).await {
            Err(Error::Encode { message }) => assert!(message.contains("MAX_FRAME"), "{message}"),
            other => panic!("expected the framing error, got {other:?}"),
        }
        assert!(p.peer.is_connected());
        let fits = timeout(big::remote_at(&p.peer, 1000)).await.unwrap();
        assert_eq!(timeout(fits.get()).await.unwrap().len(), 1000);
        // (The window's credits came back with the error reply: many more calls fit.)
        for _ in 0..3 * rustyray::node::DEFAULT_WINDOW {
            let r = timeout(add::remote_at(&p.peer, 1, 1)).await.unwrap();
            assert_eq!(timeout(r.get()).await.unwrap(), 2);
        }
    });
}

#[test]
fn objects_held_for_a_peer_are_freed_when_its_last_ref_goes() {
    let p = pair();
    let before = p.server_rt.store().stats().live;
    p.client_rt.block_on(async {
        let refs: Vec<_> = futures_join(&p.peer, 100).await;
        for r in &refs {
            timeout(r.get()).await.unwrap();
        }
        assert!(p.server_rt.store().stats().live >= before + 100);
        drop(refs);
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while p.server_rt.store().stats().live > before {
        assert!(std::time::Instant::now() < deadline, "held objects not released: {:?}", p.server_rt.store().stats());
        std::thread::sleep(Duration::from_millis(5));
    }
}

async fn futures_join(peer: &Peer, n: u64) -> Vec<rustyray::ObjectRef<u64>> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(timeout(add::remote_at(peer, i, 1)).await.unwrap());
    }
    out
}

#[test]
fn a_lost_link_fails_calls_in_flight_and_later_calls_fast() {
    let p = pair();
    p.client_rt.block_on(async {
        let c = timeout(p.peer.actor::<Counter>("counter")).await.unwrap();
        let slow = c.slow(10_000).await.unwrap();
        let task = timeout(add::remote_at(&p.peer, 1, 1)).await.unwrap();
        p.peer.close();
        timeout(async {
            p.peer.closed().await;
            Ok(())
        })
        .await
        .unwrap();
        assert!(matches!(timeout(slow.get()).await, Err(Error::NodeLost { .. })));
        assert!(matches!(timeout(task.get()).await, Err(Error::NodeLost { .. })));
        assert!(matches!(c.add(1).await, Err(Error::NodeLost { .. })));
        assert!(matches!(c.add(1).tell().await, Err(Error::NodeLost { .. })));
        assert_eq!(c.state(), rustyray::actor::ActorState::Stopped);
        assert!(matches!(add::remote_at(&p.peer, 1, 1).await, Err(Error::NodeLost { .. })));
    });
    drop(p.server);
}

#[test]
fn a_server_that_goes_away_fails_its_callers() {
    let p = pair();
    let c = p.client_rt.block_on(timeout(p.peer.actor::<Counter>("counter"))).unwrap();
    let slow = p.client_rt.block_on(c.slow(10_000).into_future()).unwrap();
    drop(p.server);
    let _ = p.server_rt.shutdown_timeout(Duration::from_secs(5));
    p.client_rt.block_on(async {
        assert!(matches!(timeout(slow.get()).await, Err(Error::NodeLost { .. })));
    });
}

/// Connects `client` to `server` over a fresh in-memory link.
fn link(server: &Node, client: &Node, client_rt: &Runtime) -> Peer {
    let ((sr, sw), (cr, cw)) = duplex();
    server.accept_link(sr, sw);
    client_rt.block_on(timeout(client.connect_link(cr, cw))).expect("connect")
}

#[test]
fn handles_cross_a_link_inside_arguments_and_results() {
    let p = pair();
    let hub = p.server_rt.block_on(Hub::remote_on(&p.server_rt)).unwrap();
    p.server.export("hub", &hub).unwrap();
    p.client_rt.block_on(async {
        let hub = timeout(p.peer.actor::<Hub>("hub")).await.unwrap();
        // A counter of this node, lent to the server and called back from there.
        let mine = Counter::remote_on(&p.client_rt).await.unwrap();
        assert_eq!(timeout(async { hub.poke(mine.clone(), 5).await?.get().await }).await.unwrap(), 5);
        assert_eq!(timeout(async { hub.poke(mine.clone(), 2).await?.get().await }).await.unwrap(), 7);
        assert_eq!(timeout(async { mine.add(0).await?.get().await }).await.unwrap(), 7, "the calls ran here");
        assert!(!timeout(async { hub.is_local(mine.clone()).await?.get().await }).await.unwrap());
        // The server's own counter goes back by reference: the server gets its local handle.
        let theirs = timeout(p.peer.actor::<Counter>("counter")).await.unwrap();
        assert!(timeout(async { hub.is_local(theirs.clone()).await?.get().await }).await.unwrap());
        assert_eq!(timeout(async { hub.poke(theirs.clone(), 3).await?.get().await }).await.unwrap(), 3);
        // A handle in a result: a counter made on the server, called from here.
        let made = timeout(async { hub.make().await?.get().await }).await.unwrap().expect("made");
        assert!(made.actor_ref().is_remote());
        assert_eq!(timeout(async { made.add(4).await?.get().await }).await.unwrap(), 4);
        assert_eq!(timeout(async { made.add(4).await?.get().await }).await.unwrap(), 8);
        // Outside a link's call a handle has no wire form.
        assert!(postcard::to_allocvec(&mine).is_err());
    });
}

#[test]
fn a_handle_to_a_third_node_is_forwarded_through_the_node_that_passes_it_on() {
    // far ◀── middle ◀── near: `near` gets a handle to `far`'s counter from `middle`.
    let (far_rt, middle_rt, near_rt) = (rt(), rt(), rt());
    let far = Node::new(&far_rt);
    let counter = far_rt.block_on(Counter::remote_on(&far_rt)).unwrap();
    far.export("counter", &counter).unwrap();
    let middle = Node::new(&middle_rt);
    let to_far = link(&far, &middle, &middle_rt);
    let hub = middle_rt.block_on(Hub::remote_on(&middle_rt)).unwrap();
    middle.export("hub", &hub).unwrap();
    middle_rt.block_on(async {
        let far_counter = timeout(to_far.actor::<Counter>("counter")).await.unwrap();
        hub.keep(far_counter).await.unwrap().get().await.unwrap();
    });
    let near = Node::new(&near_rt);
    let to_middle = link(&middle, &near, &near_rt);
    near_rt.block_on(async {
        let hub = timeout(to_middle.actor::<Hub>("hub")).await.unwrap();
        let relayed = timeout(async { hub.relay().await?.get().await }).await.unwrap().expect("kept");
        // Relayed again: the same lent actor, not a second one.
        let again = timeout(async { hub.relay().await?.get().await }).await.unwrap().expect("kept");
        assert_eq!(again.actor_ref().id(), relayed.actor_ref().id(), "lent once per link");
        for k in 1..=10_u64 {
            let total = timeout(async { relayed.add(k).await?.get().await }).await.unwrap();
            assert_eq!(total, k * (k + 1) / 2);
        }
    });
    let total = far_rt.block_on(async { counter.add(0).await?.get().await }).unwrap();
    assert_eq!(total, 55, "the calls ran on the far node");
}

#[test]
fn refs_cross_a_link_inside_arguments_and_results() {
    let p = pair();
    let vault = p.server_rt.block_on(Vault::remote_on(&p.server_rt)).unwrap();
    p.server.export("vault", &vault).unwrap();
    let live_before = p.client_rt.store().stats().live;
    p.client_rt.block_on(async {
        let vault = timeout(p.peer.actor::<Vault>("vault")).await.unwrap();
        // A local object, lent: the server fetches its value from here on first read.
        let local = p.client_rt.store().put(vec![1_u8; 10_000]);
        let (sent_before, _) = p.peer.bytes();
        assert_eq!(timeout(async { vault.measure(local.clone()).await?.get().await }).await.unwrap(), 10_000);
        let (sent, _) = p.peer.bytes();
        assert!(sent - sent_before >= 10_000, "the value went over when the server read it");
        // A proxy of the server's own object goes by key: the value does not move.
        let theirs = timeout(big::remote_at(&p.peer, 20_000)).await.unwrap();
        let (sent_before, received_before) = p.peer.bytes();
        assert_eq!(timeout(async { vault.measure(theirs.clone()).await?.get().await }).await.unwrap(), 20_000);
        let (sent, received) = p.peer.bytes();
        assert!(sent - sent_before < 200 && received - received_before < 200, "the value stayed on the server");
        // Kept there and given back: the very same local object.
        timeout(async { vault.keep(local.clone()).await?.get().await }).await.unwrap();
        let given = timeout(async { vault.give().await?.get().await }).await.unwrap().expect("kept");
        assert!(given == local, "the ref came back as the original object");
        drop(given);
        // Outside a link's call a ref is its local id (the store's export form).
        assert_eq!(postcard::to_allocvec(&local).unwrap(), postcard::to_allocvec(&local.id()).unwrap());
        timeout(async { vault.forget().await?.get().await }).await.unwrap();
        drop((local, theirs));
    });
    // Every lent object is released once the server's proxies are gone.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while p.client_rt.store().stats().live > live_before {
        assert!(std::time::Instant::now() < deadline, "lent objects not released: {:?}", p.client_rt.store().stats());
        std::thread::sleep(Duration::from_millis(5));
    }
}
