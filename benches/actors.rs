//! Actor benchmarks: rustyray actors against a hand-written tokio actor and a hand-written
//! async-executor actor, in the workloads of `docs/anchors.md` §1.
//!
//! Run with:
//!
//! ```text
//! cargo bench --bench actors -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Each workload is one criterion group holding three functions:
//!
//! * `rustyray`: actors declared with `#[rustyray::actor]` / `#[rustyray::actor_methods]` on a
//!   [`rustyray::Runtime`] with 2 worker threads; the bench thread drives the workload inside
//!   `Runtime::block_on` (which also runs the runtime's tasks while it waits).
//! * `tokio_actor`: the usual hand-written tokio actor, a task owning its state and reading a
//!   `tokio::sync::mpsc::unbounded_channel`, answering through `tokio::sync::oneshot`; a
//!   multi-thread tokio runtime with 2 worker threads; the bench thread drives the workload
//!   inside `Runtime::block_on`.
//! * `async_executor_actor`: the same actor over `async_channel::unbounded`, answering through
//!   `async_channel::bounded(1)`, on an [`async_executor::Executor`] run by 2 threads; the bench
//!   thread drives the workload with `futures_lite::future::block_on(ex.run(…))`, so, as with
//!   rustyray, it helps run tasks while it waits.
//!
//! The workloads (one criterion iteration each; every iteration asserts its result):
//!
//! | group | what one iteration does | throughput element |
//! |---|---|---|
//! | `tell` | the driver creates a counter, sends it 1,000,000 fire-and-forget increments, then asks for the count | a message |
//! | `ask` | the driver creates a counter and makes 100,000 sequential request/reply increments, each returning the count | a call |
//! | `ring` | 100 actors (built once per benchmark function), each holding the next one's handle, pass one token 1,000,000 hops; the last hop completes a one-shot the driver waits on | a hop |
//! | `fanin` | the driver creates a counter; 4 spawned tasks send it 250,000 increments each; the driver awaits them, then asks for the count | a message |
//! | `spawn` | the driver creates 100,000 counters one after the other, making one request/reply increment to each (all stay alive until the iteration ends) | an actor |
//!
//! When the `spawn` group starts (its first selected function) it measures, outside criterion's timing, the
//! resident memory each live idle actor adds: `/proc/self/statm` (resident pages × 4096) before
//! and after creating 100,000 counters that each handled one call and stay alive (their handles
//! are kept in a `Vec`, 8 bytes each for all three), divided by 100,000. Free heap is returned to
//! the OS (`malloc_trim`, glibc) before the first reading so earlier groups' garbage does not
//! hide the growth. The result is printed as one line:
//! `bytes per idle actor: rustyray=…, tokio_actor=…, async_executor_actor=…`.
//!
//! Each runtime is created once per benchmark function and shut down after it.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput};

/// Worker threads of every runtime.
const WORKERS: usize = 2;
/// Increments sent per iteration of `tell`.
const TELLS: u64 = 1_000_000;
/// Sequential calls per iteration of `ask`.
const ASKS: u64 = 100_000;
/// Actors in the ring.
const RING: u32 = 100;
/// Hops the token makes per iteration of `ring`.
const HOPS: u32 = 1_000_000;
/// The actor that receives the last hop (`token(0)`): the token starts at actor 0.
const LAST: u32 = HOPS % RING;
/// Sender tasks of `fanin`.
const SENDERS: u64 = 4;
/// Increments each `fanin` sender sends.
const PER_SENDER: u64 = 250_000;
/// Actors created per iteration of `spawn`, and by the idle-memory measurement.
const SPAWNS: usize = 100_000;

/// One implementation under test: its runtime, and one iteration of each workload.
trait System: Sized {
    /// The 100 actors of `ring`, built once per benchmark function.
    type Ring;
    /// Handles keeping counters alive.
    type Live;

    fn new() -> Self;
    fn tell(&self);
    fn ask(&self);
    fn fanin(&self);
    fn ring(&self) -> Self::Ring;
    fn ring_run(&self, ring: &Self::Ring);
    fn ring_stop(&self, ring: Self::Ring);
    /// Creates `n` counters one after the other, one request/reply increment to each.
    fn spawn_live(&self, n: usize) -> Self::Live;
    fn shutdown(self);
}

// ---- rustyray ---------------------------------------------------------------------------------

#[rustyray::actor]
pub struct Counter {
    value: u64,
}

#[rustyray::actor_methods]
impl Counter {
    pub fn new() -> Self {
        Counter { value: 0 }
    }

    pub fn increment(&mut self) -> u64 {
        self.value += 1;
        self.value
    }

    pub fn get(&self) -> u64 {
        self.value
    }
}

#[rustyray::actor]
pub struct RingNode {
    index: u32,
    next: Option<RingNodeHandle>,
    done: Option<rustyray::Promise<u32>>,
}

#[rustyray::actor_methods]
impl RingNode {
    pub fn new(index: u32) -> Self {
        RingNode { index, next: None, done: None }
    }

    pub fn set_next(&mut self, next: RingNodeHandle) {
        self.next = Some(next);
    }

    /// Makes this node the one that reports the token's last hop.
    pub fn arm(&mut self, done: rustyray::Promise<u32>) {
        self.done = Some(done);
    }

    pub async fn token(&mut self, left: u32) {
        if left == 0 {
            self.done.take().expect("the last node was armed").fulfill(Ok(self.index));
        } else {
            self.next.as_ref().expect("ring closed").token(left - 1).tell().await.expect("next node alive");
        }
    }
}

struct RustyRay {
    rt: rustyray::Runtime,
}

impl System for RustyRay {
    type Ring = Vec<RingNodeHandle>;
    type Live = Vec<CounterHandle>;

    fn new() -> Self {
        RustyRay { rt: rustyray::Runtime::builder().worker_threads(WORKERS).build().expect("rustyray runtime") }
    }

    fn tell(&self) {
        self.rt
            .block_on(async {
                let counter = Counter::remote().await?;
                for _ in 0..TELLS {
                    counter.increment().tell().await?;
                }
                assert_eq!(counter.get().await?.get().await?, TELLS);
                Ok::<_, rustyray::Error>(())
            })
            .expect("rustyray tell");
    }

    fn ask(&self) {
        self.rt
            .block_on(async {
                let counter = Counter::remote().await?;
                for i in 1..=ASKS {
                    assert_eq!(counter.increment().await?.get().await?, i);
                }
                Ok::<_, rustyray::Error>(())
            })
            .expect("rustyray ask");
    }

    fn fanin(&self) {
        self.rt
            .block_on(async {
                let counter = Counter::remote().await?;
                let senders: Vec<_> = (0..SENDERS)
                    .map(|_| {
                        let c = counter.clone();
                        rustyray::spawn(async move {
                            for _ in 0..PER_SENDER {
                                c.increment().tell().await?;
                            }
                            Ok::<_, rustyray::Error>(())
                        })
                    })
                    .collect();
                for s in senders {
                    s.await??;
                }
                assert_eq!(counter.get().await?.get().await?, SENDERS * PER_SENDER);
                Ok::<_, rustyray::Error>(())
            })
            .expect("rustyray fanin");
    }

    fn ring(&self) -> Vec<RingNodeHandle> {
        self.rt
            .block_on(async {
                let mut nodes = Vec::with_capacity(RING as usize);
                for i in 0..RING {
                    nodes.push(RingNode::remote(i).await?);
                }
                for (i, node) in nodes.iter().enumerate() {
                    let next = nodes[(i + 1) % nodes.len()].clone();
                    node.set_next(next).await?.get().await?;
                }
                Ok::<_, rustyray::Error>(nodes)
            })
            .expect("rustyray ring")
    }

    fn ring_run(&self, ring: &Vec<RingNodeHandle>) {
        self.rt
            .block_on(async {
                let (done, promise) = self.rt.store().pending::<u32>();
                ring[LAST as usize].arm(promise).tell().await?;
                ring[0].token(black_box(HOPS)).tell().await?;
                assert_eq!(done.get().await?, LAST);
                Ok::<_, rustyray::Error>(())
            })
            .expect("rustyray ring run");
    }

    fn ring_stop(&self, ring: Vec<RingNodeHandle>) {
        // Every node holds the next one's handle: the ring never stops on its own.
        for node in &ring {
            node.stop();
        }
    }

    fn spawn_live(&self, n: usize) -> Vec<CounterHandle> {
        self.rt
            .block_on(async {
                let mut live = Vec::with_capacity(n);
                for _ in 0..n {
                    let counter = Counter::remote().await?;
                    assert_eq!(counter.increment().await?.get().await?, 1);
                    live.push(counter);
                }
                Ok::<_, rustyray::Error>(live)
            })
            .expect("rustyray spawn")
    }

    fn shutdown(self) {
        self.rt.shutdown();
    }
}

// ---- hand-written tokio actor -----------------------------------------------------------------

mod tokio_actor {
    use tokio::sync::{mpsc, oneshot};

    pub enum CounterMsg {
        Increment { reply: Option<oneshot::Sender<u64>> },
        Get { reply: oneshot::Sender<u64> },
    }

    pub type Counter = mpsc::UnboundedSender<CounterMsg>;

    /// Spawns a counter actor on the current runtime.
    pub fn counter() -> Counter {
        let (tx, mut rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut value = 0u64;
            while let Some(msg) = rx.recv().await {
                match msg {
                    CounterMsg::Increment { reply } => {
                        value += 1;
                        if let Some(reply) = reply {
                            let _ = reply.send(value);
                        }
                    }
                    CounterMsg::Get { reply } => {
                        let _ = reply.send(value);
                    }
                }
            }
        });
        tx
    }

    pub fn tell(counter: &Counter) {
        counter.send(CounterMsg::Increment { reply: None }).expect("counter alive");
    }

    pub async fn increment(counter: &Counter) -> u64 {
        let (reply, rx) = oneshot::channel();
        counter.send(CounterMsg::Increment { reply: Some(reply) }).expect("counter alive");
        rx.await.expect("counter replied")
    }

    pub async fn get(counter: &Counter) -> u64 {
        let (reply, rx) = oneshot::channel();
        counter.send(CounterMsg::Get { reply }).expect("counter alive");
        rx.await.expect("counter replied")
    }

    pub enum RingMsg {
        Token(u32),
        Arm(oneshot::Sender<u32>),
        Stop,
    }

    pub type RingNode = mpsc::UnboundedSender<RingMsg>;

    /// Spawns `n` ring nodes on the current runtime, node `i` forwarding to node `i + 1`.
    pub fn ring(n: u32) -> Vec<RingNode> {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..n).map(|_| mpsc::unbounded_channel::<RingMsg>()).unzip();
        for (i, mut rx) in rxs.into_iter().enumerate() {
            let next = txs[(i + 1) % txs.len()].clone();
            let index = i as u32;
            tokio::spawn(async move {
                let mut done: Option<oneshot::Sender<u32>> = None;
                while let Some(msg) = rx.recv().await {
                    match msg {
                        RingMsg::Token(0) => {
                            let _ = done.take().expect("the last node was armed").send(index);
                        }
                        RingMsg::Token(left) => next.send(RingMsg::Token(left - 1)).expect("next node alive"),
                        RingMsg::Arm(reply) => done = Some(reply),
                        RingMsg::Stop => break,
                    }
                }
            });
        }
        txs
    }
}

struct Tokio {
    rt: tokio::runtime::Runtime,
}

impl System for Tokio {
    type Ring = Vec<tokio_actor::RingNode>;
    type Live = Vec<tokio_actor::Counter>;

    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(WORKERS).build().expect("tokio runtime");
        Tokio { rt }
    }

    fn tell(&self) {
        self.rt.block_on(async {
            let counter = tokio_actor::counter();
            for _ in 0..TELLS {
                tokio_actor::tell(&counter);
            }
            assert_eq!(tokio_actor::get(&counter).await, TELLS);
        });
    }

    fn ask(&self) {
        self.rt.block_on(async {
            let counter = tokio_actor::counter();
            for i in 1..=ASKS {
                assert_eq!(tokio_actor::increment(&counter).await, i);
            }
        });
    }

    fn fanin(&self) {
        self.rt.block_on(async {
            let counter = tokio_actor::counter();
            let senders: Vec<_> = (0..SENDERS)
                .map(|_| {
                    let c = counter.clone();
                    tokio::spawn(async move {
                        for _ in 0..PER_SENDER {
                            tokio_actor::tell(&c);
                        }
                    })
                })
                .collect();
            for s in senders {
                s.await.expect("sender task");
            }
            assert_eq!(tokio_actor::get(&counter).await, SENDERS * PER_SENDER);
        });
    }

    fn ring(&self) -> Vec<tokio_actor::RingNode> {
        self.rt.block_on(async { tokio_actor::ring(RING) })
    }

    fn ring_run(&self, ring: &Vec<tokio_actor::RingNode>) {
        self.rt.block_on(async {
            let (done, rx) = tokio::sync::oneshot::channel();
            ring[LAST as usize].send(tokio_actor::RingMsg::Arm(done)).expect("node alive");
            ring[0].send(tokio_actor::RingMsg::Token(black_box(HOPS))).expect("node alive");
            assert_eq!(rx.await.expect("the ring completed"), LAST);
        });
    }

    fn ring_stop(&self, ring: Vec<tokio_actor::RingNode>) {
        for node in &ring {
            let _ = node.send(tokio_actor::RingMsg::Stop);
        }
    }

    fn spawn_live(&self, n: usize) -> Vec<tokio_actor::Counter> {
        self.rt.block_on(async {
            let mut live = Vec::with_capacity(n);
            for _ in 0..n {
                let counter = tokio_actor::counter();
                assert_eq!(tokio_actor::increment(&counter).await, 1);
                live.push(counter);
            }
            live
        })
    }

    fn shutdown(self) {
        self.rt.shutdown_timeout(std::time::Duration::from_secs(5));
    }
}

// ---- hand-written async-executor actor --------------------------------------------------------

#[path = "support/async_executor_pool.rs"]
mod async_executor_pool;
use async_executor_pool::{AsyncExecutor, EX};

mod ae_actor {
    use super::EX;

    pub enum CounterMsg {
        Increment { reply: Option<async_channel::Sender<u64>> },
        Get { reply: async_channel::Sender<u64> },
    }

    pub type Counter = async_channel::Sender<CounterMsg>;

    /// Spawns a counter actor on [`EX`].
    pub fn counter() -> Counter {
        let (tx, rx) = async_channel::unbounded();
        EX.spawn(async move {
            let mut value = 0u64;
            while let Ok(msg) = rx.recv().await {
                match msg {
                    CounterMsg::Increment { reply } => {
                        value += 1;
                        if let Some(reply) = reply {
                            let _ = reply.try_send(value);
                        }
                    }
                    CounterMsg::Get { reply } => {
                        let _ = reply.try_send(value);
                    }
                }
            }
        })
        .detach();
        tx
    }

    pub fn tell(counter: &Counter) {
        // Unbounded: `try_send` fails only if the actor is gone.
        counter.try_send(CounterMsg::Increment { reply: None }).expect("counter alive");
    }

    pub async fn increment(counter: &Counter) -> u64 {
        let (reply, rx) = async_channel::bounded(1);
        counter.try_send(CounterMsg::Increment { reply: Some(reply) }).expect("counter alive");
        rx.recv().await.expect("counter replied")
    }

    pub async fn get(counter: &Counter) -> u64 {
        let (reply, rx) = async_channel::bounded(1);
        counter.try_send(CounterMsg::Get { reply }).expect("counter alive");
        rx.recv().await.expect("counter replied")
    }

    pub enum RingMsg {
        Token(u32),
        Arm(async_channel::Sender<u32>),
        Stop,
    }

    pub type RingNode = async_channel::Sender<RingMsg>;

    /// Spawns `n` ring nodes on [`EX`], node `i` forwarding to node `i + 1`.
    pub fn ring(n: u32) -> Vec<RingNode> {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..n).map(|_| async_channel::unbounded::<RingMsg>()).unzip();
        for (i, rx) in rxs.into_iter().enumerate() {
            let next = txs[(i + 1) % txs.len()].clone();
            let index = i as u32;
            EX.spawn(async move {
                let mut done: Option<async_channel::Sender<u32>> = None;
                while let Ok(msg) = rx.recv().await {
                    match msg {
                        RingMsg::Token(0) => {
                            let _ = done.take().expect("the last node was armed").try_send(index);
                        }
                        RingMsg::Token(left) => next.try_send(RingMsg::Token(left - 1)).expect("next node alive"),
                        RingMsg::Arm(reply) => done = Some(reply),
                        RingMsg::Stop => break,
                    }
                }
            })
            .detach();
        }
        txs
    }
}

impl System for AsyncExecutor {
    type Ring = Vec<ae_actor::RingNode>;
    type Live = Vec<ae_actor::Counter>;

    fn new() -> Self {
        AsyncExecutor::start(WORKERS)
    }

    fn tell(&self) {
        self.block_on(async {
            let counter = ae_actor::counter();
            for _ in 0..TELLS {
                ae_actor::tell(&counter);
            }
            assert_eq!(ae_actor::get(&counter).await, TELLS);
        });
    }

    fn ask(&self) {
        self.block_on(async {
            let counter = ae_actor::counter();
            for i in 1..=ASKS {
                assert_eq!(ae_actor::increment(&counter).await, i);
            }
        });
    }

    fn fanin(&self) {
        self.block_on(async {
            let counter = ae_actor::counter();
            let senders: Vec<_> = (0..SENDERS)
                .map(|_| {
                    let c = counter.clone();
                    EX.spawn(async move {
                        for _ in 0..PER_SENDER {
                            ae_actor::tell(&c);
                        }
                    })
                })
                .collect();
            for s in senders {
                s.await;
            }
            assert_eq!(ae_actor::get(&counter).await, SENDERS * PER_SENDER);
        });
    }

    fn ring(&self) -> Vec<ae_actor::RingNode> {
        ae_actor::ring(RING)
    }

    fn ring_run(&self, ring: &Vec<ae_actor::RingNode>) {
        self.block_on(async {
            let (done, rx) = async_channel::bounded(1);
            ring[LAST as usize].try_send(ae_actor::RingMsg::Arm(done)).expect("node alive");
            ring[0].try_send(ae_actor::RingMsg::Token(black_box(HOPS))).expect("node alive");
            assert_eq!(rx.recv().await.expect("the ring completed"), LAST);
        });
    }

    fn ring_stop(&self, ring: Vec<ae_actor::RingNode>) {
        for node in &ring {
            let _ = node.try_send(ae_actor::RingMsg::Stop);
        }
    }

    fn spawn_live(&self, n: usize) -> Vec<ae_actor::Counter> {
        self.block_on(async {
            let mut live = Vec::with_capacity(n);
            for _ in 0..n {
                let counter = ae_actor::counter();
                assert_eq!(ae_actor::increment(&counter).await, 1);
                live.push(counter);
            }
            live
        })
    }

    fn shutdown(self) {
        drop(self); // stops and joins the threads
    }
}

// ---- resident memory --------------------------------------------------------------------------

/// Resident bytes of this process (`/proc/self/statm`, resident pages × 4096).
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: usize = statm.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("statm resident field");
    pages * 4096
}

/// Returns free heap memory to the OS, so that reused garbage does not hide growth.
fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: glibc's `malloc_trim` only releases free memory; it is thread-safe.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// Resident bytes added per live idle actor: `SPAWNS` counters that each handled one call.
fn idle_bytes<S: System>() -> f64 {
    let sys = S::new();
    // Let one-time structures (queues, slabs, thread caches) come into being first.
    drop(sys.spawn_live(1_000));
    std::thread::sleep(std::time::Duration::from_millis(50));
    trim_heap();
    let before = resident_bytes();
    let live = sys.spawn_live(SPAWNS);
    let after = resident_bytes();
    drop(live);
    sys.shutdown();
    after.saturating_sub(before) as f64 / SPAWNS as f64
}

/// Set once the idle-memory line has been printed (at the start of the `spawn` group).
static IDLE_MEASURED: AtomicBool = AtomicBool::new(false);

fn report_idle_bytes() {
    let rr = idle_bytes::<RustyRay>();
    let tokio = idle_bytes::<Tokio>();
    let ae = idle_bytes::<AsyncExecutor>();
    println!("bytes per idle actor: rustyray={rr:.0}, tokio_actor={tokio:.0}, async_executor_actor={ae:.0}");
}

// ---- groups ------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Workload {
    Tell,
    Ask,
    Ring,
    Fanin,
    Spawn,
}

/// One benchmark function: `S` alive only for its duration.
fn bench<S: System>(g: &mut BenchmarkGroup<'_, WallTime>, name: &str, workload: Workload) {
    let sys = S::new();
    match workload {
        Workload::Tell => {
            g.bench_function(name, |b| b.iter(|| sys.tell()));
        }
        Workload::Ask => {
            g.bench_function(name, |b| b.iter(|| sys.ask()));
        }
        Workload::Fanin => {
            g.bench_function(name, |b| b.iter(|| sys.fanin()));
        }
        Workload::Ring => {
            let ring = sys.ring();
            g.bench_function(name, |b| b.iter(|| sys.ring_run(&ring)));
            sys.ring_stop(ring);
        }
        Workload::Spawn => {
            g.bench_function(name, |b| {
                // Inside the closure, so that it runs only when the filter selects `spawn`.
                if !IDLE_MEASURED.swap(true, Relaxed) {
                    report_idle_bytes();
                }
                b.iter(|| drop(sys.spawn_live(SPAWNS)))
            });
        }
    }
    sys.shutdown();
}

fn group(c: &mut Criterion, name: &str, elements: u64, workload: Workload) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(elements));
    // Iterations take tens of milliseconds to seconds: one iteration per sample, 10 samples.
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    bench::<RustyRay>(&mut g, "rustyray", workload);
    bench::<Tokio>(&mut g, "tokio_actor", workload);
    bench::<AsyncExecutor>(&mut g, "async_executor_actor", workload);
    g.finish();
}

fn benches(c: &mut Criterion) {
    group(c, "tell", TELLS, Workload::Tell);
    group(c, "ask", ASKS, Workload::Ask);
    group(c, "ring", HOPS as u64, Workload::Ring);
    group(c, "fanin", SENDERS * PER_SENDER, Workload::Fanin);
    group(c, "spawn", SPAWNS as u64, Workload::Spawn);
}

criterion_group!(actors, benches);
criterion_main!(actors);
