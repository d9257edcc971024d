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
