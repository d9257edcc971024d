//! Actors' message ordering and counts: calls from one caller are handled in the order
//! sent (per-caller FIFO), exact counts under many concurrent senders, ten thousand
//! pipelined calls in flight, and bounded mailboxes (backpressure, `try_send` handing the
//! message back when full).
//!
//! Every test builds its own runtime. Timeouts are hang guards only (they assert that
//! something finishes at all, never how fast); the few short sleeps back *negative*
//! assertions ("this has not happened"), which a slow machine cannot turn into a failure.

mod common;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::actors::review::Counter;
use common::actors::{busy_in_hold, runtime, Probe, Tracked};
use common::guard;
use rustyray::mailbox::TrySendError;
use rustyray::{ActorHandle, Error, ObjectRef};

// ---- actors -----------------------------------------------------------------------------

/// Records who sent what, in handling order.
#[rustyray::actor]
pub struct Recorder {
    log: Vec<(u32, u32)>,
}

#[rustyray::actor_methods]
impl Recorder {
    pub fn new() -> Self {
        Recorder { log: Vec::new() }
    }

    pub fn record(&mut self, sender: u32, seq: u32) {
        self.log.push((sender, seq));
    }

    pub fn log(&self) -> Vec<(u32, u32)> {
        self.log.clone()
    }
}

/// Sums what it is sent.
#[rustyray::actor]
pub struct Tally {
    total: u64,
    calls: u64,
}

#[rustyray::actor_methods]
impl Tally {
    pub fn new() -> Self {
        Tally { total: 0, calls: 0 }
    }

    pub fn add(&mut self, n: u64) -> u64 {
        self.total += n;
        self.calls += 1;
        self.total
    }

    pub async fn add_async(&mut self, n: u64) -> u64 {
        self.total += n;
        self.calls += 1;
        self.total
    }

    pub fn totals(&self) -> (u64, u64) {
        (self.total, self.calls)
    }
}

// ---- ordering, counts, pipelining -----------------------------------------------------------

#[test]
fn calls_from_one_caller_are_handled_in_order() -> Result<(), Error> {
    const SENDERS: u32 = 8;
    const PER_SENDER: u32 = 600;
    let rt = runtime();
    rt.block_on(async {
        let rec = Recorder::remote().await?;
        let tasks: Vec<_> = (0..SENDERS)
            .map(|s| {
                let rec = rec.clone();
                rustyray::spawn(async move {
                    for seq in 0..PER_SENDER {
                        match seq % 3 {
                            0 => rec.record(s, seq).tell().await?,
                            1 => drop(rec.record(s, seq).await?),
                            _ => rec.record(s, seq).try_tell().expect("an unbounded mailbox is never full"),
                        }
                    }
                    Ok::<_, Error>(())
                })
            })
            .collect();
        for t in tasks {
            guard("a sender", t).await??;
        }
        let log = rec.log().await?.get().await?;
        assert_eq!(log.len(), (SENDERS * PER_SENDER) as usize);
        for s in 0..SENDERS {
            let seqs: Vec<u32> = log.iter().filter(|(from, _)| *from == s).map(|(_, seq)| *seq).collect();
            assert_eq!(seqs, (0..PER_SENDER).collect::<Vec<_>>(), "sender {s}'s calls out of order or lost");
        }
        Ok(())
    })
}

async fn hammer(tally: ActorHandle<Tally>, tasks: u64, per_task: u64) -> Result<(), Error> {
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let t = tally.clone();
            rustyray::spawn(async move {
                for i in 0..per_task {
                    match i % 4 {
                        0 => t.add(1).tell().await?,
                        1 => drop(t.add(1).await?),
                        2 => assert!(t.add_async(1).await?.get().await? >= 1),
                        _ => match t.add(1).try_tell() {
                            Ok(()) => {}
                            // Full: send the handed-back message itself, waiting for room.
                            Err(TrySendError::Full(msg)) => t
                                .actor_ref()
                                .mailbox()
                                .expect("a local actor")
                                .send(msg)
                                .await
                                .expect("the actor is running"),
                            Err(e) => panic!("try_tell failed: {e}"),
                        },
                    }
                }
                Ok::<_, Error>(())
            })
        })
        .collect();
    for h in handles {
        guard("a sender", h).await??;
    }
    Ok(())
}

#[test]
fn exact_counts_under_many_concurrent_senders() -> Result<(), Error> {
    const TASKS: u64 = 16;
    const PER_TASK: u64 = 1_000;
    let rt = runtime();
    rt.block_on(async {
        let unbounded = Tally::remote().await?;
        hammer(unbounded.clone(), TASKS, PER_TASK).await?;
        assert_eq!(unbounded.totals().await?.get().await?, (TASKS * PER_TASK, TASKS * PER_TASK));

        let bounded = Tally::options().mailbox_capacity(8).remote().await?;
        hammer(bounded.clone(), TASKS, PER_TASK).await?;
        assert_eq!(bounded.totals().await?.get().await?, (TASKS * PER_TASK, TASKS * PER_TASK));
        Ok(())
    })
}

/// A call and a tell send at their first poll: dropped unpolled, they send nothing (and a
/// call's unsent result object resolves to `ObjectLost`); polled once, they are queued in
/// order with everything else.
#[test]
fn calls_and_tells_send_at_their_first_poll_not_before() -> Result<(), Error> {
    use std::future::{Future, IntoFuture};
    let rt = runtime();
    rt.block_on(async {
        let t = Tally::remote().await?;
        drop(t.add(1).tell());
        drop(t.add(2).into_future());
        drop(t.add_async(4).tell());
        assert_eq!(t.totals().await?.get().await?, (0, 0), "nothing unpolled was sent");

        // Polled once (with room, a first poll queues the message and completes).
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut tell = std::pin::pin!(t.add(8).tell());
        assert!(matches!(tell.as_mut().poll(&mut cx), std::task::Poll::Ready(Ok(()))));
        let mut call = std::pin::pin!(t.add(16).into_future());
        let std::task::Poll::Ready(Ok(sixteen)) = call.as_mut().poll(&mut cx) else {
            panic!("a call with room is queued at its first poll");
        };
        assert_eq!(sixteen.get().await?, 24);
        assert_eq!(t.totals().await?.get().await?, (24, 2));
        Ok(())
    })
}

#[test]
fn ten_thousand_calls_in_flight() -> Result<(), Error> {
    const N: usize = 10_000;
    let rt = runtime();
    rt.block_on(async {
        for capacity in [None, Some(16)] {
            let c = match capacity {
                None => Counter::remote().await?,
                Some(n) => Counter::options().mailbox_capacity(n).remote().await?,
            };
            let mut refs = Vec::with_capacity(N);
            for _ in 0..N {
                refs.push(c.increment().await?);
            }
            for (i, r) in refs.iter().enumerate() {
                assert_eq!(guard("a pipelined result", r.get()).await?, i as i32 + 1, "capacity {capacity:?}");
            }
        }
        Ok(())
    })
}

// ---- bounded mailboxes ------------------------------------------------------------------

#[test]
fn bounded_mailbox_backpressure() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        assert!(matches!(
            Tracked::options().mailbox_capacity(0).remote(Probe::default()).await,
            Err(Error::InvalidConfig { .. })
        ));

        let a = Tracked::options().mailbox_capacity(4).remote(Probe::default()).await?;
        assert_eq!(a.actor_ref().mailbox().expect("a local actor").capacity(), Some(4));
        let (held, open) = busy_in_hold(&rt, &a).await?;

        // The actor is busy inside `hold`: exactly four more calls fit.
        let queued: Vec<ObjectRef<u32>> =
            (1..=4).map(|k| a.add(k).try_send().expect("room for four messages")).collect();
        assert_eq!(a.actor_ref().mailbox().expect("a local actor").len(), 4);
        let full = a.add(5).try_send().expect_err("the mailbox is full");
        assert!(full.is_full());
        assert!(matches!(full, TrySendError::Full(_)));
        // The message comes back intact: the right variant with its argument.
        type TrackedMsg = <Tracked as rustyray::Actor>::Msg;
        let msg: TrackedMsg = full.into_inner();
        // (A variant holds the call's arguments tuple, ending with its reply slot.)
        assert!(matches!(&msg, TrackedMsg::add(call) if call.0 == 5), "the handed-back message is `add(5)`");
        assert!(a.add(100).try_tell().expect_err("still full").is_full());

        // An awaited call waits for room.
        let sent = Arc::new(AtomicBool::new(false));
        let waiter = rustyray::spawn({
            let (a, sent) = (a.clone(), sent.clone());
            async move {
                let r = a.add(6).await;
                sent.store(true, SeqCst);
                r
            }
        });
        rustyray::time::sleep(Duration::from_millis(50)).await;
        assert!(!sent.load(SeqCst), "an awaited call on a full mailbox must wait for room");
        assert_eq!(a.actor_ref().mailbox().expect("a local actor").len(), 4);

        open.fulfill(Ok(()));
        assert_eq!(guard("hold", held.get()).await?, 0);
        let mut values = Vec::new();
        for r in &queued {
            values.push(guard("a queued call", r.get()).await?);
        }
        assert_eq!(values, [1, 3, 6, 10]);
        let waited = guard("the waiting call", waiter).await??;
        assert!(sent.load(SeqCst));
        assert_eq!(guard("the waiting call's result", waited.get()).await?, 16);

        // The handed-back message is usable: send it (its result slot was dropped with the
        // failed try_send, so only its effect shows).
        a.actor_ref()
            .mailbox()
            .expect("a local actor")
            .send(msg)
            .await
            .map_err(|_| "closed")
            .expect("the actor is running");
        assert_eq!(a.get().await?.get().await?, 21);
        Ok(())
    })
}
