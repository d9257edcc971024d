//! What both firmware images share, so that their footprints differ only by rustyray:
//! the heap ([`heap`]: embedded-alloc with a high-water mark), the panic handler (prints
//! the panic over semihosting and exits QEMU with a failure code) and [`finish`].
//!
//! The binaries are `rustyray-embedded` (`src/main.rs`, the demo) and `empty`
//! (`src/bin/empty.rs`, the same runtime crates and no rustyray).
#![no_std]
#![deny(unsafe_code)]
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    rust_2018_idioms,
    clippy::undocumented_unsafe_blocks
)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod heap;
#[cfg(feature = "node")]
pub mod uart;

use core::panic::PanicInfo;

use cortex_m_semihosting::{debug, hprintln};

/// Exits QEMU: `EXIT_SUCCESS` if `ok`, else `EXIT_FAILURE` (the host process's exit code
/// is then 0 or 1).
pub fn finish(ok: bool) -> ! {
    debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    // Only reached when no debugger/QEMU honours the semihosting exit call.
    loop {
        cortex_m::asm::wfe();
    }
}

/// There is no unwinding on this target (`panic = "abort"`): a panic anywhere — in `main`,
/// in a task, in an actor method — ends here. It prints the message and location and ends
/// the run with a failure exit code; nothing is restarted.
#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    hprintln!("PANIC (no unwinding on no_std; the firmware stops): {}", info);
    finish(false)
}
