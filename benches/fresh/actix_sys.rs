//! The actor workloads on actix 0.13: `Actor` + `Handler` as its documentation writes them,
//! `do_send` for a tell, `send(..).await` for an ask. Actix runs a system's actors on one
//! thread by design (the anchors' tables say so); it has no task pool, so the task
//! workloads are not run on it.

use std::time::Instant;

use actix::prelude::*;
use tokio::sync::oneshot;

use crate::workload::{check, rss_now, Measure, Workload, RING, SENDERS};

struct Counter {
    value: u64,
}

impl Actor for Counter {
    type Context = Context<Self>;
}

/// A counter whose mailbox takes every `send`: past a full mailbox (16 by default) actix
/// parks the message in the request future, and a request dropped unpolled must still
/// deliver, as it does on every other system.
fn counter() -> Addr<Counter> {
    Counter::create(|ctx| {
        ctx.set_mailbox_capacity(usize::MAX);
        Counter { value: 0 }
    })
}

#[derive(Message)]
#[rtype(result = "u64")]
struct Increment;

#[derive(Message)]
#[rtype(result = "u64")]
struct Get;

#[derive(Message)]
#[rtype(result = "()")]
struct Hold {
    started: oneshot::Sender<()>,
    gate: oneshot::Receiver<()>,
}

impl Handler<Increment> for Counter {
    type Result = u64;

    fn handle(&mut self, _: Increment, _: &mut Context<Self>) -> u64 {
        self.value += 1;
        self.value
    }
}

impl Handler<Get> for Counter {
    type Result = u64;

    fn handle(&mut self, _: Get, _: &mut Context<Self>) -> u64 {
        self.value
    }
}

impl Handler<Hold> for Counter {
    type Result = ();

    fn handle(&mut self, msg: Hold, ctx: &mut Context<Self>) {
        let _ = msg.started.send(());
        // `wait` holds the mailbox until the gate opens.
        ctx.wait(
            async move {
                let _ = msg.gate.await;
            }
            .into_actor(self),
        );
    }
}

struct RingNode {
    index: u64,
    next: Option<Addr<RingNode>>,
    done: Option<oneshot::Sender<u64>>,
}

impl Actor for RingNode {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "()")]
struct SetNext(Addr<RingNode>);

#[derive(Message)]
#[rtype(result = "()")]
struct Arm(oneshot::Sender<u64>);

#[derive(Message)]
#[rtype(result = "()")]
struct Token(u64);

impl Handler<SetNext> for RingNode {
    type Result = ();

    fn handle(&mut self, msg: SetNext, _: &mut Context<Self>) {
        self.next = Some(msg.0);
    }
}

impl Handler<Arm> for RingNode {
    type Result = ();

    fn handle(&mut self, msg: Arm, _: &mut Context<Self>) {
        self.done = Some(msg.0);
    }
}

impl Handler<Token> for RingNode {
    type Result = ();

    fn handle(&mut self, Token(left): Token, _: &mut Context<Self>) {
        if left == 0 {
            if let Some(done) = self.done.take() {
                let _ = done.send(self.index);
            }
        } else if let Some(next) = &self.next {
            next.do_send(Token(left - 1));
        }
    }
}

/// Runs `workload` once on a fresh actix system.
pub fn run(workload: Workload) -> Result<Measure, String> {
    let system = System::new();
    let out = system.block_on(run_on(workload));
    System::current().stop();
    out
}

fn mailbox<E: std::fmt::Display>(e: E) -> String {
    format!("mailbox: {e}")
}

async fn run_on(workload: Workload) -> Result<Measure, String> {
    let mut m = Measure::default();
    match workload {
        Workload::Tell(n) => {
            let c = counter();
            let start = Instant::now();
            for _ in 0..n {
                c.do_send(Increment);
            }
            let got = c.send(Get).await.map_err(mailbox)?;
            m.time = start.elapsed();
            check("count", got, n)?;
        }
        Workload::TellDroppedRef(n) => {
            let c = counter();
            let start = Instant::now();
            for _ in 0..n {
                drop(c.send(Increment));
            }
            let got = c.send(Get).await.map_err(mailbox)?;
            m.time = start.elapsed();
            check("count", got, n)?;
        }
        Workload::Queued(n) => {
            let c = counter();
            let (started, started_rx) = oneshot::channel();
            let (open, gate) = oneshot::channel();
            c.do_send(Hold { started, gate });
            started_rx.await.map_err(|_| "the counter did not start holding".to_string())?;
            let before = rss_now();
            let start = Instant::now();
            for _ in 0..n {
                c.do_send(Increment);
            }
            m.time = start.elapsed();
            m.bytes_per = Some(rss_now().saturating_sub(before) as f64 / n as f64);
            let _ = open.send(());
            check("count", c.send(Get).await.map_err(mailbox)?, n)?;
        }
        Workload::Ask(n) => {
            let c = counter();
            let start = Instant::now();
            let mut last = 0;
            for _ in 0..n {
                last = c.send(Increment).await.map_err(mailbox)?;
            }
            m.time = start.elapsed();
            check("last reply", last, n)?;
        }
        Workload::Ring(n) => {
            let nodes: Vec<Addr<RingNode>> =
                (0..RING).map(|index| RingNode { index, next: None, done: None }.start()).collect();
            for (i, node) in nodes.iter().enumerate() {
                node.send(SetNext(nodes[(i + 1) % nodes.len()].clone())).await.map_err(mailbox)?;
            }
            let last = n % RING;
            let (done, rx) = oneshot::channel();
            nodes[last as usize].send(Arm(done)).await.map_err(mailbox)?;
            let start = Instant::now();
            nodes[0].do_send(Token(n));
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
                    actix::spawn(async move {
                        for _ in 0..n / SENDERS {
                            c.do_send(Increment);
                        }
                    })
                })
                .collect();
            for s in senders {
                s.await.map_err(|e| e.to_string())?;
            }
            let got = c.send(Get).await.map_err(mailbox)?;
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
                answered += u64::from(c.send(Increment).await.map_err(mailbox)? == 1);
                live.push(c);
            }
            m.time = start.elapsed();
            m.bytes_per = Some(rss_now().saturating_sub(before) as f64 / n as f64);
            check("actors that answered 1", answered, n)?;
        }
        Workload::TasksBatch(_)
        | Workload::TasksSync(_)
        | Workload::Chain(_)
        | Workload::TasksTimeline(_)
        | Workload::Stream(_)
        | Workload::Concurrent(_) => {
            return Err("actix has no task pool: the task, stream and concurrent workloads are not run on it".into());
        }
    }
    Ok(m)
}
