//! A bounded shutdown (`Runtime::shutdown_timeout`, `docs/semantics.md` §1.8): a task blocked
//! forever in user code no longer hangs shutdown; the stuck worker is left behind, what was
//! queued for it is dropped, and the thread ends when its poll returns.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::{guarded, recv, Counter};
use rustyray::{Error, Runtime};

#[test]
fn shutdown_timeout_leaves_a_stuck_worker_behind_and_drops_the_rest() {
    let rt = Runtime::builder().worker_threads(2).build().expect("runtime");
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let (ended_tx, ended_rx) = mpsc::channel();
    let stuck_dropped = Counter::new();
    let token = stuck_dropped.track();
    rt.spawn(async move {
        let _token = token;
        let _ = started_tx.send(());
        // Blocks its worker (not an await): shutdown cannot stop it.
        let _ = release_rx.recv_timeout(Duration::from_secs(60));
        let _ = ended_tx.send(());
    })
    .detach();
    recv(&started_rx, "the blocking task started");
    // A task waiting forever: dropped by the shutdown.
    let waiting_dropped = Counter::new();
    let token = waiting_dropped.track();
    rt.spawn(async move {
        let _token = token;
        std::future::pending::<()>().await;
    })
    .detach();

    let r = guarded("shutdown_timeout", move || rt.shutdown_timeout(Duration::from_millis(100)));
    assert_eq!(r, Err(Error::Timeout), "one worker could not stop in time");
    assert_eq!(waiting_dropped.get(), 1, "the waiting task was dropped");
    assert_eq!(stuck_dropped.get(), 0, "the stuck task is still running");

    // Released, the stuck task finishes and its worker drops it on the way out.
    release_tx.send(()).expect("the task waits");
    recv(&ended_rx, "the stuck task ended");
    assert!(common::eventually(|| stuck_dropped.get() == 1), "the stuck task's future was dropped once");
}

#[test]
fn shutdown_timeout_with_nothing_stuck_is_a_shutdown() {
    let rt = Runtime::builder().worker_threads(2).build().expect("runtime");
    let dropped = Counter::new();
    let token = dropped.track();
    rt.spawn(async move {
        let _token = token;
        std::future::pending::<()>().await;
    })
    .detach();
    let r = guarded("shutdown_timeout", move || rt.shutdown_timeout(Duration::from_secs(5)));
    assert_eq!(r, Ok(()));
    assert_eq!(dropped.get(), 1);
}
