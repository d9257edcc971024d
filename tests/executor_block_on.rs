//! `block_on` on the multi-threaded runtime: the workers run what a `block_on` thread
//! spawned before it blocked; the `block_on` thread runs tasks while the only
//! worker is blocked (also tasks woken by the timer thread or a plain OS thread), it returns
//! values and is woken from workers, and the cooperative budget is unlimited outside
//! rustyray's polls.
//!
//! Every test builds its own `Runtime`, so the tests run in parallel. Timeouts are hang
//! guards only (a test that would hang fails instead); nothing asserts on speed.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{block_a_worker, drive, runtime, wait, wait_until, Signal, GUARD};
use rustyray::executor::yield_now;
use rustyray::time;

// ---------------------------------------------------------------------------------------
// block_on
// ---------------------------------------------------------------------------------------

#[test]
fn block_on_runs_tasks_while_the_only_worker_is_blocked() {
    let rt = runtime(1);
    let (blocker, release) = block_a_worker(rt.handle(), || {});
    let h = rt.spawn(async { 7 });
    assert_eq!(drive(&rt, "block_on(spawned task)", h), Ok(7));
    // Tasks spawned inside, and chains of tasks, all on the block_on thread.
    let handle = rt.handle().clone();
    let out = drive(&rt, "block_on(task tree)", async move {
        let a = handle.spawn(async {
            let b = rustyray::spawn(async {
                yield_now().await;
                std::thread::current().name().map(str::to_owned)
            });
            b.await
        });
        a.await
    });
    let this_thread = std::thread::current().name().map(str::to_owned);
    assert_eq!(out, Ok(Ok(this_thread)), "the tasks ran on the block_on thread");
    let _ = release.send(());
    assert_eq!(wait("the blocker", blocker), Ok(true));
    rt.shutdown();
}

#[test]
fn block_on_thread_runs_tasks_woken_from_outside_while_the_only_worker_is_blocked() {
    // As above, but the task the block_on future waits for is woken by the timer thread,
    // or by a plain OS thread, while the block_on thread may be parked.
    let rt = runtime(1);
    let (blocker, release) = block_a_worker(rt.handle(), || {});
    let slept = rt.block_on(time::timeout(GUARD, async {
        rustyray::spawn(async {
            time::sleep(Duration::from_millis(20)).await;
            "slept"
        })
        .await
    }));
    let signal = Arc::new(Signal::default());
    let s = signal.clone();
    let notifier = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        s.notify();
    });
    let signalled = rt.block_on(time::timeout(GUARD, async move {
        rustyray::spawn(async move {
            signal.wait().await;
            "signalled"
        })
        .await
    }));
    notifier.join().unwrap();
    let _ = release.send(());
    assert_eq!(
        (slept, signalled),
        (Ok(Ok("slept")), Ok(Ok("signalled"))),
        "a task woken by the timer thread / by an OS thread never ran (only the block_on thread could run it)"
    );
    assert_eq!(wait("the blocker", blocker), Ok(true));
    rt.shutdown();
}

/// A `block_on` thread spawns a batch (its LIFO slot, then its driver queue, whose pushes
/// it publishes only now and then) and then blocks in user code until every task has run:
/// the workers must take them all (the driver queue by stealing, the LIFO task once the
/// monitor moves it), whatever was published when the driver stopped.
#[test]
fn tasks_spawned_by_a_block_on_thread_that_then_blocks_all_run() {
    const TASKS: usize = 300;
    let rt = runtime(2);
    for round in 0..5 {
        let (tx, rx) = std::sync::mpsc::channel();
        let ran = rt.block_on(async move {
            for i in 0..TASKS {
                let tx = tx.clone();
                drop(rustyray::spawn(async move { tx.send(i).unwrap() }));
            }
            // Blocks this thread (no await): only the workers can run the batch. One hang
            // guard for the whole batch.
            let deadline = std::time::Instant::now() + GUARD;
            let mut ran = 0;
            while ran < TASKS && rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())).is_ok()
            {
                ran += 1;
            }
            ran
        });
        assert_eq!(ran, TASKS, "round {round}: every task spawned before the driver blocked runs");
    }
}

#[test]
fn budget_is_unlimited_outside_rustyray_polls() {
    // `poll_proceed` documents an unlimited budget outside a rustyray poll. A thread that
    // once ran `block_on` then awaits many handles with another executor must not stall.
    let rt = runtime(2);
    assert_eq!(rt.block_on(async { 1 }), 1);
    let handles: Vec<_> = (0..300u32).map(|i| rt.spawn(async move { i })).collect();
    for h in &handles {
        wait_until("the task finishes", || h.is_finished());
    }
    let sum = wait("awaiting 300 finished handles with futures_lite after block_on", async move {
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 44_850);
    rt.shutdown();
}

#[test]
fn block_on_returns_values_and_wakes_from_workers() {
    let rt = runtime(2);
    assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    for i in 0..200u64 {
        let h = rt.spawn(async move {
            if i % 2 == 0 {
                yield_now().await;
            }
            i * 2
        });
        assert_eq!(drive(&rt, "block_on(handle)", h), Ok(i * 2));
    }
    // Nested spawns awaited from block_on.
    let sum = drive(&rt, "block_on(fan-in)", async {
        let hs: Vec<_> = (0..1_000u64).map(|i| rustyray::spawn(async move { i })).collect();
        let mut s = 0;
        for h in hs {
            s += h.await.unwrap();
        }
        s
    });
    assert_eq!(sum, 499_500);
    rt.shutdown();
}

#[test]
fn a_waker_kept_past_its_block_on_only_wakes_later_ones_spuriously() {
    use std::sync::Mutex;
    use std::task::{Poll, Waker};

    let rt = runtime(1);
    // The main future's waker, kept after its `block_on` returned (a future may keep it).
    let kept: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
    let keep = kept.clone();
    rt.block_on(std::future::poll_fn(move |cx| {
        *keep.lock().unwrap() = Some(cx.waker().clone());
        Poll::Ready(())
    }));
    let stale = kept.lock().unwrap().take().expect("the first block_on's waker");
    // Later block_ons (their signal may be the same one, reused) wait for a value another
    // thread sends, while that thread fires the stale waker at them many times over.
    for round in 0..50u64 {
        let (value, promise) = rt.store().pending::<u64>();
        let stale = stale.clone();
        let sender = std::thread::spawn(move || {
            for _ in 0..100 {
                stale.wake_by_ref();
            }
            promise.fulfill(Ok(round));
            stale.wake();
        });
        assert_eq!(drive(&rt, "block_on(a value sent from another thread)", value.get()), Ok(round));
        sender.join().expect("the sending thread");
    }
    rt.shutdown();
}

#[test]
fn a_main_future_that_wakes_itself_is_polled_again_without_sleeping() {
    let rt = runtime(1);
    // The only worker is blocked: nobody but the driver itself wakes its future.
    let (blocker, release) = block_a_worker(rt.handle(), || {});
    let n = drive(&rt, "block_on(a future that yields 10,000 times)", async {
        let mut n = 0u32;
        for _ in 0..10_000 {
            yield_now().await;
            n += 1;
        }
        n
    });
    assert_eq!(n, 10_000);
    let _ = release.send(());
    assert_eq!(wait("the blocker", blocker), Ok(true));
    rt.shutdown();
}
