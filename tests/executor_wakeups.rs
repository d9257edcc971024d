//! The multi-threaded runtime's wake-ups and scheduling: no wake-up is lost (self-wakes
//! during a poll, wakes from foreign threads, wakes racing a poll), a self-waking task or a
//! LIFO ping-pong pair cannot starve other tasks (on a worker or on the `block_on` thread),
//! and tasks queued behind a blocked worker are stolen.
//!
//! Every test builds its own `Runtime`, so the tests run in parallel. Timeouts are hang
//! guards only (a test that would hang fails instead); nothing asserts on speed.

mod common;

use std::future::{poll_fn, Future};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use common::{block_a_worker, runtime, wait, wait_until, Counter, Signal, GUARD};
use rustyray::executor::yield_now;
use rustyray::{time, Handle, JoinHandle};

/// A future that wakes itself `times` times (during its own poll) before completing,
/// alternating `wake_by_ref` and waking an owned clone (the two paths differ in async-task).
#[allow(clippy::waker_clone_wake)]
fn wake_self(times: usize, polls: Counter) -> impl Future<Output = usize> {
    let mut left = times;
    poll_fn(move |cx| {
        polls.inc();
        if left == 0 {
            return Poll::Ready(times);
        }
        left -= 1;
        if left % 2 == 0 {
            cx.waker().wake_by_ref();
        } else {
            cx.waker().clone().wake();
        }
        Poll::Pending
    })
}

/// A future that wakes itself during every poll and never completes.
fn spin_forever(polls: Counter) -> impl Future<Output = ()> {
    poll_fn(move |cx| {
        polls.inc();
        cx.waker().wake_by_ref();
        Poll::Pending
    })
}

/// Two tasks passing a token back and forth through channels until `stop` is set (the
/// tests set it only to clean up). After the first round every wake-up happens on the
/// thread that runs the pair, so each wakes the other into that thread's LIFO slot.
fn ping_pong(handle: &Handle, rounds: Counter, stop: Arc<AtomicBool>) -> (JoinHandle<()>, JoinHandle<()>) {
    let (a_tx, a_rx) = async_channel::unbounded::<()>();
    let (b_tx, b_rx) = async_channel::unbounded::<()>();
    let stop2 = stop.clone();
    let ping = handle.spawn(async move {
        while !stop.load(SeqCst) {
            if a_tx.send(()).await.is_err() || b_rx.recv().await.is_err() {
                return;
            }
        }
    });
    let pong = handle.spawn(async move {
        while !stop2.load(SeqCst) {
            if a_rx.recv().await.is_err() {
                return;
            }
            rounds.inc();
            if b_tx.send(()).await.is_err() {
                return;
            }
        }
    });
    (ping, pong)
}

// ---------------------------------------------------------------------------------------
// Lost wake-ups
// ---------------------------------------------------------------------------------------

#[test]
fn self_wake_during_poll_is_not_lost() {
    for workers in [1, 2] {
        let rt = runtime(workers);
        let polls = Counter::new();
        let handles: Vec<_> = (0..20).map(|_| rt.spawn(wake_self(1_000, polls.clone()))).collect();
        for h in handles {
            assert_eq!(wait("a self-waking task", h), Ok(1_000));
        }
        assert_eq!(polls.get(), 20 * 1_001, "each task is polled once per self-wake, plus the final poll");

        // The same through `yield_now`, from tasks spawned by a task.
        let h = rt.spawn(async {
            let inner: Vec<_> = (0..10)
                .map(|i| {
                    rustyray::spawn(async move {
                        for _ in 0..500 {
                            yield_now().await;
                        }
                        i
                    })
                })
                .collect();
            let mut sum = 0;
            for h in inner {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(wait("yielding tasks", h), Ok(45));
        rt.shutdown();
    }
}

#[test]
fn wake_from_foreign_thread_is_never_lost() {
    // A task and a plain OS thread hand a token back and forth. The thread varies how long
    // it waits before each wake so that it lands while the workers spin, while they park,
    // and while the task is still being polled. One lost wake-up hangs the exchange.
    const ROUNDS: usize = 20_000;
    let rt = runtime(2);
    let signal = Arc::new(Signal::default());
    let (ack_tx, ack_rx) = mpsc::channel();
    let task_signal = signal.clone();
    let task = rt.spawn(async move {
        for i in 0..ROUNDS {
            task_signal.wait().await;
            ack_tx.send(i).unwrap();
        }
    });
    let waker_thread = std::thread::spawn(move || -> Result<(), String> {
        for i in 0..ROUNDS {
            match i % 8 {
                0..=3 => {}
                4 | 5 => std::thread::yield_now(),
                6 => (0..(i % 500)).for_each(|_| std::hint::spin_loop()),
                _ if i % 64 == 7 => std::thread::sleep(Duration::from_micros(300 + (i % 7) as u64 * 100)),
                _ => std::thread::sleep(Duration::from_micros(20)),
            }
            signal.notify();
            match ack_rx.recv_timeout(GUARD) {
                Ok(got) if got == i => {}
                Ok(got) => return Err(format!("round {i}: acknowledged {got}")),
                Err(_) => return Err(format!("round {i}: the task never saw the wake-up (lost wake-up)")),
            }
        }
        Ok(())
    });
    let result = waker_thread.join().unwrap();
    assert_eq!(result, Ok(()));
    assert_eq!(wait("the signalled task", task), Ok(()));
    rt.shutdown();
}

/// Where a task publishes its waker for the waking thread: (generation, waker).
#[derive(Debug, Default)]
struct Published {
    state: Mutex<(u64, Option<Waker>)>,
    cv: Condvar,
}

#[test]
fn wake_racing_with_poll_from_foreign_threads_is_never_lost() {
    // Each poll publishes the task's waker and keeps polling for a while; a foreign
    // thread wakes it exactly once per publication, usually while the poll is still
    // running. The task is only ever woken by that thread, so a single lost wake-up stalls
    // it for good.
    const POLLS: u64 = 3_000;
    const TASKS: usize = 4;
    let rt = runtime(2);
    let mut handles = Vec::new();
    let mut threads = Vec::new();
    for t in 0..TASKS {
        let published = Arc::new(Published::default());
        let p = published.clone();
        let mut polls = 0u64;
        handles.push(rt.spawn(poll_fn(move |cx| {
            polls += 1;
            if polls == POLLS {
                return Poll::Ready(polls);
            }
            {
                let mut s = p.state.lock().unwrap();
                s.0 += 1;
                s.1 = Some(cx.waker().clone());
            }
            p.cv.notify_one();
            let spins = (polls as usize * 7_919 + t * 13) % 3_000;
            (0..spins).for_each(|_| std::hint::spin_loop());
            Poll::Pending
        })));
        threads.push(std::thread::spawn(move || -> Result<(), String> {
            let mut seen = 0;
            for _ in 1..POLLS {
                let waker = {
                    let mut s = published.state.lock().unwrap();
                    loop {
                        if s.0 > seen {
                            seen = s.0;
                            break s.1.take().expect("a published waker");
                        }
                        let (guard, res) = published.cv.wait_timeout(s, GUARD).unwrap();
                        s = guard;
                        if res.timed_out() {
                            return Err(format!("task {t}: not polled again after wake #{seen} (lost wake-up)"));
                        }
                    }
                };
                waker.wake();
            }
            Ok(())
        }));
    }
    for th in threads {
        assert_eq!(th.join().unwrap(), Ok(()));
    }
    for h in handles {
        assert_eq!(wait("a task woken from a foreign thread", h), Ok(POLLS));
    }
    rt.shutdown();
}

// ---------------------------------------------------------------------------------------
// Starvation
// ---------------------------------------------------------------------------------------

#[test]
fn self_waking_task_cannot_starve_others() {
    for workers in [1, 2] {
        let rt = runtime(workers);
        let spins = Counter::new();
        // More forever-spinning tasks than workers.
        for _ in 0..workers + 1 {
            rt.spawn(spin_forever(spins.clone())).detach();
        }
        wait_until("the spinning tasks run", || spins.get() > 1_000);

        // From outside (injector) ...
        let outside: Vec<_> = (0..100u32).map(|i| rt.spawn(async move { i })).collect();
        // ... and from inside (the worker's local queue, behind the spinners).
        let inside = rt.spawn(async {
            let hs: Vec<_> = (0..100u32).map(|i| rustyray::spawn(async move { i })).collect();
            let mut sum = 0;
            for h in hs {
                sum += h.await.unwrap();
            }
            sum
        });
        // A timer-driven task (its wake-ups come from the timer thread).
        let sleeper = rt.spawn(async {
            for _ in 0..5 {
                time::sleep(Duration::from_millis(1)).await;
            }
            7
        });
        let mut sum = 0;
        for h in outside {
            sum += wait("a task spawned from outside next to a spinning task", h).unwrap();
        }
        assert_eq!(sum, 4_950);
        assert_eq!(wait("a task spawned from inside next to a spinning task", inside), Ok(4_950));
        assert_eq!(wait("a sleeping task next to a spinning task", sleeper), Ok(7));
        rt.shutdown();
    }
}

#[test]
fn lifo_ping_pong_cannot_starve_a_third_task() {
    for workers in [1, 2] {
        let rt = runtime(workers);
        let rounds = Counter::new();
        let stop = Arc::new(AtomicBool::new(false));
        // Spawned from a task, so the pair starts on a worker.
        let h = rt.handle().clone();
        let (r, st) = (rounds.clone(), stop.clone());
        let pair = rt.spawn(async move { ping_pong(&h, r, st) });
        let (ping, pong) = wait("spawning the ping-pong pair", pair).unwrap();
        wait_until("the ping-pong pair runs", || rounds.get() > 1_000);

        let third = rt.spawn(async {
            for _ in 0..10 {
                yield_now().await;
            }
            time::sleep(Duration::from_millis(1)).await;
            3
        });
        // The task returns the inner handle on purpose: it is awaited from this thread.
        #[allow(clippy::async_yields_async)]
        let from_inside = rt.spawn(async { rustyray::spawn(async { 4 }) });
        assert_eq!(wait("a third task next to a LIFO ping-pong pair", third), Ok(3));
        let inner = wait("spawning from inside next to a ping-pong pair", from_inside).unwrap();
        assert_eq!(wait("a task spawned inside next to a LIFO ping-pong pair", inner), Ok(4));
        let before = rounds.get();
        wait_until("the pair keeps running", || rounds.get() > before);
        stop.store(true, SeqCst);
        assert_eq!(wait("stopping the ping-pong pair", ping), Ok(()));
        assert_eq!(wait("stopping the ping-pong pair", pong), Ok(()));
        rt.shutdown();
    }
}

#[test]
fn lifo_ping_pong_on_the_block_on_thread_cannot_starve_a_third_task() {
    // The only worker is blocked, so the `block_on` thread is the one running tasks. A
    // ping-pong pair keeps waking each other into that thread's LIFO slot; a third task
    // waiting in the injector must still run (workers cap LIFO runs for this reason).
    let rt = runtime(1);
    let (blocker, release) = block_a_worker(rt.handle(), || {});
    let rounds = Counter::new();
    let stop = Arc::new(AtomicBool::new(false));
    let h = rt.handle().clone();
    let (r, st) = (rounds.clone(), stop.clone());
    let (out, pair) = rt.block_on(async move {
        let pair = ping_pong(&h, r, st);
        (time::timeout(GUARD, h.spawn(async { 3 })).await, pair)
    });
    stop.store(true, SeqCst);
    let _ = release.send(());
    assert!(rounds.get() > 0, "the ping-pong pair ran on the block_on thread");
    assert_eq!(out, Ok(Ok(3)), "the third task starved behind the block_on thread's LIFO ping-pong");
    assert_eq!(wait("the blocker", blocker), Ok(true));
    assert_eq!(wait("stopping the ping-pong pair", pair.0), Ok(()));
    assert_eq!(wait("stopping the ping-pong pair", pair.1), Ok(()));
    rt.shutdown();
}

// ---------------------------------------------------------------------------------------
// Work stuck behind a blocked worker
// ---------------------------------------------------------------------------------------

#[test]
fn tasks_in_a_blocked_workers_local_queue_are_stolen() {
    const N: usize = 100; // fewer than a local queue holds: no overflow to the injector
    let rt = runtime(2);
    let done = Counter::new();
    let (all_done_tx, all_done_rx) = mpsc::channel();
    let h = rt.handle().clone();
    let d = done.clone();
    let (blocker, release) = block_a_worker(rt.handle(), move || {
        for _ in 0..N {
            let d = d.clone();
            let tx = all_done_tx.clone();
            // Spawned on the worker: they go to its local queue.
            h.spawn(async move {
                d.inc();
                if d.get() == N {
                    let _ = tx.send(());
                }
            })
            .detach();
        }
    });
    let completed = all_done_rx.recv_timeout(GUARD).is_ok();
    let _ = release.send(());
    assert!(completed, "only {} of {N} tasks queued behind a blocked worker ran (not stolen)", done.get());
    assert_eq!(wait("the blocker", blocker), Ok(true), "the tasks ran only after the blocker was released");
    rt.shutdown();
}
