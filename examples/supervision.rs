//! Supervision, narrated: `cargo run --example supervision`.
//!
//! An actor whose method panics on some input is rebuilt (its constructor re-run with the
//! same arguments) up to `max_restarts` times, then dies; `stop()` drains the mailbox,
//! `kill()` fails what is queued; named actors are found again with `get_actor`, with a
//! typed error for the wrong type; an actor calls itself later and periodically through
//! its `ActorContext`. Every claim printed is checked: the example panics if one is false.
//!
//! The three deliberate panics print the default panic message on stderr
//! (`… panicked at examples/supervision.rs … expected panic: …`): that is expected.

use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::Duration;

use rustyray::actor::ActorState;
use rustyray::{Error, ObjectRef};

/// How many times `Counter`'s constructor has run (each start and each restart).
static BUILT: AtomicU32 = AtomicU32::new(0);

/// A counter that refuses negative numbers by panicking.
#[rustyray::actor]
pub struct Counter {
    label: String,
    value: i64,
    incarnation: u32,
}

#[rustyray::actor_methods]
impl Counter {
    /// The constructor: its arguments are kept, and cloned for every restart.
    pub fn new(label: String, start: i64) -> Self {
        let incarnation = BUILT.fetch_add(1, SeqCst) + 1;
        Counter { label, value: start, incarnation }
    }

    pub fn add(&mut self, n: i64) -> i64 {
        if n < 0 {
            panic!("expected panic: {} refuses add({n})", self.label);
        }
        self.value += n;
        self.value
    }

    /// `(label, value, incarnation)`.
    pub fn get(&self) -> (String, i64, u32) {
        (self.label.clone(), self.value, self.incarnation)
    }

    /// Takes `ms` milliseconds (an await point, where `kill()` can abandon it).
    pub async fn slow_add(&mut self, n: i64, ms: u64) -> i64 {
        rustyray::time::sleep(Duration::from_millis(ms)).await;
        self.value += n;
        self.value
    }
}

/// An actor that calls itself: once after a delay, then on an interval.
#[rustyray::actor]
pub struct Metronome {
    ticks: u32,
    later: u32,
}

#[rustyray::actor_methods]
impl Metronome {
    pub fn new() -> Self {
        Metronome { ticks: 0, later: 0 }
    }

    fn on_start(&mut self, ctx: &rustyray::ActorContext<Self>) {
        // Both hold only a weak handle: they end when the actor stops.
        ctx.run_later(Duration::from_millis(3), |me| async move {
            let _ = me.mark_later().tell().await;
        });
        ctx.run_interval(Duration::from_millis(2), |me| async move {
            let _ = me.tick().tell().await;
        });
    }

    pub fn tick(&mut self) {
        self.ticks += 1;
    }

    pub fn mark_later(&mut self) {
        self.later += 1;
    }

    /// `(ticks, times run_later fired)`.
    pub fn status(&self) -> (u32, u32) {
        (self.ticks, self.later)
    }
}

/// The result of a sent call: the send's own error, or the value / error of its object.
async fn outcome<T: Clone>(sent: Result<ObjectRef<T>, Error>) -> Result<T, Error> {
    sent?.get().await
}

/// Waits (at most a second) until `done()` holds.
async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let waited = rustyray::time::timeout(Duration::from_secs(1), async {
        while !done().await {
            rustyray::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "waited a second and still not: {what}");
}

#[track_caller]
fn expect_panicked<T: std::fmt::Debug>(r: Result<T, Error>, needle: &str) -> String {
    match r {
        Err(Error::TaskPanicked { message }) => {
            assert!(message.contains(needle), "the panic message {message:?} should mention {needle:?}");
            message
        }
        other => panic!("expected Err(TaskPanicked {{ .. }}), got {other:?}"),
    }
}

#[track_caller]
fn expect_died<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::ActorDied { reason }) => reason,
        other => panic!("expected Err(ActorDied {{ .. }}), got {other:?}"),
    }
}

#[rustyray::main]
async fn main() -> Result<(), Error> {
    println!("== 1. a supervised actor: name \"hits\", max_restarts(2), a mailbox of 16");
    let counter: CounterHandle = Counter::options()
        .name("hits")
        .max_restarts(2)
        .mailbox_capacity(16)
        // `.remote()` is for zero-argument constructors; this one takes (label, start).
        .remote("hits".to_string(), 10)
        .await?;
    let after = counter.add(5).await?.get().await?;
    assert_eq!(after, 15);
    println!("   add(5) on a counter built with start = 10 -> {after}");

    println!("== 2. lookup by name");
    let found = rustyray::get_actor::<Counter>("hits")?;
    let (label, value, _) = found.get().await?.get().await?;
    assert_eq!((label.as_str(), value), ("hits", 15));
    println!("   get_actor::<Counter>(\"hits\") -> the same actor: {label} = {value}");
    match rustyray::get_actor::<Metronome>("hits") {
        Err(e @ Error::TypeMismatch { .. }) => println!("   get_actor::<Metronome>(\"hits\") -> {e:?}\n     ({e})"),
        other => panic!("a lookup with the wrong type should fail with TypeMismatch, got {other:?}"),
    }
    drop(found);

    println!("== 3. a method panics: the call fails, the actor is rebuilt and goes on");
    println!("   (the panic message printed on stderr below is expected)");
    for restart in 1..=2 {
        // Two calls queued back to back: the panicking one and the one after it.
        let bad = counter.add(-1).await?;
        let next = counter.add(1).await?;
        let message = expect_panicked(bad.get().await, "refuses add(-1)");
        println!("   add(-1) -> Err(TaskPanicked {{ message: {message:?} }})");
        let value = next.get().await?;
        let (label, _, incarnation) = counter.get().await?.get().await?;
        // Rebuilt from the constructor's arguments ("hits", 10): +1 gives 11, not 16.
        assert_eq!(value, 11, "the restarted actor starts again from the constructor's arguments");
        assert_eq!(label, "hits");
        assert_eq!(incarnation, 1 + restart, "restart {restart} built incarnation {}", 1 + restart);
        assert_eq!(BUILT.load(SeqCst), 1 + restart);
        assert_eq!(counter.state(), ActorState::Running);
        println!(
            "   restart {restart}/2: new(\"hits\", 10) ran again (incarnation {incarnation}); \
             the next queued call add(1) -> {value}"
        );
    }

    println!("== 4. restarts exhausted: the actor dies, every call yields ActorDied");
    println!("   (one more expected panic message below)");
    let bad = counter.add(-2).await;
    let queued = counter.add(1).await;
    expect_panicked(outcome(bad).await, "refuses add(-2)");
    let reason = expect_died(outcome(queued).await);
    println!("   add(-2) -> TaskPanicked; add(1), queued behind it -> ActorDied ({reason})");
    wait_for("the dead actor reports Stopped", async || counter.state() == ActorState::Stopped).await;
    let reason = expect_died(outcome(counter.get().await).await);
    println!("   a later get() -> ActorDied ({reason}); state = {:?}", counter.state());
    assert_eq!(BUILT.load(SeqCst), 3, "no fourth incarnation");
    match rustyray::get_actor::<Counter>("hits") {
        Err(e @ Error::ActorNotFound { .. }) => println!("   its name is free again: get_actor -> {e:?}"),
        other => panic!("a dead actor's name should be free, got {other:?}"),
    }

    println!("== 5. stop() vs kill()");
    let gentle = Counter::remote("gentle".to_string(), 0).await?;
    let queued: Vec<_> =
        [gentle.slow_add(1, 2).await?, gentle.slow_add(2, 2).await?, gentle.slow_add(3, 2).await?].into();
    gentle.stop();
    let late = gentle.add(100).await;
    let mut results = Vec::new();
    for r in &queued {
        results.push(r.get().await?);
    }
    assert_eq!(results, [1, 3, 6], "stop() handles every call queued before it");
    let reason = expect_died(late);
    println!("   stop(): the 3 queued slow_add calls ran -> {results:?}; a call after stop() -> ActorDied ({reason})");

    let doomed = Counter::remote("doomed".to_string(), 0).await?;
    let long = doomed.slow_add(1, 10_000).await; // would take 10 s
    let queued = doomed.add(1).await;
    doomed.kill();
    let long = expect_died(outcome(long).await);
    let queued = expect_died(outcome(queued).await);
    println!(
        "   kill(): the 10-second call in progress -> ActorDied ({long}); the queued call -> ActorDied ({queued})"
    );
    wait_for("the killed actor reports Stopped", async || doomed.state() == ActorState::Stopped).await;

    println!("== 6. self-calls through ActorContext (run_later, run_interval)");
    let metronome = Metronome::options().name("metronome").remote().await?;
    wait_for("three ticks and the delayed call", async || {
        let (ticks, later) = metronome.status().await.expect("running").get().await.expect("status");
        ticks >= 3 && later == 1
    })
    .await;
    let (ticks, later) = metronome.status().await?.get().await?;
    assert_eq!(later, 1, "run_later fires once");
    println!("   on_start scheduled them: run_interval(2 ms) ticked {ticks} times so far, run_later(3 ms) fired {later} time");
    match rustyray::get_actor::<Counter>("metronome") {
        Err(e @ Error::TypeMismatch { .. }) => println!("   get_actor::<Counter>(\"metronome\") -> {e:?}"),
        other => panic!("a lookup with the wrong type should fail with TypeMismatch, got {other:?}"),
    }
    metronome.stop(); // a named actor runs until stopped
    wait_for("the metronome stops", async || metronome.state() == ActorState::Stopped).await;
    println!("   stopped; its interval ends with it");

    println!("== done: every claim above was checked");
    Ok(())
}
