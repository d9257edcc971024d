//! Panic isolation and drop counting in the multi-threaded runtime: a panicking task is
//! reported as `TaskPanicked` (whatever its payload) to its handle and to an awaiting task,
//! the worker survives it; and every task's future and output is dropped exactly once,
//! whether the task completed, was detached, finished unread or panicked.
//!
//! Every test builds its own `Runtime`, so the tests run in parallel. Timeouts are hang
//! guards only (a test that would hang fails instead); nothing asserts on speed.

mod common;

use common::{runtime, wait, wait_until, Counter};
use rustyray::executor::yield_now;
use rustyray::Error;

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
