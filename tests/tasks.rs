//! Remote tasks: the design review's examples verbatim (both front ends), dependency
//! resolution (chains, diamonds), error propagation, typed user errors, retries, cancel,
//! `num_cpus` admission (incl. a task blocked in `get` giving its share back), `wait`,
//! reference counting, sync functions, explicit spawners, nested submission.
//!
//! Each test owns its runtime. Timeouts here are hang guards only; nothing asserts on
//! timing. Ordering is forced with channels, never with sleeps.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use async_channel::{Receiver, Sender};
use rustyray::executor::LocalExecutor;
use rustyray::{Error, ObjectRef, Runtime, Store};

const GUARD: Duration = Duration::from_secs(30);

fn runtime() -> Result<Runtime, Error> {
    Runtime::builder().worker_threads(2).build()
}

/// Runs `future` on `rt`, failing (instead of hanging) if it takes far too long.
fn guarded<T>(rt: &Runtime, future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    rt.block_on(rustyray::time::timeout(GUARD, future))?
}

// ---- the design review's examples, verbatim ------------------------------------------

#[rustyray::remote]
async fn add(x: i32, y: i32) -> i32 {
    x + y
}

#[rustyray::remote(num_cpus = 2.0)]
async fn heavy_compute(data: Vec<f64>) -> f64 {
    data.iter().sum()
}

#[rustyray::remote]
async fn generate_data() -> Vec<i32> {
    vec![1, 2, 3, 4]
}

#[rustyray::remote]
async fn process_data(data: Vec<i32>) -> i32 {
    data.iter().sum()
}

#[test]
fn review_examples_attribute_macro() -> Result<(), Error> {
    let runtime = runtime()?;
    assert_eq!(add(1, 2).await_local(), 3); // the function stays callable locally
    guarded(&runtime, async {
        let r = add::remote(1, 2).await?; // ObjectRef<i32>, returned once submitted
        assert_eq!(r.get().await?, 3);
        let r2 = add::remote_on(&runtime, 1, 2).await?; // explicit runtime (&Runtime or &Handle)
        assert_eq!(r2.get().await?, 3);
        let r3 = add::remote_on(runtime.handle(), 1, 2).await?;
        assert_eq!(r3.get().await?, 3);
        let d = generate_data::remote().await?; // ObjectRef<Vec<i32>>
        let s = process_data::remote(d).await?; // a ref where a value is expected
        assert_eq!(s.get().await?, 10);
        let result = add::remote(1, 2).await?.get().await?;
        assert_eq!(result, 3);
        let h = heavy_compute::remote(vec![1.5, 2.5]).await?;
        assert_eq!(h.get().await?, 4.0);
        Ok(())
    })
}

rustyray::dsl::task! {
    /// `add`, through the declarative DSL.
    pub async fn dsl_add(x: i32, y: i32) -> i32 { x + y }

    #[options(num_cpus = 2.0)]
    async fn dsl_heavy_compute(data: Vec<f64>) -> f64 { data.iter().sum() }

    fn dsl_generate_data() -> Vec<i32> { vec![1, 2, 3, 4] }

    fn dsl_process_data(data: Vec<i32>) -> i32 { data.iter().sum() }
}

#[test]
fn review_examples_task_dsl() -> Result<(), Error> {
    let runtime = runtime()?;
    assert_eq!(dsl_process_data(vec![2, 3]), 5);
    guarded(&runtime, async {
        let r = dsl_add::remote(1, 2).await?;
        assert_eq!(r.get().await?, 3);
        let r2 = dsl_add::remote_on(&runtime, 1, 2).await?;
        assert_eq!(r2.get().await?, 3);
        let d = dsl_generate_data::remote().await?;
        let s = dsl_process_data::remote(d).await?;
        assert_eq!(s.get().await?, 10);
        assert_eq!(dsl_add::remote(1, 2).await?.get().await?, 3);
        let h = dsl_heavy_compute::options().remote(vec![1.0, 2.0]).await?;
        assert_eq!(h.get().await?, 3.0);
        Ok(())
    })
}

/// Polls a future that never waits (the local call of an `async fn` task).
trait AwaitLocal: Future + Sized {
    fn await_local(self) -> Self::Output {
        futures_lite::future::block_on(self)
    }
}
impl<F: Future> AwaitLocal for F {}

// ---- dependencies -----------------------------------------------------------------------

rustyray::dsl::task! {
    fn inc(x: u64) -> u64 { x + 1 }
    fn double(x: u64) -> u64 { x * 2 }
    fn square(x: u64) -> u64 { x * x }
    async fn sum2(a: u64, b: u64) -> u64 { a + b }
}

#[test]
fn chain_of_1000_dependent_tasks() -> Result<(), Error> {
    let rt = runtime()?;
    let last = guarded(&rt, async {
        let mut r = inc::remote(0).await?;
        for _ in 1..1000 {
            r = inc::remote(r).await?; // the previous ref is dropped: only the task holds it
        }
        r.get().await
    })?;
    assert_eq!(last, 1000);
    Ok(())
}

#[test]
fn diamond() -> Result<(), Error> {
    let rt = runtime()?;
    let d = guarded(&rt, async {
        let a = inc::remote(2).await?; // 3
        let b = double::remote(a.clone()).await?; // 6
        let c = square::remote(a).await?; // 9
        sum2::remote(b, c).await?.get().await
    })?;
    assert_eq!(d, 15);
    assert_eq!(rt.store().stats().live, 0, "every object is freed once its last ref is gone");
    Ok(())
}

#[test]
fn intermediate_objects_are_freed_once_consumed() -> Result<(), Error> {
    let rt = runtime()?;
    let last = guarded(&rt, async {
        let mut r = inc::remote(0).await?;
        for _ in 1..100 {
            r = inc::remote(r).await?;
        }
        assert_eq!(r.get().await?, 100);
        Ok(r)
    })?;
    let stats = rt.store().stats();
    assert_eq!(stats.created, 100);
    assert_eq!(stats.live, 1, "only the final result is alive: {stats:?}");
    drop(last);
    assert_eq!(rt.store().stats().live, 0);
    Ok(())
}

// ---- errors -----------------------------------------------------------------------------

static PROPAGATION_RUNS: AtomicUsize = AtomicUsize::new(0);

rustyray::dsl::task! {
    fn explode(x: u64) -> u64 { if x > 0 { panic!("exploded on {x}") } x }
    fn counted_inc(x: u64) -> u64 { PROPAGATION_RUNS.fetch_add(1, SeqCst); x + 1 }
}

#[test]
fn a_panic_propagates_to_dependents_which_never_run() -> Result<(), Error> {
    let rt = runtime()?;
    let (direct, chained, diamond) = guarded(&rt, async {
        let bad = explode::remote(7).await?;
        let next = counted_inc::remote(bad.clone()).await?;
        let next2 = counted_inc::remote(next).await?;
        let other = counted_inc::remote(1).await?;
        let joined = sum2::remote(other, bad.clone()).await?;
        Ok((bad.get().await, next2.get().await, joined.get().await))
    })?;
    let expected = Err(Error::TaskPanicked { message: "exploded on 7".into() });
    assert_eq!(direct, expected);
    assert_eq!(chained, expected);
    assert_eq!(diamond, expected);
    assert_eq!(PROPAGATION_RUNS.load(SeqCst), 1, "only the independent task ran");
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
enum ParseError {
    Empty,
    NotANumber(String),
}

#[rustyray::remote]
fn parse(s: String) -> Result<i32, ParseError> {
    if s.is_empty() {
        return Err(ParseError::Empty);
    }
    s.parse().map_err(|_| ParseError::NotANumber(s))
}

#[rustyray::remote]
fn describe(parsed: Result<i32, ParseError>) -> String {
    match parsed {
        Ok(n) => format!("number {n}"),
        Err(e) => format!("error {e:?}"),
    }
}

#[test]
fn user_errors_are_typed_values() -> Result<(), Error> {
    let rt = runtime()?;
    guarded(&rt, async {
        let ok: ObjectRef<Result<i32, ParseError>> = parse::remote("42".to_string()).await?;
        assert_eq!(ok.get().await?, Ok(42));
        let empty = parse::remote(String::new()).await?;
        assert_eq!(empty.get().await?, Err(ParseError::Empty));
        let nan = parse::remote("x".to_string()).await?;
        // A user error is a value: the dependent runs and sees it.
        let text = describe::remote(nan).await?;
        assert_eq!(text.get().await?, "error NotANumber(\"x\")");
        Ok(())
    })
}

// ---- retries ----------------------------------------------------------------------------

#[rustyray::remote(max_retries = 3)]
fn flaky(attempts: Arc<AtomicUsize>, failures: usize) -> usize {
    let n = attempts.fetch_add(1, SeqCst);
    if n < failures {
        panic!("flaky attempt {n}");
    }
    n + 1
}

#[rustyray::remote]
fn flaky_result(attempts: Arc<AtomicUsize>, failures: usize) -> Result<usize, String> {
    let n = attempts.fetch_add(1, SeqCst);
    if n < failures {
        return Err(format!("attempt {n} failed"));
    }
    Ok(n + 1)
}

/// Not `Clone`: a task taking it cannot be retried.
#[derive(Debug)]
struct Token;

#[rustyray::remote(max_retries = 5)]
fn flaky_with_token(attempts: Arc<AtomicUsize>, _token: Token) -> usize {
    let n = attempts.fetch_add(1, SeqCst);
    panic!("attempt {n}");
}

#[test]
fn panicking_tasks_are_retried_up_to_max_retries() -> Result<(), Error> {
    let rt = runtime()?;
    let (attempts_ok, attempts_exhausted, attempts_none) =
        (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (ok, exhausted, none) = guarded(&rt, async {
        let ok = flaky::remote(attempts_ok.clone(), 2).await?; // panics twice, max_retries 3
        let exhausted = flaky::options().max_retries(1).remote(attempts_exhausted.clone(), 5).await?;
        let none = flaky::options().max_retries(0).remote(attempts_none.clone(), 1).await?;
        Ok((ok.get().await, exhausted.get().await, none.get().await))
    })?;
    assert_eq!(ok, Ok(3));
    assert_eq!(attempts_ok.load(SeqCst), 3);
    // The last panic is the result.
    assert_eq!(exhausted, Err(Error::TaskPanicked { message: "flaky attempt 1".into() }));
    assert_eq!(attempts_exhausted.load(SeqCst), 2);
    assert_eq!(none, Err(Error::TaskPanicked { message: "flaky attempt 0".into() }));
    assert_eq!(attempts_none.load(SeqCst), 1);
    Ok(())
}

#[test]
fn a_task_with_an_argument_that_is_not_clone_is_not_retried() -> Result<(), Error> {
    let rt = runtime()?;
    let attempts = Arc::new(AtomicUsize::new(0));
    let r = guarded(&rt, async { flaky_with_token::remote(attempts.clone(), Token).await?.get().await.map(Some) });
    assert_eq!(r, Err(Error::TaskPanicked { message: "attempt 0".into() }));
    assert_eq!(attempts.load(SeqCst), 1);
    Ok(())
}

#[test]
fn retry_exceptions_retries_err_results() -> Result<(), Error> {
    let rt = runtime()?;
    let (a1, a2, a3) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (retried, not_retried, exhausted) = guarded(&rt, async {
        let retried = flaky_result::options().max_retries(3).retry_exceptions(true).remote(a1.clone(), 2).await?;
        let not_retried = flaky_result::options().max_retries(3).remote(a2.clone(), 2).await?;
        let exhausted = flaky_result::options().max_retries(1).retry_exceptions(true).remote(a3.clone(), 9).await?;
        Ok((retried.get().await?, not_retried.get().await?, exhausted.get().await?))
    })?;
    assert_eq!((retried, a1.load(SeqCst)), (Ok(3), 3));
    assert_eq!((not_retried, a2.load(SeqCst)), (Err("attempt 0 failed".to_string()), 1));
    // The last Err is the result.
    assert_eq!((exhausted, a3.load(SeqCst)), (Err("attempt 1 failed".to_string()), 2));
    Ok(())
}

// ---- cancel -----------------------------------------------------------------------------

static CANCELLED_RUNS: AtomicUsize = AtomicUsize::new(0);

rustyray::dsl::task! {
    fn never_runs(x: u64) -> u64 { CANCELLED_RUNS.fetch_add(1, SeqCst); x }

    /// Holds the CPUs (not blocked in `get`) until told to finish.
    #[options(num_cpus = 1.0)]
    async fn hold(started: Sender<()>, release: Receiver<()>) -> u64 {
        let _ = started.send(()).await;
        let _ = release.recv().await;
        1
    }

    /// Runs until cancelled: reports its drop through `dropped`.
    async fn endless(started: Sender<()>, dropped: Sender<()>, reached_end: Arc<AtomicUsize>) -> u64 {
        let _guard = SendOnDrop(dropped);
        let _ = started.send(()).await;
        core::future::pending::<()>().await;
        reached_end.fetch_add(1, SeqCst);
        0
    }
}

/// Sends on its channel when dropped.
struct SendOnDrop(Sender<()>);

impl Drop for SendOnDrop {
    fn drop(&mut self) {
        let _ = self.0.try_send(());
    }
}

#[test]
fn cancel_a_task_waiting_for_its_arguments() -> Result<(), Error> {
    let rt = runtime()?;
    let (input, _promise) = rt.store().pending::<u64>();
    let (victim, dependent) = guarded(&rt, async {
        let victim = never_runs::remote(input.clone()).await?;
        let dependent = never_runs::remote(victim.clone()).await?;
        rustyray::cancel(&victim);
        Ok((victim.get().await, dependent.get().await))
    })?;
    assert_eq!(victim, Err(Error::Cancelled));
    assert_eq!(dependent, Err(Error::Cancelled), "dependents of a cancelled task fail with Cancelled");
    assert_eq!(CANCELLED_RUNS.load(SeqCst), 0, "neither body ran");
    Ok(())
}

#[test]
fn cancel_a_task_waiting_for_cpus() -> Result<(), Error> {
    let rt = Runtime::builder().worker_threads(2).num_cpus(1.0).build()?;
    let (started_tx, started_rx) = async_channel::unbounded();
    let (release_tx, release_rx) = async_channel::unbounded();
    let runs = Arc::new(AtomicUsize::new(0));
    guarded(&rt, async {
        let holder = hold::remote(started_tx.clone(), release_rx.clone()).await?;
        started_rx.recv().await.expect("the holder starts");
        // The runtime's only CPU is taken: this one waits in the admission queue.
        let queued = flaky::options().max_retries(0).remote(runs.clone(), 0).await?;
        rustyray::cancel(&queued);
        release_tx.send(()).await.expect("holder listening");
        assert_eq!(holder.get().await?, 1);
        assert_eq!(queued.get().await, Err(Error::Cancelled));
        // The withdrawn ticket did not leak the CPU: later tasks still get it.
        let after = flaky::remote(runs.clone(), 0).await?;
        assert_eq!(after.get().await?, 1);
        Ok(())
    })?;
    assert_eq!(runs.load(SeqCst), 1, "the cancelled task never ran; the later one did");
    Ok(())
}

#[test]
fn cancel_a_running_task_drops_it_at_its_await_point() -> Result<(), Error> {
    let rt = runtime()?;
    let (started_tx, started_rx) = async_channel::unbounded();
    let (dropped_tx, dropped_rx) = async_channel::unbounded();
    let reached_end = Arc::new(AtomicUsize::new(0));
    let r = guarded(&rt, async {
        let r = endless::remote(started_tx, dropped_tx, reached_end.clone()).await?;
        started_rx.recv().await.expect("started");
        rustyray::cancel(&r);
        dropped_rx.recv().await.expect("the body is dropped once");
        Ok(r.get().await)
    })?;
    assert_eq!(r, Err(Error::Cancelled));
    assert_eq!(reached_end.load(SeqCst), 0);
    assert!(dropped_rx.try_recv().is_err(), "dropped exactly once");
    Ok(())
}

#[test]
fn cancelling_a_finished_task_is_a_no_op() -> Result<(), Error> {
    let rt = runtime()?;
    let v = guarded(&rt, async {
        let r = add::remote(20, 22).await?;
        assert_eq!(r.get().await?, 42);
        rustyray::cancel(&r);
        r.get().await
    })?;
    assert_eq!(v, 42);
    Ok(())
}

// ---- num_cpus admission -------------------------------------------------------------

/// Tracks the CPU units in use (1 CPU = 10,000) and the most ever in use at once.
#[derive(Debug, Default)]
struct Usage {
    now: AtomicUsize,
    max: AtomicUsize,
}

#[rustyray::remote]
async fn occupy(usage: Arc<Usage>, units: usize) -> usize {
    let now = usage.now.fetch_add(units, SeqCst) + units;
    usage.max.fetch_max(now, SeqCst);
    rustyray::time::sleep(Duration::from_millis(5)).await;
    usage.now.fetch_sub(units, SeqCst);
    units
}

#[test]
fn num_cpus_admission_never_oversubscribes() -> Result<(), Error> {
    let rt = Runtime::builder().worker_threads(2).num_cpus(2.0).build()?;
    let usage = Arc::new(Usage::default());
    let total = guarded(&rt, async {
        let mut refs = Vec::new();
        for i in 0..30 {
            let cpus = [0.5, 1.0, 2.0][i % 3];
            let units = (cpus * 10_000.0) as usize;
            refs.push(occupy::options().num_cpus(cpus).remote(usage.clone(), units).await?);
        }
        let mut total = 0;
        for r in refs {
            total += r.get().await?;
        }
        Ok(total)
    })?;
    assert_eq!(total, 10 * (5_000 + 10_000 + 20_000));
    let max = usage.max.load(SeqCst);
    assert!(max <= 20_000, "at most 2 CPUs in use at once, saw {max} units");
    assert!(max >= 5_000);
    Ok(())
}

#[test]
fn fractional_tasks_share_cpus() -> Result<(), Error> {
    let rt = Runtime::builder().worker_threads(2).num_cpus(1.0).build()?;
    let usage = Arc::new(Usage::default());
    guarded(&rt, async {
        let mut refs = Vec::new();
        for _ in 0..12 {
            refs.push(occupy::options().num_cpus(0.25).remote(usage.clone(), 2_500).await?);
        }
        for r in refs {
            r.get().await?;
        }
        Ok(())
    })?;
    let max = usage.max.load(SeqCst);
    assert!(max <= 10_000, "at most four quarter-CPU tasks at once, saw {max} units");
    Ok(())
}

#[test]
fn a_task_asking_for_more_cpus_than_the_runtime_has_is_refused() -> Result<(), Error> {
    let rt = runtime()?; // num_cpus defaults to worker_threads: 2
    let usage = Arc::new(Usage::default());
    let too_many = guarded(&rt, async { Ok(occupy::options().num_cpus(3.0).remote(usage.clone(), 1).await) })?;
    assert!(matches!(too_many, Err(Error::InvalidConfig { .. })), "{too_many:?}");
    let negative = guarded(&rt, async { Ok(occupy::options().num_cpus(-1.0).remote(usage.clone(), 1).await) })?;
    assert!(matches!(negative, Err(Error::InvalidConfig { .. })));
    let nan = guarded(&rt, async { Ok(occupy::options().num_cpus(f64::NAN).remote(usage.clone(), 1).await) })?;
    assert!(matches!(nan, Err(Error::InvalidConfig { .. })));
    // Zero CPUs: no admission at all.
    let free = guarded(&rt, async { occupy::options().num_cpus(0.0).remote(usage.clone(), 1).await?.get().await })?;
    assert_eq!(free, 1);
    assert!(matches!(Runtime::builder().num_cpus(0.0).build(), Err(Error::InvalidConfig { .. })));
    Ok(())
}

#[rustyray::remote(num_cpus = 2.0)]
async fn holds_every_cpu(x: u64) -> Result<u64, Error> {
    // `inc` needs a CPU, and this task holds both: waiting in `get` gives them back.
    let r = inc::remote(x).await?;
    let v = r.get().await?;
    Ok(v * 10)
}

#[test]
fn a_task_blocked_in_get_gives_its_cpus_back() -> Result<(), Error> {
    let rt = Runtime::builder().worker_threads(2).num_cpus(2.0).build()?;
    let v = guarded(&rt, async {
        let mut refs = Vec::new();
        for i in 0..4 {
            refs.push(holds_every_cpu::remote(i).await?);
        }
        let mut out = Vec::new();
        for r in refs {
            out.push(r.get().await??);
        }
        Ok(out)
    })?;
    assert_eq!(v, [10, 20, 30, 40]);
    Ok(())
}

// ---- wait -------------------------------------------------------------------------------

#[test]
fn wait_on_task_results_with_num_returns_and_timeout() -> Result<(), Error> {
    let rt = runtime()?;
    let (started_tx, started_rx) = async_channel::unbounded();
    let (release_tx, release_rx) = async_channel::unbounded();
    guarded(&rt, async {
        let blocked = hold::options().num_cpus(0.0).remote(started_tx, release_rx).await?;
        started_rx.recv().await.expect("started");
        let quick = [inc::remote(0).await?, inc::remote(1).await?, inc::remote(2).await?];
        let refs = [quick[0].clone(), blocked.clone(), quick[1].clone(), quick[2].clone()];
        let (ready, pending) = rustyray::wait(&refs, 3, Some(GUARD)).await;
        assert_eq!(ready, quick, "in input order");
        assert_eq!(pending, std::slice::from_ref(&blocked));
        // All four cannot be ready while the blocked task waits: the timeout ends the wait.
        let (ready, pending) = rustyray::wait(&refs, 4, Some(Duration::from_millis(20))).await;
        assert_eq!((ready.len(), pending.len()), (3, 1));
        release_tx.send(()).await.expect("listening");
        let (ready, pending) = rustyray::wait(&refs, 4, None).await;
        assert_eq!((ready.len(), pending.len()), (4, 0));
        Ok(())
    })
}

// ---- values, sharing, spawners, nesting ---------------------------------------------------

/// Counts its clones.
#[derive(Debug)]
struct CloneCounter(Arc<AtomicUsize>);

impl Clone for CloneCounter {
    fn clone(&self) -> Self {
        self.0.fetch_add(1, SeqCst);
        CloneCounter(self.0.clone())
    }
}

rustyray::dsl::task! {
    fn make_counter(clones: Arc<AtomicUsize>) -> CloneCounter { CloneCounter(clones) }
    fn consume_counter(c: CloneCounter) -> usize { c.0.load(SeqCst) }
    fn address(data: Arc<Vec<u8>>) -> usize { Arc::as_ptr(&data) as usize }
    fn nothing() {}
}

#[test]
fn a_ref_argument_is_moved_when_the_task_holds_the_last_ref_else_cloned() -> Result<(), Error> {
    let rt = runtime()?;
    let clones = Arc::new(AtomicUsize::new(0));
    guarded(&rt, async {
        let c = make_counter::remote(clones.clone()).await?;
        consume_counter::remote(c).await?.get().await?; // our ref moved in: no clone
        assert_eq!(clones.load(SeqCst), 0);
        let c = make_counter::remote(clones.clone()).await?;
        consume_counter::remote(c.clone()).await?.get().await?; // we still hold a ref
        assert_eq!(clones.load(SeqCst), 1);
        assert_eq!(c.get().await?.0.load(SeqCst), 2, "the object kept its value");
        // A named object (the registry could hand out another ref by its id): cloned.
        let named = rt.store().put(CloneCounter(clones.clone()));
        let id = named.id();
        assert_eq!(consume_counter::remote(named).await?.get().await?, 3);
        assert!(rt.store().get_ref::<CloneCounter>(id).is_err(), "freed once consumed");
        Ok(())
    })
}

#[test]
fn an_arc_parameter_shares_the_stored_value() -> Result<(), Error> {
    let rt = runtime()?;
    guarded(&rt, async {
        let data = rustyray::put(vec![7_u8; 1024])?;
        let stored = data.get_shared().await?;
        let seen = address::remote(data.clone()).await?.get().await?;
        assert_eq!(seen, Arc::as_ptr(&stored) as usize, "no copy");
        let unit: ObjectRef<()> = nothing::remote().await?;
        unit.get().await
    })
}

rustyray::dsl::task! {
    async fn fan_out(n: u64) -> u64 {
        // Tasks submitted from inside a task run on the same runtime.
        let mut refs = Vec::new();
        for i in 0..n {
            refs.push(square::remote(i).await.expect("submitted"));
        }
        let mut total = 0;
        for r in refs {
            total += r.get().await.expect("computed");
        }
        total
    }
}

#[test]
fn tasks_submitted_from_inside_a_task() -> Result<(), Error> {
    let rt = runtime()?;
    let total = guarded(&rt, async { fan_out::remote(10).await?.get().await })?;
    assert_eq!(total, (0..10).map(|i| i * i).sum::<u64>());
    Ok(())
}

#[test]
fn tasks_run_on_a_local_executor() -> Result<(), Error> {
    static EXEC: LocalExecutor = LocalExecutor::new(&|| {});
    let store: &'static Store = Box::leak(Box::new(Store::new()));
    let spawner = (&EXEC, store);
    let out = EXEC.block_on(
        async {
            let a = add::remote_on(&spawner, 1, 2).await?;
            let b = add::remote_on(&spawner, a, 10).await?;
            b.get().await
        },
        || {},
    )?;
    assert_eq!(out, 13);
    Ok(())
}

#[test]
fn without_a_runtime_remote_fails_with_no_runtime() {
    let r = futures_lite::future::block_on(add::remote(1, 2));
    assert_eq!(r.map(|_| ()), Err(Error::NoRuntime));
}

#[test]
fn after_shutdown_submissions_fail_and_waiting_tasks_resolve() -> Result<(), Error> {
    let rt = runtime()?;
    let handle = rt.handle().clone();
    let (started_tx, started_rx) = async_channel::unbounded();
    let (_release_tx, release_rx) = async_channel::unbounded();
    let waiting = guarded(&rt, async {
        let r = hold::remote(started_tx, release_rx).await?;
        started_rx.recv().await.expect("started");
        Ok(r)
    })?;
    drop(rt);
    let refused = futures_lite::future::block_on(add::remote_on(&handle, 1, 2));
    assert_eq!(refused.map(|_| ()), Err(Error::RuntimeShutdown));
    let r = futures_lite::future::block_on(waiting.get_timeout(GUARD));
    assert_eq!(r, Err(Error::RuntimeShutdown));
    Ok(())
}
