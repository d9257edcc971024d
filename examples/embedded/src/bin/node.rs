//! A rustyray node on a Cortex-M3 (QEMU `lm3s6965evb`), talking to a host node over UART0
//! (`src/uart.rs`) with postcard frames: it exports a `Sensor` actor the host calls through
//! its typed handle, and calls the host's `HostLog` actor back. Run by `ci.sh` with the host
//! program `examples/device_host.rs` of the main crate on the other end of QEMU's serial
//! socket; every result is checked on both sides.
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

use core::future::poll_fn;
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::Poll;

use atomic_waker::AtomicWaker;
use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::hprintln;
use rustyray::node::{Node, Peer};
use rustyray::{Error, LocalExecutor, Store};
use rustyray_embedded::{finish, heap, uart};

#[path = "../node_api.rs"]
mod node_api;
use node_api::{HostLog, Sensor};

/// Reports the device sends back to the host.
const REPORTS: u32 = 3;
/// The board id the device introduces itself with.
const BOARD: u32 = 6965;

/// The executor: a runnable task signals an event (`SEV`); the UART interrupt wakes the
/// core from `block_on`'s `WFE` idle as well.
static EXEC: LocalExecutor = LocalExecutor::new(&cortex_m::asm::sev);

fn store() -> &'static Store {
    cortex_m::singleton!(STORE: Store = Store::new()).expect("store() is called once")
}

/// Every interrupt but the core's exceptions lands here (no device crate): UART0's is
/// handed to the driver.
#[exception]
#[allow(unsafe_code)] // cortex-m-rt's signature for the default handler
unsafe fn DefaultHandler(irqn: i16) {
    if irqn == uart::IRQ {
        uart::on_interrupt();
    }
}

/// The reads counted when the host said goodbye (`u32::MAX` until then), and who waits.
static GOODBYE: AtomicU32 = AtomicU32::new(u32::MAX);
static GOODBYE_WAKER: AtomicWaker = AtomicWaker::new();

/// The sensor's goodbye hook.
fn on_goodbye(reads: u32) {
    GOODBYE.store(reads, Ordering::Release);
    GOODBYE_WAKER.wake();
}

/// Waits (asleep: the executor idles in `WFE`) until the host says goodbye.
async fn goodbye() -> u32 {
    poll_fn(|cx| {
        GOODBYE_WAKER.register(cx.waker());
        match GOODBYE.load(Ordering::Acquire) {
            u32::MAX => Poll::Pending,
            reads => Poll::Ready(reads),
        }
    })
    .await
}

/// The name of an error's kind, for printing.
fn error_name(e: &Error) -> &'static str {
    match e {
        Error::NodeLost { .. } => "NodeLost",
        Error::ActorNotFound { .. } => "ActorNotFound",
        Error::ActorDied { .. } => "ActorDied",
        Error::Decode { .. } => "Decode",
        _ => "another rustyray::Error",
    }
}

#[entry]
fn main() -> ! {
    heap::init();
    uart::init();
    let host = (&EXEC, store());
    let node = Node::builder(host).id(u64::from(BOARD)).window(4).build();
    hprintln!("device: node {} on UART0, window 4", BOARD);
    let outcome = EXEC.block_on(run(&node, host), cortex_m::asm::wfe);
    let ok = match outcome {
        Ok(()) => true,
        Err(e) => {
            hprintln!("CHECK FAILED: {}", error_name(&e));
            false
        }
    };
    EXEC.run_until_stalled();
    hprintln!("device: peak heap {} bytes of {}", heap::peak(), heap::HEAP_SIZE);
    if ok {
        hprintln!("device: all checks passed");
    }
    finish(ok)
}

async fn run(node: &Node, host: (&'static LocalExecutor, &'static Store)) -> Result<(), Error> {
    let sensor = Sensor::remote_on(&host, on_goodbye).into_inner()?;
    node.export("sensor", &sensor)?;
    let peer: Peer = node.accept_link(uart::Rx, uart::Tx);

    // The callback: the host's log, through the same typed handles the host uses on us.
    let log = peer.actor::<HostLog>("log").await?;
    let known = log.hello(BOARD).await?.get().await?;
    let mut acks = 0;
    for i in 0..REPORTS {
        acks = log.report(100 + i as i32).await?.get().await?;
    }
    hprintln!("device: said hello (known board: {}), {} reports acknowledged", known == 1, acks);
    if known != 1 || acks != REPORTS {
        hprintln!("CHECK FAILED: the host's answers");
        return Err(Error::Decode { message: "unexpected answers from the host".into() });
    }

    // Serve the host until it says goodbye (a UART has no end of stream to wait for).
    let reads = goodbye().await;
    hprintln!("device: the host said goodbye after {} sensor reads", reads);
    if reads == 0 {
        hprintln!("CHECK FAILED: the host never read the sensor");
        return Err(Error::Decode { message: "no reads".into() });
    }
    Ok(())
}
