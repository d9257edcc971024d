//! Actor types and helpers shared by the actor test files (`actors_api`, `actors_ordering`,
//! `actors_supervision`, `actors_named`): the design review's `Counter` through both front
//! ends, `Labeled` (a constructor with several arguments) and `Tracked`, the life-cycle
//! subject that counts into its [`Probe`]; a plain 2-worker runtime, an async `eventually`
//! and `busy_in_hold`.
//!
//! Not the drop counters `common::{Counter, Tracked}`, nor `common::{runtime, eventually}`:
//! these have other shapes (a plain `Runtime`; an async condition) and the actor tests use
//! them through `common::actors`.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use rustyray::{Error, ObjectRef, Promise, Runtime};

use super::guard;

// ---- helpers --------------------------------------------------------------------------

/// A runtime with two worker threads (a plain `Runtime`, unlike `common::runtime`).
pub fn runtime() -> Runtime {
    Runtime::builder().worker_threads(2).build().expect("a 2-worker runtime")
}

/// Makes `a` busy inside `hold` and waits until it is: returns the call's ref and the
/// promise that lets `hold` return (keep it: dropping it releases `hold` too).
pub async fn busy_in_hold(rt: &Runtime, a: &TrackedHandle) -> Result<(ObjectRef<u32>, Promise<()>), Error> {
    let (started, started_p) = rt.store().pending::<()>();
    let (gate, open) = rt.store().pending::<()>();
    let held = a.hold(started_p, gate).await?;
    guard("the actor starts `hold`", started.get()).await?;
    Ok((held, open))
}

/// Re-checks `check` (every millisecond) until it holds, under the hang guard.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    guard(what, async {
        while !check().await {
            rustyray::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
}

// ---- actors -----------------------------------------------------------------------------

/// The design review's example, through the attribute macros.
pub mod review {
    #[rustyray::actor]
    pub struct Counter {
        value: i32,
    }

    #[rustyray::actor_methods]
    impl Counter {
        pub fn new() -> Self {
            Counter { value: 0 }
        }

        pub async fn increment(&mut self) -> i32 {
            self.value += 1;
            self.value
        }

        pub fn get(&self) -> i32 {
            self.value
        }
    }
}

/// The same actor through the declarative macro.
pub mod review_dsl {
    rustyray::dsl::actor! {
        pub struct Counter { value: i32 }
        impl Counter {
            pub fn new() -> Self { Counter { value: 0 } }
            pub async fn increment(&mut self) -> i32 { self.value += 1; self.value }
            pub fn get(&self) -> i32 { self.value }
        }
    }
}

/// A constructor with several arguments.
#[rustyray::actor]
pub struct Labeled {
    value: i32,
    label: String,
}

#[rustyray::actor_methods]
impl Labeled {
    pub fn new(start: i32, label: String) -> Self {
        Labeled { value: start, label }
    }

    pub fn increment(&mut self) -> i32 {
        self.value += 1;
        self.value
    }

    pub fn describe(&self) -> String {
        format!("{}={}", self.label, self.value)
    }
}

/// Counts an actor's life: constructor calls, successful builds, hooks and drops.
#[derive(Clone, Default, Debug)]
pub struct Probe {
    pub ctor_calls: Arc<AtomicUsize>,
    built: Arc<AtomicUsize>,
    started: Arc<AtomicUsize>,
    stopped: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
    /// The constructor call (1-based) that panics; 0: none.
    fail_ctor_at: usize,
}

impl Probe {
    pub fn failing_ctor_at(n: usize) -> Self {
        Probe { fail_ctor_at: n, ..Probe::default() }
    }
    pub fn built(&self) -> usize {
        self.built.load(SeqCst)
    }
    pub fn started(&self) -> usize {
        self.started.load(SeqCst)
    }
    pub fn stopped(&self) -> usize {
        self.stopped.load(SeqCst)
    }
    pub fn dropped(&self) -> usize {
        self.dropped.load(SeqCst)
    }
}

/// An argument type that cannot be cloned.
#[derive(Debug)]
pub struct NotClone;

/// The life-cycle subject: counts into its [`Probe`], can panic, can block on a gate.
#[rustyray::actor]
pub struct Tracked {
    n: u32,
    probe: Probe,
}

#[rustyray::actor_methods]
impl Tracked {
    pub fn new(probe: Probe) -> Self {
        let call = probe.ctor_calls.fetch_add(1, SeqCst) + 1;
        if call == probe.fail_ctor_at {
            panic!("intentional: constructor call {call} panics");
        }
        probe.built.fetch_add(1, SeqCst);
        Tracked { n: 0, probe }
    }

    pub fn incr(&mut self) -> u32 {
        self.n += 1;
        self.n
    }

    pub fn add(&mut self, k: u32) -> u32 {
        self.n += k;
        self.n
    }

    pub fn get(&self) -> u32 {
        self.n
    }

    /// Corrupts the state, then panics.
    pub fn boom(&mut self) -> u32 {
        self.n += 1000;
        panic!("intentional: boom at n = {}", self.n)
    }

    /// Like `boom`, but `async`, and panicking after an await (a future polled more than once).
    pub async fn boom_later(&mut self) -> u32 {
        rustyray::executor::yield_now().await;
        self.n += 1000;
        panic!("intentional: boom_later at n = {}", self.n)
    }

    /// Panics on its first `failures` runs (counted outside the actor, whose state a restart
    /// resets), then bumps the count; returns how many times it has run.
    pub fn flaky(&mut self, runs: Arc<AtomicUsize>, failures: usize) -> usize {
        let run = runs.fetch_add(1, SeqCst) + 1;
        if run <= failures {
            panic!("intentional: flaky run {run} of {failures} failing");
        }
        self.n += 1;
        run
    }

    /// Like `flaky`, with an argument that is not `Clone` (so the call cannot be re-run).
    pub fn flaky_token(&mut self, runs: Arc<AtomicUsize>, _token: NotClone) -> usize {
        let run = runs.fetch_add(1, SeqCst) + 1;
        panic!("intentional: flaky_token run {run}");
    }

    /// Says it has started, then waits for `gate`; returns the count.
    pub async fn hold(&mut self, started: Promise<()>, gate: ObjectRef<()>) -> u32 {
        started.fulfill(Ok(()));
        let _ = gate.get().await;
        self.n
    }

    fn on_start(&mut self, _ctx: &rustyray::ActorContext<Self>) {
        self.probe.started.fetch_add(1, SeqCst);
    }

    fn on_stop(&mut self) {
        self.probe.stopped.fetch_add(1, SeqCst);
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.probe.dropped.fetch_add(1, SeqCst);
    }
}
