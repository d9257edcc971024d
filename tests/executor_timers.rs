//! Timers: `sleep` lasts at least its duration (in a task, in `block_on`, outside any
//! runtime), `timeout` errors for pending futures (dropping them) and passes ready ones,
//! `interval` ticks at increasing instants spaced by its period, and many concurrent sleeps
//! all complete.
//!
//! Every test builds its own `Runtime`, so the tests run in parallel. Timeouts are hang
//! guards only (a test that would hang fails instead); nothing asserts on speed.

mod common;

use std::time::{Duration, Instant};

use common::{drive, runtime, wait, Counter, GUARD};
use rustyray::{time, Error};

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
