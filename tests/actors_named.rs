//! Named actors, hooks and self-calls: registering and looking up a name (per runtime,
//! typed, refused when taken, reusable once the actor stopped), a taken name never starts a
//! second actor, a named actor outlives its handles; `on_start` / `on_stop`, and an actor
//! calling itself (`ctx.handle()`, `run_later`, `run_interval`, a stored weak handle).
//!
//! Every test builds its own runtime. Timeouts are hang guards only (they assert that
//! something finishes at all, never how fast); the few short sleeps back *negative*
//! assertions ("this has not happened"), which a slow machine cannot turn into a failure.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::actors::review::{Counter, CounterHandle};
use common::actors::{eventually, review_dsl, runtime, Labeled, Probe, Tracked};
use common::guard;
use rustyray::actor::{ActorState, WeakActorHandle};
use rustyray::Error;

// ---- actors -----------------------------------------------------------------------------

/// Calls itself: a ping through `ctx.handle()` at start, a delayed call (`run_later`),
/// periodic calls (`run_interval`) and pings through a stored weak handle.
#[rustyray::actor]
pub struct Ticker {
    period_ms: u64,
    delay_ms: u64,
    later: u32,
    ticks: u32,
    pings: u32,
    me: Option<WeakActorHandle<Ticker>>,
    fired: Arc<AtomicUsize>,
    stopped: Arc<AtomicBool>,
}

#[rustyray::actor_methods]
impl Ticker {
    pub fn new(period_ms: u64, delay_ms: u64, fired: Arc<AtomicUsize>, stopped: Arc<AtomicBool>) -> Self {
        Ticker { period_ms, delay_ms, later: 0, ticks: 0, pings: 0, me: None, fired, stopped }
    }

    fn on_start(&mut self, ctx: &rustyray::ActorContext<Self>) {
        self.me = Some(ctx.weak_handle());
        let own = ctx.handle();
        own.ping().try_tell().expect("an unbounded mailbox has room");
        drop(own);
        ctx.run_later(Duration::from_millis(self.delay_ms), |h| async move {
            h.mark_later().tell().await.expect("running");
        });
        let fired = self.fired.clone();
        ctx.run_interval(Duration::from_millis(self.period_ms), move |h| {
            fired.fetch_add(1, SeqCst);
            async move {
                let _ = h.tick().tell().await;
            }
        });
    }

    fn on_stop(&mut self) {
        self.stopped.store(true, SeqCst);
    }

    pub fn mark_later(&mut self) {
        self.later += 1;
    }

    pub fn tick(&mut self) {
        self.ticks += 1;
    }

    pub fn ping(&mut self) {
        self.pings += 1;
    }

    /// Sends itself `n` pings through the weak handle kept from `on_start`.
    pub async fn ping_self(&self, n: u32) -> bool {
        let Some(me) = self.me.as_ref().and_then(WeakActorHandle::upgrade) else {
            return false;
        };
        for _ in 0..n {
            me.ping().tell().await.expect("running");
        }
        true
    }

    /// (later, ticks, pings)
    pub fn counts(&self) -> (u32, u32, u32) {
        (self.later, self.ticks, self.pings)
    }
}

// ---- named actors ------------------------------------------------------------------------

#[test]
fn named_actors() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let c =
            Counter::options().name("c").max_restarts(3).mailbox_capacity(1024).get_if_exists(true).remote().await?;
        assert_eq!(c.actor_ref().name(), Some("c"));
        assert_eq!(c.increment().await?.get().await?, 1);

        let found: CounterHandle = rustyray::get_actor::<Counter>("c")?;
        assert_eq!(found.actor_ref().id(), c.actor_ref().id());
        assert_eq!(found.increment().await?.get().await?, 2);
        let on = rustyray::get_actor_on::<Counter>(rt.handle(), "c")?;
        assert_eq!(on.actor_ref().id(), c.actor_ref().id());

        // Wrong type: a clear error, never a wrongly typed handle.
        assert!(matches!(rustyray::get_actor::<Labeled>("c"), Err(Error::TypeMismatch { .. })));
        assert!(matches!(rustyray::get_actor::<review_dsl::Counter>("c"), Err(Error::TypeMismatch { .. })));
        // Unknown name.
        match rustyray::get_actor::<Counter>("nobody") {
            Err(Error::ActorNotFound { name }) => assert_eq!(name, "nobody"),
            other => panic!("expected ActorNotFound, got {other:?}"),
        }
        // Names are per runtime.
        let elsewhere = runtime();
        assert!(matches!(rustyray::get_actor_on::<Counter>(elsewhere.handle(), "c"), Err(Error::ActorNotFound { .. })));

        // Duplicate name.
        match Counter::options().name("c").remote().await {
            Err(Error::NameTaken { name }) => assert_eq!(name, "c"),
            other => panic!("expected NameTaken, got {other:?}"),
        }
        // get_if_exists: the running one.
        let again = Counter::options().name("c").get_if_exists(true).remote().await?;
        assert_eq!(again.actor_ref().id(), c.actor_ref().id());
        assert_eq!(again.increment().await?.get().await?, 3);

        // Reusable once the actor has stopped.
        c.stop();
        eventually("the named actor stops", || async { c.state() == ActorState::Stopped }).await;
        eventually("the name is released", || async {
            matches!(rustyray::get_actor::<Counter>("c"), Err(Error::ActorNotFound { .. }))
        })
        .await;
        let fresh = Counter::options().name("c").remote().await?;
        assert_ne!(fresh.actor_ref().id(), c.actor_ref().id());
        assert_eq!(fresh.increment().await?.get().await?, 1, "a new actor, new state");
        assert_eq!(rustyray::get_actor::<Counter>("c")?.actor_ref().id(), fresh.actor_ref().id());
        Ok(())
    })
}

/// A name already taken (refused, or found by get-or-create) never starts the second actor:
/// its constructor does not run, and nothing of it is dropped but its arguments.
#[test]
fn a_taken_name_starts_no_second_actor() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let first = Probe::default();
        let t = Tracked::options().name("t").remote(first.clone()).await?;
        assert_eq!(t.incr().await?.get().await?, 1);
        let second = Probe::default();
        match Tracked::options().name("t").remote(second.clone()).await {
            Err(Error::NameTaken { name }) => assert_eq!(name, "t"),
            other => panic!("expected NameTaken, got {other:?}"),
        }
        let again = Tracked::options().name("t").get_if_exists(true).remote(second.clone()).await?;
        assert_eq!(again.actor_ref().id(), t.actor_ref().id());
        assert_eq!(again.incr().await?.get().await?, 2);
        // The refused actors' cells were queued like any other; let any run they got end.
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(second.ctor_calls.load(SeqCst), 0, "no constructor ran for a taken name");
        assert_eq!((second.started(), second.dropped()), (0, 0));
        assert_eq!((first.built(), first.started()), (1, 1));
        Ok(())
    })
}

#[test]
fn a_taken_name_is_taken_for_every_type() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let _c = Counter::options().name("shared-name").remote().await?;
        match Labeled::options().name("shared-name").remote(0, "l".to_string()).await {
            Err(Error::NameTaken { name }) => assert_eq!(name, "shared-name"),
            other => panic!("expected NameTaken for a name held by another actor type, got {other:?}"),
        }
        // Asking for the existing one with the wrong type is a type mismatch.
        assert!(matches!(
            Labeled::options().name("shared-name").get_if_exists(true).remote(0, "l".to_string()).await,
            Err(Error::TypeMismatch { .. })
        ));
        Ok(())
    })
}

#[test]
fn a_named_actor_outlives_its_handles() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let probe = Probe::default();
        let a = Tracked::options().name("keeper").remote(probe.clone()).await?;
        assert_eq!(a.incr().await?.get().await?, 1);
        drop(a);
        rustyray::time::sleep(Duration::from_millis(30)).await;
        assert_eq!((probe.stopped(), probe.dropped()), (0, 0), "a named actor runs until stopped");
        let found = rustyray::get_actor::<Tracked>("keeper")?;
        assert_eq!(found.state(), ActorState::Running);
        assert_eq!(found.incr().await?.get().await?, 2, "same actor, same state");
        drop(found);
        let again = rustyray::get_actor::<Tracked>("keeper")?;
        again.stop();
        eventually("stopped", || async { probe.dropped() == 1 }).await;
        assert_eq!(probe.stopped(), 1);
        Ok(())
    })
}

// ---- hooks and self-calls ------------------------------------------------------------------

#[test]
fn hooks_run() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let probe = Probe::default();
        let a = Tracked::remote(probe.clone()).await?;
        a.get().await?.get().await?;
        assert_eq!((probe.started(), probe.stopped()), (1, 0), "on_start runs before the first message");
        a.stop();
        eventually("on_stop", || async { probe.stopped() == 1 }).await;
        Ok(())
    })
}

#[test]
fn an_actor_calls_itself_later_and_periodically() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let fired = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicBool::new(false));
        let t = Ticker::remote(5, 20, fired.clone(), stopped.clone()).await?;
        let counts = || {
            let t = t.clone();
            async move { guard("counts", t.counts().await.expect("running").get()).await.expect("counts") }
        };
        // The ping sent through ctx.handle() in on_start. `remote()` returns before the actor
        // has started, so a caller's first call may be queued ahead of that ping (see
        // docs/semantics.md, "Self-calls"): wait for it rather than assume it came first.
        eventually("the ping from on_start", || async { counts().await.2 == 1 }).await;
        // run_later fires once; run_interval keeps firing.
        eventually("run_later and three interval ticks", || async {
            let (later, ticks, _) = counts().await;
            later == 1 && ticks >= 3
        })
        .await;
        // Through the weak handle stored in on_start: the pings are queued before the next call.
        assert!(guard("ping_self", t.ping_self(3).await?.get()).await?);
        assert_eq!(counts().await.2, 4);
        let ticks = counts().await.1;
        eventually("more ticks", || async { counts().await.1 > ticks }).await;
        assert_eq!(counts().await.0, 1, "run_later runs once");

        // Only weak handles inside: dropping ours stops the actor, and the interval ends.
        drop(t);
        eventually("the actor stops", || async { stopped.load(SeqCst) }).await;
        rustyray::time::sleep(Duration::from_millis(30)).await;
        let after = fired.load(SeqCst);
        rustyray::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(fired.load(SeqCst), after, "run_interval stops calling once the actor stopped");
        Ok(())
    })
}
