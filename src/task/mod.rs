//! Remote tasks: functions submitted to a runtime, taking values or
//! [`ObjectRef`](crate::ObjectRef)s as arguments and returning, once submitted, an
//! [`ObjectRef`](crate::ObjectRef) to their result.
//!
//! ```
//! #[rustyray::remote]
//! async fn add(x: i32, y: i32) -> i32 { x + y }
//!
//! #[rustyray::main]
//! async fn main() -> Result<(), rustyray::Error> {
//!     let r = add::remote(1, 2).await?;        // ObjectRef<i32>, once submitted
//!     let s = add::remote(r, 39).await?;       // a ref where an i32 is expected
//!     assert_eq!(s.get().await?, 42);
//!     Ok(())
//! }
//! ```
//!
//! Declare remote functions with `#[rustyray::remote]` (feature `macros`) or the
//! [`dsl::task!`](crate::dsl::task) DSL (also on `no_std`); the pieces they generate code for:
//!
//! * [`Arg`]: what an argument position accepts (a value, or a ref to one).
//! * [`TaskOptions`]: `num_cpus`, `max_retries`, `retry_exceptions`.
//! * [`cancel`]: stop a task, resolve its result to [`Error::Cancelled`](crate::Error::Cancelled).
//!
//! ## Life cycle of a task
//!
//! ```text
//!  remote(args) ─▶ SUBMITTED: a pending object + a spawned task; remote() returns the ObjectRef
//!       │
//!       ▼
//!  RESOLVING: each ObjectRef argument is awaited (woken by its object)
//!       │   └─ an argument holds an error ─────────────────────────────▶ DONE(that error), body never runs
//!       ▼
//!  ADMITTING: waits, FIFO, until num_cpus of the runtime's CPUs are free
//!       │
//!       ▼
//!  RUNNING attempt k: the function's future; a panic is caught
//!       │   ├─ panic, or Err(_) with retry_exceptions, and retries left ─▶ RUNNING attempt k+1 (cloned args)
//!       │   └─ waits in ObjectRef::get: CPU share given back, re-taken before the body continues
//!       ▼
//!  DONE: the value (a user's Err is a value), or TaskPanicked; the CPU share is released
//!
//!  cancel(&ref) before DONE ─▶ the object holds Cancelled at once; the task's future is dropped at
//!                              its next poll (a task not yet RUNNING never runs its body)
//! ```
//!
//! Semantics in full (ordering, errors, retries, reference counting) are in
//! `docs/semantics.md`, §3.

mod arg;
mod cancel;
mod dsl;
pub(crate) mod options;
mod probe;
mod remote;
mod run;
#[cfg(feature = "std")]
mod traced;

#[cfg(feature = "std")]
pub(crate) mod admission;

pub use arg::{Arg, ValueOrRef};
#[doc(hidden)]
pub use arg::{ResolveEither, ResolveRef};
pub use cancel::cancel;
pub use options::TaskOptions;
#[doc(hidden)]
pub use probe::{CloneProbe, ErrProbe, NoCloneProbe, NotErrProbe, Probe};
#[cfg(feature = "std")]
#[doc(hidden)]
pub use run::current;
#[doc(hidden)]
pub use run::{submit, Target};
