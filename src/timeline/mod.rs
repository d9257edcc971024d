//! What ran where and when (Ray's `ray timeline`): task and actor-call spans recorded into
//! bounded per-thread rings, written as Chrome trace event JSON that Perfetto
//! (<https://ui.perfetto.dev>) and `chrome://tracing` load.
//!
//! ```
//! rustyray::dsl::task! { fn add(a: i32, b: i32) -> i32 { a + b } }
//!
//! # fn main() -> Result<(), rustyray::Error> {
//! let rt = rustyray::Runtime::builder().worker_threads(2).build()?;
//! rustyray::timeline::start(10_000);
//! let three = rt.block_on(async { add::remote_on(&rt, 1, 2).await?.get().await })?;
//! assert_eq!(three, 3);
//! let timeline = rustyray::timeline::stop();
//! assert!(timeline.spans.iter().any(|s| s.name == "add"));
//! let json = timeline.to_chrome_json();
//! assert!(json.starts_with("{\"traceEvents\":["));
//! # Ok(())
//! # }
//! ```
//!
//! Recording is process-wide. Off (the default), each event site costs one relaxed load
//! (docs/semantics.md §5.1 lists them).
//! On, each thread records into its own ring of `capacity` spans (the oldest are dropped
//! past it, and counted), so recording never blocks another thread and never grows without
//! bound.
//!
//! What is recorded:
//!
//! * a **task** span per remote task: its function's name, when it was submitted, when
//!   it first ran and when it finished (submit → start is its time queued, including
//!   argument resolution and admission), the worker thread, and whether its result is an
//!   error (a panic, or an `Err` its function returned);
//! * an **actor call** span per call an actor handled: the actor's type and method, start
//!   and end, the thread, and whether the method panicked (a method's own `Err` value is
//!   its result, not a failure of the call);
//! * a **submit** instant per actor call sent, on the caller's thread.

mod armed;
mod chrome;
mod ring;

use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::Instant;

pub(crate) use armed::{arm, armed, finish, Armed, Pending};
pub(crate) use ring::record;

/// Recording on or off: the one load every event site pays. On a cache line of its own:
/// it is read on every message and call, and a neighbour written by other threads would
/// make each of those reads a miss.
static RECORDING: Flag = Flag(AtomicBool::new(false));

#[repr(align(128))]
struct Flag(AtomicBool);
/// Bumped by every `start`: rings of an older recording are cleared before their next use.
static GENERATION: AtomicU64 = AtomicU64::new(0);
/// Spans per thread's ring in the current recording.
static CAPACITY: AtomicU64 = AtomicU64::new(0);

/// Is a recording on? (One relaxed load: the cost of an event site while off.)
#[inline]
pub(crate) fn on() -> bool {
    RECORDING.0.load(Relaxed)
}

/// Nanoseconds since the process's timeline epoch.
pub(crate) fn now() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// What a span records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanKind {
    /// A remote task, from its first poll to its end.
    Task,
    /// An actor call, handled.
    ActorCall,
    /// An actor call sent (an instant: `start == end`), on the caller's thread.
    Submit,
}

/// One recorded span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// Task, actor call, or submit.
    pub kind: SpanKind,
    /// The task's function or the actor's method.
    pub name: &'static str,
    /// The actor's type (its last path segment), for calls.
    pub actor: Option<&'static str>,
    /// When it was submitted (ns since the timeline epoch), if known.
    pub submit_ns: Option<u64>,
    /// When it started (ns since the timeline epoch).
    pub start_ns: u64,
    /// When it ended (ns since the timeline epoch).
    pub end_ns: u64,
    /// The thread it ran on (an index; see [`Timeline::threads`]).
    pub thread: u32,
    /// False if it failed (panicked; for a task, also an `Err` result).
    pub ok: bool,
}

/// A finished recording: its spans by start time, and what the rings dropped.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// The spans, ordered by start.
    pub spans: Vec<Span>,
    /// Each recording thread's index and name.
    pub threads: Vec<(u32, String)>,
    /// Spans dropped because a thread's ring was full.
    pub dropped: u64,
}

/// Starts recording (process-wide), each thread keeping at most `capacity_per_thread`
/// spans (the oldest are dropped past it). A recording already on starts over.
pub fn start(capacity_per_thread: usize) {
    CAPACITY.store(capacity_per_thread.max(1) as u64, Relaxed);
    GENERATION.fetch_add(1, Relaxed);
    let _ = now();
    RECORDING.0.store(true, Relaxed);
}

/// Stops recording and returns what was recorded.
pub fn stop() -> Timeline {
    RECORDING.0.store(false, Relaxed);
    ring::collect()
}

/// Is a recording on?
pub fn is_recording() -> bool {
    on()
}

/// An actor type's name for a span: its last path segment (`my_app::Model` → `Model`).
pub(crate) fn short_type_name<A>() -> &'static str {
    let full = core::any::type_name::<A>();
    // Generic arguments stay (`Sink<u32>`); the path before the type goes.
    let head = full.split('<').next().unwrap_or(full);
    let at = head.rfind("::").map_or(0, |i| i + 2);
    &full[at..]
}

impl Timeline {
    /// The recording as Chrome trace event JSON (`{"traceEvents":[…]}`): one complete
    /// (`"X"`) event per span, with `submit_us`, `queued_us` and `ok` in its `args`, and a
    /// thread-name metadata event per thread.
    pub fn to_chrome_json(&self) -> String {
        chrome::write(self)
    }

    /// Writes [`to_chrome_json`](Self::to_chrome_json) to `path`.
    ///
    /// # Errors
    /// The file system's error.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<()> {
        std::fs::write(path, self.to_chrome_json())
    }
}
