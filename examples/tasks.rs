//! The design review's remote-task examples: `cargo run --release --example tasks`.
//!
//! `add` and `heavy_compute` as written in the review, a chain of dependent tasks (each
//! takes the previous task's `ObjectRef` where a value is expected), a map-reduce fan-out /
//! fan-in, a typed user error, and the object store (`put`, `get`, `wait`).

use std::time::{Duration, Instant};

#[rustyray::remote]
async fn add(x: i32, y: i32) -> i32 {
    x + y
}

#[rustyray::remote(num_cpus = 2.0)]
async fn heavy_compute(data: Vec<f64>) -> f64 {
    data.iter().sum()
}

#[rustyray::remote]
fn generate_data() -> Vec<i32> {
    (1..=100).collect()
}

#[rustyray::remote]
fn process_data(data: Vec<i32>) -> i64 {
    data.iter().map(|&x| i64::from(x) * i64::from(x)).sum()
}

// The same capabilities without a proc-macro (this form also works in `no_std` builds).
rustyray::dsl::task! {
    /// Map: the word count of one chunk of text.
    fn count_words(chunk: String) -> usize {
        chunk.split_whitespace().count()
    }

    /// Reduce: the sum of two partial counts (each may still be a pending ref).
    fn sum(a: usize, b: usize) -> usize { a + b }

    /// A user error type travels back typed, not as a string.
    fn parse(text: String) -> Result<i32, std::num::ParseIntError> { text.trim().parse() }
}

#[rustyray::main]
async fn main() -> Result<(), rustyray::Error> {
    // The review's examples.
    let r = add::remote(1, 2).await?; // ObjectRef<i32>, returned once submitted
    println!("add(1, 2) = {}", r.get().await?);
    assert_eq!(r.get().await?, 3);
    let h = heavy_compute::remote(vec![0.5; 8]).await?;
    println!("heavy_compute(8 × 0.5) = {} (admitted with 2 of the runtime's CPUs)", h.get().await?);
    let d = generate_data::remote().await?; // ObjectRef<Vec<i32>>
    let s = process_data::remote(d).await?; // a ref where a value is expected
    println!("sum of squares 1..=100 = {}", s.get().await?);
    assert_eq!(s.get().await?, 338_350);

    // A chain of 1,000 dependent tasks: each waits for the previous one's object (woken by
    // it, never polling); intermediate objects are freed as soon as their consumer took them.
    let t = Instant::now();
    let mut r = add::remote(0, 1).await?;
    for _ in 1..1_000 {
        r = add::remote(r, 1).await?;
    }
    let v = r.get().await?;
    println!("a chain of 1,000 dependent tasks = {v} in {:?}", t.elapsed());
    assert_eq!(v, 1_000);

    // Map-reduce: fan out one task per chunk, fan in with a tree of `sum` tasks. Nothing
    // waits until the final `get`: every edge is a ref.
    let text = "the quick brown fox jumps over the lazy dog ".repeat(64);
    let t = Instant::now();
    let mut level = Vec::new();
    for chunk in text.as_bytes().chunks(100) {
        let chunk = String::from_utf8_lossy(chunk).into_owned();
        level.push(count_words::remote(chunk).await?);
    }
    let chunks = level.len();
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut pairs = level.into_iter();
        while let Some(a) = pairs.next() {
            next.push(match pairs.next() {
                Some(b) => sum::remote(a, b).await?,
                None => a,
            });
        }
        level = next;
    }
    let words = level.pop().expect("one root").get().await?;
    println!("map-reduce over {chunks} chunks: {words} words in {:?}", t.elapsed());
    // Chunks cut words in two, so the count is at least the real one.
    assert!(words >= 9 * 64);

    // A typed user error: `get` returns the `Result` the function returned.
    let bad = parse::remote("forty-two".to_string()).await?.get().await?;
    println!("parse(\"forty-two\") = {bad:?}");
    assert!(bad.is_err());

    // The object store: put, get, wait.
    let big = rustyray::put(vec![1_u8; 1 << 20])?;
    let shared = big.get_shared().await?; // the stored Arc, no copy
    println!("put 1 MiB; get_shared sees {} bytes without a copy", shared.len());
    let refs: Vec<_> = [10, 20, 30].into_iter().map(|x| add::remote(x, 1)).collect();
    let mut submitted = Vec::new();
    for r in refs {
        submitted.push(r.await?);
    }
    let (ready, pending) = rustyray::wait(&submitted, 3, Some(Duration::from_secs(5))).await;
    println!("wait: {} ready, {} pending", ready.len(), pending.len());
    assert_eq!(ready.len(), 3);
    Ok(())
}
