//! Two processes over a Unix socket and over loopback TCP: this test binary re-runs itself
//! as the serving process (`RUSTYRAY_NODE_SERVE=<addr>`), every wait bounded, the child
//! killed and the socket file removed at the end.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rustyray::node::net::{connect, Listener};
use rustyray::node::Node;
use rustyray::{Error, Runtime};

#[rustyray::actor]
pub struct Counter {
    value: u64,
}

#[rustyray::actor_methods(export)]
impl Counter {
    pub fn new() -> Self {
        Counter { value: 0 }
    }
    pub fn add(&mut self, k: u64) -> u64 {
        self.value += k;
        self.value
    }
}

#[rustyray::remote(export)]
fn mul(x: u64, y: u64) -> u64 {
    x * y
}

/// The serving process: exports, listens, prints its address, serves one peer.
#[test]
fn serve_process() {
    let Ok(addr) = std::env::var("RUSTYRAY_NODE_SERVE") else { return };
    let rt = Runtime::builder().worker_threads(2).build().unwrap();
    let node = Node::new(&rt);
    node.export("counter", &rt.block_on(Counter::remote_on(&rt)).unwrap()).unwrap();
    node.export_task(mul::export()).unwrap();
    let listener = Listener::bind(&node, &addr).unwrap();
    println!("LISTENING {}", listener.local_addr());
    rt.block_on(async {
        let peer = rustyray::time::timeout(Duration::from_secs(30), listener.accept()).await.unwrap().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while peer.is_connected() && std::time::Instant::now() < deadline {
            rustyray::time::sleep(Duration::from_millis(10)).await;
        }
    });
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the serving process; returns it and the address it listens on.
fn start(addr: &str) -> (Server, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "serve_process", "--nocapture", "--test-threads=1"])
        .env("RUSTYRAY_NODE_SERVE", addr)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            // libtest may print "test serve_process ... " on the same line first.
            if let Some(at) = line.find("LISTENING ") {
                let _ = tx.send(line[at + "LISTENING ".len()..].trim().to_string());
            }
        }
    });
    let server = Server(child);
    let listening = rx.recv_timeout(Duration::from_secs(30)).expect("the server process listens within 30 s");
    (server, listening)
}

fn exercise(addr: &str) {
    let (server, listening) = start(addr);
    let rt = Runtime::builder().worker_threads(2).build().unwrap();
    let node = Node::new(&rt);
    rt.block_on(async {
        let peer = connect(&node, &listening).await.unwrap();
        let c: CounterHandle = peer.actor::<Counter>("counter").await.unwrap();
        let mut refs = Vec::new();
        for k in 1..=1000_u64 {
            refs.push(c.add(k).await.unwrap());
        }
        let mut expected = 0;
        for (k, r) in (1..=1000_u64).zip(refs) {
            expected += k;
            assert_eq!(rustyray::time::timeout(Duration::from_secs(20), r.get()).await.unwrap().unwrap(), expected);
        }
        let six = mul::remote_at(&peer, 2, 3).await.unwrap();
        let sixty = mul::remote_at(&peer, six, 10).await.unwrap();
        assert_eq!(rustyray::time::timeout(Duration::from_secs(20), sixty.get()).await.unwrap().unwrap(), 60);
        // The server process dies: calls fail with NodeLost, never hang.
        drop(server);
        let r = rustyray::time::timeout(Duration::from_secs(20), async { c.add(1).await?.get().await }).await.unwrap();
        assert!(matches!(r, Err(Error::NodeLost { .. })), "{r:?}");
    });
}

#[test]
fn two_processes_over_a_unix_socket() {
    let path = std::env::temp_dir().join(format!("rustyray-test-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    exercise(&format!("unix:{}", path.display()));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn two_processes_over_loopback_tcp() {
    exercise("tcp:127.0.0.1:0");
}

#[test]
fn listening_beyond_loopback_is_refused() {
    let rt = Runtime::builder().worker_threads(1).build().unwrap();
    let node = Node::new(&rt);
    assert!(matches!(Listener::bind(&node, "tcp:0.0.0.0:0"), Err(Error::InvalidConfig { .. })));
    assert!(matches!(Listener::bind(&node, "udp:1"), Err(Error::InvalidConfig { .. })));
}

/// A listener with a pre-shared key serves a peer that knows it and closes every other one
/// before a frame is read, then goes on accepting.
#[test]
fn a_pre_shared_key_admits_only_peers_that_know_it() {
    use rustyray::node::net::{connect_psk, Psk};

    assert!(matches!(Psk::new(b"short"), Err(Error::InvalidConfig { .. })));
    let key = Psk::new(b"0123456789abcdef0123456789abcdef").unwrap();
    let other = Psk::new(b"fedcba9876543210fedcba9876543210").unwrap();

    let server_rt = Runtime::builder().worker_threads(1).build().unwrap();
    let server = Node::new(&server_rt);
    server.export("counter", &server_rt.block_on(Counter::remote_on(&server_rt)).unwrap()).unwrap();
    let listener = Listener::bind_psk(&server, "tcp:127.0.0.1:0", key.clone()).unwrap();
    let addr = listener.local_addr();
    let tcp_addr = addr.strip_prefix("tcp:").unwrap().to_string();
    // Accepts five peers, reporting which were admitted, and serves them until the client
    // is done; every wait bounded.
    let (done, until_done) = std::sync::mpsc::channel::<()>();
    let accepting = std::thread::spawn(move || {
        server_rt.block_on(async {
            let mut admitted = Vec::new();
            let mut peers = Vec::new();
            for _ in 0..5 {
                match rustyray::time::timeout(Duration::from_secs(30), listener.accept()).await.unwrap() {
                    Ok(peer) => {
                        admitted.push(true);
                        peers.push(peer);
                    }
                    Err(Error::NodeLost { reason }) => {
                        assert!(reason.contains("authentication failed"), "{reason}");
                        admitted.push(false);
                    }
                    Err(e) => panic!("{e:?}"),
                }
            }
            let _ = until_done.recv_timeout(Duration::from_secs(30));
            drop(peers);
            admitted
        })
    });

    let rt = Runtime::builder().worker_threads(1).build().unwrap();
    let node = Node::new(&rt);
    fn within<F: std::future::Future>(f: F) -> impl std::future::Future<Output = Result<F::Output, Error>> {
        rustyray::time::timeout(Duration::from_secs(30), f)
    }
    rt.block_on(async {
        // 1: the right key.
        let peer = within(connect_psk(&node, &addr, &key)).await.unwrap().unwrap();
        let c: CounterHandle = peer.actor::<Counter>("counter").await.unwrap();
        assert_eq!(c.add(2).await.unwrap().get().await.unwrap(), 2);
        // 2: another key.
        match within(connect_psk(&node, &addr, &other)).await.unwrap() {
            Err(Error::NodeLost { reason }) => assert!(reason.contains("authentication failed"), "{reason}"),
            r => panic!("a wrong key was admitted: {r:?}"),
        }
        // 3: no key at all (a plain node Hello): refused at once, not after a timeout.
        let started = std::time::Instant::now();
        assert!(matches!(within(connect(&node, &addr)).await.unwrap(), Err(Error::NodeLost { .. })));
        assert!(started.elapsed() < rustyray::node::net::HANDSHAKE_TIMEOUT, "refused only by the timeout");
        // 4: the right magic, then a nonce and a tag of garbage.
        let mut raw = std::net::TcpStream::connect(&tcp_addr).unwrap();
        raw.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        use std::io::{Read, Write};
        raw.write_all(b"RRAUTH01").unwrap();
        raw.write_all(&[7_u8; 64]).unwrap();
        let mut sink = Vec::new();
        let _ = raw.read_to_end(&mut sink); // the listener closes it
        assert!(sink.len() <= 72, "the listener sent {} bytes to a peer that failed", sink.len());
        // 5: the right key again, after all that.
        let peer = within(connect_psk(&node, &addr, &key)).await.unwrap().unwrap();
        let c: CounterHandle = peer.actor::<Counter>("counter").await.unwrap();
        assert_eq!(c.add(3).await.unwrap().get().await.unwrap(), 5);
    });
    done.send(()).unwrap();
    assert_eq!(accepting.join().unwrap(), [true, false, false, false, true]);
}

/// `Peer::close` on one side ends the link on the other at once (the socket is shut down,
/// not only forgotten), for both socket kinds: the other side's `closed()` returns and its
/// calls fail with `NodeLost`.
#[test]
fn closing_a_peer_ends_the_link_on_the_other_side() {
    let unix = std::env::temp_dir().join(format!("rr-close-{}.sock", std::process::id()));
    for addr in [format!("unix:{}", unix.display()), "tcp:127.0.0.1:0".to_string()] {
        let server_rt = Runtime::builder().worker_threads(1).build().unwrap();
        let server = Node::new(&server_rt);
        server.export("counter", &server_rt.block_on(Counter::remote_on(&server_rt)).unwrap()).unwrap();
        let listener = Listener::bind(&server, &addr).unwrap();
        let addr = listener.local_addr();
        let (called, until_called) = std::sync::mpsc::channel::<()>();
        let accepting = std::thread::spawn(move || {
            let peer = server_rt
                .block_on(rustyray::time::timeout(Duration::from_secs(30), listener.accept()))
                .unwrap()
                .unwrap();
            // The server closes its side once the client's first call came back.
            until_called.recv_timeout(Duration::from_secs(30)).unwrap();
            peer.close();
            server_rt
        });
        let rt = Runtime::builder().worker_threads(1).build().unwrap();
        let node = Node::new(&rt);
        rt.block_on(async {
            let peer = rustyray::time::timeout(Duration::from_secs(30), connect(&node, &addr)).await.unwrap().unwrap();
            let c: CounterHandle = peer.actor::<Counter>("counter").await.unwrap();
            assert_eq!(c.add(1).await.unwrap().get().await.unwrap(), 1);
            called.send(()).unwrap();
            // Bounded well below any keep-alive: only the shut-down socket can end it.
            let ended = rustyray::time::timeout(Duration::from_secs(10), peer.closed()).await;
            assert!(ended.is_ok(), "the other side's close never reached this side");
            assert!(!peer.is_connected());
            let after = async { c.add(1).await?.get().await }.await;
            assert!(matches!(after, Err(Error::NodeLost { .. })), "{after:?}");
        });
        drop(accepting.join().unwrap());
        if let Some(path) = addr.strip_prefix("unix:") {
            let _ = std::fs::remove_file(path);
        }
    }
}
