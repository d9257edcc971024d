//! The workloads on async-executor + async-channel, written by hand: an actor is a task
//! owning an unbounded channel's receiver, a reply is a bounded(1) channel, a remote task is
//! `spawn` and its `Task`. Two threads run the executor; the driver's `block_on` runs it too.

use std::time::Instant;

use async_channel::{bounded, unbounded, Sender};

#[path = "../support/async_executor_pool.rs"]
mod async_executor_pool;
use async_executor_pool::{AsyncExecutor, EX};

use crate::workload::{check, rss_now, Measure, Workload, CONCURRENCY, RING, SENDERS, STREAM_CAPACITY};
use crate::WORKERS;

enum CounterMsg {
    Increment(Option<Sender<u64>>),
    Get(Sender<u64>),
    Hold { started: Sender<()>, gate: async_channel::Receiver<()> },
}

type Counter = Sender<CounterMsg>;

fn counter() -> Counter {
    let (tx, rx) = unbounded();
    EX.spawn(async move {
        let mut value = 0u64;
        while let Ok(msg) = rx.recv().await {
            match msg {
                CounterMsg::Increment(reply) => {
                    value += 1;
                    if let Some(reply) = reply {
                        let _ = reply.try_send(value);
                    }
                }
                CounterMsg::Get(reply) => {
                    let _ = reply.try_send(value);
                }
                CounterMsg::Hold { started, gate } => {
                    let _ = started.try_send(());
                    let _ = gate.recv().await;
                }
            }
        }
    })
    .detach();
    tx
}

fn send(c: &Counter, msg: CounterMsg) -> Result<(), String> {
    // Unbounded: `try_send` fails only when the actor is gone.
    c.try_send(msg).map_err(|_| "the counter is gone".to_string())
}

async fn ask(c: &Counter, make: impl FnOnce(Sender<u64>) -> CounterMsg) -> Result<u64, String> {
    let (tx, rx) = bounded(1);
    send(c, make(tx))?;
    rx.recv().await.map_err(|_| "the counter did not reply".to_string())
}

enum RingMsg {
    Token(u64),
    Arm(Sender<u64>),
}

fn ring() -> Vec<Sender<RingMsg>> {
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..RING).map(|_| unbounded::<RingMsg>()).unzip();
    for (i, rx) in rxs.into_iter().enumerate() {
        let next = txs[(i + 1) % txs.len()].clone();
        let index = i as u64;
        EX.spawn(async move {
            let mut done: Option<Sender<u64>> = None;
            while let Ok(msg) = rx.recv().await {
                match msg {
                    RingMsg::Token(0) => {
                        if let Some(done) = done.take() {
                            let _ = done.try_send(index);
                        }
                    }
                    RingMsg::Token(left) => {
                        if next.try_send(RingMsg::Token(left - 1)).is_err() {
                            break;
                        }
                    }
                    RingMsg::Arm(reply) => done = Some(reply),
                }
            }
        })
        .detach();
    }
    txs
}

/// Runs `workload` once on a fresh pool.
pub fn run(workload: Workload) -> Result<Measure, String> {
    let pool = AsyncExecutor::start(WORKERS);
    let out = pool.block_on(run_on(workload));
    drop(pool);
    out
}

async fn run_on(workload: Workload) -> Result<Measure, String> {
    let mut m = Measure::default();
    match workload {
        Workload::Tell(n) => {
            let c = counter();
            let start = Instant::now();
            for _ in 0..n {
                send(&c, CounterMsg::Increment(None))?;
            }
            let got = ask(&c, CounterMsg::Get).await?;
            m.time = start.elapsed();
            check("count", got, n)?;
        }
        Workload::TellDroppedRef(n) => {
            let c = counter();
            let start = Instant::now();
            for _ in 0..n {
                let (tx, rx) = bounded(1);
                send(&c, CounterMsg::Increment(Some(tx)))?;
                drop(rx);
            }
            let got = ask(&c, CounterMsg::Get).await?;
            m.time = start.elapsed();
            check("count", got, n)?;
        }
        Workload::Queued(n) => {
            let c = counter();
            let (started, started_rx) = bounded(1);
            let (open, gate) = bounded(1);
            send(&c, CounterMsg::Hold { started, gate })?;
            started_rx.recv().await.map_err(|_| "the counter did not start holding".to_string())?;
            let before = rss_now();
            let start = Instant::now();
            for _ in 0..n {
                send(&c, CounterMsg::Increment(None))?;
            }
            m.time = start.elapsed();
            m.bytes_per = Some(rss_now().saturating_sub(before) as f64 / n as f64);
            let _ = open.try_send(());
            check("count", ask(&c, CounterMsg::Get).await?, n)?;
        }
        Workload::Ask(n) => {
            let c = counter();
            let start = Instant::now();
            let mut last = 0;
            for _ in 0..n {
                last = ask(&c, |r| CounterMsg::Increment(Some(r))).await?;
            }
            m.time = start.elapsed();
            check("last reply", last, n)?;
        }
        Workload::Ring(n) => {
            let nodes = ring();
            let last = n % RING;
            let (done, rx) = bounded(1);
            nodes[last as usize].try_send(RingMsg::Arm(done)).map_err(|_| "node gone")?;
            let start = Instant::now();
            nodes[0].try_send(RingMsg::Token(n)).map_err(|_| "node gone")?;
            let got = rx.recv().await.map_err(|_| "the ring did not complete".to_string())?;
            m.time = start.elapsed();
            for node in &nodes {
                node.close();
            }
            check("last node", got, last)?;
        }
        Workload::Fanin(n) => {
            let c = counter();
            let start = Instant::now();
            let senders: Vec<_> = (0..SENDERS)
                .map(|_| {
                    let c = c.clone();
                    EX.spawn(async move {
                        for _ in 0..n / SENDERS {
                            send(&c, CounterMsg::Increment(None))?;
                        }
                        Ok::<_, String>(())
                    })
                })
                .collect();
            for s in senders {
                s.await?;
            }
            let got = ask(&c, CounterMsg::Get).await?;
            m.time = start.elapsed();
            check("count", got, n / SENDERS * SENDERS)?;
        }
        Workload::Spawn(n) => {
            let before = rss_now();
            let start = Instant::now();
            let mut live = Vec::with_capacity(n as usize);
            let mut answered = 0;
            for _ in 0..n {
                let c = counter();
                answered += u64::from(ask(&c, |r| CounterMsg::Increment(Some(r))).await? == 1);
                live.push(c);
            }
            m.time = start.elapsed();
            m.bytes_per = Some(rss_now().saturating_sub(before) as f64 / n as f64);
            check("actors that answered 1", answered, n)?;
        }
        Workload::TasksBatch(n) => {
            let start = Instant::now();
            let tasks: Vec<_> = (0..n).map(|i| EX.spawn(async move { i + 1 })).collect();
            let mut sum = 0;
            for t in tasks {
                sum += t.await;
            }
            m.time = start.elapsed();
            check("sum", sum, n * (n + 1) / 2)?;
        }
        Workload::TasksSync(n) => {
            let start = Instant::now();
            let mut sum = 0;
            for i in 0..n {
                sum += EX.spawn(async move { i + 1 }).await;
            }
            m.time = start.elapsed();
            check("sum", sum, n * (n + 1) / 2)?;
        }
        Workload::Chain(n) => {
            let start = Instant::now();
            let mut prev = EX.spawn(async { 1_u64 });
            for _ in 1..n {
                prev = EX.spawn(async move { prev.await + 1 });
            }
            let got = prev.await;
            m.time = start.elapsed();
            check("end of the chain", got, n)?;
        }
        Workload::Stream(n) => {
            let start = Instant::now();
            let (tx, rx) = bounded::<u64>(STREAM_CAPACITY);
            EX.spawn(async move {
                for i in 0..n {
                    if tx.send(i).await.is_err() {
                        return;
                    }
                }
            })
            .detach();
            let mut sum = 0;
            while let Ok(x) = rx.recv().await {
                sum += x;
            }
            m.time = start.elapsed();
            check("sum", sum, n * (n - 1) / 2)?;
        }
        Workload::Concurrent(n) => {
            // An actor by hand that serves up to 16 requests at once: each request is a
            // task; a bounded channel of 16 tokens admits them.
            let (tx, rx) = unbounded::<(u64, Sender<u64>)>();
            EX.spawn(async move {
                let (permits, taken) = bounded::<()>(CONCURRENCY as usize);
                while let Ok((x, reply)) = rx.recv().await {
                    if permits.send(()).await.is_err() {
                        return;
                    }
                    let taken = taken.clone();
                    EX.spawn(async move {
                        let _ = reply.send(x + 1).await;
                        let _ = taken.recv().await;
                    })
                    .detach();
                }
            })
            .detach();
            let start = Instant::now();
            let callers: Vec<_> = (0..CONCURRENCY)
                .map(|c| {
                    let tx = tx.clone();
                    EX.spawn(async move {
                        let mut sum = 0;
                        for i in 0..n / CONCURRENCY {
                            let (reply, answer) = bounded(1);
                            tx.send((c + i, reply)).await.map_err(|_| "the actor is gone".to_string())?;
                            sum += answer.recv().await.map_err(|_| "no answer".to_string())? - (c + i);
                        }
                        Ok::<u64, String>(sum)
                    })
                })
                .collect();
            let mut answered = 0;
            for caller in callers {
                answered += caller.await?;
            }
            m.time = start.elapsed();
            check("calls answered", answered, n / CONCURRENCY * CONCURRENCY)?;
        }
        Workload::TasksTimeline(_) => return Err("a timeline is rustyray's".into()),
    }
    Ok(m)
}
