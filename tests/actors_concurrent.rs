//! Actors that serve many calls at once: `#[concurrent]` actors with `max_concurrency`, and
//! named concurrency groups (docs/semantics.md §2.8).
//!
//! Long calls wait on a gate the test opens (closing an `async_channel` sender), so every
//! rule is checked by what ran when, never by how long something took; timeouts are hang
//! guards only.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use common::actors::{eventually, runtime};
use common::{guard, quiet_intentional_panics};
use rustyray::{Error, ObjectRef};

/// Counts calls running now and the most ever running at once, per group.
#[derive(Default)]
pub struct Gauge {
    now: AtomicUsize,
    peak: AtomicUsize,
    done: AtomicUsize,
}

impl Gauge {
    fn enter(&self) {
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst);
    }
    fn leave(&self) {
        self.now.fetch_sub(1, SeqCst);
        self.done.fetch_add(1, SeqCst);
    }
}

rustyray::dsl::actor! {
    pub struct Model {
        gate: async_channel::Receiver<()>,
        work: Arc<Gauge>,
        health: Arc<Gauge>,
        log: Arc<Mutex<Vec<String>>>,
        value: u64,
    }
    #[concurrent(health = 1)]
    impl Model {
        pub fn new(gate: async_channel::Receiver<()>, work: Arc<Gauge>, health: Arc<Gauge>, log: Arc<Mutex<Vec<String>>>) -> Self {
            Model { gate, work, health, log, value: 0 }
        }
        /// A long call in the default group: runs until the gate opens.
        pub async fn generate(&self, tag: String) -> u64 {
            self.work.enter();
            self.note(format!("{tag}+"));
            let _ = self.gate.recv().await;
            self.note(format!("{tag}-"));
            self.work.leave();
            self.value
        }
        /// A short call in its own group.
        #[concurrency_group(health)]
        pub async fn ping(&self) -> usize {
            self.health.enter();
            let running = self.work.now.load(SeqCst);
            self.health.leave();
            running
        }
        /// A synchronous `&self` call in the default group.
        pub fn peek(&self) -> u64 {
            self.value
        }
        /// Exclusive: runs alone.
        pub async fn set(&mut self, v: u64) -> usize {
            self.note(String::from("set+"));
            let running = self.work.now.load(SeqCst);
            rustyray::time::sleep(std::time::Duration::from_millis(1)).await;
            self.value = v;
            self.note(String::from("set-"));
            running
        }
        pub async fn boom(&self) {
            panic!("boom in a concurrent call");
        }
    }
}

impl Model {
    fn note(&self, s: String) {
        self.log.lock().unwrap().push(s);
    }
}

struct Fixture {
    gate: Option<async_channel::Sender<()>>,
    work: Arc<Gauge>,
    health: Arc<Gauge>,
    log: Arc<Mutex<Vec<String>>>,
}

fn fixture() -> (Fixture, async_channel::Receiver<()>) {
    let (tx, rx) = async_channel::unbounded();
    let f = Fixture { gate: Some(tx), work: Arc::default(), health: Arc::default(), log: Arc::default() };
    (f, rx)
}

impl Fixture {
    fn open(&mut self) {
        self.gate.take();
    }
    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

#[test]
fn concurrency_never_exceeds_max_concurrency_and_reaches_it() {
    let rt = runtime();
    rt.block_on(async {
        let (mut f, rx) = fixture();
        let m = Model::options()
            .max_concurrency(4)
            .remote_on(&rt, rx, f.work.clone(), f.health.clone(), f.log.clone())
            .await?;
        let mut refs = Vec::new();
        for i in 0..20 {
            refs.push(m.generate(format!("g{i}")).await?);
        }
        let work = f.work.clone();
        eventually("4 calls running", || async { work.now.load(SeqCst) == 4 }).await;
        // The fifth waits for room.
        assert_eq!(f.work.done.load(SeqCst), 0);
        f.open();
        for r in refs {
            guard("a generate call", r.get()).await?;
        }
        assert_eq!(f.work.peak.load(SeqCst), 4, "never more than max_concurrency, and as many as allowed");
        assert_eq!(f.work.done.load(SeqCst), 20);
        // Calls of one group start in the order they were sent.
        let starts: Vec<String> = f.log().into_iter().filter(|s| s.ends_with('+')).collect();
        let sent: Vec<String> = (0..20).map(|i| format!("g{i}+")).collect();
        assert_eq!(starts, sent);
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[test]
fn a_concurrent_actor_without_max_concurrency_runs_one_call_at_a_time() {
    rustyray::dsl::actor! {
        pub struct Plain { work: Arc<Gauge> }
        #[concurrent]
        impl Plain {
            pub fn new(work: Arc<Gauge>) -> Self { Plain { work } }
            pub async fn step(&self) {
                self.work.enter();
                rustyray::time::sleep(std::time::Duration::from_millis(1)).await;
                self.work.leave();
            }
        }
    }
    let rt = runtime();
    rt.block_on(async {
        let work = Arc::new(Gauge::default());
        let p = Plain::remote_on(&rt, work.clone()).await?;
        let mut refs = Vec::new();
        for _ in 0..10 {
            refs.push(p.step().await?);
        }
        for r in refs {
            guard("a step", r.get()).await?;
        }
        assert_eq!(work.peak.load(SeqCst), 1);
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[test]
fn a_named_group_is_served_while_the_default_group_is_full() {
    let rt = runtime();
    rt.block_on(async {
        let (mut f, rx) = fixture();
        let m = Model::options()
            .max_concurrency(2)
            .remote_on(&rt, rx, f.work.clone(), f.health.clone(), f.log.clone())
            .await?;
        // Two long calls fill the default group; three more wait behind them.
        let mut long = Vec::new();
        for i in 0..5 {
            long.push(m.generate(format!("g{i}")).await?);
        }
        let work = f.work.clone();
        eventually("the default group full", || async { work.now.load(SeqCst) == 2 }).await;
        // Health checks, sent after the waiting calls, are answered while they wait.
        for _ in 0..3 {
            let running = guard("a ping", m.ping().await?.get()).await?;
            assert_eq!(running, 2, "pinged while two long calls ran");
        }
        assert_eq!(f.work.done.load(SeqCst), 0, "no long call finished before the pings");
        assert_eq!(f.health.peak.load(SeqCst), 1);
        f.open();
        for r in long {
            guard("a generate call", r.get()).await?;
        }
        assert_eq!(f.work.peak.load(SeqCst), 2);
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[test]
fn a_mut_self_call_is_a_barrier() {
    let rt = runtime();
    rt.block_on(async {
        let (mut f, rx) = fixture();
        let m = Model::options()
            .max_concurrency(8)
            .remote_on(&rt, rx, f.work.clone(), f.health.clone(), f.log.clone())
            .await?;
        let a = m.generate("a".into()).await?;
        let b = m.generate("b".into()).await?;
        let set = m.set(7).await?;
        let c = m.generate("c".into()).await?;
        let peek = m.peek().await?;
        let work = f.work.clone();
        eventually("a and b running", || async { work.now.load(SeqCst) == 2 }).await;
        assert!(!f.log().contains(&"set+".to_string()), "set waits for the calls before it");
        f.open();
        assert_eq!(guard("set", set.get()).await?, 0, "set ran with nothing else running");
        assert_eq!(guard("a", a.get()).await?, 0);
        assert_eq!(guard("b", b.get()).await?, 0);
        assert_eq!(guard("c", c.get()).await?, 7, "c ran after set");
        assert_eq!(guard("peek", peek.get()).await?, 7);
        let log = f.log();
        let at = |s: &str| log.iter().position(|x| x == s).unwrap_or_else(|| panic!("{s} in {log:?}"));
        assert!(at("a-") < at("set+") && at("b-") < at("set+"), "{log:?}");
        assert!(at("set-") < at("c+"), "{log:?}");
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[test]
fn a_panicking_concurrent_call_fails_the_others_and_restarts_the_actor() {
    quiet_intentional_panics();
    let rt = runtime();
    rt.block_on(async {
        let (mut f, rx) = fixture();
        let m = Model::options()
            .max_concurrency(4)
            .max_restarts(1)
            .remote_on(&rt, rx, f.work.clone(), f.health.clone(), f.log.clone())
            .await?;
        let a = m.generate("a".into()).await?;
        let work = f.work.clone();
        eventually("a running", || async { work.now.load(SeqCst) == 1 }).await;
        let boom = m.boom().await?;
        match guard("boom", boom.get()).await {
            Err(Error::TaskPanicked { message }) => assert!(message.contains("boom"), "{message}"),
            other => panic!("expected TaskPanicked, got {other:?}"),
        }
        match guard("a", a.get()).await {
            Err(Error::ActorDied { reason }) => assert!(reason.contains("concurrently"), "{reason}"),
            other => panic!("expected ActorDied, got {other:?}"),
        }
        // Rebuilt: it serves again.
        f.open();
        assert_eq!(guard("peek", m.peek().await?.get()).await?, 0);
        assert_eq!(guard("after", m.generate("z".into()).await?.get()).await?, 0);
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[test]
fn kill_fails_every_running_and_held_call() {
    let rt = runtime();
    rt.block_on(async {
        let (f, rx) = fixture();
        let m = Model::options()
            .max_concurrency(2)
            .remote_on(&rt, rx, f.work.clone(), f.health.clone(), f.log.clone())
            .await?;
        let refs: Vec<ObjectRef<u64>> = {
            let mut v = Vec::new();
            for i in 0..4 {
                v.push(m.generate(format!("g{i}")).await?);
            }
            v
        };
        let work = f.work.clone();
        eventually("two running", || async { work.now.load(SeqCst) == 2 }).await;
        m.kill();
        for r in refs {
            assert!(matches!(guard("a killed call", r.get()).await, Err(Error::ActorDied { .. })));
        }
        drop(f);
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[test]
fn max_concurrency_needs_a_concurrent_actor_and_at_least_one() {
    rustyray::dsl::actor! {
        pub struct Solo { n: u32 }
        impl Solo {
            pub fn new() -> Self { Solo { n: 0 } }
            pub fn get(&self) -> u32 { self.n }
        }
    }
    let rt = runtime();
    rt.block_on(async {
        let e = rustyray::ActorOptions::<Solo>::new().max_concurrency(2).remote_on(&rt, ()).await.unwrap_err();
        assert!(matches!(e, Error::InvalidConfig { reason } if reason.contains("#[concurrent]")), "{e:?}");
        let (f, rx) = fixture();
        let e = Model::options().max_concurrency(0).remote_on(&rt, rx, f.work, f.health, f.log).await.unwrap_err();
        assert!(matches!(e, Error::InvalidConfig { .. }), "{e:?}");
        // One at a time is every actor's default.
        let s = rustyray::ActorOptions::<Solo>::new().max_concurrency(1).remote_on(&rt, ()).await?;
        assert_eq!(s.get().await?.get().await?, 0);
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[test]
fn a_bounded_mailbox_still_bounds_calls_waiting_for_a_group() {
    let rt = runtime();
    rt.block_on(async {
        let (mut f, rx) = fixture();
        let m = Model::options()
            .max_concurrency(1)
            .mailbox_capacity(2)
            .remote_on(&rt, rx, f.work.clone(), f.health.clone(), f.log.clone())
            .await?;
        let first = m.generate("g0".into()).await?;
        let work = f.work.clone();
        eventually("one running", || async { work.now.load(SeqCst) == 1 }).await;
        // Two more fill the mailbox's places (held or queued, they are not consumed)...
        let a = m.generate("g1".into()).await?;
        let b = m.generate("g2".into()).await?;
        // ...so a third cannot be sent without waiting.
        assert!(matches!(m.generate("g3".into()).try_send(), Err(rustyray::mailbox::TrySendError::Full(_))));
        f.open();
        for r in [first, a, b] {
            guard("a call", r.get()).await?;
        }
        Ok::<(), Error>(())
    })
    .unwrap();
}

#[rustyray::actor]
pub struct Attr {
    hits: AtomicUsize,
}

#[rustyray::actor_methods(concurrent(io = 2))]
impl Attr {
    pub fn new() -> Self {
        Attr { hits: AtomicUsize::new(0) }
    }
    /// Documented, grouped, and with another attribute: the front end orders them.
    #[allow(clippy::unused_async)]
    #[concurrency_group(io)]
    pub async fn hit(&self) -> usize {
        self.hits.fetch_add(1, SeqCst) + 1
    }
}

#[test]
fn the_attribute_front_end_declares_groups() {
    assert_eq!(<Attr as rustyray::Actor>::CONCURRENCY_GROUPS, &[("io", 2)]);
    let rt = runtime();
    rt.block_on(async {
        let a = Attr::options().max_concurrency(3).remote_on(&rt).await?;
        let mut refs = Vec::new();
        for _ in 0..10 {
            refs.push(a.hit().await?);
        }
        let mut got = Vec::new();
        for r in refs {
            got.push(r.get().await?);
        }
        got.sort_unstable();
        assert_eq!(got, (1..=10).collect::<Vec<_>>());
        Ok::<(), Error>(())
    })
    .unwrap();
}
