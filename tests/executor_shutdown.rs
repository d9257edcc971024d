//! Shutting the multi-threaded runtime down: queued tasks (also behind a blocked worker, or
//! spawned by a `block_on` thread) never run and are dropped exactly once, waiting futures are dropped before `shutdown`
//! returns, join handles resolve to `RuntimeShutdown`, waking a task of a stopped runtime
//! does not deadlock, spawning after shutdown is refused, and a task can shut down its own
//! runtime.
//!
//! Every test builds its own `Runtime`, so the tests run in parallel. Timeouts are hang
//! guards only (a test that would hang fails instead); nothing asserts on speed.

mod common;

use std::future::{poll_fn, Future};
use std::mem::ManuallyDrop;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use common::{block_a_worker, eventually, guarded, recv, runtime, wait, wait_until, Counter};
use rustyray::{time, Error, JoinHandle, Runtime};

/// Counts how often `fut` returned `Pending` (counted before the poll returns).
fn count_pendings<F: Future>(fut: F, pendings: Counter) -> impl Future<Output = F::Output> {
    let mut fut = Box::pin(fut);
    poll_fn(move |cx| {
        let r = fut.as_mut().poll(cx);
        if r.is_pending() {
            pendings.inc();
        }
        r
    })
}

#[test]
fn shutdown_drops_tasks_queued_behind_a_blocked_worker() {
    const LOCAL: usize = 50;
    const INJECTED: usize = 50;
    let rt = runtime(1);
    let drops = Counter::new();
    let polls = Counter::new();
    let handle = rt.handle().clone();

    let (handles_tx, handles_rx) = mpsc::channel();
    let (d, p, h) = (drops.clone(), polls.clone(), handle.clone());
    let (blocker, release) = block_a_worker(rt.handle(), move || {
        // Into the blocked worker's local queue.
        let hs: Vec<JoinHandle<()>> = (0..LOCAL)
            .map(|_| {
                let t = d.track();
                let p = p.clone();
                h.spawn(async move {
                    let _t = t;
                    p.inc();
                })
            })
            .collect();
        handles_tx.send(hs).unwrap();
    });
    let mut handles = recv(&handles_rx, "the local handles");
    // Into the injector (nobody runs them: the only worker is blocked).
    for _ in 0..INJECTED {
        let t = drops.track();
        let p = polls.clone();
        handles.push(rt.spawn(async move {
            let _t = t;
            p.inc();
        }));
    }

    // Release the blocker once shutdown has begun, so shutdown can join the worker.
    let watcher = handle.clone();
    std::thread::spawn(move || {
        if eventually(|| watcher.is_shutdown()) {
            let _ = release.send(());
        }
    });
    rt.shutdown();

    assert_eq!(polls.get(), 0, "no queued task may run once shutdown has begun");
    assert_eq!(drops.get(), LOCAL + INJECTED, "every queued future is dropped by shutdown, exactly once");
    for h in handles {
        assert_eq!(wait("a handle after shutdown", h), Err(Error::RuntimeShutdown));
    }
    assert_eq!(wait("the blocker", blocker), Ok(true));
    assert_eq!(drops.get(), LOCAL + INJECTED, "no future is dropped twice");
    assert!(handle.is_shutdown());
}

#[test]
fn shutdown_drops_tasks_queued_by_a_block_on_thread() {
    const QUEUED: usize = 40;
    let rt = runtime(1);
    let drops = Counter::new();
    let polls = Counter::new();
    let handle = rt.handle().clone();
    let (_blocker, release_worker) = block_a_worker(rt.handle(), || {});

    // A `block_on` thread spawns tasks (its LIFO slot, then its driver queue) and then
    // blocks inside its main future: nobody may run them (the only worker is blocked too).
    let (queued_tx, queued_rx) = mpsc::channel();
    let (release_driver, driver_rx) = mpsc::channel::<()>();
    let (d, p, h) = (drops.clone(), polls.clone(), handle.clone());
    let driver = std::thread::spawn(move || {
        h.block_on(async move {
            for _ in 0..QUEUED {
                let t = d.track();
                let p = p.clone();
                drop(rustyray::spawn(async move {
                    let _t = t;
                    p.inc();
                }));
            }
            queued_tx.send(()).unwrap();
            let _ = driver_rx.recv_timeout(Duration::from_secs(30));
        });
    });
    recv(&queued_rx, "the driver's spawns");

    let watcher = handle.clone();
    std::thread::spawn(move || {
        if eventually(|| watcher.is_shutdown()) {
            let _ = release_worker.send(());
        }
    });
    rt.shutdown();
    // The driver queue's tasks are dropped by shutdown; the one in the (still blocked)
    // driver's LIFO slot when `block_on` returns, unless the monitor moved it first.
    assert!(drops.get() >= QUEUED - 1, "shutdown drops the driver queue: {} dropped", drops.get());
    let _ = release_driver.send(());
    driver.join().unwrap();

    assert_eq!(polls.get(), 0, "no queued task may run once shutdown has begun");
    assert_eq!(drops.get(), QUEUED, "every queued future is dropped, exactly once");
}

/// Spawns `n` tasks that never complete (and hold a `Tracked`) and waits until each has
/// been polled once. Half wait on nothing, half wait on a channel whose sender is kept
/// (their wakers are stored there); the handles of the first half are returned.
fn spawn_pending_forever(
    rt: &Runtime,
    n: usize,
    drops: &Counter,
    keep: &async_channel::Receiver<()>,
) -> Vec<JoinHandle<()>> {
    let polled = Counter::new();
    let mut handles = Vec::new();
    for i in 0..n {
        let t = drops.track();
        let p = polled.clone();
        if i % 2 == 0 {
            handles.push(rt.spawn(async move {
                let _t = t;
                p.inc();
                std::future::pending::<()>().await;
            }));
        } else {
            let rx = keep.clone();
            rt.spawn(async move {
                let _t = t;
                p.inc();
                let _ = rx.recv().await;
            })
            .detach();
        }
    }
    wait_until("every pending task is polled once", || polled.get() == n);
    handles
}

#[test]
fn shutdown_drops_every_waiting_future() {
    // Tasks that wait forever (polled, not queued) when the runtime stops.
    const N: usize = 20;
    let rt = runtime(2);
    let drops = Counter::new();
    let (keep_tx, keep_rx) = async_channel::unbounded::<()>();
    // Never dropped on the test thread: see `waking_a_task_of_a_stopped_runtime_does_not_deadlock`.
    let keep_tx = ManuallyDrop::new(keep_tx);
    let handles = spawn_pending_forever(&rt, N, &drops, &keep_rx);
    drop(keep_rx);
    rt.shutdown();
    assert_eq!(drops.get(), N, "Runtime::shutdown returned before dropping every waiting task's future");
    drop(handles);
    guarded("closing a channel that tasks of a stopped runtime wait on", move || {
        drop(ManuallyDrop::into_inner(keep_tx))
    });
    assert_eq!(drops.get(), N, "a future was dropped twice");
}

#[test]
fn join_handle_of_a_waiting_task_resolves_after_shutdown() {
    const N: usize = 4;
    let rt = runtime(2);
    let drops = Counter::new();
    let (keep_tx, keep_rx) = async_channel::unbounded::<()>();
    let keep_tx = ManuallyDrop::new(keep_tx);
    let handles = spawn_pending_forever(&rt, N, &drops, &keep_rx);
    rt.shutdown();
    for h in handles {
        assert_eq!(wait("the JoinHandle of a task waiting at shutdown", h), Err(Error::RuntimeShutdown));
    }
    guarded("closing a channel that tasks of a stopped runtime wait on", move || {
        drop(ManuallyDrop::into_inner(keep_tx))
    });
    assert_eq!(drops.get(), N);
}

#[test]
fn waking_a_task_of_a_stopped_runtime_does_not_deadlock() {
    // A task waits on a channel (its waker sits in the channel's listener list) when the
    // runtime stops. Waking it afterwards, by sending or by closing the channel, must
    // neither deadlock nor drop its future twice. Channels commonly wake under their
    // own lock, so the woken task's future must not be dropped inside `wake()`.
    let rt = runtime(2);
    let drops = Counter::new();
    let pendings = Counter::new();
    let (send_tx, send_rx) = async_channel::unbounded::<()>();
    let (close_tx, close_rx) = async_channel::unbounded::<()>();
    for rx in [send_rx, close_rx] {
        let t = drops.track();
        rt.spawn(count_pendings(
            async move {
                let _t = t;
                let _ = rx.recv().await;
            },
            pendings.clone(),
        ))
        .detach();
    }
    wait_until("both tasks wait on their channels", || pendings.get() == 2);
    rt.shutdown();
    let send_tx = ManuallyDrop::new(send_tx);
    let close_tx = ManuallyDrop::new(close_tx);
    guarded("sending to a task of a stopped runtime", move || {
        let _ = send_tx.try_send(());
    });
    guarded("closing a channel a task of a stopped runtime waits on", move || {
        drop(ManuallyDrop::into_inner(close_tx));
    });
    wait_until("both futures are dropped", || drops.get() == 2);
    assert_eq!(drops.get(), 2);
}

#[test]
fn spawn_after_shutdown_resolves_to_runtime_shutdown() {
    let rt = runtime(2);
    let handle = rt.handle().clone();
    rt.shutdown();
    assert!(handle.is_shutdown());
    let drops = Counter::new();
    let polls = Counter::new();
    let t = drops.track();
    let p = polls.clone();
    let h = handle.spawn(async move {
        let _t = t;
        p.inc();
    });
    assert_eq!(drops.get(), 1, "the refused future is dropped at once");
    assert_eq!(wait("a handle spawned after shutdown", h), Err(Error::RuntimeShutdown));
    assert_eq!(polls.get(), 0);
    assert_eq!(drops.get(), 1);
    // block_on on a stopped runtime still drives its own future.
    assert_eq!(handle.block_on(async { 5 }), 5);
}

#[test]
fn shutdown_from_inside_a_task() {
    let rt = runtime(2);
    let handle = rt.handle().clone();
    let slot = Arc::new(Mutex::new(None::<Runtime>));
    let s = slot.clone();
    let h = rt.spawn(async move {
        let rt = loop {
            let taken = s.lock().unwrap().take();
            match taken {
                Some(rt) => break rt,
                None => time::sleep(Duration::from_millis(1)).await,
            }
        };
        rt.shutdown();
        "finished its current task"
    });
    *slot.lock().unwrap() = Some(rt.into_inner());
    assert_eq!(wait("a task that shuts down its own runtime", h), Ok("finished its current task"));
    assert!(handle.is_shutdown());
    assert_eq!(wait("spawn after shutdown", handle.spawn(async { 1 })), Err(Error::RuntimeShutdown));
}
