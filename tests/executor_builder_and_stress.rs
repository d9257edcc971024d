//! The runtime builder (option validation, thread names and stack size), runtimes'
//! independence (cross-runtime spawns, one runtime surviving another's shutdown), and a
//! stress test: 100k tasks spawned from inside and outside the runtime.
//!
//! Every test builds its own `Runtime`, so the tests run in parallel. Timeouts are hang
//! guards only (a test that would hang fails instead); nothing asserts on speed.

mod common;

use std::time::Duration;

use common::{drive, runtime, wait, wait_until, Counter, TestRuntime};
use rustyray::executor::yield_now;
use rustyray::{time, Error, JoinHandle, Runtime};

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
