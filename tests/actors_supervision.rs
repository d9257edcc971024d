//! Actor supervision and life cycle: a panicking method restarts the actor (sync and async
//! alike) until `max_restarts` runs out, panicked calls are retried (`max_task_retries`),
//! a panicking constructor kills the actor; `stop` / `kill` / the last handle dropped; each
//! state is dropped exactly once per incarnation; and what runtime shutdown does to actors.
//! (Timing-dependent supervision rules live in `supervision.rs`.)
//!
//! Every test builds its own runtime. Timeouts are hang guards only (they assert that
//! something finishes at all, never how fast); the few short sleeps back *negative*
//! assertions ("this has not happened"), which a slow machine cannot turn into a failure.

mod common;

use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::actors::review::Counter;
use common::actors::{busy_in_hold, eventually, runtime, NotClone, Probe, Tracked};
use common::{guard, quiet_intentional_panics};
use rustyray::actor::ActorState;
use rustyray::mailbox::TrySendError;
use rustyray::{Error, ObjectRef};

// ---- helpers --------------------------------------------------------------------------

/// The result of a sent call: the send's error, or the value / error of its object.
async fn outcome<R: Clone>(sent: Result<ObjectRef<R>, Error>) -> Result<R, Error> {
    match sent {
        Ok(r) => guard("an actor call's result", r.get()).await,
        Err(e) => Err(e),
    }
}

#[track_caller]
fn assert_died<T: Debug>(r: Result<T, Error>) {
    assert!(matches!(r, Err(Error::ActorDied { .. })), "expected Err(ActorDied), got {r:?}");
}

#[track_caller]
fn assert_panicked<T: Debug>(r: Result<T, Error>) {
    assert!(matches!(r, Err(Error::TaskPanicked { .. })), "expected Err(TaskPanicked), got {r:?}");
}

// ---- actors -----------------------------------------------------------------------------

/// Waits inside an `async` method whose arguments are `Clone` (so with `max_task_retries`
/// the call is kept for a retry while it runs).
#[rustyray::actor]
pub struct Gated;

#[rustyray::actor_methods]
impl Gated {
    pub fn new() -> Self {
        Gated
    }

    /// Sets `started`, then waits for `gate`.
    pub async fn wait(&mut self, started: Arc<AtomicBool>, gate: ObjectRef<()>) -> u32 {
        started.store(true, SeqCst);
        let _ = gate.get().await;
        1
    }
}

// ---- restarts -----------------------------------------------------------------------------

/// The panic message of a `TaskPanicked` result.
fn panic_message<T: Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::TaskPanicked { message }) => message,
        other => panic!("expected Err(TaskPanicked), got {other:?}"),
    }
}

#[test]
fn sync_and_async_methods_that_panic_restart_the_actor_alike() -> Result<(), Error> {
    quiet_intentional_panics();
    let rt = runtime();
    rt.block_on(async {
        let probe = Probe::default();
        let a = Tracked::options().max_restarts(2).remote(probe.clone()).await?;
        assert_eq!(a.add(5).await?.get().await?, 5);

        // A synchronous method (run in place, no future) panics.
        let boom = a.boom().await?;
        let next = a.incr().await?;
        assert_eq!(panic_message(guard("boom", boom.get()).await), "intentional: boom at n = 1005");
        assert_eq!(guard("the call after boom", next.get()).await?, 1, "state reset by the restart");

        // An `async` method panics after an await (its future was polled twice).
        assert_eq!(a.add(4).await?.get().await?, 5);
        let boom = a.boom_later().await?;
        let next = a.incr().await?;
        assert_eq!(panic_message(guard("boom_later", boom.get()).await), "intentional: boom_later at n = 1005");
        assert_eq!(guard("the call after boom_later", next.get()).await?, 1, "state reset by the restart");

        assert_eq!(probe.built(), 3, "one restart per panic");
        assert_eq!(probe.dropped(), 2, "each panicked state dropped once");
        assert_eq!(probe.stopped(), 0, "on_stop does not run on a restart");
        assert_eq!(a.state(), ActorState::Running);
        Ok(())
    })
}

#[test]
fn restarts_rebuild_the_actor_then_it_dies() -> Result<(), Error> {
    quiet_intentional_panics();
    let rt = runtime();
    rt.block_on(async {
        let probe = Probe::default();
        let a = Tracked::options().max_restarts(2).remote(probe.clone()).await?;
        assert_eq!(a.incr().await?.get().await?, 1);
        assert_eq!(a.incr().await?.get().await?, 2);

        // Panic #1: its call fails with TaskPanicked, the constructor re-runs with the same
        // arguments (the probe), the state is fresh, the next queued call is handled.
        let boom = a.boom().await?;
        let next = a.incr().await?;
        assert_panicked(guard("boom #1", boom.get()).await);
        assert_eq!(guard("the call after boom #1", next.get()).await?, 1, "state reset by the restart");
        assert_eq!(probe.built(), 2, "the constructor re-ran");
        assert_eq!(probe.started(), 2, "on_start re-ran");
        assert_eq!(probe.dropped(), 1, "the old state was dropped");
        assert_eq!(probe.stopped(), 0, "on_stop does not run on a restart");
        assert_eq!(a.state(), ActorState::Running);

        // Panic #2: the last restart.
        let boom = a.boom().await?;
        let next = a.incr().await?;
        assert_panicked(guard("boom #2", boom.get()).await);
        assert_eq!(guard("the call after boom #2", next.get()).await?, 1);
        assert_eq!(probe.built(), 3);
        assert_eq!(probe.dropped(), 2);

        // Panic #3: out of restarts. Queued calls fail with ActorDied, nothing hangs.
        let boom = a.boom().await;
        let queued: Vec<_> = [a.incr().await, a.add(3).await, a.get().await].into_iter().collect();
        assert_panicked(outcome(boom).await);
        for q in queued {
            assert_died(outcome(q).await);
        }
        eventually("the actor stops", || async { a.state() == ActorState::Stopped }).await;
        // Later calls, in every form, fail at once.
        assert_died(a.incr().await);
        assert_died(a.incr().tell().await);
        assert!(matches!(a.incr().try_send(), Err(TrySendError::Closed(_))));
        assert!(matches!(a.incr().try_tell(), Err(TrySendError::Closed(_))));
        assert_eq!(probe.built(), 3);
        assert_eq!(probe.dropped(), 3, "every incarnation's state dropped exactly once");
        assert_eq!(probe.stopped(), 0, "a panicked state gets no on_stop");
        Ok(())
    })
}

#[test]
fn a_panicked_call_is_retried_after_the_restart_up_to_max_task_retries() -> Result<(), Error> {
    quiet_intentional_panics();
    let rt = runtime();
    rt.block_on(async {
        let probe = Probe::default();
        let a = Tracked::options().max_restarts(10).max_task_retries(2).remote(probe.clone()).await?;
        // Every failed run costs a restart. Fails twice, succeeds on its third run; the call
        // queued behind it waits for it.
        let runs = Arc::new(AtomicUsize::new(0));
        let flaky = a.flaky(runs.clone(), 2).await?;
        let next = a.incr().await?;
        assert_eq!(guard("flaky", flaky.get()).await?, 3, "ran three times, the result is the last run's");
        assert_eq!(guard("next", next.get()).await?, 2, "the retried call ran first, on the rebuilt state");
        assert_eq!(probe.built(), 3, "one restart per failed run");
        assert_eq!(probe.dropped(), 2);

        // Retries exhausted: the call fails with the panic, the actor (restarts left) goes on.
        let runs = Arc::new(AtomicUsize::new(0));
        let flaky = a.flaky(runs.clone(), 10).await?;
        assert_panicked(guard("flaky, out of retries", flaky.get()).await);
        assert_eq!(runs.load(SeqCst), 3, "the first run and two retries");
        assert_eq!(a.incr().await?.get().await?, 1, "running, on a fresh state");

        // Fire-and-forget calls are retried too.
        let runs = Arc::new(AtomicUsize::new(0));
        a.flaky(runs.clone(), 1).tell().await?;
        assert_eq!(guard("after the told flaky call", a.get().await?.get()).await?, 1);
        assert_eq!(runs.load(SeqCst), 2);

        // An argument that is not Clone: the call cannot be re-run, it fails at once.
        let runs = Arc::new(AtomicUsize::new(0));
        let token = a.flaky_token(runs.clone(), NotClone).await?;
        assert_panicked(guard("flaky_token", token.get()).await);
        assert_eq!(runs.load(SeqCst), 1);
        assert_eq!(a.state(), ActorState::Running);
        Ok(())
    })
}

#[test]
fn a_retry_needs_a_restart() -> Result<(), Error> {
    quiet_intentional_panics();
    let rt = runtime();
    rt.block_on(async {
        let probe = Probe::default();
        let a = Tracked::options().max_task_retries(3).remote(probe.clone()).await?;
        let runs = Arc::new(AtomicUsize::new(0));
        let flaky = a.flaky(runs.clone(), 1).await?;
        let after = a.incr().await;
        assert_panicked(guard("flaky without restarts", flaky.get()).await);
        assert_eq!(runs.load(SeqCst), 1, "no restart left, so no retry");
        assert_died(outcome(after).await);
        eventually("the actor stops", || async { a.state() == ActorState::Stopped }).await;
        assert_eq!((probe.built(), probe.dropped()), (1, 1));
        Ok(())
    })
}

#[test]
fn without_restarts_a_panic_kills_the_actor() -> Result<(), Error> {
    quiet_intentional_panics();
    let rt = runtime();
    rt.block_on(async {
        let probe = Probe::default();
        let a = Tracked::remote(probe.clone()).await?;
        let boom = a.boom().await;
        let after = a.incr().await;
        assert_panicked(outcome(boom).await);
        assert_died(outcome(after).await);
        eventually("the actor stops", || async { a.state() == ActorState::Stopped }).await;
        assert_died(outcome(a.get().await).await);
        assert_eq!((probe.built(), probe.dropped(), probe.stopped()), (1, 1, 0));
        Ok(())
    })
}

#[test]
fn a_panicking_constructor_kills_the_actor() -> Result<(), Error> {
    quiet_intentional_panics();
    let rt = runtime();
    rt.block_on(async {
        // At start.
        let probe = Probe::failing_ctor_at(1);
        let a = Tracked::options().max_restarts(3).remote(probe.clone()).await?;
        let first = a.incr().await;
        let second = a.get().await;
        assert_died(outcome(first).await);
        assert_died(outcome(second).await);
        eventually("the actor stops", || async { a.state() == ActorState::Stopped }).await;
        assert_died(a.incr().await);
        assert_eq!((probe.built(), probe.started(), probe.dropped(), probe.stopped()), (0, 0, 0, 0));

        // During a restart: the panicking call fails with TaskPanicked, the rest ActorDied.
        let probe = Probe::failing_ctor_at(2);
        let a = Tracked::options().max_restarts(3).remote(probe.clone()).await?;
        assert_eq!(a.incr().await?.get().await?, 1);
        let boom = a.boom().await;
        let after = a.incr().await;
        assert_panicked(outcome(boom).await);
        assert_died(outcome(after).await);
        eventually("the actor stops", || async { a.state() == ActorState::Stopped }).await;
        assert_died(a.incr().await);
        assert_eq!((probe.built(), probe.dropped(), probe.stopped()), (1, 1, 0));
        Ok(())
    })
}

#[test]
fn restart_then_stop_drops_each_state_once() -> Result<(), Error> {
    quiet_intentional_panics();
    let rt = runtime();
    rt.block_on(async {
        let probe = Probe::default();
        let a = Tracked::options().max_restarts(1).remote(probe.clone()).await?;
        assert_panicked(outcome(a.boom().await).await);
        assert_eq!(a.incr().await?.get().await?, 1);
        a.stop();
        eventually("the actor stops", || async { a.state() == ActorState::Stopped }).await;
        assert_eq!((probe.built(), probe.started(), probe.dropped(), probe.stopped()), (2, 2, 2, 1));
        Ok(())
    })
}

// ---- stop, kill, last handle ----------------------------------------------------------------

#[test]
fn stop_finishes_queued_calls_and_refuses_later_ones() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let probe = Probe::default();
        let a = Tracked::remote(probe.clone()).await?;
        let (held, open) = busy_in_hold(&rt, &a).await?;
        let queued: Vec<_> = [a.incr().await?, a.incr().await?, a.incr().await?].into_iter().collect();

        a.stop();
        assert_ne!(a.state(), ActorState::Running);
        assert_died(a.incr().await);
        assert_died(a.incr().tell().await);
        assert!(matches!(a.incr().try_send(), Err(TrySendError::Closed(_))));
        assert!(a.downgrade().upgrade().is_none(), "a stopping actor cannot be upgraded to");

        open.fulfill(Ok(()));
        assert_eq!(guard("hold", held.get()).await?, 0);
        let mut values = Vec::new();
        for r in &queued {
            values.push(guard("a queued call", r.get()).await?);
        }
        assert_eq!(values, [1, 2, 3], "calls queued before stop() are handled");
        eventually("the actor stops", || async { a.state() == ActorState::Stopped }).await;
        assert_eq!((probe.built(), probe.started(), probe.stopped(), probe.dropped()), (1, 1, 1, 1));
        a.stop(); // idempotent
        a.kill(); // harmless after the stop
        assert_eq!(probe.dropped(), 1);
        Ok(())
    })
}

#[test]
fn kill_fails_queued_calls_and_abandons_the_call_in_progress() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let probe = Probe::default();
        let a = Tracked::remote(probe.clone()).await?;
        // Never opened: `hold` would wait forever.
        let (hung, never) = busy_in_hold(&rt, &a).await?;
        let queued: Vec<_> = [a.incr().await?, a.add(2).await?].into_iter().collect();

        a.kill();
        assert_died(guard("the abandoned call", hung.get()).await);
        for r in &queued {
            assert_died(guard("a queued call", r.get()).await);
        }
        assert_died(a.incr().await);
        assert_died(a.incr().tell().await);
        eventually("the actor stops", || async { a.state() == ActorState::Stopped }).await;
        assert_eq!((probe.built(), probe.stopped(), probe.dropped()), (1, 1, 1), "on_stop once, state dropped once");
        drop(never);
        Ok(())
    })
}

#[test]
fn an_unnamed_actor_stops_when_its_last_handle_is_dropped() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let probe = Probe::default();
        let a = Tracked::remote(probe.clone()).await?;
        assert_eq!(a.incr().await?.get().await?, 1);
        let weak = a.downgrade();
        let b = a.clone();
        drop(a);
        // One handle left: still running.
        rustyray::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(probe.dropped(), 0);
        let last = b.incr().await?; // queued before the last handle goes away
        let task = rustyray::spawn(async move {
            let v = b.incr().await?.get().await?;
            drop(b);
            Ok::<_, Error>(v)
        });
        assert_eq!(guard("the last holder", task).await??, 3);
        assert_eq!(guard("a call queued before the drop", last.get()).await?, 2);
        eventually("the actor stops", || async { probe.dropped() == 1 }).await;
        assert_eq!((probe.stopped(), probe.dropped()), (1, 1));
        assert!(weak.upgrade().is_none(), "a weak handle does not keep the actor alive");
        Ok(())
    })
}

#[test]
fn state_is_dropped_exactly_once_per_incarnation() -> Result<(), Error> {
    quiet_intentional_panics();
    let rt = runtime();
    rt.block_on(async {
        // Normal stop.
        let p = Probe::default();
        let a = Tracked::remote(p.clone()).await?;
        a.incr().tell().await?;
        a.stop();
        eventually("stop", || async { p.dropped() == 1 }).await;
        // Kill.
        let k = Probe::default();
        let b = Tracked::remote(k.clone()).await?;
        b.incr().tell().await?;
        b.kill();
        eventually("kill", || async { k.dropped() == 1 }).await;
        // Restart, then the handle dropped.
        let r = Probe::default();
        let c = Tracked::options().max_restarts(5).remote(r.clone()).await?;
        for _ in 0..3 {
            assert_panicked(outcome(c.boom().await).await);
        }
        assert_eq!(c.get().await?.get().await?, 0);
        drop(c);
        eventually("restarts then drop", || async { r.dropped() == 4 }).await;
        // Death.
        let d = Probe::default();
        let e = Tracked::options().max_restarts(1).remote(d.clone()).await?;
        assert_panicked(outcome(e.boom().await).await);
        assert_panicked(outcome(e.boom().await).await);
        eventually("death", || async { e.state() == ActorState::Stopped }).await;

        // Nothing is dropped twice, however long we look.
        rustyray::time::sleep(Duration::from_millis(20)).await;
        assert_eq!((p.built(), p.dropped(), p.stopped()), (1, 1, 1));
        assert_eq!((k.built(), k.dropped(), k.stopped()), (1, 1, 1));
        assert_eq!((r.built(), r.dropped(), r.stopped()), (4, 4, 1));
        assert_eq!((d.built(), d.dropped(), d.stopped()), (2, 2, 0));
        Ok(())
    })
}

// ---- runtime shutdown -------------------------------------------------------------------

/// After shutdown no actor starts (`RuntimeShutdown`), and one that was running is
/// stopped: its loop was dropped, so its handles see `Stopped` and weak handles no longer
/// upgrade.
#[test]
fn actors_and_runtime_shutdown() {
    let rt = runtime();
    let handle = rt.handle().clone();
    let before =
        futures_lite::future::block_on(Counter::options().remote_on(&handle)).expect("started before the shutdown");
    let weak = before.downgrade();
    rt.shutdown();
    assert!(matches!(
        futures_lite::future::block_on(Counter::options().remote_on(&handle)),
        Err(Error::RuntimeShutdown)
    ));
    assert_eq!(before.state(), ActorState::Stopped);
    assert!(weak.upgrade().is_none());
}

/// Shutdown drops an actor's loop while a call kept for a retry (`max_task_retries`) is
/// waiting inside its method: the caller gets an error at once. (The kept copy holds the
/// call's reply and lives in the actor's shared state, which the caller's handle keeps
/// alive: it must go with the loop, or the caller would wait for its own handle.)
#[test]
fn a_call_kept_for_a_retry_fails_when_shutdown_drops_its_actor() {
    let rt = runtime();
    let (call, open, actor) = rt
        .block_on(async {
            let (gate, open) = rt.store().pending::<()>();
            let actor = Gated::options().max_task_retries(1).remote().await?;
            let started = Arc::new(AtomicBool::new(false));
            let call = actor.wait(started.clone(), gate).await?;
            eventually("the method waits at its gate", || {
                let started = started.clone();
                async move { started.load(SeqCst) }
            })
            .await;
            Ok::<_, Error>((call, open, actor))
        })
        .expect("the call is running");
    rt.shutdown();
    assert!(call.is_ready(), "shutdown answered the kept call");
    assert!(futures_lite::future::block_on(call.get()).is_err(), "with an error");
    drop((open, actor));
}
