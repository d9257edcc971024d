//! `Runtime::metrics` (docs/semantics.md §5.2): queued and running tasks, per-worker queues,
//! the deepest mailboxes (named, and unnamed ones seen with a backlog), live objects and
//! bytes, restarts and retries; and its Prometheus text. Work is held by gates, so every
//! count is exact when read.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::{guard, quiet_intentional_panics};
use rustyray::{Error, Runtime};

rustyray::dsl::actor! {
    pub struct Sink { ticks: u64 }
    impl Sink {
        pub fn new() -> Self { Sink { ticks: 0 } }
        pub async fn hold(&mut self, gate: async_channel::Receiver<()>) { let _ = gate.recv().await; }
        pub fn tick(&mut self) { self.ticks += 1; }
        pub fn boom(&mut self) { panic!("sink boom"); }
    }
}

rustyray::dsl::task! {
    #[options(max_retries = 1)]
    fn flaky(fail_first: bool) -> u32 {
        use std::sync::atomic::{AtomicBool, Ordering};
        static FAILED: AtomicBool = AtomicBool::new(false);
        if fail_first && !FAILED.swap(true, Ordering::SeqCst) { panic!("first attempt fails") }
        7
    }
}

#[test]
fn metrics_count_queues_mailboxes_objects_restarts_and_retries() {
    quiet_intentional_panics();
    let rt = Runtime::builder().worker_threads(2).build().unwrap();
    let m = rt.metrics();
    assert_eq!(m.workers, 2);
    assert_eq!(m.worker_queue_depths.len(), 2);

    // Both workers blocked: tasks spawned from outside queue up.
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = std::sync::Arc::new(std::sync::Mutex::new(release_rx));
    let (started_tx, started_rx) = mpsc::channel::<()>();
    for _ in 0..2 {
        let (rx, started) = (release_rx.clone(), started_tx.clone());
        drop(rt.spawn(async move {
            started.send(()).unwrap();
            let _ = rx.lock().unwrap().recv_timeout(Duration::from_secs(10));
        }));
    }
    for _ in 0..2 {
        started_rx.recv_timeout(Duration::from_secs(10)).expect("both workers blocked");
    }
    let queued: Vec<_> = (0..20).map(|i| rt.spawn(async move { i })).collect();
    let m = rt.metrics();
    assert_eq!(m.tasks_queued, 20, "{m:?}");
    assert_eq!(m.tasks_queued, m.worker_queue_depths.iter().sum::<usize>() + m.shared_queue_depth);
    assert_eq!(m.tasks_running, 2, "both workers run their blocking task: {m:?}");
    release_tx.send(()).unwrap();
    release_tx.send(()).unwrap();
    for (i, h) in queued.into_iter().enumerate() {
        assert_eq!(rt.block_on(h).unwrap(), i);
    }

    rt.block_on(async {
        // A named actor blocked with 30 calls queued (a bounded mailbox: calls its loop
        // took in a batch still count until handled).
        let named = Sink::options().name("sink").mailbox_capacity(100).remote_on(&rt).await?;
        let (gate_tx, gate) = async_channel::unbounded::<()>();
        let held = named.hold(gate).await?;
        for _ in 0..30 {
            named.tick().tell().await?;
        }
        // An unnamed actor (bounded mailbox: taken calls keep their places) that took a
        // backlog of 101 and is held again with 50 left.
        let unnamed = Sink::options().mailbox_capacity(1000).remote_on(&rt).await?;
        let (gate1_tx, gate1) = async_channel::unbounded::<()>();
        let (gate2_tx, gate2) = async_channel::unbounded::<()>();
        let first = unnamed.hold(gate1).await?;
        for _ in 0..50 {
            unnamed.tick().tell().await?;
        }
        let second = unnamed.hold(gate2).await?;
        for _ in 0..50 {
            unnamed.tick().tell().await?;
        }
        drop(gate1_tx);
        guard("the first hold", first.get()).await?;
        let want = |m: &rustyray::Metrics, id: u64, depth: usize| {
            m.deepest_mailboxes.iter().any(|d| d.id == id && d.depth == depth)
        };
        // (Each holds once its loop has taken the hold call: until then it counts too.)
        guard("the unnamed actor seen 50 deep, the named one 30", async {
            loop {
                let m = rt.metrics();
                if want(&m, unnamed.actor_ref().id(), 50) && want(&m, named.actor_ref().id(), 30) {
                    break;
                }
                rustyray::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await;
        let m = rt.metrics();
        let sink = m.deepest_mailboxes.iter().find(|d| d.name.as_deref() == Some("sink")).expect("the named actor");
        assert_eq!((sink.actor, sink.depth), ("Sink", 30));
        assert!(m.deepest_mailboxes.windows(2).all(|w| w[0].depth >= w[1].depth), "deepest first");
        drop((gate_tx, gate2_tx));
        guard("held", held.get()).await?;
        guard("second", second.get()).await?;

        // Objects and their bytes.
        let before = rt.metrics();
        let objects: Vec<_> = (0..100u64).map(rustyray::put).collect::<Result<_, _>>()?;
        let with = rt.metrics();
        assert!(with.objects_live >= before.objects_live + 100, "{with:?}");
        assert!(with.object_bytes >= before.object_bytes + 100 * 8, "{with:?}");
        drop(objects);
        let after = rt.metrics();
        assert!(after.object_bytes < with.object_bytes);

        // Restarts and retries (process-wide counters).
        let restarting = Sink::options().max_restarts(1).remote_on(&rt).await?;
        let r = restarting.boom().await?;
        assert!(matches!(guard("boom", r.get()).await, Err(Error::TaskPanicked { .. })));
        assert_eq!(guard("after the restart", flaky::remote_on(&rt, true).await?.get()).await?, 7);
        let m = rt.metrics();
        assert!(m.actor_restarts >= 1 && m.task_retries >= 1, "{m:?}");

        // Prometheus text: comments and `name{labels} value` lines.
        let text = m.to_prometheus();
        for line in text.lines() {
            if line.starts_with('#') {
                assert!(line.starts_with("# HELP rustyray_") || line.starts_with("# TYPE rustyray_"), "{line}");
                continue;
            }
            let (name, value) = line.rsplit_once(' ').expect("name value");
            assert!(name.starts_with("rustyray_"), "{line}");
            value.parse::<u64>().unwrap_or_else(|_| panic!("a number in {line}"));
        }
        assert!(text.contains("rustyray_actor_restarts_total "));
        assert!(text.contains("rustyray_worker_queue_depth{worker=\"1\"} "));
        Ok::<(), Error>(())
    })
    .unwrap();
}
