//! Timers (`std` only): [`sleep`], [`sleep_until`], [`timeout`] and [`interval`].
//!
//! Timers are driven by a per-runtime timer thread that sleeps until the earliest
//! deadline (futures polled outside a runtime use a process-wide one). Nothing polls in
//! a loop; a timer wakes its task once, at or after its deadline.
//!
//! ```
//! use std::time::Duration;
//! let rt = rustyray::Runtime::builder().worker_threads(1).build()?;
//! let r = rt.block_on(async {
//!     rustyray::time::sleep(Duration::from_millis(5)).await;
//!     rustyray::time::timeout(Duration::from_millis(5), core::future::pending::<()>()).await
//! });
//! assert_eq!(r, Err(rustyray::Error::Timeout));
//! # Ok::<(), rustyray::Error>(())
//! ```

mod driver;
mod interval;
mod sleep;
mod timeout;

pub(crate) use driver::{enter, TimerDriver};
pub use interval::{interval, Interval};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::timeout;
