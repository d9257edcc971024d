//! Calls across a process boundary, in fresh processes: rustyray's node layer next to a
//! raw-socket request/reply floor and tarpc (bincode, on tokio), in one run.
//!
//! ```text
//! cargo bench --bench node                      # 5 runs of each, Unix socket and loopback TCP
//! cargo bench --bench node -- --runs 9 seq      # only sequential round trips
//! cargo bench --bench node -- --quick           # small sizes, 1 run: a smoke test
//! ```
//!
//! Every (system, transport, workload, run) is two fresh processes of this binary: a server
//! (`--serve <system> <addr>`) that serves one connection and then reports its own CPU
//! time, and a client (`--client <system> <workload> <addr> <n>`) that checks every reply
//! and reports its wall and CPU time. Runs are interleaved and rotated as in the `fresh`
//! harness. Workloads: `seq`, one call at a time (a round trip each); `pipe`, 256 calls in
//! flight. The service is the same everywhere: `add(1)` on a counter, returning the sum.
//! Ray's figures are the anchors' (`docs/anchors.md` §2, §6).

#![forbid(unsafe_code)]

mod raw_sys;
mod rustyray_sys;
#[path = "../support/stats.rs"]
mod stats;
mod tarpc_sys;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use stats::{rate, spread};

/// Calls kept in flight by the pipelined workload.
pub const IN_FLIGHT: usize = 256;

/// How long one process may take before it is killed and its run counted as failed.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// Ray 2.x on this machine (`docs/anchors.md`): actor calls across processes, 1:1.
const RAY_ACTOR_SYNC: f64 = 1_375.0;
const RAY_ACTOR_ASYNC: f64 = 4_325.0;

const SYSTEMS: [&str; 3] = ["rustyray", "raw", "tarpc"];
const TRANSPORTS: [&str; 2] = ["unix", "tcp"];

/// What a client measured.
#[derive(Debug, Clone, Copy)]
pub struct ClientResult {
    pub wall: Duration,
    pub cpu: Duration,
}

/// The process's own CPU time (user + system), from `/proc/self/stat` (clock ticks of 10 ms).
pub fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the line: 12 and 13 after the name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// A checked reply sequence: `seq` replies count up by one; `pipe` replies are distinct
/// sums, the largest of which is `n`.
pub struct Check {
    n: u64,
    seen: u64,
    max: u64,
}

impl Check {
    pub fn new(n: u64) -> Check {
        Check { n, seen: 0, max: 0 }
    }

    pub fn sequential(&mut self, reply: u64) -> Result<(), String> {
        self.seen += 1;
        if reply != self.seen {
            return Err(format!("reply {} was {reply}", self.seen));
        }
        self.max = reply;
        Ok(())
    }

    pub fn any_order(&mut self, reply: u64) {
        self.seen += 1;
        self.max = self.max.max(reply);
    }

    pub fn finish(&self) -> Result<(), String> {
        if self.seen != self.n || self.max != self.n {
            return Err(format!("{} replies, largest {}, for {} calls", self.seen, self.max, self.n));
        }
        Ok(())
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("--serve") => serve(&args[1..]),
        Some("--client") => client(&args[1..]),
        _ => runner(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("node bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `--serve <system> <addr>`: prints `LISTENING <addr>`, serves one connection, prints `CPU`.
fn serve(args: &[String]) -> Result<(), String> {
    let [system, addr] = args else { return Err("usage: --serve <system> <addr>".into()) };
    let listening = |at: &str| println!("LISTENING {at}");
    match system.as_str() {
        "rustyray" => rustyray_sys::serve(addr, listening)?,
        "raw" => raw_sys::serve(addr, listening)?,
        "tarpc" => tarpc_sys::serve(addr, listening)?,
        other => return Err(format!("unknown system {other:?}")),
    }
    println!("CPU {}", cpu_time().as_secs_f64());
    Ok(())
}

/// `--client <system> <workload> <addr> <n>`: prints `RESULT <wall> <cpu>` in seconds.
fn client(args: &[String]) -> Result<(), String> {
    let [system, workload, addr, n] = args else {
        return Err("usage: --client <system> <seq|pipe> <addr> <n>".into());
    };
    let n: u64 = n.parse().map_err(|_| "n is a number")?;
    let pipelined = match workload.as_str() {
        "seq" => false,
        "pipe" => true,
        other => return Err(format!("unknown workload {other:?}")),
    };
    let r = match system.as_str() {
        "rustyray" => rustyray_sys::client(addr, pipelined, n)?,
        "raw" if !pipelined => raw_sys::client(addr, n)?,
        "tarpc" => tarpc_sys::client(addr, pipelined, n)?,
        other => return Err(format!("no {workload} client for {other:?}")),
    };
    println!("RESULT {} {}", r.wall.as_secs_f64(), r.cpu.as_secs_f64());
    Ok(())
}

/// A child process whose stdout lines arrive on a channel; killed if dropped while running.
struct Proc {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Proc {
    fn start(args: &[&str]) -> Result<Proc, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting {args:?}: {e}"))?;
        let out = child.stdout.take().ok_or("no stdout")?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Proc { child, lines })
    }

    /// The rest of the first line starting with `tag`, within `RUN_LIMIT` of `since`.
    fn expect(&self, tag: &str, since: Instant) -> Result<String, String> {
        loop {
            let left = RUN_LIMIT.checked_sub(since.elapsed()).ok_or_else(|| format!("no {tag} in time"))?;
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix(tag) {
                        return Ok(rest.trim().to_string());
                    }
                }
                Err(_) => return Err(format!("no {tag} line (the process ended or took too long)")),
            }
        }
    }

    fn wait(mut self, since: Instant) -> Result<(), String> {
        loop {
            match self.child.try_wait().map_err(|e| e.to_string())? {
                Some(status) if status.success() => return Ok(()),
                Some(status) => return Err(format!("exited with {status}")),
                None if since.elapsed() > RUN_LIMIT => return Err("took too long".into()),
                None => std::thread::sleep(Duration::from_millis(2)),
            }
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One run: the calls' wall time, and CPU per call on the client and on the server.
#[derive(Debug, Clone, Copy)]
struct Run {
    rate: f64,
    client_cpu_us: f64,
    server_cpu_us: f64,
}

fn one_run(system: &str, transport: &str, workload: &str, n: u64, tag: usize) -> Result<Run, String> {
    let since = Instant::now();
    let path = std::env::temp_dir().join(format!("rustyray-bench-node-{}-{tag}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let addr = match transport {
        "unix" => format!("unix:{}", path.display()),
        _ => "tcp:127.0.0.1:0".to_string(),
    };
    let server = Proc::start(&["--serve", system, &addr])?;
    let at = server.expect("LISTENING", since)?;
    let client = Proc::start(&["--client", system, workload, &at, &n.to_string()])?;
    let result = client.expect("RESULT", since)?;
    client.wait(since)?;
    let cpu: f64 = server.expect("CPU", since)?.parse().map_err(|_| "a bad CPU line")?;
    server.wait(since)?;
    let _ = std::fs::remove_file(&path);
    let (wall, client_cpu) = result.split_once(' ').ok_or("a bad RESULT line")?;
    let wall: f64 = wall.parse().map_err(|_| "a bad RESULT line")?;
    let client_cpu: f64 = client_cpu.parse().map_err(|_| "a bad RESULT line")?;
    Ok(Run { rate: n as f64 / wall, client_cpu_us: client_cpu * 1e6 / n as f64, server_cpu_us: cpu * 1e6 / n as f64 })
}

fn runner(args: &[String]) -> Result<(), String> {
    let mut runs = 5;
    let mut quick = false;
    let mut only: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--bench" => {}
            "--quick" => {
                quick = true;
                runs = 1;
            }
            "--runs" => {
                runs = it.next().and_then(|n| n.parse().ok()).filter(|&n| n > 0).ok_or("--runs takes a number")?
            }
            w if !w.starts_with('-') => only.push(w.to_string()),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    let sizes = |w: &str| match (w, quick) {
        ("seq", false) => 20_000,
        ("seq", true) => 1_000,
        (_, false) => 200_000,
        (_, true) => 10_000,
    };
    println!("node bench: {runs} fresh runs each, two processes per run, interleaved; median (min–max)");
    let mut failed = false;
    let mut figures: BTreeMap<(String, String, String), Run> = BTreeMap::new();
    let mut tag = 0;
    for workload in ["seq", "pipe"].into_iter().filter(|w| only.is_empty() || only.iter().any(|o| o == w)) {
        for transport in TRANSPORTS {
            let systems: Vec<&str> = SYSTEMS.iter().copied().filter(|s| workload == "seq" || *s != "raw").collect();
            let n = sizes(workload);
            let mut all: BTreeMap<&str, Vec<Run>> = BTreeMap::new();
            for run in 0..runs {
                for i in 0..systems.len() {
                    let system = systems[(i + run) % systems.len()];
                    tag += 1;
                    match one_run(system, transport, workload, n, tag) {
                        Ok(r) => all.entry(system).or_default().push(r),
                        Err(e) => {
                            eprintln!("FAILED {system} {transport} {workload}: {e}");
                            failed = true;
                        }
                    }
                }
            }
            println!("\n{workload} over {transport} ({n} calls per run):");
            for system in &systems {
                let Some(rs) = all.get(system) else { continue };
                let (m, lo, hi) = spread(rs.iter().map(|r| r.rate).collect());
                let (ccpu, _, _) = spread(rs.iter().map(|r| r.client_cpu_us).collect());
                let (scpu, _, _) = spread(rs.iter().map(|r| r.server_cpu_us).collect());
                println!(
                    "  {system:<9} {:>9} calls/s  ({} – {})   CPU per call: client {ccpu:.2} µs, server {scpu:.2} µs",
                    rate(m),
                    rate(lo),
                    rate(hi)
                );
                let med = Run { rate: m, client_cpu_us: ccpu, server_cpu_us: scpu };
                figures.insert((workload.to_string(), transport.to_string(), system.to_string()), med);
            }
            let get =
                |s: &str| figures.get(&(workload.to_string(), transport.to_string(), s.to_string())).map(|r| r.rate);
            if let Some(ours) = get("rustyray") {
                let mut ratios = Vec::new();
                for peer in ["raw", "tarpc"] {
                    if let Some(p) = get(peer) {
                        ratios.push(format!("{:.2}× {peer}", ours / p));
                    }
                }
                let ray = if workload == "seq" { RAY_ACTOR_SYNC } else { RAY_ACTOR_ASYNC };
                ratios.push(format!("{:.0}× Ray ({ray:.0}/s)", ours / ray));
                println!("  rustyray: {}", ratios.join(", "));
            }
        }
    }
    goals(&figures, quick);
    if failed {
        Err("some runs failed".into())
    } else {
        Ok(())
    }
}

/// Issue #18's goals, each against figures of this run.
fn goals(figures: &BTreeMap<(String, String, String), Run>, quick: bool) {
    println!("\ngoals{}:", if quick { " (quick sizes: indicative only)" } else { "" });
    let get = |w: &str, t: &str, s: &str| figures.get(&(w.to_string(), t.to_string(), s.to_string())).map(|r| r.rate);
    let report = |what: String, value: f64, goal: f64| {
        let ok = if value >= goal { "met    " } else { "NOT MET" };
        println!("  {ok} {what}: {value:.2} (goal ≥ {goal:.2})");
    };
    for t in TRANSPORTS {
        if let Some(ours) = get("seq", t, "rustyray") {
            if let Some(raw) = get("seq", t, "raw") {
                report(format!("seq/{t}: rustyray / raw blocking socket"), ours / raw, 1.0);
            }
            if let Some(tarpc) = get("seq", t, "tarpc") {
                report(format!("seq/{t}: rustyray / tarpc"), ours / tarpc, 3.0);
            }
            report(format!("seq/{t}: rustyray / Ray 1:1 sync ({RAY_ACTOR_SYNC:.0}/s)"), ours / RAY_ACTOR_SYNC, 20.0);
        }
        if let Some(ours) = get("pipe", t, "rustyray") {
            if let Some(tarpc) = get("pipe", t, "tarpc") {
                report(format!("pipe/{t}: rustyray / tarpc"), ours / tarpc, 2.0);
            }
            report(format!("pipe/{t}: rustyray / Ray async ({RAY_ACTOR_ASYNC:.0}/s)"), ours / RAY_ACTOR_ASYNC, 100.0);
        }
    }
}
