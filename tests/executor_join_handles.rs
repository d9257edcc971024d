//! `JoinHandle`s of the multi-threaded runtime: a detached task runs to completion, a task
//! cancelled while queued never runs, a task cancelled while running is dropped after its
//! current poll, and `is_finished` tracks completion.
//!
//! Every test builds its own `Runtime`, so the tests run in parallel. Timeouts are hang
//! guards only (a test that would hang fails instead); nothing asserts on speed.

mod common;

use std::future::poll_fn;
use std::sync::mpsc;
use std::task::Poll;
use std::time::Duration;

use common::{block_a_worker, recv, runtime, wait, wait_until, Counter, GUARD};
use rustyray::time;

// ---------------------------------------------------------------------------------------
// JoinHandle
// ---------------------------------------------------------------------------------------

#[test]
fn detached_task_runs_to_completion() {
    let rt = runtime(2);
    let done = Counter::new();
    for _ in 0..50 {
        let d = done.clone();
        rt.spawn(async move {
            time::sleep(Duration::from_millis(1)).await;
            d.inc();
        })
        .detach();
    }
    wait_until("every detached task completes", || done.get() == 50);
    rt.shutdown();
}

#[test]
fn cancelled_queued_task_never_runs() {
    let rt = runtime(1);
    let drops = Counter::new();
    let polls = Counter::new();
    let (handles_tx, handles_rx) = mpsc::channel();
    let (h, d, p) = (rt.handle().clone(), drops.clone(), polls.clone());
    let (blocker, release) = block_a_worker(rt.handle(), move || {
        // One in the blocked worker's local queue.
        let t = d.track();
        let p = p.clone();
        handles_tx
            .send(h.spawn(async move {
                let _t = t;
                p.inc();
            }))
            .unwrap();
    });
    let local = recv(&handles_rx, "the local handle");
    // One in the injector.
    let t = drops.track();
    let p = polls.clone();
    let injected = rt.spawn(async move {
        let _t = t;
        p.inc();
    });
    assert!(!local.is_finished() && !injected.is_finished());
    local.cancel();
    injected.cancel();
    let _ = release.send(());
    assert_eq!(wait("the blocker", blocker), Ok(true));
    wait_until("the cancelled futures are dropped", || drops.get() == 2);
    // Give the worker a chance to (wrongly) poll them.
    assert_eq!(wait("a later task", rt.spawn(async { 1 })), Ok(1));
    assert_eq!(polls.get(), 0, "a task cancelled before it started must never run");
    rt.shutdown();
    assert_eq!(drops.get(), 2);
}

#[test]
fn cancelled_running_task_is_dropped_after_its_current_poll() {
    let rt = runtime(2);
    let drops = Counter::new();
    let polls = Counter::new();
    let (in_poll_tx, in_poll_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let (t, p) = (drops.track(), polls.clone());
    let h = rt.spawn(async move {
        let _t = t;
        poll_fn(move |cx| {
            p.inc();
            if p.get() == 1 {
                in_poll_tx.send(()).unwrap();
                let _ = release_rx.recv_timeout(GUARD);
            }
            // Ask to be polled again: only cancellation stops that.
            cx.waker().wake_by_ref();
            Poll::<()>::Pending
        })
        .await;
    });
    recv(&in_poll_rx, "the task did not start its poll");
    assert!(!h.is_finished());
    h.cancel();
    assert_eq!(drops.get(), 0, "the future is being polled: it cannot be dropped yet");
    release_tx.send(()).unwrap();
    wait_until("the cancelled running future is dropped", || drops.get() == 1);
    assert_eq!(polls.get(), 1, "a cancelled task is not polled again");
    rt.shutdown();
    assert_eq!(drops.get(), 1);
}

#[test]
fn is_finished_tracks_completion() {
    let rt = runtime(2);
    let (release_tx, release_rx) = async_channel::bounded::<()>(1);
    let h = rt.spawn(async move {
        release_rx.recv().await.unwrap();
        9
    });
    std::thread::sleep(Duration::from_millis(20));
    assert!(!h.is_finished(), "a waiting task is not finished");
    release_tx.try_send(()).unwrap();
    wait_until("is_finished becomes true", || h.is_finished());
    assert_eq!(wait("a finished task", h), Ok(9));

    rt.shutdown();
}
