//! Ray's own microbenchmark shapes (`ray microbenchmark`, see `docs/anchors.md` §2) on
//! rustyray, with a hand-written tokio equivalent in the same group where one exists.
//!
//! Run with:
//!
//! ```text
//! cargo bench --bench ray_shapes -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Every function runs on a runtime with 2 worker threads; the bench thread is the driver
//! (it submits and waits inside `block_on`, as a Ray driver script does). Ray itself cannot
//! run inside criterion; its figures on this machine are in the README next to ours.
//!
//! | group | one iteration | element |
//! |---|---|---|
//! | `tasks_sync` | 1,000 × (submit a trivial task, `get` its result) | a task |
//! | `tasks_async` | submit 10,000 trivial tasks, then `get` every result | a task |
//! | `actor_calls_sync` | 1,000 × (call an actor method, `get` the result) | a call |
//! | `actor_calls_async` | 10,000 calls in flight, then `get` every result | a call |
//! | `put_small` | 10,000 × `put` of an `i64` (refs kept, then all dropped: freed) | a put |
//! | `get_small` | 10,000 × `get` of one small stored object | a get |
//! | `put_100mib` | `put` of a 100 MiB buffer: moved (zero copy), or copied from a borrowed buffer | a byte |
//! | `chain_1000` | 1,000 tasks, each taking the previous task's result ref | a task |
//! | `wait_1000` | submit 1,000 tasks, `wait` until all 1,000 refs are ready | a ref |
//!
//! The tokio baselines do the same work with the primitives a tokio user would write by
//! hand: `tokio::spawn` + `JoinHandle` for a task, an mpsc mailbox + oneshot reply for an
//! actor call, each chain link a task awaiting the previous link's `JoinHandle`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use rustyray::{Error, Runtime};
use tokio::sync::{mpsc, oneshot};

const WORKERS: usize = 2;
const SYNC_N: usize = 1_000;
const ASYNC_N: usize = 10_000;
const SMALL_N: usize = 10_000;
const CHAIN: usize = 1_000;
const WAIT_N: usize = 1_000;
const BIG: usize = 100 << 20;

rustyray::dsl::task! {
    fn trivial(x: i64) -> i64 { x + 1 }
}

#[rustyray::actor]
pub struct Counter {
    value: i64,
}

#[rustyray::actor_methods]
impl Counter {
    pub fn new() -> Self {
        Counter { value: 0 }
    }

    pub fn increment(&mut self) -> i64 {
        self.value += 1;
        self.value
    }
}

type Measurement = criterion::measurement::WallTime;

fn rustyray_rt() -> Runtime {
    Runtime::builder().worker_threads(WORKERS).build().expect("a rustyray runtime")
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(WORKERS).build().expect("a tokio runtime")
}

/// A hand-written tokio actor: a counter behind an unbounded mailbox, replies by oneshot.
fn tokio_counter() -> mpsc::UnboundedSender<oneshot::Sender<i64>> {
    let (tx, mut rx) = mpsc::unbounded_channel::<oneshot::Sender<i64>>();
    tokio::spawn(async move {
        let mut value = 0;
        while let Some(reply) = rx.recv().await {
            value += 1;
            let _ = reply.send(value);
        }
    });
    tx
}

fn group<'a>(c: &'a mut Criterion, name: &str, elements: u64) -> BenchmarkGroup<'a, Measurement> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(elements));
    g
}

fn tasks(c: &mut Criterion) {
    let rr = rustyray_rt();
    let tk = tokio_rt();

    let mut g = group(c, "tasks_sync", SYNC_N as u64);
    g.bench_function("rustyray", |b| {
        b.iter(|| {
            rr.block_on(async {
                let mut sum = 0;
                for i in 0..SYNC_N as i64 {
                    sum += trivial::remote(i).await?.get().await?;
                }
                assert_eq!(sum, (1..=SYNC_N as i64).sum::<i64>());
                Ok::<_, Error>(())
            })
            .expect("tasks_sync");
        });
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                let mut sum = 0;
                for i in 0..SYNC_N as i64 {
                    sum += tokio::spawn(async move { black_box(i) + 1 }).await.expect("join");
                }
                assert_eq!(sum, (1..=SYNC_N as i64).sum::<i64>());
            });
        });
    });
    g.finish();

    let mut g = group(c, "tasks_async", ASYNC_N as u64);
    g.bench_function("rustyray", |b| {
        b.iter(|| {
            rr.block_on(async {
                let mut refs = Vec::with_capacity(ASYNC_N);
                for i in 0..ASYNC_N as i64 {
                    refs.push(trivial::remote(i).await?);
                }
                let mut sum = 0;
                for r in &refs {
                    sum += r.get().await?;
                }
                assert_eq!(sum, (1..=ASYNC_N as i64).sum::<i64>());
                Ok::<_, Error>(())
            })
            .expect("tasks_async");
        });
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                let handles: Vec<_> =
                    (0..ASYNC_N as i64).map(|i| tokio::spawn(async move { black_box(i) + 1 })).collect();
                let mut sum = 0;
                for h in handles {
                    sum += h.await.expect("join");
                }
                assert_eq!(sum, (1..=ASYNC_N as i64).sum::<i64>());
            });
        });
    });
    g.finish();

    let mut g = group(c, "chain_1000", CHAIN as u64);
    g.bench_function("rustyray", |b| {
        b.iter(|| {
            rr.block_on(async {
                let mut r = trivial::remote(0).await?;
                for _ in 1..CHAIN {
                    r = trivial::remote(r).await?;
                }
                assert_eq!(r.get().await?, CHAIN as i64);
                Ok::<_, Error>(())
            })
            .expect("chain_1000");
        });
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                let mut prev = tokio::spawn(async { 1_i64 });
                for _ in 1..CHAIN {
                    prev = tokio::spawn(async move { prev.await.expect("join") + 1 });
                }
                assert_eq!(prev.await.expect("join"), CHAIN as i64);
            });
        });
    });
    g.finish();

    let mut g = group(c, "wait_1000", WAIT_N as u64);
    g.bench_function("rustyray", |b| {
        b.iter(|| {
            rr.block_on(async {
                let mut refs = Vec::with_capacity(WAIT_N);
                for i in 0..WAIT_N as i64 {
                    refs.push(trivial::remote(i).await?);
                }
                let (ready, pending) = rustyray::wait(&refs, WAIT_N, None).await;
                assert_eq!((ready.len(), pending.len()), (WAIT_N, 0));
                Ok::<_, Error>(())
            })
            .expect("wait_1000");
        });
    });
    g.finish();
}

fn actor_calls(c: &mut Criterion) {
    let rr = rustyray_rt();
    let tk = tokio_rt();
    let counter = rr.block_on(Counter::remote()).expect("an actor");
    let tokio_actor = tk.block_on(async { tokio_counter() });

    let mut g = group(c, "actor_calls_sync", SYNC_N as u64);
    g.bench_function("rustyray", |b| {
        b.iter(|| {
            rr.block_on(async {
                let mut last = 0;
                for _ in 0..SYNC_N {
                    let v = counter.increment().await?.get().await?;
                    assert!(v > last);
                    last = v;
                }
                Ok::<_, Error>(())
            })
            .expect("actor_calls_sync");
        });
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                let mut last = 0;
                for _ in 0..SYNC_N {
                    let (tx, rx) = oneshot::channel();
                    tokio_actor.send(tx).expect("running");
                    let v = rx.await.expect("reply");
                    assert!(v > last);
                    last = v;
                }
            });
        });
    });
    g.finish();

    let mut g = group(c, "actor_calls_async", ASYNC_N as u64);
    g.bench_function("rustyray", |b| {
        b.iter(|| {
            rr.block_on(async {
                let mut refs = Vec::with_capacity(ASYNC_N);
                for _ in 0..ASYNC_N {
                    refs.push(counter.increment().await?);
                }
                let first = refs[0].get().await?;
                for (i, r) in refs.iter().enumerate() {
                    assert_eq!(r.get().await?, first + i as i64, "per-caller FIFO");
                }
                Ok::<_, Error>(())
            })
            .expect("actor_calls_async");
        });
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                let replies: Vec<_> = (0..ASYNC_N)
                    .map(|_| {
                        let (tx, rx) = oneshot::channel();
                        tokio_actor.send(tx).expect("running");
                        rx
                    })
                    .collect();
                let mut first = None;
                for (i, rx) in replies.into_iter().enumerate() {
                    let v = rx.await.expect("reply");
                    let f = *first.get_or_insert(v);
                    assert_eq!(v, f + i as i64, "per-caller FIFO");
                }
            });
        });
    });
    g.finish();
}

fn objects(c: &mut Criterion) {
    let rr = rustyray_rt();
    let store = rr.store();

    let mut g = group(c, "put_small", SMALL_N as u64);
    g.bench_function("rustyray", |b| {
        b.iter(|| {
            let refs: Vec<_> = (0..SMALL_N as i64).map(|i| store.put(black_box(i))).collect();
            assert_eq!(refs.len(), SMALL_N);
        });
    });
    g.finish();

    let mut g = group(c, "get_small", SMALL_N as u64);
    let small = store.put(42_i64);
    g.bench_function("rustyray", |b| {
        b.iter(|| {
            rr.block_on(async {
                let mut sum = 0;
                for _ in 0..SMALL_N {
                    sum += black_box(&small).get().await?;
                }
                assert_eq!(sum, 42 * SMALL_N as i64);
                Ok::<_, Error>(())
            })
            .expect("get_small");
        });
    });
    g.finish();

    let mut g = c.benchmark_group("put_100mib");
    g.throughput(Throughput::Bytes(BIG as u64));
    g.sample_size(10);
    g.bench_function("rustyray_move", |b| {
        b.iter_batched(
            || vec![7_u8; BIG],
            |buf| {
                let r = store.put(buf);
                assert!(r.is_ready());
                r
            },
            criterion::BatchSize::PerIteration,
        );
    });
    let borrowed = vec![7_u8; BIG];
    g.bench_function("rustyray_copy", |b| {
        b.iter(|| {
            let r = store.put(black_box(&borrowed[..]).to_vec());
            assert!(r.is_ready());
            r
        });
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = ray_shapes;
    config = config();
    targets = tasks, actor_calls, objects
}
criterion_main!(ray_shapes);
