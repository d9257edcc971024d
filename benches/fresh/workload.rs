//! The workloads (`docs/anchors.md` §1, §2), each run once per process, with its result
//! checked: a run that gets a wrong count is an error, never a figure.

use std::fmt;
use std::time::Duration;

/// One workload and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// The driver sends `n` fire-and-forget increments to one counter, then asks for the count.
    Tell(u64),
    /// As `Tell`, but each increment is a call whose result ref is dropped at once (what a
    /// Ray user writes: `counter.inc.remote()` without `get`).
    TellDroppedRef(u64),
    /// `n` increments queued behind a counter that is blocked: resident bytes per queued
    /// message (then the counter is released and the count checked).
    Queued(u64),
    /// `n` sequential request/reply increments.
    Ask(u64),
    /// 100 actors in a ring pass one token `n` hops.
    Ring(u64),
    /// 4 sender tasks send `n / 4` increments each to one counter.
    Fanin(u64),
    /// `n` counters created one after the other, one request/reply call to each; they stay
    /// alive: resident bytes per actor.
    Spawn(u64),
    /// `n` tasks submitted, then every result awaited.
    TasksBatch(u64),
    /// `n` tasks, each submitted and awaited before the next.
    TasksSync(u64),
    /// A chain of `n` tasks, each taking the previous one's result.
    Chain(u64),
    /// A producer task streams `n` items through a bounded stream (16 unread) to a reader.
    Stream(u64),
    /// 16 callers make `n / 16` request/reply calls each to one actor that serves up to 16
    /// at once (Ray's "1:1 actor calls concurrent" shape, `max_concurrency = 16`).
    Concurrent(u64),
    /// `TasksBatch(n)` while a timeline records every task (rustyray only: its cost per task
    /// is this minus `TasksBatch(n)`).
    TasksTimeline(u64),
}

/// Items a stream holds unread.
pub const STREAM_CAPACITY: usize = 16;
/// Callers, and calls served at once, of `Concurrent`.
pub const CONCURRENCY: u64 = 16;

/// Actors in the ring.
pub const RING: u64 = 100;
/// Sender tasks of `Fanin`.
pub const SENDERS: u64 = 4;

impl Workload {
    /// Every workload of a full run (`quick`: small sizes, for a smoke test).
    pub fn all(quick: bool) -> Vec<Workload> {
        // Quick: every size divided by 100 (the task batches keep distinct sizes).
        let k = if quick { 100 } else { 1 };
        vec![
            Workload::Tell(1_000_000 / k),
            Workload::Tell(10_000_000 / k),
            Workload::TellDroppedRef(1_000_000 / k),
            Workload::Queued(1_000_000 / k),
            Workload::Ask(100_000 / k),
            Workload::Ring(1_000_000 / k),
            Workload::Fanin(1_000_000 / k),
            Workload::Spawn(100_000 / k),
            Workload::TasksBatch(1_000_000 / k / 100),
            Workload::TasksBatch(1_000_000 / k / 10),
            Workload::TasksBatch(1_000_000 / k),
            Workload::TasksSync(100_000 / k),
            Workload::Chain(1_000),
            Workload::Stream(1_000_000 / k),
            Workload::Concurrent(100_000 / k),
            Workload::TasksTimeline(1_000_000 / k / 10),
        ]
    }

    /// The name on the command line and in the tables: `tell-1000000`.
    pub fn name(self) -> String {
        let (kind, n) = self.parts();
        format!("{kind}-{n}")
    }

    fn parts(self) -> (&'static str, u64) {
        match self {
            Workload::Tell(n) => ("tell", n),
            Workload::TellDroppedRef(n) => ("tell-dropped-ref", n),
            Workload::Queued(n) => ("queued", n),
            Workload::Ask(n) => ("ask", n),
            Workload::Ring(n) => ("ring", n),
            Workload::Fanin(n) => ("fanin", n),
            Workload::Spawn(n) => ("spawn", n),
            Workload::TasksBatch(n) => ("tasks-batch", n),
            Workload::TasksSync(n) => ("tasks-sync", n),
            Workload::Chain(n) => ("chain", n),
            Workload::Stream(n) => ("stream", n),
            Workload::Concurrent(n) => ("concurrent", n),
            Workload::TasksTimeline(n) => ("tasks-timeline", n),
        }
    }

    /// Parses a name made by [`name`](Self::name).
    pub fn parse(name: &str) -> Option<Workload> {
        let (kind, n) = name.rsplit_once('-')?;
        let n: u64 = n.parse().ok()?;
        Some(match kind {
            "tell" => Workload::Tell(n),
            "tell-dropped-ref" => Workload::TellDroppedRef(n),
            "queued" => Workload::Queued(n),
            "ask" => Workload::Ask(n),
            "ring" => Workload::Ring(n),
            "fanin" => Workload::Fanin(n),
            "spawn" => Workload::Spawn(n),
            "tasks-batch" => Workload::TasksBatch(n),
            "tasks-sync" => Workload::TasksSync(n),
            "chain" => Workload::Chain(n),
            "stream" => Workload::Stream(n),
            "concurrent" => Workload::Concurrent(n),
            "tasks-timeline" => Workload::TasksTimeline(n),
            _ => return None,
        })
    }

    /// How many elements one run handles (for a rate).
    pub fn elements(self) -> u64 {
        self.parts().1
    }

    /// What one element is, for the table.
    pub fn unit(self) -> &'static str {
        match self {
            Workload::Tell(_) | Workload::TellDroppedRef(_) | Workload::Fanin(_) | Workload::Queued(_) => "msg",
            Workload::Ask(_) | Workload::Concurrent(_) => "call",
            Workload::Stream(_) => "item",
            Workload::Ring(_) => "hop",
            Workload::Spawn(_) => "actor",
            Workload::TasksBatch(_) | Workload::TasksSync(_) | Workload::Chain(_) | Workload::TasksTimeline(_) => {
                "task"
            }
        }
    }
}

/// What one run measured.
#[derive(Clone, Copy, Debug, Default)]
pub struct Measure {
    /// The workload's own time (the runtime is built before the clock starts).
    pub time: Duration,
    /// Peak resident memory of the process (VmHWM).
    pub peak_rss: u64,
    /// Resident bytes per element, where the workload measures it (`Queued`, `Spawn`).
    pub bytes_per: Option<f64>,
}

impl fmt::Display for Measure {
    /// The line a worker prints: `RESULT <nanos> <peak rss> <bytes per element or ->`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per = self.bytes_per.map_or_else(|| "-".to_string(), |b| format!("{b:.1}"));
        write!(f, "RESULT {} {} {}", self.time.as_nanos(), self.peak_rss, per)
    }
}

impl Measure {
    /// Parses a worker's `RESULT` line.
    pub fn parse(line: &str) -> Option<Measure> {
        let mut it = line.strip_prefix("RESULT ")?.split_whitespace();
        let time = Duration::from_nanos(it.next()?.parse().ok()?);
        let peak_rss = it.next()?.parse().ok()?;
        let bytes_per = match it.next()? {
            "-" => None,
            b => Some(b.parse().ok()?),
        };
        Some(Measure { time, peak_rss, bytes_per })
    }
}

/// Resident memory of this process now (`/proc/self/statm`), in bytes.
pub fn rss_now() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0) * 4096
}

/// Peak resident memory of this process (`VmHWM` in `/proc/self/status`), in bytes.
pub fn rss_peak() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

/// Checks a result: a wrong count makes the run an error.
pub fn check(what: &str, got: u64, expected: u64) -> Result<(), String> {
    if got == expected {
        Ok(())
    } else {
        Err(format!("{what}: got {got}, expected {expected}"))
    }
}
