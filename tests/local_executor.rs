//! Trace tests of [`LocalExecutor`], the single-threaded executor for `no_std` targets
//! (in the style of embassy-executor's `tests/test.rs`): every poll, pender call, wake
//! from an "interrupt" and drop is recorded, and each test asserts the exact trace.

use std::future::{poll_fn, Future};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use rustyray::executor::{yield_now, LocalExecutor};
use rustyray::Error;

type Trace = Mutex<Vec<&'static str>>;

/// Where a task leaves its waker for the test (or an "interrupt") to wake it.
type Slot = Arc<Mutex<Option<Waker>>>;

/// An executor (leaked: executors are `'static`) whose pender records `"pend"`.
struct Fixture {
    exec: &'static LocalExecutor,
    trace: &'static Trace,
}

fn fixture() -> Fixture {
    let trace: &'static Trace = Box::leak(Box::new(Mutex::new(Vec::new())));
    let pender = Box::leak(Box::new(move || trace.lock().unwrap().push("pend")));
    let exec = Box::leak(Box::new(LocalExecutor::new(pender)));
    Fixture { exec, trace }
}

impl Fixture {
    /// Takes the trace recorded so far.
    fn take(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.trace.lock().unwrap())
    }

    /// A task that records `name` at each poll, leaves its waker in `slot`, and completes
    /// (with its poll count) at poll number `ready_at`.
    fn probe(&self, name: &'static str, slot: &Slot, ready_at: usize) -> impl Future<Output = usize> + Send + 'static {
        let trace = self.trace;
        let slot = slot.clone();
        let mut polls = 0;
        poll_fn(move |cx| {
            trace.lock().unwrap().push(name);
            polls += 1;
            if polls >= ready_at {
                return Poll::Ready(polls);
            }
            *slot.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        })
    }

    /// Records `event` when dropped.
    fn noisy(&self, event: &'static str) -> Noisy {
        Noisy { trace: self.trace, event }
    }

    fn log(&self, event: &'static str) {
        self.trace.lock().unwrap().push(event);
    }
}

/// Records its event in the trace when dropped.
#[derive(Debug)]
struct Noisy {
    trace: &'static Trace,
    event: &'static str,
}

impl Drop for Noisy {
    fn drop(&mut self) {
        self.trace.lock().unwrap().push(self.event);
    }
}

fn slot() -> Slot {
    Arc::new(Mutex::new(None))
}

/// Wakes the waker left in `slot` (taking it).
fn wake(slot: &Slot) {
    slot.lock().unwrap().take().expect("the task left a waker").wake();
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn local_boom() {
    panic!("local boom")
}

fn no_idle() {
    panic!("idle called although a task was runnable");
}

#[test]
fn spawn_runs_nothing_until_run_until_stalled() {
    let f = fixture();
    let s = slot();
    assert!(f.exec.is_idle());
    let a = f.exec.spawn(f.probe("a", &s, 1));
    let b = f.exec.spawn(f.probe("b", &s, 1));
    assert_eq!(f.take(), ["pend", "pend"], "spawning schedules (one pend each) but polls nothing");
    assert!(!f.exec.is_idle());
    assert!(!a.is_finished() && !b.is_finished());

    assert_eq!(f.exec.run_until_stalled(), 2);
    assert_eq!(f.take(), ["a", "b"]);
    assert!(f.exec.is_idle());
    assert!(a.is_finished() && b.is_finished());

    assert_eq!(f.exec.run_until_stalled(), 0);
    assert_eq!(f.take(), [] as [&str; 0]);
    assert_eq!(f.exec.block_on(a, no_idle), Ok(1));
    assert_eq!(f.exec.block_on(b, no_idle), Ok(1));
}

#[test]
fn static_executor_with_a_closure_pender() {
    static TRACE: Trace = Mutex::new(Vec::new());
    static EXEC: LocalExecutor = LocalExecutor::new(&|| TRACE.lock().unwrap().push("pend"));
    let h = EXEC.spawn(async {
        TRACE.lock().unwrap().push("task");
        3
    });
    assert_eq!(EXEC.run_until_stalled(), 1);
    assert_eq!(EXEC.block_on(h, no_idle), Ok(3));
    assert_eq!(*TRACE.lock().unwrap(), ["pend", "task"]);
    assert!(format!("{EXEC:?}").contains("LocalExecutor"));
}

#[test]
fn spawn_order_and_wake_order_are_fifo() {
    let f = fixture();
    let (sa, sb, sc) = (slot(), slot(), slot());
    let a = f.exec.spawn(f.probe("a", &sa, 2));
    let b = f.exec.spawn(f.probe("b", &sb, 2));
    let c = f.exec.spawn(f.probe("c", &sc, 2));
    assert_eq!(f.exec.run_until_stalled(), 3);
    assert_eq!(f.take(), ["pend", "pend", "pend", "a", "b", "c"]);

    wake(&sc);
    wake(&sa);
    wake(&sb);
    assert_eq!(f.take(), ["pend", "pend", "pend"]);
    assert_eq!(f.exec.run_until_stalled(), 3);
    assert_eq!(f.take(), ["c", "a", "b"], "woken tasks run in wake order");
    for h in [a, b, c] {
        assert_eq!(f.exec.block_on(h, no_idle), Ok(2));
    }
}

#[test]
fn many_tasks_run_in_wake_order() {
    let f = fixture();
    let names: Vec<&'static str> = (0..100).map(|i| leak(format!("t{i}"))).collect();
    let slots: Vec<Slot> = (0..100).map(|_| slot()).collect();
    let handles: Vec<_> = names.iter().zip(&slots).map(|(n, s)| f.exec.spawn(f.probe(n, s, 2))).collect();
    assert_eq!(f.exec.run_until_stalled(), 100);
    let trace = f.take();
    assert_eq!(&trace[..100], vec!["pend"; 100]);
    assert_eq!(&trace[100..], &names[..]);

    // Wake in a scrambled order.
    let order: Vec<usize> = (0..100).map(|i| (i * 37 + 11) % 100).collect();
    for &i in &order {
        wake(&slots[i]);
    }
    assert_eq!(f.exec.run_until_stalled(), 100);
    let trace = f.take();
    assert_eq!(&trace[..100], vec!["pend"; 100]);
    let expected: Vec<&str> = order.iter().map(|&i| names[i]).collect();
    assert_eq!(&trace[100..], &expected[..]);
    assert!(handles.iter().all(|h| h.is_finished()));
}

#[test]
fn task_woken_by_another_task_runs_in_the_same_call() {
    let f = fixture();
    let sa = slot();
    let a = f.exec.spawn(f.probe("a", &sa, 2));
    let trace = f.trace;
    let sa2 = sa.clone();
    let b = f.exec.spawn(poll_fn(move |_| {
        trace.lock().unwrap().push("b");
        wake(&sa2);
        Poll::Ready(())
    }));
    assert_eq!(f.exec.run_until_stalled(), 3);
    assert_eq!(f.take(), ["pend", "pend", "a", "b", "pend", "a"]);
    assert_eq!(f.exec.block_on(a, no_idle), Ok(2));
    assert_eq!(f.exec.block_on(b, no_idle), Ok(()));
}

#[test]
fn self_wake_runs_again_in_the_same_call() {
    let f = fixture();
    let trace = f.trace;
    let mut polls = 0;
    let h = f.exec.spawn(poll_fn(move |cx| {
        trace.lock().unwrap().push("s");
        polls += 1;
        if polls == 4 {
            return Poll::Ready(polls);
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }));
    assert_eq!(f.exec.run_until_stalled(), 4);
    assert_eq!(f.take(), ["pend", "s", "pend", "s", "pend", "s", "pend", "s"]);
    assert_eq!(f.exec.block_on(h, no_idle), Ok(4));
}

#[test]
fn yielding_tasks_take_turns() {
    let f = fixture();
    let t = f.trace;
    let log = move |e| t.lock().unwrap().push(e);
    let a = f.exec.spawn(async move {
        log("a1");
        yield_now().await;
        log("a2");
    });
    let b = f.exec.spawn(async move {
        log("b1");
        yield_now().await;
        log("b2");
    });
    assert_eq!(f.exec.run_until_stalled(), 4);
    assert_eq!(f.take(), ["pend", "pend", "a1", "pend", "b1", "pend", "a2", "b2"]);
    assert!(a.is_finished() && b.is_finished());
}

#[test]
fn pender_is_called_once_per_wake() {
    let f = fixture();
    let s = slot();
    let h = f.exec.spawn(f.probe("a", &s, 3));
    assert_eq!(f.exec.run_until_stalled(), 1);
    assert_eq!(f.take(), ["pend", "a"]);

    // Three wakes before it runs: it is scheduled (and pended) once.
    let w = s.lock().unwrap().take().unwrap();
    let clone = w.clone();
    w.wake_by_ref();
    w.wake_by_ref();
    clone.wake();
    assert_eq!(f.take(), ["pend"]);
    assert_eq!(f.exec.run_until_stalled(), 1);
    assert_eq!(f.take(), ["a"]);

    // Once more to completion; then its stale wakers do nothing.
    wake(&s);
    assert_eq!(f.exec.run_until_stalled(), 1);
    assert_eq!(f.take(), ["pend", "a"]);
    w.wake_by_ref();
    w.wake();
    assert_eq!(f.take(), [] as [&str; 0], "waking a finished task neither pends nor runs it");
    assert_eq!(f.exec.run_until_stalled(), 0);
    assert_eq!(f.exec.block_on(h, no_idle), Ok(3));
}

#[test]
fn wake_from_an_interrupt_thread() {
    let f = fixture();
    let s = slot();
    let h = f.exec.spawn(f.probe("a", &s, 2));
    assert_eq!(f.exec.run_until_stalled(), 1);
    assert_eq!(f.take(), ["pend", "a"]);

    let waker = s.lock().unwrap().take().unwrap();
    let trace = f.trace;
    std::thread::spawn(move || {
        trace.lock().unwrap().push("irq");
        waker.wake();
    })
    .join()
    .unwrap();
    assert_eq!(f.take(), ["irq", "pend"]);
    assert!(!f.exec.is_idle());
    assert_eq!(f.exec.run_until_stalled(), 1);
    assert_eq!(f.take(), ["a"]);
    assert_eq!(f.exec.block_on(h, no_idle), Ok(2));
}

#[test]
fn wake_from_an_interrupt_during_run_until_stalled_runs_in_the_same_call() {
    let f = fixture();
    let sa = slot();
    let a = f.exec.spawn(f.probe("a", &sa, 2));
    let trace = f.trace;
    let sa2 = sa.clone();
    let b = f.exec.spawn(poll_fn(move |_| {
        trace.lock().unwrap().push("b");
        let sa3 = sa2.clone();
        // The "interrupt" fires while b is being polled.
        std::thread::spawn(move || {
            trace.lock().unwrap().push("irq");
            wake(&sa3);
        })
        .join()
        .unwrap();
        Poll::Ready(())
    }));
    assert_eq!(f.exec.run_until_stalled(), 3);
    assert_eq!(f.take(), ["pend", "pend", "a", "b", "irq", "pend", "a"]);
    assert!(a.is_finished() && b.is_finished());
}

#[test]
fn concurrent_interrupts_each_schedule_their_task_once() {
    let f = fixture();
    let slots: Vec<Slot> = (0..16).map(|_| slot()).collect();
    let handles: Vec<_> = slots.iter().map(|s| f.exec.spawn(f.probe("t", s, 2))).collect();
    assert_eq!(f.exec.run_until_stalled(), 16);
    f.take();
    let threads: Vec<_> = slots
        .iter()
        .map(|s| {
            let w = s.lock().unwrap().take().unwrap();
            std::thread::spawn(move || {
                for _ in 0..100 {
                    w.wake_by_ref();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(f.take(), vec!["pend"; 16]);
    assert_eq!(f.exec.run_until_stalled(), 16);
    assert_eq!(f.take(), vec!["t"; 16]);
    assert!(handles.iter().all(|h| h.is_finished()));
}

#[test]
fn block_on_calls_idle_only_when_nothing_is_runnable() {
    let f = fixture();
    let s = slot();
    let h = f.exec.spawn(f.probe("a", &s, 2));
    let trace = f.trace;
    let mut main = Box::pin(h);
    let main = poll_fn(move |cx| {
        trace.lock().unwrap().push("main");
        main.as_mut().poll(cx)
    });
    let mut idles = 0;
    let out = f.exec.block_on(main, || {
        trace.lock().unwrap().push("idle");
        idles += 1;
        assert_eq!(idles, 1, "idle called again although the interrupt made a task runnable");
        // The "interrupt" that idle (WFE) waits for.
        wake(&s);
    });
    assert_eq!(out, Ok(2));
    assert_eq!(f.take(), ["pend", "main", "a", "main", "idle", "pend", "main", "a", "main"]);
}

#[test]
fn block_on_a_ready_future_runs_no_task() {
    let f = fixture();
    let s = slot();
    let h = f.exec.spawn(f.probe("a", &s, 1));
    assert_eq!(f.exec.block_on(async { 5 }, no_idle), 5);
    assert_eq!(f.take(), ["pend"]);
    assert_eq!(f.exec.block_on(h, no_idle), Ok(1));
    assert_eq!(f.take(), ["a"]);
}

#[test]
fn join_handle_delivers_output_and_wakes_an_awaiting_task() {
    let f = fixture();
    let s = slot();
    let first = f.exec.spawn(f.probe("first", &s, 2));
    let trace = f.trace;
    let mut awaiting = Box::pin(async move { first.await.map(|n| n * 10) });
    let second = f.exec.spawn(poll_fn(move |cx| {
        trace.lock().unwrap().push("second");
        awaiting.as_mut().poll(cx)
    }));
    assert_eq!(f.exec.run_until_stalled(), 2);
    assert_eq!(f.take(), ["pend", "pend", "first", "second"]);

    wake(&s);
    assert_eq!(f.exec.run_until_stalled(), 2);
    assert_eq!(f.take(), ["pend", "first", "pend", "second"], "completion wakes the awaiting task");
    assert!(second.is_finished());
    assert_eq!(f.exec.block_on(second, no_idle), Ok(Ok(20)));
}

#[test]
fn dropping_the_join_handle_detaches() {
    let f = fixture();
    let (fut, out) = (f.noisy("drop future"), f.noisy("drop output"));
    let trace = f.trace;
    drop(f.exec.spawn(async move {
        let _fut = fut;
        trace.lock().unwrap().push("run");
        out
    }));
    assert_eq!(f.take(), ["pend"]);
    assert_eq!(f.exec.run_until_stalled(), 1);
    assert_eq!(f.take(), ["run", "drop future", "drop output"], "a detached task runs; each part is dropped once");
    assert_eq!(f.exec.run_until_stalled(), 0);
    assert_eq!(f.take(), [] as [&str; 0]);
}

#[test]
fn output_is_dropped_once_by_its_reader() {
    let f = fixture();
    let (fut, out) = (f.noisy("drop future"), f.noisy("drop output"));
    let h = f.exec.spawn(async move {
        let _fut = fut;
        out
    });
    assert_eq!(f.exec.run_until_stalled(), 1);
    assert_eq!(f.take(), ["pend", "drop future"]);
    let got = f.exec.block_on(h, no_idle).unwrap();
    assert_eq!(f.take(), [] as [&str; 0]);
    drop(got);
    assert_eq!(f.take(), ["drop output"]);
}

#[test]
fn cancel_before_the_first_poll_never_runs_the_task() {
    let f = fixture();
    let fut = f.noisy("drop future");
    let trace = f.trace;
    let h = f.exec.spawn(async move {
        let _fut = fut;
        trace.lock().unwrap().push("run");
    });
    assert_eq!(f.take(), ["pend"]);
    h.cancel();
    assert_eq!(f.take(), [] as [&str; 0], "already queued: cancelling does not pend again");
    assert_eq!(f.exec.run_until_stalled(), 1, "the queued task is taken off the queue once");
    assert_eq!(f.exec.run_until_stalled(), 0);
    assert_eq!(f.take(), ["drop future"], "cancelled before it started: never polled, dropped once");
}

#[test]
fn cancel_a_waiting_task_drops_its_future_once() {
    let f = fixture();
    let s = slot();
    let fut = f.noisy("drop future");
    let probe = f.probe("a", &s, 2);
    let h = f.exec.spawn(async move {
        let _fut = fut;
        probe.await
    });
    assert_eq!(f.exec.run_until_stalled(), 1);
    assert_eq!(f.take(), ["pend", "a"]);
    h.cancel();
    assert_eq!(f.exec.run_until_stalled(), 1, "rescheduled once so that the executor drops it");
    assert_eq!(f.exec.run_until_stalled(), 0);
    assert_eq!(f.take(), ["pend", "drop future"], "the future is dropped once, not polled again");
    // Its stale waker does nothing.
    wake(&s);
    assert_eq!(f.exec.run_until_stalled(), 0);
    assert_eq!(f.take(), [] as [&str; 0]);
}

#[test]
fn cancel_a_task_from_inside_its_own_poll() {
    let f = fixture();
    let fut = f.noisy("drop future");
    let handle_slot: Arc<Mutex<Option<rustyray::JoinHandle<()>>>> = Arc::new(Mutex::new(None));
    let hs = handle_slot.clone();
    let trace = f.trace;
    let h = f.exec.spawn(async move {
        let _fut = fut;
        trace.lock().unwrap().push("poll");
        let own = hs.lock().unwrap().take().unwrap();
        own.cancel();
        trace.lock().unwrap().push("cancelled self");
        yield_now().await;
        trace.lock().unwrap().push("polled after cancel");
    });
    *handle_slot.lock().unwrap() = Some(h);
    assert_eq!(f.exec.run_until_stalled(), 1);
    assert_eq!(f.exec.run_until_stalled(), 0);
    assert_eq!(
        f.take(),
        ["pend", "poll", "cancelled self", "drop future"],
        "dropped once when the current poll returns; its self-wake does not run it again"
    );
}

#[test]
fn cancel_after_completion_drops_the_output_once() {
    let f = fixture();
    let (fut, out) = (f.noisy("drop future"), f.noisy("drop output"));
    let h = f.exec.spawn(async move {
        let _fut = fut;
        out
    });
    f.exec.run_until_stalled();
    assert_eq!(f.take(), ["pend", "drop future"]);
    assert!(h.is_finished());
    h.cancel();
    assert_eq!(f.take(), ["drop output"]);
    assert_eq!(f.exec.run_until_stalled(), 0);
    assert_eq!(f.take(), [] as [&str; 0]);
}

#[test]
fn a_panicking_task_is_reported_and_dropped_once() {
    let f = fixture();
    let fut = f.noisy("drop future");
    let trace = f.trace;
    let h = f.exec.spawn(async move {
        let _fut = fut;
        trace.lock().unwrap().push("run");
        local_boom();
    });
    let after = f.exec.spawn(f.probe("after", &slot(), 1));
    assert_eq!(f.exec.run_until_stalled(), 2);
    assert_eq!(f.take(), ["pend", "pend", "run", "drop future", "after"]);
    assert_eq!(f.exec.block_on(h, no_idle), Err(Error::TaskPanicked { message: "local boom".into() }));
    assert_eq!(f.exec.block_on(after, no_idle), Ok(1));
    f.log("end");
    assert_eq!(f.take(), ["end"]);
}
