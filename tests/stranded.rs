//! Nothing is stranded behind a thread that blocks in user code (`docs/semantics.md` §1.3):
//! work woken by a thread that then blocks (a `block_on` thread, a worker) runs on another
//! thread; a panic escaping `block_on` leaves the work it woke alive; the cooperative budget
//! is restored when a poll unwinds.
//!
//! Each test blocks a thread synchronously until the stranded work has run (a std channel,
//! under the hang guard): before the monitor took over LIFO slots these deadlocked.

mod common;

use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use common::{drive, quiet_intentional_panics, recv, runtime, wait_until};
use rustyray::actor::ActorState;
use rustyray::Error;

/// Reports each call, and its own drop, on a std channel.
#[rustyray::actor]
pub struct Reporter {
    tx: mpsc::Sender<&'static str>,
    hits: u32,
}

#[rustyray::actor_methods]
impl Reporter {
    pub fn new(tx: mpsc::Sender<&'static str>) -> Self {
        Reporter { tx, hits: 0 }
    }

    pub fn hit(&mut self) -> u32 {
        self.hits += 1;
        let _ = self.tx.send("hit");
        self.hits
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        let _ = self.tx.send("dropped");
    }
}

#[test]
fn a_call_from_a_block_on_thread_runs_while_that_thread_blocks() {
    let rt = runtime(2);
    let (tx, rx) = mpsc::channel();
    let reporter = drive(&rt, "create the actor", Reporter::remote_on(&*rt, tx)).expect("created");
    drive(&rt, "a first call", async { reporter.hit().await.expect("queued").get().await }).expect("handled");
    assert_eq!(recv(&rx, "the first call"), "hit");
    // Let the actor go idle, so the next call wakes it from this thread. (Were it still
    // busy, the call would run on its worker and the test would pass for another reason.)
    std::thread::sleep(std::time::Duration::from_millis(20));
    drive(&rt, "the call and the blocking wait", async {
        // Queued, and the actor woken on this thread (its LIFO slot)...
        let reply = reporter.hit().await.expect("queued");
        // ...which now blocks synchronously, as a user's `main` might on a std channel.
        assert_eq!(recv(&rx, "the call ran while its caller's thread was blocked"), "hit");
        assert_eq!(reply.get().await, Ok(2));
    });
}

#[test]
fn an_actor_whose_last_handle_a_blocked_thread_dropped_is_dropped() {
    let rt = runtime(2);
    let (tx, rx) = mpsc::channel();
    let reporter = drive(&rt, "create the actor", Reporter::remote_on(&*rt, tx)).expect("created");
    drive(&rt, "a call", async { reporter.hit().await.expect("queued").get().await }).expect("handled");
    assert_eq!(recv(&rx, "the call"), "hit");
    drive(&rt, "the drop and the blocking wait", async move {
        drop(reporter); // the actor stops: its loop is woken on this thread
        assert_eq!(recv(&rx, "the actor's state dropped while the thread blocked"), "dropped");
    });
}

/// Registers on `obj` (the first poll of its `get` returns `Pending`), sets `waiting`,
/// then resolves to the value.
async fn waiter(obj: rustyray::ObjectRef<u32>, waiting: Arc<AtomicBool>) -> Result<u32, Error> {
    let mut get = pin!(obj.get());
    poll_fn(|cx| {
        let r = get.as_mut().poll(cx);
        if r.is_pending() {
            waiting.store(true, SeqCst);
        }
        r
    })
    .await
}

#[test]
fn a_task_woken_by_a_worker_that_then_blocks_runs_on_another_worker() {
    let rt = runtime(2);
    let (obj, promise) = rt.store().pending::<u32>();
    let waiting = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let woken = rt.spawn({
        let waiting = waiting.clone();
        async move {
            let v = waiter(obj, waiting).await;
            let _ = tx.send(());
            v
        }
    });
    wait_until("the woken task waits on its object", || waiting.load(SeqCst));
    let (done_tx, done_rx) = mpsc::channel();
    rt.spawn(async move {
        // Wakes the waiting task onto this worker's LIFO slot, then blocks the worker.
        promise.fulfill(Ok(7));
        let ran = rx.recv_timeout(common::GUARD).is_ok();
        let _ = done_tx.send(ran);
    })
    .detach();
    assert!(recv(&done_rx, "the blocking task finished"), "the woken task ran while its waker's worker blocked");
    assert_eq!(drive(&rt, "the woken task's result", woken), Ok(Ok(7)));
}

#[test]
fn a_task_woken_just_before_block_on_panics_survives_the_panic() {
    quiet_intentional_panics();
    let rt = runtime(2);
    let (obj, promise) = rt.store().pending::<u32>();
    let waiting = Arc::new(AtomicBool::new(false));
    let woken = rt.spawn(waiter(obj, waiting.clone()));
    wait_until("the task waits on its object", || waiting.load(SeqCst));
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async move {
            promise.fulfill(Ok(7)); // the task goes to this thread's LIFO slot
            panic!("intentional: block_on unwinds with a task in its LIFO slot");
        })
    }));
    assert!(panicked.is_err());
    assert_eq!(drive(&rt, "the woken task", woken), Ok(Ok(7)), "the task ran after the panic");
}

#[test]
fn an_actor_woken_just_before_block_on_panics_survives_the_panic() {
    quiet_intentional_panics();
    let rt = runtime(2);
    let (tx, rx) = mpsc::channel();
    let reporter = drive(&rt, "create the actor", Reporter::remote_on(&*rt, tx)).expect("created");
    drive(&rt, "a first call", async { reporter.hit().await.expect("queued").get().await }).expect("handled");
    assert_eq!(recv(&rx, "the first call"), "hit");
    let (reply_tx, reply_rx) = mpsc::channel();
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            let reply = reporter.hit().await.expect("queued"); // the actor: this thread's LIFO slot
            let _ = reply_tx.send(reply);
            panic!("intentional: block_on unwinds with an actor in its LIFO slot");
        })
    }));
    assert!(panicked.is_err());
    let reply = recv(&reply_rx, "the call's ref");
    assert_eq!(drive(&rt, "the call queued before the panic", reply.get()), Ok(2));
    assert_eq!(reporter.state(), ActorState::Running, "the actor lives on");
}

#[test]
fn the_budget_is_restored_when_a_poll_unwinds() {
    quiet_intentional_panics();
    let rt = runtime(1);
    let obj = rt.store().put(5_u32);
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            for _ in 0..10 {
                assert_eq!(obj.get().await, Ok(5)); // spends budget
            }
            panic!("intentional: a poll unwinds with part of its budget spent");
        })
    }));
    assert!(panicked.is_err());
    // Outside any runtime the budget is unlimited again: a ready object is always ready.
    let mut cx = Context::from_waker(Waker::noop());
    for i in 0..300 {
        let mut get = pin!(obj.get());
        assert_eq!(get.as_mut().poll(&mut cx), Poll::Ready(Ok(5)), "poll {i} of a ready object");
    }
}
