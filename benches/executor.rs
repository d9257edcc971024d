//! Executor micro-benchmarks: rustyray against tokio and async-executor, in the shapes of
//! tokio's `rt_multi_threaded` benchmarks.
//!
//! Run with:
//!
//! ```text
//! cargo bench --bench executor -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Each shape is one criterion group holding three functions:
//!
//! * `rustyray`: a [`rustyray::Runtime`] with 2 worker threads; the bench thread waits
//!   inside `Runtime::block_on` (which also runs the runtime's tasks while it waits).
//! * `tokio`: a multi-thread tokio runtime with 2 worker threads; the bench thread waits
//!   inside `Runtime::block_on`.
//! * `async_executor`: an [`async_executor::Executor`] run by 2 threads
//!   (`block_on(ex.run(shutdown))`); the bench thread waits with
//!   `futures_lite::future::block_on(ex.run(…))`, so, as with rustyray, it helps run tasks.
//!
//! The shapes (one criterion iteration each):
//!
//! | group | what one iteration does | throughput element |
//! |---|---|---|
//! | `spawn_many_local` | a task spawns 10,000 tasks; each bumps a counter, the last one signals the waiter | a spawned task |
//! | `spawn_many_remote_idle` | the bench thread spawns 10,000 tasks into the idle runtime, then awaits every handle | a spawned task |
//! | `ping_pong` | a task spawns 1,000 tasks A; each A spawns its B, sends B a ping, B replies; the last reply signals | a round trip |
//! | `yield_many` | the bench thread spawns 200 tasks that each yield 1,000 times, then awaits every handle | a yield |
//! | `chained_spawn` | a task spawns a task, 1,000 deep; the innermost signals | a spawned task |
//!
//! Every primitive other than the runtime is the same for all three: the completion
//! signal and the ping-pong channels are `async_channel::bounded(1)`, counters are
//! `AtomicUsize`. Each runtime is created once per benchmark function, and every
//! iteration asserts its result.

use std::future::Future;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Bencher, Criterion, Throughput};

#[path = "support/async_executor_pool.rs"]
mod async_executor_pool;
use async_executor_pool::{AsyncExecutor, EX};

/// Worker threads of every runtime.
const WORKERS: usize = 2;
/// Tasks spawned per iteration by the `spawn_many_*` shapes.
const SPAWN_MANY: usize = 10_000;
/// Task pairs per iteration of `ping_pong`.
const PAIRS: usize = 1_000;
/// Tasks per iteration of `yield_many`.
const YIELD_TASKS: usize = 200;
/// Yields per task of `yield_many`.
const YIELDS: usize = 1_000;
/// Depth of `chained_spawn`.
const CHAIN: usize = 1_000;

/// One runtime under test, seen through the operations the shapes need.
trait Harness {
    /// Runs `fut` to completion from the bench thread, the runtime's preferred way.
    fn block_on<F: Future>(&self, fut: F) -> F::Output;

    /// Spawns `fut` from outside the runtime; the returned future resolves to its output.
    fn spawn_remote<F>(&self, fut: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawns a detached task from inside the runtime (a task or `block_on`).
    fn spawn<F: Future<Output = ()> + Send + 'static>(fut: F);

    /// Yields once to the scheduler.
    fn yield_now() -> impl Future<Output = ()> + Send;
}

struct RustyRay {
    rt: rustyray::Runtime,
}

impl RustyRay {
    fn new() -> Self {
        let rt = rustyray::Runtime::builder().worker_threads(WORKERS).build().expect("rustyray runtime");
        RustyRay { rt }
    }
}

impl Harness for RustyRay {
    fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.rt.block_on(fut)
    }

    fn spawn_remote<F>(&self, fut: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let handle = self.rt.spawn(fut);
        async move { handle.await.expect("rustyray task failed") }
    }

    fn spawn<F: Future<Output = ()> + Send + 'static>(fut: F) {
        rustyray::spawn(fut).detach();
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        rustyray::executor::yield_now()
    }
}

struct Tokio {
    rt: tokio::runtime::Runtime,
}

impl Tokio {
    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(WORKERS).build().expect("tokio runtime");
        Tokio { rt }
    }
}

impl Harness for Tokio {
    fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.rt.block_on(fut)
    }

    fn spawn_remote<F>(&self, fut: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let handle = self.rt.spawn(fut);
        async move { handle.await.expect("tokio task failed") }
    }

    fn spawn<F: Future<Output = ()> + Send + 'static>(fut: F) {
        drop(tokio::spawn(fut));
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }
}

impl Harness for AsyncExecutor {
    fn block_on<F: Future>(&self, fut: F) -> F::Output {
        AsyncExecutor::block_on(self, fut)
    }

    fn spawn_remote<F>(&self, fut: F) -> impl Future<Output = F::Output> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        EX.spawn(fut)
    }

    fn spawn<F: Future<Output = ()> + Send + 'static>(fut: F) {
        EX.spawn(fut).detach();
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }
}

/// Completion tracking shared by the tasks of one iteration: the task that brings `count`
/// to `target` signals the waiter through `done`.
struct Done {
    count: AtomicUsize,
    sum: AtomicUsize,
    target: usize,
    done: async_channel::Sender<()>,
}

impl Done {
    fn new(target: usize) -> (Arc<Done>, async_channel::Receiver<()>) {
        let (done, waiter) = async_channel::bounded(1);
        (Arc::new(Done { count: AtomicUsize::new(0), sum: AtomicUsize::new(0), target, done }), waiter)
    }

    fn reset(&self) {
        self.count.store(0, Relaxed);
        self.sum.store(0, Relaxed);
    }

    /// Records one finished unit of work that produced `value`.
    fn hit(&self, value: usize) {
        self.sum.fetch_add(value, Relaxed);
        if self.count.fetch_add(1, AcqRel) + 1 == self.target {
            self.done.try_send(()).expect("completion signalled twice");
        }
    }

    /// (count, sum) once the waiter has been signalled.
    fn result(&self) -> (usize, usize) {
        (self.count.load(Acquire), self.sum.load(Acquire))
    }
}

fn spawn_many_local<R: Harness>(b: &mut Bencher<'_>, rt: &R) {
    let (done, waiter) = Done::new(SPAWN_MANY);
    b.iter(|| {
        done.reset();
        let d = done.clone();
        rt.block_on(async {
            R::spawn(async move {
                for _ in 0..SPAWN_MANY {
                    let d = d.clone();
                    R::spawn(async move { d.hit(1) });
                }
            });
            waiter.recv().await.expect("done channel closed");
        });
        assert_eq!(done.result(), (SPAWN_MANY, SPAWN_MANY));
    });
}

fn spawn_many_remote_idle<R: Harness>(b: &mut Bencher<'_>, rt: &R) {
    let counter = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::with_capacity(SPAWN_MANY);
    b.iter(|| {
        counter.store(0, Relaxed);
        for _ in 0..SPAWN_MANY {
            let c = counter.clone();
            handles.push(rt.spawn_remote(async move {
                c.fetch_add(1, Relaxed);
            }));
        }
        rt.block_on(async {
            for h in handles.drain(..) {
                h.await;
            }
        });
        assert_eq!(counter.load(Acquire), SPAWN_MANY);
    });
}

fn ping_pong<R: Harness>(b: &mut Bencher<'_>, rt: &R) {
    let (done, waiter) = Done::new(PAIRS);
    b.iter(|| {
        done.reset();
        let d = done.clone();
        rt.block_on(async {
            R::spawn(async move {
                for _ in 0..PAIRS {
                    let d = d.clone();
                    R::spawn(async move {
                        let (ping_tx, ping_rx) = async_channel::bounded::<usize>(1);
                        let (pong_tx, pong_rx) = async_channel::bounded::<usize>(1);
                        R::spawn(async move {
                            let ping = ping_rx.recv().await.expect("ping channel closed");
                            pong_tx.send(ping + 1).await.expect("pong channel closed");
                        });
                        ping_tx.send(black_box(1)).await.expect("ping channel closed");
                        let pong = pong_rx.recv().await.expect("pong channel closed");
                        d.hit(pong);
                    });
                }
            });
            waiter.recv().await.expect("done channel closed");
        });
        assert_eq!(done.result(), (PAIRS, 2 * PAIRS));
    });
}

fn yield_many<R: Harness>(b: &mut Bencher<'_>, rt: &R) {
    let mut handles = Vec::with_capacity(YIELD_TASKS);
    b.iter(|| {
        for _ in 0..YIELD_TASKS {
            handles.push(rt.spawn_remote(async {
                let mut yielded = 0;
                for _ in 0..YIELDS {
                    R::yield_now().await;
                    yielded += 1;
                }
                black_box(yielded)
            }));
        }
        let total = rt.block_on(async {
            let mut total = 0;
            for h in handles.drain(..) {
                total += h.await;
            }
            total
        });
        assert_eq!(total, YIELD_TASKS * YIELDS);
    });
}

/// Spawns the next link of the chain; the innermost link reports the depth it reached.
fn chain<R: Harness>(done: Arc<Done>, remaining: usize, depth: usize) {
    if remaining == 0 {
        done.hit(depth);
    } else {
        R::spawn(async move { chain::<R>(done, remaining - 1, depth + 1) });
    }
}

fn chained_spawn<R: Harness>(b: &mut Bencher<'_>, rt: &R) {
    let (done, waiter) = Done::new(1);
    b.iter(|| {
        done.reset();
        let d = done.clone();
        rt.block_on(async {
            chain::<R>(d, CHAIN, 0);
            waiter.recv().await.expect("done channel closed");
        });
        assert_eq!(done.result(), (1, CHAIN));
    });
}

/// One group: the same shape on each runtime, each runtime alive only for its function.
fn group(c: &mut Criterion, name: &str, elements: usize, shape: Shape) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(elements as u64));
    {
        let rt = RustyRay::new();
        g.bench_function("rustyray", |b| shape.run(b, &rt));
        rt.rt.shutdown();
    }
    {
        let rt = Tokio::new();
        g.bench_function("tokio", |b| shape.run(b, &rt));
        rt.rt.shutdown_timeout(std::time::Duration::from_secs(5));
    }
    {
        let rt = AsyncExecutor::start(WORKERS);
        g.bench_function("async_executor", |b| shape.run(b, &rt));
        drop(rt);
    }
    g.finish();
}

#[derive(Clone, Copy)]
enum Shape {
    SpawnManyLocal,
    SpawnManyRemoteIdle,
    PingPong,
    YieldMany,
    ChainedSpawn,
}

impl Shape {
    fn run<R: Harness>(self, b: &mut Bencher<'_>, rt: &R) {
        match self {
            Shape::SpawnManyLocal => spawn_many_local(b, rt),
            Shape::SpawnManyRemoteIdle => spawn_many_remote_idle(b, rt),
            Shape::PingPong => ping_pong(b, rt),
            Shape::YieldMany => yield_many(b, rt),
            Shape::ChainedSpawn => chained_spawn(b, rt),
        }
    }
}

fn benches(c: &mut Criterion) {
    group(c, "spawn_many_local", SPAWN_MANY, Shape::SpawnManyLocal);
    group(c, "spawn_many_remote_idle", SPAWN_MANY, Shape::SpawnManyRemoteIdle);
    group(c, "ping_pong", PAIRS, Shape::PingPong);
    group(c, "yield_many", YIELD_TASKS * YIELDS, Shape::YieldMany);
    group(c, "chained_spawn", CHAIN, Shape::ChainedSpawn);
}

criterion_group!(executor, benches);
criterion_main!(executor);
