//! The timeline (docs/semantics.md §5.1): task and actor-call spans with submit, start, end,
//! thread, names and outcome; nothing recorded while off; a bounded ring per thread; Chrome
//! trace JSON that parses and carries every span. One test function: recording is
//! process-wide.

mod common;

use common::quiet_intentional_panics;
use rustyray::timeline::{self, SpanKind};
use rustyray::{Error, Runtime};

rustyray::dsl::task! {
    fn add(a: i32, b: i32) -> i32 { a + b }
}

rustyray::dsl::task! {
    fn fails(n: u32) -> Result<u32, String> { if n > 0 { Err(format!("bad {n}")) } else { Ok(0) } }
}

rustyray::dsl::task! {
    fn explodes() -> u32 { panic!("task exploded") }
}

rustyray::dsl::actor! {
    pub struct Counter { n: u64 }
    impl Counter {
        pub fn new() -> Self { Counter { n: 0 } }
        pub fn bump(&mut self) -> u64 { self.n += 1; self.n }
        pub async fn later(&mut self) -> u64 { rustyray::time::sleep(std::time::Duration::from_millis(1)).await; self.n }
    }
}

#[test]
fn the_timeline_records_spans_and_writes_chrome_json() {
    quiet_intentional_panics();
    let rt = Runtime::builder().worker_threads(2).build().unwrap();

    // Off: nothing is recorded.
    assert!(!timeline::is_recording());
    rt.block_on(async { add::remote_on(&rt, 1, 1).await?.get().await }).unwrap();

    timeline::start(100_000);
    assert!(timeline::is_recording());
    rt.block_on(async {
        for i in 0..10 {
            assert_eq!(add::remote_on(&rt, i, 1).await?.get().await?, i + 1);
        }
        assert!(fails::remote_on(&rt, 1).await?.get().await?.is_err());
        assert!(matches!(explodes::remote_on(&rt).await?.get().await, Err(Error::TaskPanicked { .. })));
        let c = Counter::remote_on(&rt).await?;
        for _ in 0..5 {
            c.bump().await?;
        }
        assert_eq!(c.later().await?.get().await?, 5);
        Ok::<(), Error>(())
    })
    .unwrap();
    let t = timeline::stop();
    assert!(!timeline::is_recording());

    let adds: Vec<_> = t.spans.iter().filter(|s| s.kind == SpanKind::Task && s.name == "add").collect();
    assert_eq!(adds.len(), 10, "one span per task submitted while recording");
    for s in &adds {
        let submit = s.submit_ns.expect("a task's submit time");
        assert!(submit <= s.start_ns && s.start_ns <= s.end_ns, "{s:?}");
        assert!(s.ok);
        assert!(t.threads.iter().any(|(id, _)| *id == s.thread));
    }
    let failed = t.spans.iter().find(|s| s.name == "fails").expect("the failing task's span");
    assert!(!failed.ok, "an Err result is a failed span");
    let exploded = t.spans.iter().find(|s| s.name == "explodes").expect("the panicking task's span");
    assert!(!exploded.ok);

    let calls: Vec<_> = t.spans.iter().filter(|s| s.kind == SpanKind::ActorCall).collect();
    assert_eq!(calls.iter().filter(|s| s.name == "bump").count(), 5);
    assert_eq!(calls.iter().filter(|s| s.name == "later").count(), 1);
    assert!(calls.iter().all(|s| s.actor == Some("Counter") && s.ok && s.start_ns <= s.end_ns));
    let later = calls.iter().find(|s| s.name == "later").unwrap();
    assert!(later.end_ns - later.start_ns >= 1_000_000, "an async call's span covers its await");
    let submits = t.spans.iter().filter(|s| s.kind == SpanKind::Submit && s.actor == Some("Counter")).count();
    assert_eq!(submits, 6, "one submit instant per call sent");
    assert_eq!(t.dropped, 0);
    assert!(t.spans.windows(2).all(|w| w[0].start_ns <= w[1].start_ns), "ordered by start");

    // The JSON parses, and every span is an event in it.
    let json: serde_json::Value = serde_json::from_str(&t.to_chrome_json()).expect("valid JSON");
    let events = json["traceEvents"].as_array().expect("traceEvents");
    let named = |name: &str, ph: &str| events.iter().filter(|e| e["name"] == name && e["ph"] == ph).count();
    assert_eq!(named("add", "X"), 10);
    assert_eq!(named("Counter.bump", "X"), 5);
    assert_eq!(named("Counter.bump", "i"), 5);
    assert_eq!(named("thread_name", "M"), t.threads.len());
    let add = events.iter().find(|e| e["name"] == "add").unwrap();
    assert!(
        add["ts"].as_f64().is_some() && add["dur"].as_f64().is_some() && add["args"]["queued_us"].as_f64().is_some()
    );
    assert_eq!(add["args"]["ok"], true);

    // A ring keeps its newest spans and counts the rest.
    timeline::start(4);
    rt.block_on(async {
        for i in 0..50 {
            add::remote_on(&rt, i, 0).await?.get().await?;
        }
        Ok::<(), Error>(())
    })
    .unwrap();
    let t = timeline::stop();
    assert!(t.spans.len() <= 4 * (t.threads.len()), "{} spans on {} threads", t.spans.len(), t.threads.len());
    assert_eq!(t.spans.len() as u64 + t.dropped, 50, "every span kept or counted");

    // Stopped: later work records nothing, and the next recording starts empty.
    rt.block_on(async { add::remote_on(&rt, 2, 2).await?.get().await }).unwrap();
    timeline::start(16);
    assert!(timeline::stop().spans.is_empty());
}
