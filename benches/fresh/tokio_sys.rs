//! The workloads on tokio, written by hand as a tokio user would: an actor is a task owning
//! an unbounded mpsc receiver, a reply is a oneshot, a remote task is `tokio::spawn` and its
//! `JoinHandle`. A 2-worker multi-thread runtime, driven from `block_on`.

use std::time::Instant;

use tokio::sync::{mpsc, oneshot};

use crate::workload::{check, rss_now, Measure, Workload, CONCURRENCY, RING, SENDERS, STREAM_CAPACITY};
use crate::WORKERS;

enum CounterMsg {
    Increment(Option<oneshot::Sender<u64>>),
    Get(oneshot::Sender<u64>),
    Hold { started: oneshot::Sender<()>, gate: oneshot::Receiver<()> },
}

type Counter = mpsc::UnboundedSender<CounterMsg>;

fn counter() -> Counter {
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut value = 0u64;
        while let Some(msg) = rx.recv().await {
            match msg {
                CounterMsg::Increment(reply) => {
                    value += 1;
                    if let Some(reply) = reply {
                        let _ = reply.send(value);
                    }
                }
                CounterMsg::Get(reply) => {
                    let _ = reply.send(value);
                }
                CounterMsg::Hold { started, gate } => {
                    let _ = started.send(());
                    let _ = gate.await;
                }
            }
        }
    });
    tx
}

fn send(c: &Counter, msg: CounterMsg) -> Result<(), String> {
    c.send(msg).map_err(|_| "the counter is gone".to_string())
}

async fn ask(c: &Counter, make: impl FnOnce(oneshot::Sender<u64>) -> CounterMsg) -> Result<u64, String> {
    let (tx, rx) = oneshot::channel();
    send(c, make(tx))?;
    rx.await.map_err(|_| "the counter did not reply".to_string())
}

enum RingMsg {
    Token(u64),
    Arm(oneshot::Sender<u64>),
}

fn ring() -> Vec<mpsc::UnboundedSender<RingMsg>> {
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..RING).map(|_| mpsc::unbounded_channel::<RingMsg>()).unzip();
    for (i, mut rx) in rxs.into_iter().enumerate() {
        let next = txs[(i + 1) % txs.len()].clone();
        let index = i as u64;
        tokio::spawn(async move {
            let mut done = None;
            while let Some(msg) = rx.recv().await {
                match msg {
                    RingMsg::Token(0) => {
                        if let Some(done) = done.take() {
                            let _ = oneshot::Sender::send(done, index);
                        }
                    }
                    RingMsg::Token(left) => {
                        if next.send(RingMsg::Token(left - 1)).is_err() {
                            break;
                        }
                    }
                    RingMsg::Arm(reply) => done = Some(reply),
                }
            }
        });
    }
    txs
}

/// Runs `workload` once on a fresh runtime.
pub fn run(workload: Workload) -> Result<Measure, String> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(WORKERS).build().map_err(|e| e.to_string())?;
    let out = rt.block_on(run_on(workload));
    rt.shutdown_timeout(std::time::Duration::from_secs(5));
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
                let (tx, rx) = oneshot::channel();
                send(&c, CounterMsg::Increment(Some(tx)))?;
                drop(rx);
            }
            let got = ask(&c, CounterMsg::Get).await?;
            m.time = start.elapsed();
            check("count", got, n)?;
        }
        Workload::Queued(n) => {
            let c = counter();
            let (started, started_rx) = oneshot::channel();
            let (open, gate) = oneshot::channel();
            send(&c, CounterMsg::Hold { started, gate })?;
            started_rx.await.map_err(|_| "the counter did not start holding".to_string())?;
            let before = rss_now();
            let start = Instant::now();
            for _ in 0..n {
                send(&c, CounterMsg::Increment(None))?;
            }
            m.time = start.elapsed();
            m.bytes_per = Some(rss_now().saturating_sub(before) as f64 / n as f64);
            let _ = open.send(());
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
            let (done, rx) = oneshot::channel();
            nodes[last as usize].send(RingMsg::Arm(done)).map_err(|_| "node gone")?;
            let start = Instant::now();
            nodes[0].send(RingMsg::Token(n)).map_err(|_| "node gone")?;
            let got = rx.await.map_err(|_| "the ring did not complete".to_string())?;
            m.time = start.elapsed();
            check("last node", got, last)?;
        }
        Workload::Fanin(n) => {
            let c = counter();
            let start = Instant::now();
            let senders: Vec<_> = (0..SENDERS)
                .map(|_| {
                    let c = c.clone();
                    tokio::spawn(async move {
                        for _ in 0..n / SENDERS {
                            send(&c, CounterMsg::Increment(None))?;
                        }
                        Ok::<_, String>(())
                    })
                })
                .collect();
            for s in senders {
                s.await.map_err(|e| e.to_string())??;
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
            let handles: Vec<_> = (0..n).map(|i| tokio::spawn(async move { i + 1 })).collect();
            let mut sum = 0;
            for h in handles {
                sum += h.await.map_err(|e| e.to_string())?;
            }
            m.time = start.elapsed();
            check("sum", sum, n * (n + 1) / 2)?;
        }
        Workload::TasksSync(n) => {
            let start = Instant::now();
            let mut sum = 0;
            for i in 0..n {
                sum += tokio::spawn(async move { i + 1 }).await.map_err(|e| e.to_string())?;
            }
            m.time = start.elapsed();
            check("sum", sum, n * (n + 1) / 2)?;
        }
        Workload::Chain(n) => {
            let start = Instant::now();
            let mut prev = tokio::spawn(async { 1_u64 });
            for _ in 1..n {
                prev = tokio::spawn(async move { prev.await.map_or(0, |x| x + 1) });
            }
            let got = prev.await.map_err(|e| e.to_string())?;
            m.time = start.elapsed();
            check("end of the chain", got, n)?;
        }
        Workload::Stream(n) => {
            let start = Instant::now();
            let (tx, mut rx) = mpsc::channel::<u64>(STREAM_CAPACITY);
            tokio::spawn(async move {
                for i in 0..n {
                    if tx.send(i).await.is_err() {
                        return;
                    }
                }
            });
            let mut sum = 0;
            while let Some(x) = rx.recv().await {
                sum += x;
            }
            m.time = start.elapsed();
            check("sum", sum, n * (n - 1) / 2)?;
        }
        Workload::Concurrent(n) => {
            // An actor by hand that serves up to 16 requests at once: each request is a
            // task, admitted by a semaphore, answering through a oneshot.
            let (tx, mut rx) = mpsc::unbounded_channel::<(u64, oneshot::Sender<u64>)>();
            tokio::spawn(async move {
                let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(CONCURRENCY as usize));
                while let Some((x, reply)) = rx.recv().await {
                    let Ok(permit) = limit.clone().acquire_owned().await else { return };
                    tokio::spawn(async move {
                        let _ = reply.send(x + 1);
                        drop(permit);
                    });
                }
            });
            let start = Instant::now();
            let callers: Vec<_> = (0..CONCURRENCY)
                .map(|c| {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let mut sum = 0;
                        for i in 0..n / CONCURRENCY {
                            let (reply, answer) = oneshot::channel();
                            tx.send((c + i, reply)).map_err(|_| "the actor is gone".to_string())?;
                            sum += answer.await.map_err(|_| "no answer".to_string())? - (c + i);
                        }
                        Ok::<u64, String>(sum)
                    })
                })
                .collect();
            let mut answered = 0;
            for caller in callers {
                answered += caller.await.map_err(|e| e.to_string())??;
            }
            m.time = start.elapsed();
            check("calls answered", answered, n / CONCURRENCY * CONCURRENCY)?;
        }
        Workload::TasksTimeline(_) => return Err("a timeline is rustyray's".into()),
    }
    Ok(m)
}
