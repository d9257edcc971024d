//! rustyray on a Cortex-M3 (QEMU `lm3s6965evb`): a [`LocalExecutor`] driven from `main`,
//! a [`Store`] in a `static`, two actors playing ping-pong over fixed-capacity mailboxes,
//! a chain of dependent remote tasks, and the `no_std` panic policy (supervision by
//! `Err` + `kill()` + re-create, since a panic cannot be caught without unwinding).
//!
//! Every result is checked in code; the run exits with `EXIT_SUCCESS` only if every check
//! holds. Run it with `cargo run --release` (see the README).
#![no_std]
#![no_main]
#![deny(unsafe_code)]
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    rust_2018_idioms,
    clippy::undocumented_unsafe_blocks
)]

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use rustyray::actor::ActorState;
use rustyray::{ActorHandle, Error, LocalExecutor, Store};
use rustyray_embedded::{finish, heap};

/// Round trips of the ping-pong phase.
const ROUNDS: u32 = 1000;
/// Steps of the task chain.
const CHAIN: u32 = 10;

/// The executor: a task that becomes runnable signals an event (`SEV`), which wakes the
/// core from the `WFE` in `block_on`'s idle hook.
static EXEC: LocalExecutor = LocalExecutor::new(&cortex_m::asm::sev);

/// Where task and actor results are stored: one store for the whole program.
/// (`Store::new` allocates, so it cannot be a `const` initializer; `singleton!` fills a
/// `static` once at run time.)
fn store() -> &'static Store {
    cortex_m::singleton!(STORE: Store = Store::new()).expect("store() is called once")
}

// ---- the actors: ping-pong (phase 1), supervised (phase 3) -------------------------------

/// A fault an actor reports as a value: on `no_std` a panic cannot be caught (see the
/// panic handler), so an actor that can fail says so in its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The player has returned as many balls as it can.
    Worn,
}

impl Fault {
    /// The fault's name, for printing (without pulling in `Debug` formatting).
    fn name(self) -> &'static str {
        match self {
            Fault::Worn => "Worn",
        }
    }
}

rustyray::dsl::actor! {
    /// Returns every ball it receives, one higher, until it has returned `max_hits`.
    pub struct Pong { returned: u32, max_hits: u32 }
    impl Pong {
        /// A fresh player (the constructor is what a re-creation runs again).
        pub fn new(max_hits: u32) -> Self { Pong { returned: 0, max_hits } }
        /// Hits the ball back, or reports that it is worn out.
        pub fn hit(&mut self, ball: u32) -> Result<u32, Fault> {
            if self.returned == self.max_hits {
                return Err(Fault::Worn);
            }
            self.returned += 1;
            Ok(ball + 1)
        }
        /// How many balls it returned.
        pub fn returned(&self) -> u32 { self.returned }
    }
}

rustyray::dsl::actor! {
    /// Serves to its `Pong` and checks every return.
    pub struct Ping { pong: ActorHandle<Pong> }
    impl Ping {
        /// A player facing `pong`.
        pub fn new(pong: ActorHandle<Pong>) -> Self { Ping { pong } }
        /// Plays up to `rounds` round trips, until `pong` faults; returns the final ball
        /// (`rounds` if every ball came back one higher).
        pub async fn rally(&mut self, rounds: u32) -> Result<u32, Error> {
            let mut ball = 0;
            for _ in 0..rounds {
                match self.pong.hit(ball).await?.get().await? {
                    Ok(back) if back == ball + 1 => ball = back,
                    _ => break,
                }
            }
            Ok(ball)
        }
    }
}

// ---- phase 2: a chain of dependent remote tasks -----------------------------------------

rustyray::dsl::task! {
    /// One link of the chain: each call takes the previous call's `ObjectRef`.
    pub fn add_one(x: u32) -> u32 { x + 1 }
}

/// The name of an error's kind, for printing: `Error`'s `Display` (all its messages) would
/// cost flash for a line that a passing run never prints.
fn error_name(e: &Error) -> &'static str {
    match e {
        Error::ActorDied { .. } => "ActorDied",
        Error::ObjectLost => "ObjectLost",
        Error::TaskPanicked { .. } => "TaskPanicked",
        Error::InvalidConfig { .. } => "InvalidConfig",
        _ => "another rustyray::Error",
    }
}

/// Counts failed checks; each failure is printed as it happens.
#[derive(Debug, Default)]
struct Checks {
    failed: u32,
}

impl Checks {
    fn check(&mut self, what: &str, ok: bool) {
        if !ok {
            hprintln!("CHECK FAILED: {}", what);
            self.failed += 1;
        }
    }
}

/// Prints the heap in use now and the high-water mark so far, after `phase`.
fn heap_report(phase: &str) {
    hprintln!("heap after {}: {} bytes in use, peak {} bytes", phase, heap::used(), heap::peak());
}

/// Runs the executor until nothing is runnable (actors finishing their stop).
fn settle() {
    EXEC.run_until_stalled();
}

#[entry]
fn main() -> ! {
    heap::init();
    let spawner = (&EXEC, store());
    let mut checks = Checks::default();
    hprintln!("rustyray on {} (LocalExecutor, no_std + alloc)", "thumbv7m-none-eabi");
    heap_report("start");

    let outcome = EXEC.block_on(run(spawner, &mut checks), cortex_m::asm::wfe);
    if let Err(e) = outcome {
        hprintln!("CHECK FAILED: a rustyray call returned an error: {}", error_name(&e));
        checks.failed += 1;
    }
    settle();
    let stats = spawner.1.stats();
    checks.check("every object is freed at the end", stats.live == 0);
    // u32 for printing: a u64 `Display` would link 64-bit division for nothing.
    hprintln!("store: {} objects created, {} live at the end", stats.created as u32, stats.live as u32);
    heap_report("all phases");
    hprintln!("peak heap: {} bytes of {}", heap::peak(), heap::HEAP_SIZE);
    if checks.failed == 0 {
        hprintln!("all checks passed");
    } else {
        hprintln!("{} checks failed", checks.failed);
    }
    finish(checks.failed == 0)
}

/// The three phases, in order.
async fn run(spawner: (&'static LocalExecutor, &'static Store), checks: &mut Checks) -> Result<(), Error> {
    // Phase 1: ping-pong over fixed-capacity mailboxes (one buffer per actor, allocated
    // with it; no allocation per message for the mailbox).
    // (`remote_on` creates the actor when called; its future is ready at once, and
    // `into_inner` takes the handle without an await: one suspension point less, which
    // firmware pays for in flash.)
    let pong = Pong::options().fixed_mailbox::<2>().remote_on(&spawner, u32::MAX).into_inner()?;
    let ping = Ping::options().fixed_mailbox::<2>().remote_on(&spawner, pong.clone()).into_inner()?;
    let ball = ping.rally(ROUNDS).await?.get().await??;
    let returned = pong.returned().await?.get().await?;
    hprintln!("ping-pong: {} round trips, final ball {}, pong returned {}", ROUNDS, ball, returned);
    checks.check("ping-pong final ball", ball == ROUNDS);
    checks.check("pong returned every ball", returned == ROUNDS);
    ping.stop();
    pong.stop();
    yield_to_executor().await; // both actors drain their mailboxes and stop
    checks.check("both players stopped", ping.state() == ActorState::Stopped && pong.state() == ActorState::Stopped);
    drop((ping, pong));
    heap_report("ping-pong");

    // Phase 2: add_one(add_one(… add_one(0))): each task's argument is the previous
    // task's ObjectRef, resolved when that task has finished.
    let mut value = add_one::remote_on(&spawner, 0u32).await?;
    for _ in 1..CHAIN {
        value = add_one::remote_on(&spawner, value).await?;
    }
    let result = value.get().await?;
    drop(value);
    hprintln!("task chain: {} x add_one from 0 = {}", CHAIN, result);
    checks.check("task chain result", result == CHAIN);
    heap_report("task chain");

    // Phase 3: the no_std restart policy. A panic cannot be caught without unwinding, so
    // `max_restarts` cannot apply; a fault is an `Err` value, and the supervisor (here,
    // `main`) kills the actor and creates a fresh one.
    hprintln!("panic policy: no unwinding on no_std; a panic runs the panic handler and stops the firmware (max_restarts cannot apply)");
    hprintln!("supervision: a fault is an Err value; the supervisor kill()s the actor and re-creates it");
    let pong = Pong::options().fixed_mailbox::<2>().remote_on(&spawner, 2).into_inner()?;
    let mut hits: u32 = 0;
    let fault = loop {
        match pong.hit(hits).await?.get().await? {
            Ok(_) => hits += 1,
            Err(fault) => break fault,
        }
    };
    hprintln!("supervised pong (max 2 hits): {} hits, then fault {}; supervisor kills it", hits, fault.name());
    checks.check("pong faults on its third hit", hits == 2 && fault == Fault::Worn);
    pong.kill();
    let refused = matches!(pong.hit(0).await, Err(Error::ActorDied { .. }));
    hprintln!("call to the killed pong: {}", if refused { "ActorDied" } else { "not refused" });
    checks.check("a call to a killed actor fails with ActorDied", refused);
    yield_to_executor().await;
    checks.check("the killed pong is stopped", pong.state() == ActorState::Stopped);
    drop(pong);
    let pong = Pong::options().fixed_mailbox::<2>().remote_on(&spawner, 2).into_inner()?;
    let first = pong.hit(0).await?.get().await?;
    let returned = pong.returned().await?.get().await?;
    match first {
        Ok(ball) => hprintln!("re-created pong: hit returns {}, {} ball returned", ball, returned),
        Err(fault) => hprintln!("re-created pong: fault {}", fault.name()),
    }
    checks.check("the re-created pong starts from fresh state", first == Ok(1) && returned == 1);
    pong.stop();
    yield_to_executor().await;
    checks.check("the re-created pong stops", pong.state() == ActorState::Stopped);
    drop(pong);
    heap_report("supervision");
    Ok(())
}

/// Lets the executor run every runnable task once before continuing.
async fn yield_to_executor() {
    rustyray::executor::yield_now().await;
}
