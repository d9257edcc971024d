//! The workloads on rustyray: `#[rustyray::actor]` actors and `#[rustyray::remote]` tasks on a
//! 2-worker `Runtime`, driven from `block_on` (which runs the runtime's tasks while it waits).

use std::time::Instant;

use rustyray::{Error, ObjectRef, Promise};

use crate::workload::{check, rss_now, Measure, Workload, CONCURRENCY, RING, SENDERS, STREAM_CAPACITY};
use crate::WORKERS;

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

    /// Blocks the counter until `gate` is ready (after saying so through `started`).
    pub async fn hold(&mut self, started: Promise<()>, gate: ObjectRef<()>) {
        started.fulfill(Ok(()));
        let _ = gate.get().await;
    }
}

#[rustyray::actor]
pub struct RingNode {
    index: u64,
    next: Option<RingNodeHandle>,
    done: Option<Promise<u64>>,
}

#[rustyray::actor_methods]
impl RingNode {
    pub fn new(index: u64) -> Self {
        RingNode { index, next: None, done: None }
    }

    pub fn set_next(&mut self, next: RingNodeHandle) {
        self.next = Some(next);
    }

    pub fn arm(&mut self, done: Promise<u64>) {
        self.done = Some(done);
    }

    pub async fn token(&mut self, left: u64) {
        if left == 0 {
            self.done.take().expect("the last node was armed").fulfill(Ok(self.index));
        } else {
            self.next.as_ref().expect("ring closed").token(left - 1).tell().await.expect("next node alive");
        }
    }
}

#[rustyray::remote]
fn inc(x: u64) -> u64 {
    x + 1
}

/// Serves up to `max_concurrency` calls at once.
#[rustyray::actor]
pub struct Echo {
    calls: std::sync::atomic::AtomicU64,
}

#[rustyray::actor_methods(concurrent)]
impl Echo {
    pub fn new() -> Self {
        Echo { calls: std::sync::atomic::AtomicU64::new(0) }
    }

    pub async fn echo(&self, x: u64) -> u64 {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        x + 1
    }
}

/// `n` tasks submitted, then every result read: the time and the sum.
async fn tasks_batch(n: u64) -> Result<(std::time::Duration, u64), Error> {
    let start = Instant::now();
    let mut refs = Vec::with_capacity(n as usize);
    for i in 0..n {
        refs.push(inc::remote(i).await?);
    }
    let mut sum = 0;
    for r in &refs {
        sum += r.get().await?;
    }
    Ok((start.elapsed(), sum))
}

/// Runs `workload` once on a fresh runtime.
pub fn run(workload: Workload) -> Result<Measure, String> {
    let rt = rustyray::Runtime::builder().worker_threads(WORKERS).build().map_err(|e| e.to_string())?;
    let out = rt.block_on(async { run_on(&rt, workload).await }).map_err(|e: Error| e.to_string())?;
    rt.shutdown();
    out
}

async fn run_on(rt: &rustyray::Runtime, workload: Workload) -> Result<Result<Measure, String>, Error> {
    let mut m = Measure::default();
    let started = Instant::now();
    let checked = match workload {
        Workload::Tell(n) => {
            let c = Counter::remote().await?;
            let start = Instant::now();
            for _ in 0..n {
                c.increment().tell().await?;
            }
            let got = c.get().await?.get().await?;
            m.time = start.elapsed();
            check("count", got, n)
        }
        Workload::TellDroppedRef(n) => {
            let c = Counter::remote().await?;
            let start = Instant::now();
            for _ in 0..n {
                drop(c.increment().await?);
            }
            let got = c.get().await?.get().await?;
            m.time = start.elapsed();
            check("count", got, n)
        }
        Workload::Queued(n) => {
            let c = Counter::remote().await?;
            let (started, started_p) = rt.store().pending::<()>();
            let (gate, open) = rt.store().pending::<()>();
            c.hold(started_p, gate).tell().await?;
            started.get().await?;
            let before = rss_now();
            let start = Instant::now();
            for _ in 0..n {
                c.increment().tell().await?;
            }
            m.time = start.elapsed();
            m.bytes_per = Some(rss_now().saturating_sub(before) as f64 / n as f64);
            open.fulfill(Ok(()));
            check("count", c.get().await?.get().await?, n)
        }
        Workload::Ask(n) => {
            let c = Counter::remote().await?;
            let start = Instant::now();
            let mut last = 0;
            for _ in 0..n {
                last = c.increment().await?.get().await?;
            }
            m.time = start.elapsed();
            check("last reply", last, n)
        }
        Workload::Ring(n) => {
            let mut nodes = Vec::with_capacity(RING as usize);
            for i in 0..RING {
                nodes.push(RingNode::remote(i).await?);
            }
            for (i, node) in nodes.iter().enumerate() {
                node.set_next(nodes[(i + 1) % nodes.len()].clone()).await?.get().await?;
            }
            let last = n % RING;
            let (done, promise) = rt.store().pending::<u64>();
            nodes[last as usize].arm(promise).await?.get().await?;
            let start = Instant::now();
            nodes[0].token(n).tell().await?;
            let got = done.get().await?;
            m.time = start.elapsed();
            for node in &nodes {
                node.stop();
            }
            check("last node", got, last)
        }
        Workload::Fanin(n) => {
            let c = Counter::remote().await?;
            let start = Instant::now();
            let senders: Vec<_> = (0..SENDERS)
                .map(|_| {
                    let c = c.clone();
                    rustyray::spawn(async move {
                        for _ in 0..n / SENDERS {
                            c.increment().tell().await?;
                        }
                        Ok::<_, Error>(())
                    })
                })
                .collect();
            for s in senders {
                s.await??;
            }
            let got = c.get().await?.get().await?;
            m.time = start.elapsed();
            check("count", got, n / SENDERS * SENDERS)
        }
        Workload::Spawn(n) => {
            let before = rss_now();
            let start = Instant::now();
            let mut live = Vec::with_capacity(n as usize);
            let mut ok = true;
            for _ in 0..n {
                let c = Counter::remote().await?;
                ok &= c.increment().await?.get().await? == 1;
                live.push(c);
            }
            m.time = start.elapsed();
            m.bytes_per = Some(rss_now().saturating_sub(before) as f64 / n as f64);
            check("actors that answered 1", u64::from(ok) * n, n)
        }
        Workload::TasksBatch(n) => {
            let sum;
            (m.time, sum) = tasks_batch(n).await?;
            check("sum", sum, n * (n + 1) / 2)
        }
        Workload::TasksSync(n) => {
            let start = Instant::now();
            let mut sum = 0;
            for i in 0..n {
                sum += inc::remote(i).await?.get().await?;
            }
            m.time = start.elapsed();
            check("sum", sum, n * (n + 1) / 2)
        }
        Workload::Chain(n) => {
            let start = Instant::now();
            let mut r = inc::remote(0).await?;
            for _ in 1..n {
                r = inc::remote(r).await?;
            }
            let got = r.get().await?;
            m.time = start.elapsed();
            check("end of the chain", got, n)
        }
        Workload::Stream(n) => {
            let start = Instant::now();
            let mut items = rustyray::stream::StreamOptions::new().capacity(STREAM_CAPACITY).spawn(
                move |out: rustyray::stream::StreamSender<u64>| async move {
                    for i in 0..n {
                        out.send(i).await?;
                    }
                    Ok(())
                },
            )?;
            let mut sum = 0;
            while let Some(item) = items.next().await {
                sum += item?;
            }
            m.time = start.elapsed();
            check("sum", sum, n * (n - 1) / 2)
        }
        Workload::Concurrent(n) => {
            let echo = Echo::options().max_concurrency(CONCURRENCY as u32).remote().await?;
            let start = Instant::now();
            let callers: Vec<_> = (0..CONCURRENCY)
                .map(|c| {
                    let echo = echo.clone();
                    rustyray::spawn(async move {
                        let mut sum = 0;
                        for i in 0..n / CONCURRENCY {
                            sum += echo.echo(c + i).await?.get().await? - (c + i);
                        }
                        Ok::<u64, Error>(sum)
                    })
                })
                .collect();
            let mut answered = 0;
            for caller in callers {
                answered += caller.await??;
            }
            m.time = start.elapsed();
            check("calls answered", answered, n / CONCURRENCY * CONCURRENCY)
        }
        Workload::TasksTimeline(n) => {
            rustyray::timeline::start(n as usize);
            let sum;
            (m.time, sum) = tasks_batch(n).await?;
            let spans = rustyray::timeline::stop().spans.len() as u64;
            check("sum", sum, n * (n + 1) / 2).and_then(|()| check("task spans", spans, n))
        }
    };
    let _ = started;
    Ok(checked.map(|()| m))
}
