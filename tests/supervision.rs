//! Supervision rules that depend on timing (`docs/semantics.md` §2.4, §2.5, §2.7): restart
//! backoff and intensity, a self-handle taken in `on_start` keeps the actor alive whatever
//! its creator does meanwhile, and calls queued when an actor's loop is dropped are answered
//! at once.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{drive, guard, quiet_intentional_panics, runtime, wait};
use rustyray::actor::ActorState;
use rustyray::{Error, ObjectRef};

/// Counts its constructions; `boom` always panics.
#[rustyray::actor]
pub struct Fragile {
    value: u32,
}

#[rustyray::actor_methods]
impl Fragile {
    pub fn new(built: Arc<AtomicUsize>) -> Self {
        built.fetch_add(1, SeqCst);
        Fragile { value: 0 }
    }

    pub fn boom(&mut self) -> u32 {
        panic!("intentional: always panics");
    }

    pub fn incr(&mut self) -> u32 {
        self.value += 1;
        self.value
    }

    pub async fn hold(&mut self, gate: ObjectRef<()>) -> u32 {
        let _ = gate.get().await;
        self.value
    }
}

#[test]
fn restarts_beyond_the_intensity_kill_the_actor() {
    quiet_intentional_panics();
    let rt = runtime(2);
    let built = Arc::new(AtomicUsize::new(0));
    drive(&rt, "the restart storm", async {
        let a = Fragile::options()
            .max_restarts(1_000_000)
            .restart_backoff(Duration::ZERO, Duration::ZERO)
            .restart_intensity(5, Duration::from_secs(3600))
            .remote(built.clone())
            .await?;
        // Six calls that panic: five restarts are allowed, the sixth panic is one too many.
        let mut booms = Vec::new();
        for _ in 0..6 {
            booms.push(a.boom().await);
        }
        let after = a.incr().await;
        for b in booms {
            let r = guard("a boom", b?.get()).await;
            assert!(matches!(r, Err(Error::TaskPanicked { .. })), "{r:?}");
        }
        match after {
            Ok(r) => match guard("the call after the storm", r.get()).await {
                Err(Error::ActorDied { reason }) => assert!(reason.contains("restart intensity"), "{reason}"),
                other => panic!("expected ActorDied, got {other:?}"),
            },
            Err(e) => assert!(matches!(e, Error::ActorDied { .. }), "{e:?}"),
        }
        Ok::<(), Error>(())
    })
    .expect("the storm");
    assert_eq!(built.load(SeqCst), 6, "the first start and five restarts");
}

#[test]
fn a_method_that_always_panics_restarts_with_backoff_not_in_a_tight_loop() {
    quiet_intentional_panics();
    let rt = runtime(2);
    let built = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    drive(&rt, "retries until the default intensity stops them", async {
        let a = Fragile::options().max_restarts(1_000_000).max_task_retries(1_000_000).remote(built.clone()).await?;
        // One call, retried after every restart: the default intensity (10 within 1 s)
        // ends it; the default backoff (1 ms, doubling) spaces the restarts.
        let r = guard("the retried call", a.boom().await?.get()).await;
        assert!(matches!(r, Err(Error::TaskPanicked { .. })), "{r:?}");
        common::wait_until("the actor stops", || a.state() == ActorState::Stopped);
        Ok::<(), Error>(())
    })
    .expect("the retried call");
    let built = built.load(SeqCst);
    assert!((2..=12).contains(&built), "a bounded number of restarts, not a storm: {built}");
    // Nine delays of 1, 2, 4 … 256 ms at least (a lower bound: backoff, not speed).
    assert!(
        built < 11 || started.elapsed() >= Duration::from_millis(511),
        "{built} restarts in {:?}",
        started.elapsed()
    );
}

#[test]
fn a_backoff_is_cut_short_by_kill() {
    quiet_intentional_panics();
    let rt = runtime(2);
    let built = Arc::new(AtomicUsize::new(0));
    drive(&rt, "a kill during the backoff", async {
        let a = Fragile::options()
            .max_restarts(10)
            .restart_backoff(Duration::from_secs(3600), Duration::from_secs(3600))
            .remote(built.clone())
            .await?;
        let first = a.boom().await?; // restart at once (no streak yet)
        assert!(guard("the first boom", first.get()).await.is_err());
        let second = a.boom().await?; // a quick second panic: an hour of backoff
        assert!(guard("the second boom", second.get()).await.is_err());
        let queued = a.incr().await?;
        a.kill();
        let r = guard("a call queued during the backoff", queued.get()).await;
        assert!(matches!(r, Err(Error::ActorDied { .. })), "{r:?}");
        Ok::<(), Error>(())
    })
    .expect("killed");
    assert_eq!(built.load(SeqCst), 2, "never rebuilt after the kill");
}

/// Takes a handle to itself in `on_start` (the documented way to keep itself alive).
#[rustyray::actor]
pub struct SelfKeeper {
    me: Option<SelfKeeperHandle>,
}

#[rustyray::actor_methods]
impl SelfKeeper {
    pub fn new() -> Self {
        SelfKeeper { me: None }
    }

    fn on_start(&mut self, ctx: &rustyray::ActorContext<Self>) {
        self.me = Some(ctx.handle());
    }

    pub fn ping(&self) -> u32 {
        1
    }
}

#[test]
fn a_self_handle_taken_in_on_start_keeps_the_actor_alive_whatever_the_timing() {
    let rt = runtime(2);
    for _ in 0..50 {
        drive(&rt, "create, drop at once, call through a weak handle", async {
            let a = SelfKeeper::remote().await?;
            let weak = a.downgrade();
            drop(a); // before `on_start` could run
            rustyray::executor::yield_now().await;
            let a = weak.upgrade().expect("still running: its on_start took a handle");
            assert_eq!(guard("a call", a.ping().await?.get()).await?, 1);
            assert_eq!(a.state(), ActorState::Running);
            a.stop();
            Ok::<(), Error>(())
        })
        .expect("the actor lives");
    }
}

#[test]
fn calls_queued_when_shutdown_drops_an_actor_are_answered_at_once() {
    let rt = runtime(2);
    let built = Arc::new(AtomicUsize::new(0));
    let (gate, _never) = rt.store().pending::<()>();
    let (a, held, queued) = drive(&rt, "a busy actor with queued calls", async {
        let a = Fragile::remote(built.clone()).await?;
        let held = a.hold(gate).await?;
        let queued = vec![a.incr().await?, a.incr().await?, a.incr().await?];
        Ok::<_, Error>((a, held, queued))
    })
    .expect("queued");
    rt.shutdown();
    // The caller still holds its handle: nothing else would answer the calls later.
    for r in queued {
        let v = wait("a queued call after shutdown", r.get());
        assert!(matches!(&v, Err(Error::ActorDied { reason }) if reason.contains("shut down")), "{v:?}");
    }
    let v = wait("the call in progress at shutdown", held.get());
    assert!(v.is_err(), "{v:?}");
    assert_eq!(a.state(), ActorState::Stopped);
}
