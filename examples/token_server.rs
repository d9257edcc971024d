//! A Shimmy-style model server on rustyray: one "model" actor streams tokens to many
//! concurrent clients with backpressure, a health-check group answers while generation
//! runs, and the run writes a timeline (Chrome trace JSON) you can open in Perfetto.
//!
//! ```sh
//! cargo run --release --example token_server [-- timeline.json]
//! ```
//!
//! * `Model` is `#[concurrent(health = 1)]`: up to `max_concurrency` generations
//!   interleave on it (each awaits its "compute" and its stream's room), and `health` has
//!   its own group, so it is answered at once however busy generation is.
//! * Each client reads its tokens from an `ObjectRefStream` holding at most 4 unread
//!   tokens: a slow client holds its generation back instead of growing memory.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use rustyray::stream::{self, StreamSender};
use rustyray::{timeline, Error, Runtime};

/// What a generation reports when it ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    /// Tokens sent.
    pub tokens: u32,
    /// True if the client went away first.
    pub cancelled: bool,
}

/// What the health check reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    /// Generations running now.
    pub generating: usize,
    /// Tokens sent so far.
    pub tokens: u64,
}

rustyray::dsl::actor! {
    /// The model: deterministic "tokens" from the prompt, one per step of compute.
    pub struct Model {
        vocabulary: Vec<&'static str>,
        step: Duration,
        generating: AtomicUsize,
        tokens: AtomicU64,
    }
    #[concurrent(health = 1)]
    impl Model {
        pub fn new(step: Duration) -> Self {
            let vocabulary = vec!["the", "actor", "streams", "tokens", "while", "others", "wait", "for", "room", "."];
            Model { vocabulary, step, generating: AtomicUsize::new(0), tokens: AtomicU64::new(0) }
        }

        /// Streams up to `max_tokens` tokens for `prompt` into `out`.
        pub async fn generate(&self, prompt: String, max_tokens: u32, out: StreamSender<String>) -> Generated {
            self.generating.fetch_add(1, Relaxed);
            let seed = prompt.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
            let mut sent = 0;
            let mut cancelled = false;
            for i in 0..max_tokens {
                // The "forward pass".
                rustyray::time::sleep(self.step).await;
                let word = self.vocabulary[((seed + u64::from(i) * 7) % self.vocabulary.len() as u64) as usize];
                if out.send(format!("{word} ")).await.is_err() {
                    cancelled = true;
                    break;
                }
                sent += 1;
                self.tokens.fetch_add(1, Relaxed);
            }
            self.generating.fetch_sub(1, Relaxed);
            Generated { tokens: sent, cancelled }
        }

        /// Answered in its own group while generations run.
        #[concurrency_group(health)]
        pub fn health(&self) -> Health {
            Health { generating: self.generating.load(Relaxed), tokens: self.tokens.load(Relaxed) }
        }
    }
}

/// What a run did.
#[derive(Debug)]
pub struct Report {
    /// Tokens each client read.
    pub per_client: Vec<u32>,
    /// Health checks answered while at least one generation ran.
    pub health_while_busy: usize,
    /// The most generations seen running at once by a health check.
    pub peak_generating: usize,
    /// Spans in the timeline.
    pub spans: usize,
}

/// Serves `clients` clients of `tokens` tokens each (every fourth one reads slowly) on a
/// model allowing `max_concurrency` generations, and writes the timeline to `timeline_path`.
pub fn run(
    clients: usize,
    tokens: u32,
    max_concurrency: u32,
    timeline_path: &std::path::Path,
) -> Result<Report, Error> {
    let rt = Runtime::builder().worker_threads(2).build()?;
    timeline::start(100_000);
    let report = rt.block_on(async {
        let model =
            Model::options().max_concurrency(max_concurrency).remote_on(&rt, Duration::from_micros(200)).await?;
        let mut readers = Vec::new();
        for c in 0..clients {
            let (out, mut tokens_in) = stream::bounded::<String>(4);
            let done = model.generate(format!("prompt {c}"), tokens, out).await?;
            readers.push(rt.spawn(async move {
                let mut text = String::new();
                let mut n = 0u32;
                while let Some(token) = tokens_in.next().await {
                    text.push_str(&token?);
                    n += 1;
                    if c % 4 == 3 {
                        // A slow reader: its generation waits for room.
                        rustyray::time::sleep(Duration::from_micros(500)).await;
                    }
                }
                let generated = done.get().await?;
                assert_eq!(generated.tokens, n, "every token sent was read");
                Ok::<u32, Error>(n)
            }));
        }
        // Health checks while generation runs.
        let mut health_while_busy = 0;
        let mut peak_generating = 0;
        loop {
            let h = model.health().await?.get().await?;
            if h.generating == 0 && h.tokens == u64::from(tokens) * clients as u64 {
                break;
            }
            if h.generating > 0 {
                health_while_busy += 1;
                peak_generating = peak_generating.max(h.generating);
            }
            rustyray::time::sleep(Duration::from_millis(2)).await;
        }
        let mut per_client = Vec::new();
        for r in readers {
            per_client.push(r.await??);
        }
        Ok::<_, Error>((per_client, health_while_busy, peak_generating))
    })?;
    let timeline = timeline::stop();
    timeline.save(timeline_path).map_err(|e| Error::Encode { message: e.to_string() })?;
    let (per_client, health_while_busy, peak_generating) = report;
    rt.shutdown();
    Ok(Report { per_client, health_while_busy, peak_generating, spans: timeline.spans.len() })
}

#[allow(dead_code)] // (tests/token_server.rs includes this file and calls `run`)
fn main() -> Result<(), Error> {
    let path = std::env::args()
        .nth(1)
        .map_or_else(|| std::env::temp_dir().join("token_server_timeline.json"), std::path::PathBuf::from);
    let (clients, tokens, max_concurrency) = (16, 64, 8);
    let started = std::time::Instant::now();
    let report = run(clients, tokens, max_concurrency, &path)?;
    let elapsed = started.elapsed();
    let total: u32 = report.per_client.iter().sum();
    println!("{clients} clients x {tokens} tokens on a model with max_concurrency = {max_concurrency}:");
    println!(
        "  {total} tokens streamed in {:.1} ms ({:.0} tokens/s)",
        elapsed.as_secs_f64() * 1e3,
        f64::from(total) / elapsed.as_secs_f64()
    );
    println!(
        "  up to {} generations ran at once; {} health checks answered while they ran",
        report.peak_generating, report.health_while_busy
    );
    println!("  timeline: {} spans written to {} (open it in https://ui.perfetto.dev)", report.spans, path.display());
    Ok(())
}
