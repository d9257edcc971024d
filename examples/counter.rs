//! The design review's actor example: `cargo run --release --example counter`.

#[rustyray::actor]
pub struct Counter {
    value: i32,
}

#[rustyray::actor_methods]
impl Counter {
    pub fn new() -> Self {
        Counter { value: 0 }
    }

    pub async fn increment(&mut self) -> i32 {
        self.value += 1;
        self.value
    }

    pub fn get(&self) -> i32 {
        self.value
    }
}

#[rustyray::main]
async fn main() -> Result<(), rustyray::Error> {
    let counter: CounterHandle = Counter::remote().await?; // a typed CounterHandle
    let r = counter.increment().await?; // ObjectRef<i32>, returned once the call is queued
    assert_eq!(r.get().await?, 1);

    // The review's chained form.
    let new_count = counter.increment().await?.get().await?;
    println!("Count: {new_count}");

    // Pipelining: many calls in flight, then read the last result.
    let mut last = None;
    for _ in 0..1_000 {
        last = Some(counter.increment().await?);
    }
    println!("after 1,000 pipelined calls: {}", last.expect("1,000 calls").get().await?);

    // Fire-and-forget: no result slot at all.
    for _ in 0..1_000 {
        counter.increment().tell().await?;
    }
    println!("after 1,000 tells: {}", counter.get().await?.get().await?);

    // The handle is Clone + Send + Sync: pass it into tasks.
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let c = counter.clone();
            rustyray::spawn(async move {
                for _ in 0..250 {
                    c.increment().tell().await?;
                }
                Ok::<_, rustyray::Error>(())
            })
        })
        .collect();
    for t in tasks {
        t.await??;
    }
    println!("after 4 tasks × 250 tells: {}", counter.get().await?.get().await?);
    Ok(())
}
