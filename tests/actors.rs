//! Actors end to end: both front ends (`#[rustyray::actor]` / `#[rustyray::actor_methods]`
//! and `rustyray::dsl::actor!`), constructors and method shapes, typed errors, handles
//! across tasks, threads and actors, per-caller FIFO, exact counts, pipelining, bounded
//! mailboxes, restarts, stop / kill / last-handle-dropped, state drop accounting, named
//! actors, hooks and self-calls.
//!
//! Every test builds its own runtime. Timeouts are hang guards only (they assert that
//! something finishes at all, never how fast); the few short sleeps back *negative*
//! assertions ("this has not happened"), which a slow machine cannot turn into a failure.

use std::fmt::Debug;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Once};
use std::time::Duration;

use rustyray::actor::{ActorState, WeakActorHandle};
use rustyray::mailbox::TrySendError;
use rustyray::{ActorHandle, Error, ObjectRef, Promise, Runtime};

// ---- helpers --------------------------------------------------------------------------

const GUARD: Duration = Duration::from_secs(10);

fn runtime() -> Runtime {
    Runtime::builder().worker_threads(2).build().expect("a 2-worker runtime")
}

/// Makes `a` busy inside `hold` and waits until it is: returns the call's ref and the
/// promise that lets `hold` return (keep it: dropping it releases `hold` too).
async fn busy_in_hold(rt: &Runtime, a: &TrackedHandle) -> Result<(ObjectRef<u32>, Promise<()>), Error> {
    let (started, started_p) = rt.store().pending::<()>();
    let (gate, open) = rt.store().pending::<()>();
    let held = a.hold(started_p, gate).await?;
    guard("the actor starts `hold`", started.get()).await?;
    Ok((held, open))
}

/// Awaits `future`, failing the test (instead of hanging) if it never finishes.
async fn guard<F: Future>(what: &str, future: F) -> F::Output {
    match rustyray::time::timeout(GUARD, future).await {
        Ok(v) => v,
        Err(e) => panic!("hang guard: `{what}` did not finish ({e})"),
    }
}

/// Re-checks `check` (every millisecond) until it holds, under the hang guard.
async fn eventually<F, Fut>(what: &str, mut check: F)
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

/// Silences the panic hook for this file's deliberate panics (their message starts with
/// "intentional"); every other panic is printed as usual.
fn quiet_intentional_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let p = info.payload();
            let msg = p.downcast_ref::<&str>().copied().or_else(|| p.downcast_ref::<String>().map(String::as_str));
            if !msg.is_some_and(|m| m.starts_with("intentional")) {
                default(info);
            }
        }));
    });
}

// ---- actors -----------------------------------------------------------------------------

/// The design review's example, through the attribute macros.
mod review {
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
mod review_dsl {
    rustyray::dsl::actor! {
        pub struct Counter { value: i32 }
        impl Counter {
            pub fn new() -> Self { Counter { value: 0 } }
            pub async fn increment(&mut self) -> i32 { self.value += 1; self.value }
            pub fn get(&self) -> i32 { self.value }
        }
    }
}

use review::{Counter, CounterHandle};

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

/// A user error type carried, typed, in a method's `Result`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MathError {
    DivisionByZero,
    Overflow { a: i32, b: i32 },
}

/// Every method shape: `&self` / `&mut self`, sync / async, 0..4 arguments, results
/// `()`, `String`, `Vec`, tuples and `Result<T, MathError>`.
#[rustyray::actor]
pub struct Kitchen {
    items: Vec<String>,
    touches: u32,
}

#[rustyray::actor_methods]
impl Kitchen {
    pub fn new() -> Self {
        Kitchen { items: Vec::new(), touches: 0 }
    }

    /// sync, `&self`, no arguments.
    pub fn touches(&self) -> u32 {
        self.touches
    }

    /// sync, `&mut self`, returns `()` (no return type written).
    pub fn touch(&mut self) {
        self.touches += 1;
    }

    /// async, `&mut self`, one argument.
    pub async fn push(&mut self, item: String) -> usize {
        rustyray::time::sleep(Duration::from_millis(1)).await;
        self.items.push(item);
        self.items.len()
    }

    /// async, `&self`, returns a `String`.
    pub async fn joined(&self, sep: String) -> String {
        self.items.join(&sep)
    }

    /// sync, `&self`, two arguments, returns a `Vec`.
    pub fn pair(&self, a: u32, b: String) -> Vec<String> {
        vec![a.to_string(), b]
    }

    /// async, `&mut self`, three arguments.
    pub async fn sum3(&mut self, a: u8, b: u16, c: u32) -> u64 {
        self.touches += 1;
        u64::from(a) + u64::from(b) + u64::from(c)
    }

    /// sync, `&self`, four arguments, returns a tuple.
    #[allow(clippy::type_complexity)]
    pub fn four(
        &self,
        a: i64,
        b: Vec<u8>,
        c: Option<String>,
        d: (u8, bool),
    ) -> (i64, usize, Option<String>, (u8, bool)) {
        (a, b.len(), c, d)
    }

    /// sync, typed error.
    pub fn checked_div(&self, a: i32, b: i32) -> Result<i32, MathError> {
        if b == 0 {
            Err(MathError::DivisionByZero)
        } else {
            Ok(a / b)
        }
    }

    /// async, `&mut self`, typed error.
    pub async fn checked_mul(&mut self, a: i32, b: i32) -> Result<i32, MathError> {
        self.touches += 1;
        a.checked_mul(b).ok_or(MathError::Overflow { a, b })
    }
}

/// Calls other actors from inside its methods.
#[rustyray::actor]
pub struct Relay {
    target: CounterHandle,
    forwarded: u32,
}

#[rustyray::actor_methods]
impl Relay {
    pub fn new(target: CounterHandle) -> Self {
        Relay { target, forwarded: 0 }
    }

    /// Increments the target `times` times, one call after another; the last value.
    pub async fn forward(&mut self, times: u32) -> i32 {
        let mut last = 0;
        for _ in 0..times {
            last = self.target.increment().await.expect("queued").get().await.expect("a value");
        }
        self.forwarded += times;
        last
    }

    /// Calls an actor handed over as an argument.
    pub async fn via(&self, other: CounterHandle) -> i32 {
        other.increment().await.expect("queued").get().await.expect("a value")
    }

    pub fn forwarded(&self) -> u32 {
        self.forwarded
    }
}

/// Records who sent what, in handling order.
#[rustyray::actor]
pub struct Recorder {
    log: Vec<(u32, u32)>,
}

#[rustyray::actor_methods]
impl Recorder {
    pub fn new() -> Self {
        Recorder { log: Vec::new() }
    }

    pub fn record(&mut self, sender: u32, seq: u32) {
        self.log.push((sender, seq));
    }

    pub fn log(&self) -> Vec<(u32, u32)> {
        self.log.clone()
    }
}

/// Sums what it is sent.
#[rustyray::actor]
pub struct Tally {
    total: u64,
    calls: u64,
}

#[rustyray::actor_methods]
impl Tally {
    pub fn new() -> Self {
        Tally { total: 0, calls: 0 }
    }

    pub fn add(&mut self, n: u64) -> u64 {
        self.total += n;
        self.calls += 1;
        self.total
    }

    pub async fn add_async(&mut self, n: u64) -> u64 {
        self.total += n;
        self.calls += 1;
        self.total
    }

    pub fn totals(&self) -> (u64, u64) {
        (self.total, self.calls)
    }
}

/// Counts an actor's life: constructor calls, successful builds, hooks and drops.
#[derive(Clone, Default, Debug)]
pub struct Probe {
    ctor_calls: Arc<AtomicUsize>,
    built: Arc<AtomicUsize>,
    started: Arc<AtomicUsize>,
    stopped: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
    /// The constructor call (1-based) that panics; 0: none.
    fail_ctor_at: usize,
}

impl Probe {
    fn failing_ctor_at(n: usize) -> Self {
        Probe { fail_ctor_at: n, ..Probe::default() }
    }
    fn built(&self) -> usize {
        self.built.load(SeqCst)
    }
    fn started(&self) -> usize {
        self.started.load(SeqCst)
    }
    fn stopped(&self) -> usize {
        self.stopped.load(SeqCst)
    }
    fn dropped(&self) -> usize {
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

// ---- the design review example ------------------------------------------------------------

#[test]
fn design_review_example_attribute_macros() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let counter: CounterHandle = Counter::remote().await?;
        let r: ObjectRef<i32> = counter.increment().await?;
        assert_eq!(r.get().await?, 1);
        assert_eq!(counter.increment().await?.get().await?, 2);
        counter.increment().tell().await?;
        assert_eq!(counter.get().await?.get().await?, 3);
        Ok(())
    })
}

#[test]
fn design_review_example_declare_actor() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let counter: ActorHandle<review_dsl::Counter> = review_dsl::Counter::remote().await?;
        let r: ObjectRef<i32> = counter.increment().await?;
        assert_eq!(r.get().await?, 1);
        assert_eq!(counter.increment().await?.get().await?, 2);
        counter.increment().tell().await?;
        assert_eq!(counter.get().await?.get().await?, 3);
        Ok(())
    })
}

#[test]
fn the_generated_methods_are_also_plain_local_methods() {
    let mut c = Counter::new();
    assert_eq!(c.get(), 0);
    let k = Kitchen::new();
    assert_eq!(k.checked_div(7, 0), Err(MathError::DivisionByZero));
    let mut l = Labeled::new(1, "x".into());
    assert_eq!(l.increment(), 2);
    assert_eq!(l.describe(), "x=2");
    // An async method is an ordinary async fn locally.
    let rt = runtime();
    assert_eq!(rt.block_on(c.increment()), 1);
}

// ---- constructors -----------------------------------------------------------------------

#[test]
fn constructors_with_several_arguments_and_every_creation_form() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let a = Labeled::remote(5, "a".to_string()).await?;
        let b = Labeled::remote_on(&rt, 7, "b".to_string()).await?;
        let c = Labeled::remote_on(rt.handle(), 9, "c".to_string()).await?;
        let d = Labeled::options().remote(11, "d".to_string()).await?;
        let e = Labeled::options().max_restarts(1).remote_on(&rt, 13, "e".to_string()).await?;
        assert_eq!(a.increment().await?.get().await?, 6);
        assert_eq!(b.increment().await?.get().await?, 8);
        assert_eq!(c.increment().await?.get().await?, 10);
        assert_eq!(d.increment().await?.get().await?, 12);
        assert_eq!(e.increment().await?.get().await?, 14);
        assert_eq!(a.describe().await?.get().await?, "a=6");
        assert_eq!(e.describe().await?.get().await?, "e=14");
        // Distinct actors.
        assert_ne!(a.actor_ref().id(), b.actor_ref().id());
        Ok(())
    })
}

#[test]
fn remote_on_an_explicit_runtime_from_outside_it() -> Result<(), Error> {
    use futures_lite::future::block_on;
    let rt = runtime();
    // Created on `rt` from a thread that is in no runtime (a foreign executor polls the
    // creation future), then called from that thread and from `rt`'s own tasks.
    let c = block_on(Counter::remote_on(&rt))?;
    let l = block_on(Labeled::remote_on(rt.handle(), 1, "x".to_string()))?;
    assert_eq!(block_on(async { c.increment().await?.get().await })?, 1);
    assert_eq!(block_on(async { l.increment().await?.get().await })?, 2);
    let c2 = c.clone();
    assert_eq!(rt.block_on(rt.spawn(async move { c2.increment().await?.get().await }))??, 2);
    // Outside every runtime, with no default runtime (this file never calls `init`),
    // `remote()` has nowhere to run.
    assert!(matches!(block_on(Counter::remote()), Err(Error::NoRuntime)));
    Ok(())
}

// ---- methods ------------------------------------------------------------------------------

#[test]
fn method_shapes_arguments_and_results() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let k = Kitchen::remote().await?;
        assert_eq!(k.touches().await?.get().await?, 0);
        let unit: ObjectRef<()> = k.touch().await?;
        unit.get().await?;
        k.touch().tell().await?;
        assert_eq!(k.touches().await?.get().await?, 2);

        assert_eq!(k.push("a".to_string()).await?.get().await?, 1);
        assert_eq!(k.push("b".to_string()).await?.get().await?, 2);
        let joined: ObjectRef<String> = k.joined(", ".to_string()).await?;
        assert_eq!(joined.get().await?, "a, b");
        let pair: ObjectRef<Vec<String>> = k.pair(4, "x".to_string()).await?;
        assert_eq!(pair.get().await?, vec!["4".to_string(), "x".to_string()]);
        assert_eq!(k.sum3(1, 300, 70_000).await?.get().await?, 70_301);
        assert_eq!(
            k.four(-3, vec![1, 2, 3], Some("s".into()), (9, true)).await?.get().await?,
            (-3, 3, Some("s".to_string()), (9, true))
        );
        assert_eq!(k.touches().await?.get().await?, 3);
        Ok(())
    })
}

#[test]
fn a_method_returning_result_gives_the_user_error_back_typed() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let k = Kitchen::remote().await?;
        let ok: ObjectRef<Result<i32, MathError>> = k.checked_div(7, 2).await?;
        assert_eq!(ok.get().await?, Ok(3));
        let err = k.checked_div(7, 0).await?.get().await?;
        assert_eq!(err, Err(MathError::DivisionByZero));
        match k.checked_mul(i32::MAX, 2).await?.get().await? {
            Err(MathError::Overflow { a, b }) => assert_eq!((a, b), (i32::MAX, 2)),
            other => panic!("expected Overflow, got {other:?}"),
        }
        assert_eq!(k.checked_mul(6, 7).await?.get().await?, Ok(42));
        // The user's error is a value of the object, not a rustyray error: the actor is fine.
        assert_eq!(k.touches().await?.get().await?, 2);
        Ok(())
    })
}

// ---- handles ------------------------------------------------------------------------------

#[test]
fn handles_are_clone_send_sync() {
    fn check<T: Clone + Send + Sync + 'static>() {}
    check::<CounterHandle>();
    check::<ActorHandle<Counter>>();
    check::<ActorHandle<review_dsl::Counter>>();
    check::<ActorHandle<Tracked>>();
    check::<WeakActorHandle<Counter>>();
    check::<ObjectRef<Result<i32, MathError>>>();
    fn send<T: Send>(_: &T) {}
    // The future of an awaited call can move between threads.
    let rt = runtime();
    rt.block_on(async {
        let c = Counter::remote().await.expect("created");
        let fut = std::future::IntoFuture::into_future(c.increment());
        send(&fut);
        let tell = c.increment().tell();
        send(&tell);
        drop((fut, tell));
    });
}

#[test]
fn handles_work_from_spawned_tasks_and_other_threads() -> Result<(), Error> {
    let rt = runtime();
    let c = rt.block_on(Counter::remote())?;
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            rt.spawn(async move {
                for _ in 0..100 {
                    c.increment().await?.get().await?;
                }
                Ok::<_, Error>(())
            })
        })
        .collect();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let c = c.clone();
            let h = rt.handle().clone();
            std::thread::spawn(move || {
                h.block_on(async move {
                    for _ in 0..100 {
                        c.increment().tell().await?;
                    }
                    Ok::<_, Error>(())
                })
            })
        })
        .collect();
    rt.block_on(async {
        for t in tasks {
            guard("a task using a cloned handle", t).await??;
        }
        Ok::<_, Error>(())
    })?;
    for t in threads {
        t.join().expect("thread")?;
    }
    assert_eq!(rt.block_on(async { c.get().await?.get().await })?, 600);
    Ok(())
}

#[test]
fn actors_call_other_actors() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        let target = Counter::remote().await?;
        let relay = Relay::remote(target.clone()).await?;
        assert_eq!(guard("forward", relay.forward(10).await?.get()).await?, 10);
        let other = Counter::remote().await?;
        assert_eq!(relay.via(other.clone()).await?.get().await?, 1);
        assert_eq!(relay.via(other.clone()).await?.get().await?, 2);
        // Two relays on one target, from concurrent callers.
        let relay2 = Relay::remote(target.clone()).await?;
        let a = relay.forward(50).await?;
        let b = relay2.forward(50).await?;
        let (a, b) = (guard("relay a", a.get()).await?, guard("relay b", b.get()).await?);
        assert_eq!(a.max(b), 110);
        assert_eq!(target.get().await?.get().await?, 110);
        assert_eq!(relay.forwarded().await?.get().await?, 60);
        Ok(())
    })
}

// ---- ordering, counts, pipelining -----------------------------------------------------------

#[test]
fn calls_from_one_caller_are_handled_in_order() -> Result<(), Error> {
    const SENDERS: u32 = 8;
    const PER_SENDER: u32 = 600;
    let rt = runtime();
    rt.block_on(async {
        let rec = Recorder::remote().await?;
        let tasks: Vec<_> = (0..SENDERS)
            .map(|s| {
                let rec = rec.clone();
                rustyray::spawn(async move {
                    for seq in 0..PER_SENDER {
                        match seq % 3 {
                            0 => rec.record(s, seq).tell().await?,
                            1 => drop(rec.record(s, seq).await?),
                            _ => rec.record(s, seq).try_tell().expect("an unbounded mailbox is never full"),
                        }
                    }
                    Ok::<_, Error>(())
                })
            })
            .collect();
        for t in tasks {
            guard("a sender", t).await??;
        }
        let log = rec.log().await?.get().await?;
        assert_eq!(log.len(), (SENDERS * PER_SENDER) as usize);
        for s in 0..SENDERS {
            let seqs: Vec<u32> = log.iter().filter(|(from, _)| *from == s).map(|(_, seq)| *seq).collect();
            assert_eq!(seqs, (0..PER_SENDER).collect::<Vec<_>>(), "sender {s}'s calls out of order or lost");
        }
        Ok(())
    })
}

async fn hammer(tally: ActorHandle<Tally>, tasks: u64, per_task: u64) -> Result<(), Error> {
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let t = tally.clone();
            rustyray::spawn(async move {
                for i in 0..per_task {
                    match i % 4 {
                        0 => t.add(1).tell().await?,
                        1 => drop(t.add(1).await?),
                        2 => assert!(t.add_async(1).await?.get().await? >= 1),
                        _ => match t.add(1).try_tell() {
                            Ok(()) => {}
                            // Full: send the handed-back message itself, waiting for room.
                            Err(TrySendError::Full(msg)) => {
                                t.actor_ref().mailbox().send(msg).await.expect("the actor is running")
                            }
                            Err(e) => panic!("try_tell failed: {e}"),
                        },
                    }
                }
                Ok::<_, Error>(())
            })
        })
        .collect();
    for h in handles {
        guard("a sender", h).await??;
    }
    Ok(())
}

#[test]
fn exact_counts_under_many_concurrent_senders() -> Result<(), Error> {
    const TASKS: u64 = 16;
    const PER_TASK: u64 = 1_000;
    let rt = runtime();
    rt.block_on(async {
        let unbounded = Tally::remote().await?;
        hammer(unbounded.clone(), TASKS, PER_TASK).await?;
        assert_eq!(unbounded.totals().await?.get().await?, (TASKS * PER_TASK, TASKS * PER_TASK));

        let bounded = Tally::options().mailbox_capacity(8).remote().await?;
        hammer(bounded.clone(), TASKS, PER_TASK).await?;
        assert_eq!(bounded.totals().await?.get().await?, (TASKS * PER_TASK, TASKS * PER_TASK));
        Ok(())
    })
}

#[test]
fn ten_thousand_calls_in_flight() -> Result<(), Error> {
    const N: usize = 10_000;
    let rt = runtime();
    rt.block_on(async {
        for capacity in [None, Some(16)] {
            let c = match capacity {
                None => Counter::remote().await?,
                Some(n) => Counter::options().mailbox_capacity(n).remote().await?,
            };
            let mut refs = Vec::with_capacity(N);
            for _ in 0..N {
                refs.push(c.increment().await?);
            }
            for (i, r) in refs.iter().enumerate() {
                assert_eq!(guard("a pipelined result", r.get()).await?, i as i32 + 1, "capacity {capacity:?}");
            }
        }
        Ok(())
    })
}

// ---- bounded mailboxes ------------------------------------------------------------------

#[test]
fn bounded_mailbox_backpressure() -> Result<(), Error> {
    let rt = runtime();
    rt.block_on(async {
        assert!(matches!(
            Tracked::options().mailbox_capacity(0).remote(Probe::default()).await,
            Err(Error::InvalidConfig { .. })
        ));

        let a = Tracked::options().mailbox_capacity(4).remote(Probe::default()).await?;
        assert_eq!(a.actor_ref().mailbox().capacity(), Some(4));
        let (held, open) = busy_in_hold(&rt, &a).await?;

        // The actor is busy inside `hold`: exactly four more calls fit.
        let queued: Vec<ObjectRef<u32>> =
            (1..=4).map(|k| a.add(k).try_send().expect("room for four messages")).collect();
        assert_eq!(a.actor_ref().mailbox().len(), 4);
        let full = a.add(5).try_send().expect_err("the mailbox is full");
        assert!(full.is_full());
        assert!(matches!(full, TrySendError::Full(_)));
        // The message comes back intact: the right variant with its argument.
        type TrackedMsg = <Tracked as rustyray::Actor>::Msg;
        let msg: TrackedMsg = full.into_inner();
        assert!(matches!(&msg, TrackedMsg::add { k: 5, .. }), "the handed-back message is `add(5)`");
        assert!(a.add(100).try_tell().expect_err("still full").is_full());

        // An awaited call waits for room.
        let sent = Arc::new(AtomicBool::new(false));
        let waiter = rustyray::spawn({
            let (a, sent) = (a.clone(), sent.clone());
            async move {
                let r = a.add(6).await;
                sent.store(true, SeqCst);
                r
            }
        });
        rustyray::time::sleep(Duration::from_millis(50)).await;
        assert!(!sent.load(SeqCst), "an awaited call on a full mailbox must wait for room");
        assert_eq!(a.actor_ref().mailbox().len(), 4);

        open.fulfill(Ok(()));
        assert_eq!(guard("hold", held.get()).await?, 0);
        let mut values = Vec::new();
        for r in &queued {
            values.push(guard("a queued call", r.get()).await?);
        }
        assert_eq!(values, [1, 3, 6, 10]);
        let waited = guard("the waiting call", waiter).await??;
        assert!(sent.load(SeqCst));
        assert_eq!(guard("the waiting call's result", waited.get()).await?, 16);

        // The handed-back message is usable: send it (its result slot was dropped with the
        // failed try_send, so only its effect shows).
        a.actor_ref().mailbox().send(msg).await.map_err(|_| "closed").expect("the actor is running");
        assert_eq!(a.get().await?.get().await?, 21);
        Ok(())
    })
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
