//! Helpers shared by the integration tests: hang guards (a test that would hang fails
//! instead; nothing asserts on speed), a runtime whose shutdown cannot hang a test, a
//! blocked worker and a cross-thread signal for the executor tests, drop counters, and a
//! panic hook that keeps deliberate panics quiet. The actor types shared by the actor test
//! files are in [`actors`].
//!
//! Each test file includes this module (`mod common;`) and uses what it needs.

#![allow(dead_code, unreachable_pub)]

use std::future::{poll_fn, Future};
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex, Once};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use rustyray::{time, Handle, JoinHandle, Runtime};

pub mod actors;

/// How long any single wait of a test may take before it fails instead of hanging.
pub const GUARD: Duration = Duration::from_secs(10);

/// How long a blocked worker stays blocked at most (longer than any wait of a test).
pub const BLOCK_LIMIT: Duration = Duration::from_secs(40);

/// A runtime whose shutdown (explicit or on drop, also while a test unwinds) runs on a
/// helper thread, so that a shutdown that deadlocks fails the test instead of hanging it.
#[derive(Debug)]
pub struct TestRuntime(Option<Runtime>);

impl Deref for TestRuntime {
    type Target = Runtime;
    fn deref(&self) -> &Runtime {
        self.0.as_ref().expect("runtime")
    }
}

impl TestRuntime {
    pub fn new(rt: Runtime) -> Self {
        TestRuntime(Some(rt))
    }

    /// `Runtime::shutdown`, failing instead of hanging.
    pub fn shutdown(mut self) {
        let rt = self.0.take().expect("runtime");
        guarded("Runtime::shutdown", move || rt.shutdown());
    }

    pub fn into_inner(mut self) -> Runtime {
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

/// A runtime with `workers` worker threads.
pub fn runtime(workers: usize) -> TestRuntime {
    TestRuntime::new(Runtime::builder().worker_threads(workers).build().expect("build runtime"))
}

/// Waits for `fut` on the calling thread *without* running any runtime task
/// (`futures_lite::block_on`), failing instead of hanging.
pub fn wait<F: Future>(what: &str, fut: F) -> F::Output {
    match futures_lite::future::block_on(time::timeout(GUARD, fut)) {
        Ok(v) => v,
        Err(e) => panic!("hang guard: {what} did not finish within {GUARD:?} ({e})"),
    }
}

/// Drives `fut` with `rt.block_on` (the calling thread runs tasks while it waits),
/// failing instead of hanging.
pub fn drive<F: Future>(rt: &Runtime, what: &str, fut: F) -> F::Output {
    match rt.block_on(time::timeout(GUARD, fut)) {
        Ok(v) => v,
        Err(e) => panic!("hang guard: {what} did not finish within {GUARD:?} ({e})"),
    }
}

/// Awaits `future` inside a runtime, failing the test (instead of hanging) if it never
/// finishes.
pub async fn guard<F: Future>(what: &str, future: F) -> F::Output {
    match time::timeout(GUARD, future).await {
        Ok(v) => v,
        Err(e) => panic!("hang guard: `{what}` did not finish ({e})"),
    }
}

/// Polls `cond` until it holds; false if it still does not after the hang guard.
pub fn eventually(mut cond: impl FnMut() -> bool) -> bool {
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
pub fn wait_until(what: &str, cond: impl FnMut() -> bool) {
    assert!(eventually(cond), "hang guard: {what} did not happen within {GUARD:?}");
}

/// Receives from a std channel, failing instead of hanging.
pub fn recv<T>(rx: &mpsc::Receiver<T>, what: &str) -> T {
    rx.recv_timeout(GUARD).unwrap_or_else(|e| panic!("hang guard: {what} ({e})"))
}

/// Runs `f` on a helper thread, failing instead of hanging if it does not return.
pub fn guarded<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    recv(&rx, &format!("{what} did not return (deadlock?)"))
}

/// Blocks one worker thread: spawns a task that runs `before` on the worker, reports that
/// it started, then blocks the thread until released (or until the hang guard). Returns
/// the task's handle (true = released by the test, false = the guard expired) and the
/// release switch. Returns only once the task is blocking its worker.
pub fn block_a_worker(handle: &Handle, before: impl FnOnce() + Send + 'static) -> (JoinHandle<bool>, mpsc::Sender<()>) {
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
pub struct Signal {
    set: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Signal {
    pub fn notify(&self) {
        self.set.store(true, SeqCst);
        let waker = self.waker.lock().unwrap().take();
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub fn wait(&self) -> impl Future<Output = ()> + '_ {
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

/// A shared counter.
#[derive(Clone, Debug, Default)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn inc(&self) {
        self.0.fetch_add(1, SeqCst);
    }
    pub fn get(&self) -> usize {
        self.0.load(SeqCst)
    }
    /// A value whose drop increments this counter.
    pub fn track(&self) -> Tracked {
        Tracked(self.clone())
    }
}

/// Increments its counter when dropped.
#[derive(Debug)]
pub struct Tracked(pub Counter);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.inc();
    }
}

/// Silences the panic hook for deliberate panics (their message starts with
/// "intentional"); every other panic is printed as usual.
///
/// rustyray's own hook (which records a panic's message for the promises dropped while
/// unwinding) is installed first, by a runtime started and stopped here: hooks are
/// replaced by a `take_hook` then a `set_hook`, so one installed by a test's runtime on
/// another thread between those two calls would be lost (a panic's message would then be
/// the generic one).
pub fn quiet_intentional_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        rustyray::Runtime::builder().worker_threads(1).build().expect("a runtime").shutdown();
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let p = info.payload();
            let msg = p.downcast_ref::<&str>().copied().or_else(|| p.downcast_ref::<String>().map(String::as_str));
            if !msg.is_some_and(|m| m.starts_with("intentional")) {
                default(info);
            }
        }));
    });
}
