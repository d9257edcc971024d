//! Feature `tracing`: a span per remote task (`task`, field `name`) and per actor call
//! (`actor_call`, fields `actor`, `method`), entered while it runs, seen by the
//! application's own subscriber (a minimal one here, recording what it is told).
#![cfg(feature = "tracing")]

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

rustyray::dsl::task! {
    fn double(x: u32) -> u32 { tracing::info!(x, "doubling"); x * 2 }
}

rustyray::dsl::actor! {
    pub struct Greeter { greeted: u32 }
    impl Greeter {
        pub fn new() -> Self { Greeter { greeted: 0 } }
        pub fn greet(&mut self) -> u32 { tracing::info!("greeting"); self.greeted += 1; self.greeted }
        pub async fn greet_later(&mut self) -> u32 {
            rustyray::time::sleep(std::time::Duration::from_millis(1)).await;
            tracing::info!("greeting later");
            self.greeted
        }
    }
}

/// What the subscriber saw: spans (name, fields) and events (message, the span they were in).
#[derive(Default)]
struct Seen {
    spans: Vec<(u64, &'static str, String)>,
    events: Vec<(String, Option<u64>)>,
}

struct Recorder {
    next: AtomicU64,
    seen: Arc<Mutex<Seen>>,
}

std::thread_local! {
    static CURRENT: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

struct Fields(String);
impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?};", field.name(), value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push_str(&format!("{}={};", field.name(), value));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, SeqCst) + 1;
        let mut fields = Fields(String::new());
        span.record(&mut fields);
        self.seen.lock().unwrap().spans.push((id, span.metadata().name(), fields.0));
        Id::from_u64(id)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        let current = CURRENT.with(|c| c.borrow().last().copied());
        self.seen.lock().unwrap().events.push((fields.0, current));
    }
    fn enter(&self, span: &Id) {
        CURRENT.with(|c| c.borrow_mut().push(span.into_u64()));
    }
    fn exit(&self, _: &Id) {
        CURRENT.with(|c| c.borrow_mut().pop());
    }
}

#[test]
fn tasks_and_actor_calls_run_inside_their_tracing_spans() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    tracing::subscriber::set_global_default(Recorder { next: AtomicU64::new(0), seen: seen.clone() }).unwrap();
    let rt = rustyray::Runtime::builder().worker_threads(2).build().unwrap();
    rt.block_on(async {
        assert_eq!(double::remote_on(&rt, 21).await?.get().await?, 42);
        let g = Greeter::remote_on(&rt).await?;
        assert_eq!(g.greet().await?.get().await?, 1);
        assert_eq!(g.greet_later().await?.get().await?, 1);
        Ok::<(), rustyray::Error>(())
    })
    .unwrap();
    let seen = seen.lock().unwrap();
    let span_of = |name: &str, fields: &str| {
        seen.spans
            .iter()
            .find(|(_, n, f)| *n == name && f.contains(fields))
            .unwrap_or_else(|| panic!("a `{name}` span with {fields} in {:?}", seen.spans))
            .0
    };
    let in_span = |message: &str| {
        seen.events
            .iter()
            .find(|(f, _)| f.contains(message))
            .unwrap_or_else(|| panic!("event {message} in {:?}", seen.events))
            .1
    };
    assert_eq!(in_span("doubling"), Some(span_of("task", "name=double")));
    assert_eq!(in_span("message=greeting;"), Some(span_of("actor_call", "method=greet;")));
    assert_eq!(in_span("greeting later"), Some(span_of("actor_call", "method=greet_later")));
    assert!(seen.spans.iter().any(|(_, n, f)| *n == "actor_call" && f.contains("actor=Greeter")));
}
