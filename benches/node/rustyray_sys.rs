//! rustyray: a counter actor exported by a node, called through its typed handle.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rustyray::node::net::{connect, Listener};
use rustyray::node::Node;
use rustyray::Runtime;

use crate::{cpu_time, Check, ClientResult, IN_FLIGHT};

rustyray::dsl::actor! {
    pub struct Counter { n: u64 }
    #[export]
    impl Counter {
        pub fn new() -> Self { Counter { n: 0 } }
        pub fn add(&mut self, k: u64) -> u64 { self.n += k; self.n }
    }
}

fn runtime() -> Result<Runtime, String> {
    Runtime::builder().worker_threads(2).build().map_err(|e| e.to_string())
}

pub fn serve(addr: &str, listening: impl Fn(&str)) -> Result<(), String> {
    let rt = runtime()?;
    let node = Node::new(&rt);
    let counter = rt.block_on(Counter::remote_on(&rt)).map_err(|e| e.to_string())?;
    node.export("counter", &counter).map_err(|e| e.to_string())?;
    let listener = Listener::bind(&node, addr).map_err(|e| e.to_string())?;
    listening(&listener.local_addr());
    rt.block_on(async {
        let peer = listener.accept().await.map_err(|e| e.to_string())?;
        // Serve until the client closes the link.
        while peer.is_connected() {
            rustyray::time::sleep(Duration::from_millis(2)).await;
        }
        Ok(())
    })
}

pub fn client(addr: &str, pipelined: bool, n: u64) -> Result<ClientResult, String> {
    let rt = runtime()?;
    let node = Node::new(&rt);
    rt.block_on(async {
        let peer = connect(&node, addr).await.map_err(|e| e.to_string())?;
        let c = peer.actor::<Counter>("counter").await.map_err(|e| e.to_string())?;
        let mut check = Check::new(n);
        let (cpu0, t0) = (cpu_time(), Instant::now());
        if pipelined {
            let mut inflight = VecDeque::with_capacity(IN_FLIGHT);
            for _ in 0..n {
                if inflight.len() == IN_FLIGHT {
                    let r: rustyray::ObjectRef<u64> = inflight.pop_front().ok_or("empty")?;
                    check.sequential(r.get().await.map_err(|e| e.to_string())?)?;
                }
                inflight.push_back(c.add(1).await.map_err(|e| e.to_string())?);
            }
            for r in inflight {
                check.sequential(r.get().await.map_err(|e| e.to_string())?)?;
            }
        } else {
            for _ in 0..n {
                let v = c.add(1).await.map_err(|e| e.to_string())?.get().await.map_err(|e| e.to_string())?;
                check.sequential(v)?;
            }
        }
        let (wall, cpu) = (t0.elapsed(), cpu_time() - cpu0);
        check.finish()?;
        peer.close();
        Ok(ClientResult { wall, cpu })
    })
}
