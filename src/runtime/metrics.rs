//! [`Metrics`]: a snapshot of what a runtime holds and does — queued and running tasks, each
//! worker's queue, the deepest actor mailboxes, live objects and their bytes, restarts
//! and retries — and its Prometheus text form, for a service that already serves HTTP.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::Ordering::Relaxed;

pub use crate::host::gauges::MailboxDepth;
use crate::host::gauges::{RESTARTS, RETRIES};
use crate::host::RuntimeParts;

/// A snapshot of a runtime (see [`Runtime::metrics`](crate::Runtime::metrics)). Counts
/// are read one after another while the runtime runs: each is exact when read, the set is
/// not one instant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metrics {
    /// Worker threads.
    pub workers: usize,
    /// Tasks queued in each worker's own queue.
    pub worker_queue_depths: Vec<usize>,
    /// Tasks queued in the shared injector and the `block_on` threads' queues.
    pub shared_queue_depth: usize,
    /// Every queued task (the sum of the above): runnable, waiting for a worker.
    pub tasks_queued: usize,
    /// Workers running a task (or an actor's turn) now; the rest are parked or looking
    /// for work.
    pub tasks_running: usize,
    /// The deepest actor mailboxes: every named actor's, and those of unnamed actors seen
    /// with a backlog of 16 or more messages; deepest first, at most 8.
    pub deepest_mailboxes: Vec<MailboxDepth>,
    /// Objects in the runtime's store.
    pub objects_live: u64,
    /// Bytes of those objects' cells (a value's own heap allocations are not counted).
    pub object_bytes: u64,
    /// Actors rebuilt after a panic (process-wide).
    pub actor_restarts: u64,
    /// Task and stream attempts run again after a failure (process-wide).
    pub task_retries: u64,
}

/// Mailboxes a snapshot lists.
const LISTED: usize = 8;

pub(super) fn snapshot(parts: &RuntimeParts) -> Metrics {
    let scheduler = &parts.scheduler;
    let worker_queue_depths: Vec<usize> = scheduler.remotes.iter().map(|r| r.steal.len()).collect();
    let shared_queue_depth =
        scheduler.injector.len() + scheduler.driver_queues.iter().map(|d| d.steal.len()).sum::<usize>();
    let mut deepest: Vec<MailboxDepth> = parts.names.depths();
    for seen in parts.deep.snapshot() {
        if !deepest.iter().any(|m| m.id == seen.id) {
            deepest.push(seen);
        }
    }
    deepest.sort_by(|a, b| b.depth.cmp(&a.depth).then(a.id.cmp(&b.id)));
    deepest.truncate(LISTED);
    let stats = parts.store.stats();
    Metrics {
        workers: worker_queue_depths.len(),
        tasks_queued: worker_queue_depths.iter().sum::<usize>() + shared_queue_depth,
        worker_queue_depths,
        shared_queue_depth,
        tasks_running: scheduler.idle.running(),
        deepest_mailboxes: deepest,
        objects_live: stats.live,
        object_bytes: stats.bytes,
        actor_restarts: RESTARTS.load(Relaxed),
        task_retries: RETRIES.load(Relaxed),
    }
}

impl Metrics {
    /// The snapshot in the Prometheus text exposition format (version 0.0.4), metric names
    /// prefixed `rustyray_`: serve it at a `/metrics` endpoint.
    ///
    /// ```
    /// # let rt = rustyray::Runtime::builder().worker_threads(2).build()?;
    /// let text = rt.metrics().to_prometheus();
    /// assert!(text.contains("# TYPE rustyray_tasks_queued gauge"));
    /// assert!(text.contains("rustyray_worker_queue_depth{worker=\"0\"}"));
    /// # Ok::<(), rustyray::Error>(())
    /// ```
    pub fn to_prometheus(&self) -> String {
        let mut out = String::with_capacity(1024);
        let mut metric = |name: &str, kind: &str, help: &str, samples: &[(String, u64)]| {
            let _ = writeln!(out, "# HELP rustyray_{name} {help}");
            let _ = writeln!(out, "# TYPE rustyray_{name} {kind}");
            for (labels, value) in samples {
                let _ = writeln!(out, "rustyray_{name}{labels} {value}");
            }
        };
        let one = |v: u64| [(String::new(), v)];
        metric("workers", "gauge", "Worker threads.", &one(self.workers as u64));
        metric("tasks_queued", "gauge", "Runnable tasks waiting for a worker.", &one(self.tasks_queued as u64));
        metric("tasks_running", "gauge", "Workers running a task now.", &one(self.tasks_running as u64));
        let per_worker: Vec<(String, u64)> = self
            .worker_queue_depths
            .iter()
            .enumerate()
            .map(|(i, d)| (alloc::format!("{{worker=\"{i}\"}}"), *d as u64))
            .collect();
        metric("worker_queue_depth", "gauge", "Tasks queued in each worker's own queue.", &per_worker);
        metric(
            "shared_queue_depth",
            "gauge",
            "Tasks queued in the injector and the block_on threads' queues.",
            &one(self.shared_queue_depth as u64),
        );
        let mailboxes: Vec<(String, u64)> = self
            .deepest_mailboxes
            .iter()
            .map(|m| {
                let mut labels = alloc::format!("{{actor=\"{}\",id=\"{}\"", escape(m.actor), m.id);
                if let Some(name) = &m.name {
                    let _ = write!(labels, ",name=\"{}\"", escape(name));
                }
                labels.push('}');
                (labels, m.depth as u64)
            })
            .collect();
        metric("mailbox_depth", "gauge", "Messages queued in the deepest actor mailboxes.", &mailboxes);
        metric("objects_live", "gauge", "Objects in the store.", &one(self.objects_live));
        metric("object_bytes", "gauge", "Bytes of the live objects' cells.", &one(self.object_bytes));
        metric("actor_restarts_total", "counter", "Actors rebuilt after a panic.", &one(self.actor_restarts));
        metric("task_retries_total", "counter", "Task attempts run again after a failure.", &one(self.task_retries));
        out
    }
}

/// A label value with `\`, `"` and newlines escaped, as the format asks.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
