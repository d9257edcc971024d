//! The rustyray tour: `cargo run --release --example demo`.
//!
//! Shows the runtime core: spawning from the driver and from tasks, a request/reply
//! ping-pong through channels that stays on one thread, timers, and panic isolation.

use std::time::{Duration, Instant};

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
    Ok(())
}
