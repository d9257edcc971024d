//! What a panic does on `no_std`: an actor created with `max_restarts(3)` panics in a
//! method. Without unwinding the panic cannot be caught at the task boundary, so no
//! restart happens: the panic handler prints the message and ends the run with
//! `EXIT_FAILURE`. `ci.sh` runs this image and expects exactly that (exit code 1, the
//! `PANIC` line, and never the line after the call).
#![no_std]
#![no_main]
#![deny(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use rustyray::{Error, LocalExecutor, Store};
use rustyray_embedded::{finish, heap};

static EXEC: LocalExecutor = LocalExecutor::new(&cortex_m::asm::sev);

rustyray::dsl::actor! {
    /// Divides by its argument: `divide(0)` panics.
    pub struct Divider { dividend: u32 }
    impl Divider {
        /// A divider of `dividend`.
        pub fn new(dividend: u32) -> Self { Divider { dividend } }
        /// `dividend / by`; panics for `by == 0`.
        pub fn divide(&self, by: u32) -> u32 {
            assert!(by != 0, "Divider::divide: division by zero");
            self.dividend / by
        }
    }
}

#[entry]
fn main() -> ! {
    heap::init();
    let store: &'static Store = cortex_m::singleton!(STORE: Store = Store::new()).expect("called once");
    let spawner = (&EXEC, store);
    let outcome = EXEC.block_on(
        async {
            let divider = Divider::options().max_restarts(3).fixed_mailbox::<2>().remote_on(&spawner, 12).await?;
            let ok = divider.divide(4).await?.get().await?;
            hprintln!("divide(4) = {}", ok);
            hprintln!("calling divide(0) on an actor with max_restarts(3)");
            let failed = divider.divide(0).await?.get().await;
            // Only reached if the panic was caught and the actor restarted (std behaviour).
            hprintln!("NOT REACHED: divide(0) -> {}", if failed.is_err() { "Err" } else { "Ok" });
            Ok::<(), Error>(())
        },
        cortex_m::asm::wfe,
    );
    hprintln!("NOT REACHED: block_on returned ({})", if outcome.is_ok() { "Ok" } else { "Err" });
    finish(false)
}
