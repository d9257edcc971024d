//! Two processes, one program: a node serving a counter actor and a remote function over a
//! Unix socket (or loopback TCP), and a node calling them with the same typed handles.
//!
//! ```text
//! cargo run --release --example node              # runs both: serves, and connects from a child process
//! cargo run --release --example node -- --serve unix:/tmp/rr.sock
//! cargo run --release --example node -- --connect unix:/tmp/rr.sock
//! ```

use std::time::{Duration, Instant};

use rustyray::node::net::{connect, Listener};
use rustyray::node::Node;

#[rustyray::actor]
pub struct Counter {
    value: u64,
}

#[rustyray::actor_methods(export)]
impl Counter {
    pub fn new() -> Self {
        Counter { value: 0 }
    }

    pub fn increment(&mut self) -> u64 {
        self.value += 1;
        self.value
    }

    pub fn add(&mut self, k: u64) -> u64 {
        self.value += k;
        self.value
    }
}

/// Runs on the serving node.
#[rustyray::remote(export)]
fn add(x: i64, y: i64) -> i64 {
    x + y
}

fn serve(addr: &str) -> Result<(), rustyray::Error> {
    let rt = rustyray::Runtime::builder().worker_threads(2).build()?;
    let node = Node::new(&rt);
    node.export("counter", &rt.block_on(Counter::remote_on(&rt))?)?;
    node.export_task(add::export())?;
    let listener = Listener::bind(&node, addr)?;
    println!("serving on {}", listener.local_addr());
    rt.block_on(async {
        // One peer; serve until it goes.
        let peer = listener.accept().await?;
        while peer.is_connected() {
            rustyray::time::sleep(Duration::from_millis(20)).await;
        }
        println!("peer gone, server exits");
        Ok(())
    })
}

fn client(addr: &str) -> Result<(), rustyray::Error> {
    let rt = rustyray::Runtime::builder().worker_threads(2).build()?;
    let node = Node::new(&rt);
    rt.block_on(async {
        // The server may still be starting: retry for up to 5 s.
        let mut tries = 0;
        let peer = loop {
            match connect(&node, addr).await {
                Ok(peer) => break peer,
                Err(e) if tries >= 50 => return Err(e),
                Err(_) => {
                    tries += 1;
                    rustyray::time::sleep(Duration::from_millis(100)).await;
                }
            }
        };
        let c: CounterHandle = peer.actor::<Counter>("counter").await?;
        assert_eq!(c.increment().await?.get().await?, 1);
        let r = add::remote_at(&peer, 1, 2).await?; // runs on the server
        let r = add::remote_at(&peer, r, 39).await?; // the first result stays there
        println!("add on the peer: {}", r.get().await?);

        let n = 2_000;
        let t = Instant::now();
        for _ in 0..n {
            c.add(1).await?.get().await?;
        }
        let seq = n as f64 / t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut refs = Vec::with_capacity(20_000);
        for _ in 0..20_000 {
            refs.push(c.add(1).await?);
        }
        let last = refs.pop().expect("20,000 calls").get().await?;
        let pipelined = 20_000.0 / t.elapsed().as_secs_f64();
        println!("counter at {last}: {seq:.0} sequential round trips/s, {pipelined:.0} pipelined calls/s");
        peer.close();
        Ok(())
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--serve") => serve(args.get(2).map_or("unix:/tmp/rustyray-node.sock", String::as_str))?,
        Some("--connect") => client(args.get(2).map_or("unix:/tmp/rustyray-node.sock", String::as_str))?,
        _ => {
            // Both: serve here, connect from a child process of this same program.
            let path = std::env::temp_dir().join(format!("rustyray-node-{}.sock", std::process::id()));
            let addr = format!("unix:{}", path.display());
            let mut child = std::process::Command::new(std::env::current_exe()?).args(["--connect", &addr]).spawn()?;
            let server = std::thread::spawn({
                let addr = addr.clone();
                move || serve(&addr)
            });
            let status = child.wait()?;
            server.join().map_err(|_| "the server thread panicked")??;
            if !status.success() {
                return Err("the client process failed".into());
            }
        }
    }
    Ok(())
}
