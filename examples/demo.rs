//! The rustyray tour: `cargo run --release --example demo`.
//!
//! A short tour of everything: the executor (spawning, nested spawns, timers, panic
//! isolation), an actor with pipelined calls, remote tasks chained through object refs,
//! and the object store. `examples/counter.rs`, `examples/tasks.rs` and
//! `examples/supervision.rs` go deeper into each.

use std::time::{Duration, Instant};

#[rustyray::actor]
pub struct Counter {
    value: u64,
}

#[rustyray::actor_methods]
impl Counter {
    pub fn new(start: u64) -> Self {
        Counter { value: start }
    }

    pub fn add(&mut self, n: u64) -> u64 {
        self.value += n;
        self.value
    }
}

#[rustyray::remote]
async fn square(x: u64) -> u64 {
    x * x
}

#[rustyray::remote]
fn total(a: u64, b: u64) -> u64 {
    a + b
}

#[rustyray::main]
async fn main() -> Result<(), rustyray::Error> {
    // 1. Fan-out / fan-in of 100,000 tasks.
    let t = Instant::now();
    let handles: Vec<_> = (0..100_000u64).map(|i| rustyray::spawn(async move { i * 2 })).collect();
    let mut sum = 0;
    for h in handles {
        sum += h.await?;
    }
    assert_eq!(sum, 100_000 * 99_999);
    println!("spawned and joined 100,000 tasks in {:?} (sum {sum})", t.elapsed());

    // 2. Tasks spawning tasks, 1,000 deep.
    fn chain(depth: u32) -> rustyray::JoinHandle<u32> {
        rustyray::spawn(async move {
            if depth == 0 {
                0
            } else {
                chain(depth - 1).await.expect("inner task") + 1
            }
        })
    }
    let t = Instant::now();
    println!("a chain of {} nested spawns in {:?}", chain(1_000).await?, t.elapsed());

    // 3. Timers: a timeout around something that never finishes.
    let t = Instant::now();
    let r = rustyray::time::timeout(Duration::from_millis(20), std::future::pending::<()>()).await;
    println!("timeout after {:?}: {r:?}", t.elapsed());

    // 4. A panicking task is an error value; the runtime carries on.
    std::panic::set_hook(Box::new(|_| {}));
    let r = rustyray::spawn(async { panic!("something went wrong") }).await;
    let _ = std::panic::take_hook();
    println!("a panicking task: {r:?}");
    println!("and the runtime still works: {}", rustyray::spawn(async { 6 * 7 }).await?);

    // 5. An actor: 100,000 pipelined calls (each returns an ObjectRef once queued), then one read.
    let counter = Counter::remote(0).await?;
    let t = Instant::now();
    let mut last = None;
    for _ in 0..100_000 {
        last = Some(counter.add(1).await?);
    }
    let v = last.expect("calls").get().await?;
    assert_eq!(v, 100_000);
    println!("100,000 pipelined actor calls in {:?} (value {v})", t.elapsed());

    // 6. Remote tasks and refs: sum of squares 1..=1000, every edge an ObjectRef.
    let t = Instant::now();
    let mut acc = rustyray::put(0_u64)?;
    for x in 1..=1_000 {
        let sq = square::remote(x).await?;
        acc = total::remote(acc, sq).await?;
    }
    let v = acc.get().await?;
    assert_eq!(v, (1..=1_000u64).map(|x| x * x).sum::<u64>());
    println!("2,000 dependent remote tasks in {:?} (sum of squares {v})", t.elapsed());
    Ok(())
}
