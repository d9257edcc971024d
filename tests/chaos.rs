//! Chaos: many senders calling actors whose methods and constructors panic at random, with
//! restarts and retries, actors stopped and killed at random, remote tasks that panic and
//! retry, and the runtime shut down at a random moment. Every call whose ref the test holds
//! must be answered exactly once — a value, or a typed error (`TaskPanicked`, `ActorDied`,
//! `RuntimeShutdown`) — and nothing may hang: each seed runs under a watchdog.
//!
//! Seeds are fixed (the run is reproducible up to thread timing); `RUSTYRAY_CHAOS_SEEDS=n`
//! runs `n` of them.

mod common;

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{guarded, quiet_intentional_panics};
use rustyray::{Error, ObjectRef, Runtime};

/// xorshift64*: a small deterministic generator.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Shared dice for constructors: each construction draws from it.
#[derive(Clone)]
pub struct Dice(Arc<AtomicU64>);

impl Dice {
    fn roll(&self, n: u64) -> u64 {
        let mut r = Rng::new(self.0.fetch_add(1, SeqCst));
        r.below(n)
    }
}

#[rustyray::actor]
pub struct Chaotic {
    total: u64,
}

#[rustyray::actor_methods]
impl Chaotic {
    pub fn new(dice: Dice) -> Self {
        if dice.roll(8) == 0 {
            panic!("intentional: a constructor that fails now and then");
        }
        Chaotic { total: 0 }
    }

    /// Panics when `x % 5 == 0`.
    pub fn work(&mut self, x: u64) -> u64 {
        if x % 5 == 0 {
            panic!("intentional: a method that fails now and then");
        }
        self.total += x;
        x
    }

    /// Awaits between its steps; panics when `x % 7 == 0`.
    pub async fn slow(&mut self, x: u64) -> u64 {
        rustyray::executor::yield_now().await;
        if x % 7 == 0 {
            panic!("intentional: an async method that fails now and then");
        }
        self.total += x;
        x
    }
}

#[rustyray::remote(max_retries = 2)]
fn shaky(x: u64) -> u64 {
    if x % 3 == 0 {
        panic!("intentional: a remote task that fails now and then");
    }
    x
}

fn accepted(r: &Result<u64, Error>) -> bool {
    matches!(r, Ok(_) | Err(Error::TaskPanicked { .. } | Error::ActorDied { .. } | Error::RuntimeShutdown))
}

fn run_seed(seed: u64) {
    let mut rng = Rng::new(seed);
    let rt = Runtime::builder().worker_threads(2).build().expect("runtime");
    let dice = Dice(Arc::new(AtomicU64::new(seed)));
    let refs: Arc<Mutex<Vec<ObjectRef<u64>>>> = Arc::default();

    // Actors with assorted options.
    let actors: Vec<_> = rt
        .block_on(async {
            let mut v = Vec::new();
            for i in 0..6_u64 {
                let mut o = Chaotic::options()
                    .max_restarts(rng.below(6) as u32)
                    .max_task_retries(rng.below(3) as u32)
                    .restart_backoff(Duration::ZERO, Duration::from_millis(1))
                    .restart_intensity(1000, Duration::from_secs(1));
                o = match i % 3 {
                    0 => o,
                    1 => o.mailbox_capacity(8),
                    _ => o.fixed_mailbox::<8>(),
                };
                v.push(o.remote(dice.clone()).await);
            }
            v
        })
        .into_iter()
        .filter_map(Result::ok)
        .collect();

    // Senders.
    for s in 0..4_u64 {
        let (actors, refs, handle) = (actors.clone(), refs.clone(), rt.handle().clone());
        let mut rng = Rng::new(seed ^ ((s + 1) * 0x1234_5678));
        rt.spawn(async move {
            for _ in 0..1000 {
                let x = rng.below(1000);
                let sent = match rng.below(6) {
                    5 => shaky::remote_on(&handle, x).await,
                    kind => {
                        let a = &actors[rng.below(actors.len() as u64) as usize];
                        match kind {
                            0 | 1 => a.work(x).await,
                            2 => a.slow(x).await,
                            3 => {
                                let _ = a.work(x).tell().await;
                                continue;
                            }
                            _ => match a.work(x).try_send() {
                                Ok(r) => Ok(r),
                                Err(_) => continue, // full or closed: handed back, nothing to answer
                            },
                        }
                    }
                };
                match sent {
                    Ok(r) => refs.lock().unwrap().push(r),
                    Err(e) => assert!(
                        matches!(e, Error::ActorDied { .. } | Error::RuntimeShutdown),
                        "seed {seed}: a send failed with {e:?}"
                    ),
                }
                if rng.below(16) == 0 {
                    rustyray::executor::yield_now().await;
                }
            }
        })
        .detach();
    }

    // Stop and kill at random.
    {
        let actors = actors.clone();
        let mut rng = Rng::new(seed ^ 0xDEAD_BEEF);
        rt.spawn(async move {
            for a in &actors {
                rustyray::time::sleep(Duration::from_micros(rng.below(2000))).await;
                match rng.below(3) {
                    0 => a.stop(),
                    1 => a.kill(),
                    _ => {}
                }
            }
        })
        .detach();
    }
    drop(actors);

    // Shut down at a random moment.
    std::thread::sleep(Duration::from_micros(rng.below(4_000)));
    rt.shutdown();

    // Every held call is answered (the shutdown answered what it dropped), exactly once:
    // a ref resolves to one outcome that never changes.
    let refs = std::mem::take(&mut *refs.lock().unwrap());
    let mut seen = [0_usize; 4];
    for r in &refs {
        let first = futures_lite::future::block_on(r.get());
        assert!(accepted(&first), "seed {seed}: a call was answered with {first:?}");
        seen[match first {
            Ok(_) => 0,
            Err(Error::TaskPanicked { .. }) => 1,
            Err(Error::ActorDied { .. }) => 2,
            _ => 3,
        }] += 1;
        assert_eq!(futures_lite::future::block_on(r.get()), first, "seed {seed}: answered once, for good");
    }
    eprintln!(
        "seed {seed}: {} calls held: {} values, {} panicked, {} actor died, {} shutdown",
        refs.len(),
        seen[0],
        seen[1],
        seen[2],
        seen[3]
    );
}

#[test]
fn every_call_is_answered_exactly_once_whatever_happens() {
    quiet_intentional_panics();
    let seeds: u64 = std::env::var("RUSTYRAY_CHAOS_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(12);
    for seed in 1..=seeds {
        // The watchdog: a seed that hangs fails the test instead.
        guarded(&format!("chaos seed {seed}"), move || run_seed(seed));
    }
}
