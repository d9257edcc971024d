//! The process-wide default runtime: `rustyray::init`, `rustyray::spawn`,
//! `rustyray::shutdown`. It is global to the process, so every assertion lives in the one
//! test of this file (its own test binary): nothing else can race with it.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use rustyray::{Error, Runtime};

/// Hang guard only.
const GUARD: Duration = Duration::from_secs(10);

/// Waits for `fut` on this thread without running runtime tasks, failing instead of hanging.
fn wait<F: std::future::Future>(what: &str, fut: F) -> F::Output {
    match futures_lite::future::block_on(rustyray::time::timeout(GUARD, fut)) {
        Ok(v) => v,
        Err(e) => panic!("hang guard: {what} did not finish within {GUARD:?} ({e})"),
    }
}

fn thread_name() -> String {
    std::thread::current().name().unwrap_or_default().to_owned()
}

struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn default_runtime_lifecycle() {
    // Nothing is running yet.
    let drops = Arc::new(AtomicUsize::new(0));
    let t = Tracked(drops.clone());
    let h = rustyray::spawn(async move {
        let _t = t;
        1
    });
    assert!(h.is_finished(), "a handle that failed to spawn is finished at once");
    assert_eq!(drops.load(SeqCst), 1, "the refused future is dropped at once, never run");
    assert_eq!(wait("spawn without a runtime", h), Err(Error::NoRuntime));
    assert_eq!(rustyray::shutdown(), Err(Error::NoRuntime));

    rustyray::init().expect("init");
    assert_eq!(rustyray::init(), Err(Error::AlreadyInitialized), "a second init is refused");

    // From a plain thread, `spawn` goes to the default runtime's workers.
    let name = wait("spawn on the default runtime", rustyray::spawn(async { thread_name() }));
    assert!(name.unwrap().starts_with("rustyray-worker-"));
    // From another OS thread too, and from inside a task (nested spawn).
    let other = std::thread::spawn(|| {
        wait(
            "nested spawn from another thread",
            rustyray::spawn(async { rustyray::spawn(async { 20 }).await.map(|v| v + 1) }),
        )
    })
    .join()
    .unwrap();
    assert_eq!(other, Ok(Ok(21)));
    // Many tasks, fan-in.
    let handles: Vec<_> = (0..1_000u64).map(|i| rustyray::spawn(async move { i })).collect();
    let sum = wait("1000 tasks on the default runtime", async {
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 499_500);

    // Inside another runtime, `spawn` uses that runtime, not the default one.
    let custom = Runtime::builder().worker_threads(1).thread_name("custom").build().unwrap();
    // The task returns the inner handle on purpose: it is awaited from this thread.
    #[allow(clippy::async_yields_async)]
    let spawner = custom.spawn(async { rustyray::spawn(async { thread_name() }) });
    let inner = wait("spawn from a custom runtime's task", spawner);
    assert_eq!(wait("a task spawned from a custom runtime's task", inner.unwrap()), Ok("custom-0".to_owned()));
    let on_driver = custom.block_on(async { rustyray::spawn(async { 5 }).await });
    assert_eq!(on_driver, Ok(5));
    custom.shutdown();

    // Shut down: a second shutdown and later spawns report that nothing runs.
    assert_eq!(rustyray::shutdown(), Ok(()));
    assert_eq!(rustyray::shutdown(), Err(Error::NoRuntime));
    assert_eq!(wait("spawn after shutdown", rustyray::spawn(async { 1 })), Err(Error::NoRuntime));

    // The default runtime can be started again.
    rustyray::init().expect("init after shutdown");
    assert_eq!(wait("spawn on the restarted runtime", rustyray::spawn(async { 2 })), Ok(2));
    assert_eq!(rustyray::shutdown(), Ok(()));
    assert_eq!(rustyray::shutdown(), Err(Error::NoRuntime));
}
