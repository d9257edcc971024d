//! The host side of the firmware node (`examples/embedded/src/bin/node.rs`): connects to
//! the device over QEMU's serial socket, calls the device's `Sensor` through its typed
//! handle, and exports the `HostLog` actor the device calls back. Every result is checked.
//!
//! ```text
//! qemu-system-arm … -serial unix:/tmp/uart.sock,server=on,wait=on -kernel …/node &
//! cargo run --example device_host -- unix:/tmp/uart.sock
//! ```
//! (`examples/embedded/ci.sh` runs both and checks their output.)

use std::process::ExitCode;
use std::time::Duration;

use rustyray::node::{net, Node};
use rustyray::{Error, Runtime};

#[path = "embedded/src/node_api.rs"]
mod node_api;
use node_api::{HostLog, Sensor};

fn main() -> ExitCode {
    let Some(addr) = std::env::args().nth(1) else {
        eprintln!("usage: device_host unix:<path> | tcp:127.0.0.1:<port>");
        return ExitCode::FAILURE;
    };
    match run(&addr) {
        Ok(()) => {
            println!("host: all checks passed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("host: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

fn check(what: &str, ok: bool) -> Result<(), Error> {
    if ok {
        Ok(())
    } else {
        Err(Error::Remote { message: format!("check failed: {what}") })
    }
}

fn run(addr: &str) -> Result<(), Error> {
    let rt = Runtime::builder().worker_threads(1).build()?;
    let node = Node::new(&rt);
    let log = rt.block_on(HostLog::remote_on(&rt))?;
    node.export("log", &log)?;
    rt.block_on(async {
        let within = Duration::from_secs(60);
        let peer = rustyray::time::timeout(within, net::connect(&node, addr)).await??;
        println!("host: connected to device node {}", peer.node_id().unwrap_or(0));
        let sensor = rustyray::time::timeout(within, peer.actor::<Sensor>("sensor")).await??;

        let mut readings = Vec::new();
        for _ in 0..3 {
            readings.push(rustyray::time::timeout(within, async { sensor.read().await?.get().await }).await??);
        }
        println!("host: sensor readings {readings:?}");
        check("readings", readings == [1000, 1007, 1014])?;
        let previous = sensor.calibrate(-14).await?.get().await?;
        let calibrated = sensor.read().await?.get().await?;
        println!("host: calibrated by -14 (previous offset {previous}), next reading {calibrated}");
        check("calibrated reading", previous == 0 && calibrated == 1007)?;
        // 50 calls pipelined through the device's window of 4: answered in order.
        let mut refs = Vec::new();
        for _ in 0..50 {
            refs.push(sensor.read().await?);
        }
        let mut pipelined = Vec::new();
        for r in refs {
            pipelined.push(rustyray::time::timeout(within, r.get()).await??);
        }
        check("pipelined readings in order", pipelined.iter().copied().eq((4..54).map(|k| 1000 + 7 * k - 14)))?;
        println!("host: 50 pipelined reads in order, last {}", pipelined[49]);

        // The device's callbacks: it says hello and reports 3 values.
        let deadline = std::time::Instant::now() + within;
        let (board, reports, last) = loop {
            let summary = log.summary().await?.get().await?;
            if summary.1 == 3 || std::time::Instant::now() > deadline {
                break summary;
            }
            rustyray::time::sleep(Duration::from_millis(10)).await;
        };
        println!("host: called back by board {board}: {reports} reports, last {last}");
        check("callbacks", board == 6965 && reports == 3 && last == 102)?;
        let reads = sensor.goodbye().await?.get().await?;
        println!("host: goodbye after {reads} reads");
        check("reads counted on the device", reads == 54)?;
        peer.close();
        Ok(())
    })
}
