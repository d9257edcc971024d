//! Tests of the multi-threaded runtime: lost wake-ups, fairness, work stealing, shutdown,
//! drop counting, panic isolation, join handles, `block_on`, timers, the builder, runtime
//! independence, and a stress test.
//!
//! Every test builds its own `Runtime`, so the tests run in parallel. Timeouts are hang
//! guards only (a test that would hang fails instead); nothing asserts on speed.

use std::future::{poll_fn, Future};
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use rustyray::executor::yield_now;
use rustyray::{time, Error, Handle, JoinHandle, Runtime};

/// Hang guard: how long any single wait may take before the test fails instead of hanging.
const GUARD: Duration = Duration::from_secs(10);

/// How long a blocked worker stays blocked at most (longer than any wait of a test).
const BLOCK_LIMIT: Duration = Duration::from_secs(40);

/// A runtime whose shutdown (explicit or on drop, also while a test unwinds) runs on a
/// helper thread, so that a shutdown that deadlocks fails the test instead of hanging it.
#[derive(Debug)]
struct TestRuntime(Option<Runtime>);

impl Deref for TestRuntime {
    type Target = Runtime;
    fn deref(&self) -> &Runtime {
        self.0.as_ref().expect("runtime")
    }
}

impl TestRuntime {
    fn new(rt: Runtime) -> Self {
        TestRuntime(Some(rt))
    }

    /// `Runtime::shutdown`, failing instead of hanging.
    fn shutdown(mut self) {
        let rt = self.0.take().expect("runtime");
        guarded("Runtime::shutdown", move || rt.shutdown());
    }

    fn into_inner(mut self) -> Runtime {
        self.0.take().expect("runtime")
    }
}

impl Drop for TestRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                rt.shutdown();
                let _ = tx.send(());
            });
            if rx.recv_timeout(GUARD).is_err() {
                if std::thread::panicking() {
                    eprintln!("hang guard: dropping the runtime did not return (deadlock?)");
                } else {
                    panic!("hang guard: dropping the runtime did not return (deadlock?)");
                }
            }
        }
    }
}

fn runtime(workers: usize) -> TestRuntime {
    TestRuntime::new(Runtime::builder().worker_threads(workers).build().expect("build runtime"))
}

/// Waits for `fut` on the calling thread *without* running any runtime task
/// (`futures_lite::block_on`), failing instead of hanging.
fn wait<F: Future>(what: &str, fut: F) -> F::Output {
    match futures_lite::future::block_on(time::timeout(GUARD, fut)) {
        Ok(v) => v,
        Err(e) => panic!("hang guard: {what} did not finish within {GUARD:?} ({e})"),
    }
}

/// Drives `fut` with `rt.block_on` (the calling thread runs tasks while it waits),
/// failing instead of hanging.
fn drive<F: Future>(rt: &Runtime, what: &str, fut: F) -> F::Output {
    match rt.block_on(time::timeout(GUARD, fut)) {
        Ok(v) => v,
        Err(e) => panic!("hang guard: {what} did not finish within {GUARD:?} ({e})"),
    }
}

/// Polls `cond` until it holds; false if it still does not after the hang guard.
fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + GUARD;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Polls `cond` until it holds, failing instead of hanging.
fn wait_until(what: &str, cond: impl FnMut() -> bool) {
    assert!(eventually(cond), "hang guard: {what} did not happen within {GUARD:?}");
}

/// Receives from a std channel, failing instead of hanging.
fn recv<T>(rx: &mpsc::Receiver<T>, what: &str) -> T {
    rx.recv_timeout(GUARD).unwrap_or_else(|e| panic!("hang guard: {what} ({e})"))
}

/// Runs `f` on a helper thread, failing instead of hanging if it does not return.
fn guarded<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    recv(&rx, &format!("{what} did not return (deadlock?)"))
}

/// A shared counter.
#[derive(Clone, Debug, Default)]
struct Counter(Arc<AtomicUsize>);

impl Counter {
    fn new() -> Self {
        Self::default()
    }
    fn inc(&self) {
        self.0.fetch_add(1, SeqCst);
    }
    fn get(&self) -> usize {
        self.0.load(SeqCst)
    }
    /// A value whose drop increments this counter.
    fn track(&self) -> Tracked {
        Tracked(self.clone())
    }
}

/// Increments its counter when dropped.
#[derive(Debug)]
struct Tracked(Counter);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.inc();
    }
}

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

/// Blocks one worker thread: spawns a task that runs `before` on the worker, reports that
/// it started, then blocks the thread until released (or until the hang guard). Returns
/// the task's handle (true = released by the test, false = the guard expired) and the
/// release switch. Returns only once the task is blocking its worker.
fn block_a_worker(handle: &Handle, before: impl FnOnce() + Send + 'static) -> (JoinHandle<bool>, mpsc::Sender<()>) {
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let blocker = handle.spawn(async move {
        before();
        started_tx.send(std::thread::current().name().map(str::to_owned)).unwrap();
        release_rx.recv_timeout(BLOCK_LIMIT).is_ok()
    });
    let name = recv(&started_rx, "the blocking task did not start");
    let name = name.unwrap_or_default();
    assert!(name.starts_with("rustyray-worker-"), "the blocker must run on a worker thread, ran on {name:?}");
    (blocker, release_tx)
}

/// Wakes a waiting task from another thread; `wait` never misses a `notify`.
#[derive(Debug, Default)]
struct Signal {
    set: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Signal {
    fn notify(&self) {
        self.set.store(true, SeqCst);
        let waker = self.waker.lock().unwrap().take();
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn wait(&self) -> impl Future<Output = ()> + '_ {
        poll_fn(move |cx| {
            if self.set.swap(false, SeqCst) {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            if self.set.swap(false, SeqCst) {
                return Poll::Ready(());
            }
            Poll::Pending
        })
    }
}

/// Panics with a `String` payload.
fn boom(message: String) -> u32 {
    panic!("{message}")
}

/// Panics with a `&'static str` payload.
fn static_boom() -> u32 {
    panic!("a static message")
}

/// Panics with a payload that is not a string.
fn odd_boom() -> u32 {
    std::panic::panic_any(42_i32)
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

// ---------------------------------------------------------------------------------------
// Drop counting
// ---------------------------------------------------------------------------------------

#[test]
fn drops_completed_task_future_and_output_once() {
    let rt = runtime(2);
    let futs = Counter::new();
    let outs = Counter::new();
    let (t, o) = (futs.track(), outs.clone());
    let h = rt.spawn(async move {
        let _t = t;
        yield_now().await;
        o.track()
    });
    let out = wait("a completed task", h).unwrap();
    wait_until("the future is dropped after completion", || futs.get() == 1);
    assert_eq!(outs.get(), 0, "the output is the caller's now");
    drop(out);
    assert_eq!(outs.get(), 1);
    rt.shutdown();
    assert_eq!((futs.get(), outs.get()), (1, 1));
}

#[test]
fn drops_detached_task_future_and_output_once() {
    let rt = runtime(2);
    let futs = Counter::new();
    let outs = Counter::new();
    for _ in 0..100 {
        let (t, o) = (futs.track(), outs.clone());
        rt.spawn(async move {
            let _t = t;
            yield_now().await;
            o.track()
        })
        .detach();
        // Dropping the handle detaches too.
        let (t, o) = (futs.track(), outs.clone());
        drop(rt.spawn(async move {
            let _t = t;
            o.track()
        }));
    }
    wait_until("every detached future and output is dropped", || futs.get() == 200 && outs.get() == 200);
    rt.shutdown();
    assert_eq!((futs.get(), outs.get()), (200, 200));
}

#[test]
fn drops_output_of_a_finished_unread_handle_once() {
    let rt = runtime(2);
    let outs = Counter::new();
    let mut handles = Vec::new();
    for _ in 0..10 {
        let o = outs.clone();
        handles.push(rt.spawn(async move { o.track() }));
    }
    for h in &handles {
        wait_until("the task finishes", || h.is_finished());
    }
    assert_eq!(outs.get(), 0, "finished outputs wait in their tasks");
    for (i, h) in handles.into_iter().enumerate() {
        if i % 2 == 0 {
            drop(h);
        } else {
            h.cancel();
        }
    }
    assert_eq!(outs.get(), 10, "dropping or cancelling a finished handle drops its output once");
    rt.shutdown();
    assert_eq!(outs.get(), 10);
}

#[test]
fn drops_panicked_task_future_once() {
    let rt = runtime(2);
    let futs = Counter::new();
    let mut handles = Vec::new();
    for i in 0..20 {
        let t = futs.track();
        handles.push(rt.spawn(async move {
            let _t = t;
            if i % 2 == 0 {
                yield_now().await;
            }
            boom(format!("drop-count panic {i}"))
        }));
    }
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(wait("a panicking task", h), Err(Error::TaskPanicked { message: format!("drop-count panic {i}") }));
    }
    wait_until("every panicked future is dropped", || futs.get() == 20);
    rt.shutdown();
    assert_eq!(futs.get(), 20);
}

// ---------------------------------------------------------------------------------------
// Panics
// ---------------------------------------------------------------------------------------

#[test]
fn panics_are_isolated_and_reported() {
    let rt = runtime(1);
    let handles: Vec<_> = (0..100)
        .map(|i| {
            rt.spawn(async move {
                if i % 3 == 0 {
                    yield_now().await; // panic in a later poll
                }
                boom(format!("boom {i}"))
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(wait("a panicking task", h), Err(Error::TaskPanicked { message: format!("boom {i}") }));
    }
    let static_msg = rt.spawn(async { static_boom() });
    assert_eq!(wait("a panicking task", static_msg), Err(Error::TaskPanicked { message: "a static message".into() }));
    let odd = rt.spawn(async { odd_boom() });
    assert_eq!(
        wait("a task panicking with a non-string payload", odd),
        Err(Error::TaskPanicked { message: "<non-string panic payload>".into() })
    );
    let err = Error::TaskPanicked { message: "boom 1".into() };
    assert!(err.to_string().contains("boom 1"));

    // The one worker survived all of that.
    let normal = rt.spawn(async { std::thread::current().name().map(str::to_owned) });
    assert_eq!(wait("a normal task after the panics", normal), Ok(Some("rustyray-worker-0".to_owned())));
    rt.shutdown();
}

#[test]
fn a_panic_is_seen_by_an_awaiting_task() {
    let rt = runtime(2);
    let h = rt.spawn(async {
        let inner = rustyray::spawn(async { boom("inner".into()) });
        match inner.await {
            Err(Error::TaskPanicked { message }) => format!("caught {message}"),
            other => format!("unexpected {other:?}"),
        }
    });
    assert_eq!(wait("a task awaiting a panicking task", h), Ok("caught inner".to_owned()));
    rt.shutdown();
}

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

// ---------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------

#[test]
fn sleep_lasts_at_least_its_duration() {
    let rt = runtime(2);
    for ms in [0, 1, 5, 20] {
        let d = Duration::from_millis(ms);
        // In a task.
        let elapsed = wait(
            "a sleeping task",
            rt.spawn(async move {
                let start = Instant::now();
                time::sleep(d).await;
                start.elapsed()
            }),
        )
        .unwrap();
        assert!(elapsed >= d, "slept {elapsed:?} < {d:?} in a task");
        // In block_on.
        let start = Instant::now();
        drive(&rt, "sleep in block_on", time::sleep(d));
        assert!(start.elapsed() >= d, "slept {:?} < {d:?} in block_on", start.elapsed());
        // Outside any runtime.
        let start = Instant::now();
        wait("sleep outside a runtime", time::sleep(d));
        assert!(start.elapsed() >= d, "slept {:?} < {d:?} outside a runtime", start.elapsed());
    }
    let past = Instant::now();
    drive(&rt, "sleep_until a past instant", time::sleep_until(past));
    let s = time::sleep(Duration::from_millis(3));
    let deadline = s.deadline();
    drive(&rt, "sleep", s);
    assert!(Instant::now() >= deadline);
    rt.shutdown();
}

#[test]
fn timeout_errors_for_pending_and_passes_ready_futures() {
    let rt = runtime(2);
    let d = Duration::from_millis(10);
    let r = wait(
        "timeout in a task",
        rt.spawn(async move {
            let start = Instant::now();
            let r = time::timeout(d, std::future::pending::<()>()).await;
            (r, start.elapsed())
        }),
    )
    .unwrap();
    assert_eq!(r.0, Err(Error::Timeout));
    assert!(r.1 >= d, "timed out after {:?} < {d:?}", r.1);

    assert_eq!(drive(&rt, "timeout of a ready future", time::timeout(d, async { 5 })), Ok(5));
    assert_eq!(
        drive(
            &rt,
            "timeout of a quick future",
            time::timeout(GUARD, async {
                time::sleep(Duration::from_millis(1)).await;
                6
            })
        ),
        Ok(6)
    );
    // The timed-out future is dropped.
    let drops = Counter::new();
    let t = drops.track();
    let r = drive(
        &rt,
        "timeout drops the future",
        time::timeout(d, async move {
            let _t = t;
            std::future::pending::<()>().await;
        }),
    );
    assert_eq!(r, Err(Error::Timeout));
    assert_eq!(drops.get(), 1);
    rt.shutdown();
}

#[test]
fn interval_ticks_at_increasing_instants_spaced_by_the_period() {
    let rt = runtime(2);
    let period = Duration::from_millis(15);
    let ticks = wait(
        "an interval",
        rt.spawn(async move {
            let mut iv = time::interval(period);
            assert_eq!(iv.period(), period);
            let mut ticks = Vec::new();
            for i in 0..6 {
                if i == 3 {
                    // Be late once: the next tick is a whole period after the late one.
                    std::thread::sleep(period * 2);
                }
                let t = iv.tick().await;
                ticks.push((t, Instant::now()));
            }
            ticks
        }),
    )
    .unwrap();
    for (scheduled, returned) in &ticks {
        assert!(returned >= scheduled, "a tick returned before its instant");
    }
    for w in ticks.windows(2) {
        let gap = w[1].0 - w[0].0;
        assert!(gap >= period, "ticks {gap:?} apart, period {period:?}");
    }
    let zero = std::panic::catch_unwind(|| time::interval(Duration::ZERO));
    assert!(zero.is_err(), "a zero period is refused");
    rt.shutdown();
}

#[test]
fn many_concurrent_sleeps_all_complete() {
    let rt = runtime(2);
    let handles: Vec<_> = (0..2_000u64)
        .map(|i| {
            let d = Duration::from_micros(100 + (i * 7_919) % 20_000);
            rt.spawn(async move {
                let start = Instant::now();
                time::sleep(d).await;
                start.elapsed() >= d
            })
        })
        .collect();
    let ok = drive(&rt, "2000 sleeping tasks", async {
        let mut ok = 0;
        for h in handles {
            if h.await.unwrap() {
                ok += 1;
            }
        }
        ok
    });
    assert_eq!(ok, 2_000, "every sleep completed, none early");
    rt.shutdown();
}

// ---------------------------------------------------------------------------------------
// Builder, independence, free functions inside a runtime
// ---------------------------------------------------------------------------------------

#[test]
fn builder_validates_options() {
    assert!(matches!(Runtime::builder().worker_threads(0).build(), Err(Error::InvalidConfig { .. })));
    assert!(matches!(
        Runtime::builder().worker_threads(rustyray::MAX_WORKER_THREADS + 1).build(),
        Err(Error::InvalidConfig { .. })
    ));
    assert!(matches!(
        Runtime::builder().worker_threads(1).thread_stack_size(1024).build(),
        Err(Error::InvalidConfig { .. })
    ));
    let rt = TestRuntime::new(
        Runtime::builder().worker_threads(2).thread_name("named").thread_stack_size(256 * 1024).build().unwrap(),
    );
    assert_eq!(rt.worker_threads(), 2);
    let name = wait("a named worker", rt.spawn(async { std::thread::current().name().map(str::to_owned) }));
    let name = name.unwrap().unwrap();
    assert!(name == "named-0" || name == "named-1", "worker named {name}");
    rt.shutdown();
}

#[test]
fn runtimes_are_independent() {
    let one = TestRuntime::new(Runtime::builder().worker_threads(2).thread_name("one").build().unwrap());
    let two = TestRuntime::new(Runtime::builder().worker_threads(2).thread_name("two").build().unwrap());

    // A task of `one` spawns onto `two` and awaits it (the wake-up crosses runtimes).
    let h2 = two.handle().clone();
    let name = drive(&one, "a cross-runtime spawn", async move {
        let on_two = h2.spawn(async { std::thread::current().name().map(str::to_owned) });
        let inner = rustyray::spawn(async { std::thread::current().name().map(str::to_owned) });
        (on_two.await, inner.await)
    });
    let (on_two, inner) = name;
    assert!(on_two.unwrap().unwrap().starts_with("two-"));
    assert!(!inner.unwrap().unwrap_or_default().starts_with("two-"), "rustyray::spawn uses the current runtime");

    // `two` keeps running work across `one`'s shutdown.
    let ticks = Counter::new();
    let tk = ticks.clone();
    let (stop_tx, stop_rx) = async_channel::bounded::<()>(1);
    let ticker = two.spawn(async move {
        while stop_rx.is_empty() {
            tk.inc();
            time::sleep(Duration::from_millis(1)).await;
        }
        tk.get()
    });
    wait_until("the ticker runs", || ticks.get() > 3);
    let one_handle = one.handle().clone();
    one.shutdown();
    assert!(one_handle.is_shutdown());
    assert!(!two.handle().is_shutdown());
    let before = ticks.get();
    wait_until("the ticker keeps running after the other runtime stopped", || ticks.get() > before + 3);
    assert_eq!(drive(&two, "spawn on the surviving runtime", two.spawn(async { 8 })), Ok(8));
    stop_tx.try_send(()).unwrap();
    assert!(wait("the ticker", ticker).unwrap() > before);
    assert_eq!(wait("spawn on the stopped runtime", one_handle.spawn(async { 1 })), Err(Error::RuntimeShutdown));
    two.shutdown();
}

// ---------------------------------------------------------------------------------------
// Stress
// ---------------------------------------------------------------------------------------

#[test]
fn stress_100k_tasks_from_inside_and_outside() {
    const N: u64 = 50_000;
    let rt = runtime(2);
    let ran = Counter::new();
    let outside: Vec<JoinHandle<u64>> = (0..N)
        .map(|i| {
            let r = ran.clone();
            rt.spawn(async move {
                r.inc();
                i
            })
        })
        .collect();
    let r = ran.clone();
    let inside = rt.spawn(async move {
        // Overflows the local queue into the injector many times over.
        let hs: Vec<_> = (0..N)
            .map(|i| {
                let r = r.clone();
                rustyray::spawn(async move {
                    r.inc();
                    if i % 64 == 0 {
                        yield_now().await;
                    }
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        sum
    });
    // Fan-in through a channel as well.
    let (tx, rx) = async_channel::unbounded::<u64>();
    for i in 0..1_000u64 {
        let tx = tx.clone();
        rt.spawn(async move { tx.send(i).await.unwrap() }).detach();
    }
    drop(tx);
    let expected = N * (N - 1) / 2;
    let sum_outside = drive(&rt, "awaiting 50k handles", async move {
        let mut sum = 0;
        for h in outside {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum_outside, expected);
    assert_eq!(wait("50k tasks spawned from a task", inside), Ok(expected));
    let fan_in = drive(&rt, "channel fan-in", async move {
        let mut sum = 0;
        while let Ok(v) = rx.recv().await {
            sum += v;
        }
        sum
    });
    assert_eq!(fan_in, 499_500);
    assert_eq!(ran.get() as u64, 2 * N);
    rt.shutdown();
}
