//! # rustyray
//!
//! Ray's programming model — remote tasks, actors, typed object refs and an object store —
//! as a Rust library, on its own work-stealing executor. The same core runs on a
//! microcontroller: with `default-features = false` the crate is `#![no_std]` + `alloc`
//! and offers the single-threaded [`executor::LocalExecutor`].
//!
//! ```
//! let rt = rustyray::Runtime::builder().worker_threads(2).build()?;
//! let handle = rt.spawn(async { 40 + 2 });
//! assert_eq!(rt.block_on(handle)?, 42);
//! rt.shutdown();
//! # Ok::<(), rustyray::Error>(())
//! ```
//!
//! ## Layers
//!
//! Each layer uses only the ones below it (`tests/layers.rs` checks it); where a lower layer
//! must call up, it defines the hook and the higher one fills it in.
//!
//! ```text
//!  node       actors and tasks across a link: exports, peers, sessions (no_std + alloc; sockets: `net`)
//!     │
//!  runtime    Runtime, Builder, Handle, the default runtime: owns the threads and the parts
//!     │
//!  actor │ task   actors (handles, calls, supervision)  │  remote tasks (arguments, admission)
//!     │
//!  host       where work runs: the Host trait (what remote_on takes) and the Home an actor
//!     │       or task keeps — a runtime's scheduler, store, named actors, CPUs and timer
//!  wire       the frames that cross a boundary (postcard + COBS)
//!     │
//!  mailbox │ object   typed mailboxes  │  ObjectRef, Promise, Store, wait
//!     │               (hooks up: `object::watch_waits` — did a get wait in this poll?)
//!  time │ timeline   sleep, timeout, interval; a runtime lends its timer to its threads │
//!     │             task and actor-call spans into per-thread rings, Chrome trace JSON (std)
//!     │
//!  executor   jobs and wake-ups: scheduler, workers, monitor, block_on, LocalExecutor, task
//!     │       cells, JoinHandle (hook up: `executor::failure` — why a producer went away)
//!  raw        every unsafe block: actor cells, run queues, LIFO slot, fixed ring, wakers
//!     │
//!  error, sync   the error type; atomics and locks (core, portable-atomic or loom)
//! ```
//!
//! The macros sit on top: `dsl::actor!` / `dsl::task!` (declarative, also on `no_std`) and the
//! attribute front ends of `rustyray-macros`, which expand to them.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `std` | yes | the multi-threaded [`Runtime`], timers ([`time`]), panic isolation, the process-wide default runtime ([`init`], [`shutdown`]) |
//! | `macros` | with `std` | `#[rustyray::main]`, `#[rustyray::remote]`, `#[rustyray::actor]` |
//! | `node` | with `net` | [`node`]: actors and tasks called across a byte link (`no_std` + `alloc`; a firmware that talks to other nodes turns it on, one that does not saves ~1 KiB of flash), and `#[export]` on the macros |
//! | `net` | yes | [`node::net`]: nodes over Unix sockets and TCP, on `async-io`'s reactor, with pre-shared-key authentication |
//! | `portable-atomic` | no | atomics through `portable-atomic` for targets without compare-and-swap (`thumbv6m-none-eabi`); the firmware supplies a `critical-section` implementation |
#![no_std]
// Under `--cfg loom` only `tests/loom.rs` is built, and it includes the modelled source
// files by path; the library itself is empty then.
#![cfg(not(loom))]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    rust_2018_idioms,
    clippy::undocumented_unsafe_blocks
)]
#![deny(unsafe_op_in_unsafe_fn, unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

// The layers, bottom to top; each names only the ones below it (see the diagram above,
// checked by `tests/layers.rs`).
mod error;
mod sync;
// The one module allowed `unsafe` (each block with a `// SAFETY:` comment): every other
// module is safe code, checked by the compiler.
#[cfg(target_has_atomic = "ptr")]
pub mod actor;
pub mod executor;
#[cfg(target_has_atomic = "ptr")]
pub mod host;
pub mod mailbox;
#[cfg(target_has_atomic = "ptr")]
#[cfg(feature = "node")]
pub mod node;
pub mod object;
#[allow(unsafe_code)]
mod raw;
#[cfg(feature = "std")]
mod runtime;
#[cfg(target_has_atomic = "ptr")]
pub mod stream;
#[cfg(target_has_atomic = "ptr")]
pub mod task;
#[cfg(feature = "std")]
pub mod time;
#[cfg(feature = "std")]
pub mod timeline;
pub mod wire;

#[cfg(feature = "std")]
pub use actor::{get_actor, get_actor_on};
#[cfg(target_has_atomic = "ptr")]
pub use actor::{Actor, ActorContext, ActorHandle, ActorOptions};
pub use error::Error;
pub use executor::{JoinHandle, LocalExecutor};
#[cfg(target_has_atomic = "ptr")]
pub use host::Host;
#[cfg(feature = "std")]
pub use object::wait;
pub use object::ObjectId;
#[cfg(target_has_atomic = "ptr")]
pub use object::{ObjectRef, Promise, Store, StoreStats};
#[cfg(target_has_atomic = "ptr")]
pub use task::cancel;

#[cfg(feature = "std")]
pub use runtime::{init, put, shutdown, spawn, Builder, Handle, MailboxDepth, Metrics, Runtime, MAX_WORKER_THREADS};

/// The declarative DSLs, which need no proc-macro and work in `no_std` builds:
/// [`dsl::actor!`](crate::dsl::actor) and [`dsl::task!`](crate::dsl::task). The attribute
/// macros (`#[rustyray::actor]`, `#[rustyray::actor_methods]`, `#[rustyray::remote]`) are
/// front ends over them.
#[cfg(target_has_atomic = "ptr")]
pub mod dsl {
    #[doc(inline)]
    pub use crate::__rr_dsl_actor as actor;
    #[doc(inline)]
    pub use crate::__rr_dsl_task as task;
}

/// Items the macros expand to. Not a public API: may change in any release.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "std")]
    pub use crate::runtime::run_main;

    /// The actor DSL's entry for the attribute macros (they pass the path the user wrote).
    #[cfg(target_has_atomic = "ptr")]
    pub use crate::__rr_actor_entry as actor_dsl;
    /// The task DSL's entry for `#[rustyray::remote]`.
    #[cfg(target_has_atomic = "ptr")]
    pub use crate::__rr_task_entry as task_dsl;

    /// What actor DSL expansions name.
    #[cfg(target_has_atomic = "ptr")]
    pub mod actor {
        pub use crate::actor::concurrent::{group_index, serve, BoxedPhase, Phase};
        pub use crate::actor::method::{call_done, run_async_method, run_method, run_traced};
        pub use crate::actor::packed::{fits_inline, Pack, Select, Width};
        pub use crate::actor::{Actor, ActorContext, ActorHandle, ActorMethods, ActorOptions, ActorRef, Call};
        pub use crate::host::Host;
        pub use crate::object::Promise;
        pub use crate::task::{CloneProbe, NoCloneProbe, Probe};
        pub use alloc::string::String;
    }

    /// What exported actors and tasks (`#[export]`) name.
    #[cfg(all(target_has_atomic = "ptr", feature = "node"))]
    pub mod node {
        pub use crate::actor::Actor;
        pub use crate::node::{
            completer, decode_args, encode_args, extra_args, method_index, no_such_method, reply_slot, wire_arg,
            Completer, HeldLookup, HeldObject, NodeHost, Peer, PeerArg, RemoteActor, TaskExport, Wire,
        };
        pub use crate::object::Store;
        pub use crate::wire::TaskArg;
        pub use alloc::sync::Arc;
        pub use alloc::vec;
        pub use alloc::vec::Vec;
    }

    /// What `task!` / `#[rustyray::remote]` expansions name.
    #[cfg(target_has_atomic = "ptr")]
    pub mod task {
        pub use crate::host::Host;
        pub use crate::object::ObjectRef;
        #[cfg(feature = "std")]
        pub use crate::task::current;
        pub use crate::task::{
            submit, Arg, CloneProbe, ErrProbe, NoCloneProbe, NotErrProbe, Probe, Target, TaskOptions,
        };
    }
}

/// `#[rustyray::main]`: runs an `async fn main` on the process-wide default runtime.
///
/// The macro calls [`init`], blocks on the body with [`Runtime::block_on`] and calls [`shutdown`]
/// when the body returns, so the body may use every free function (`rustyray::spawn`,
/// `Counter::remote()`, …).
///
/// ```
/// #[rustyray::main]
/// async fn main() -> Result<(), rustyray::Error> {
///     let answer = rustyray::spawn(async { 6 * 7 }).await?;
///     assert_eq!(answer, 42);
///     Ok(())
/// }
/// ```
///
/// Options: `crate = "…"` when rustyray is a renamed dependency (`#[rr::main(crate = "rr")]`).
/// Needs `std` (a runtime): without it there is no `main` to export.
#[cfg(all(feature = "macros", feature = "std"))]
pub use rustyray_macros::main;

#[cfg(feature = "macros")]
pub use rustyray_macros::{actor, actor_methods};

/// `#[rustyray::remote]`: makes a function a remote task — a front end over
/// [`dsl::task!`](crate::dsl::task) that checks the function first (errors point at the offending
/// tokens), then expands to `rustyray::dsl::task! { … }`.
///
/// The function stays callable locally; a module of the same name offers
/// `name::remote(args…)`, `name::remote_on(&spawner, args…)` and `name::options()`. Every
/// argument accepts a value or an [`ObjectRef`] to one; the result is an `ObjectRef`. The
/// attribute takes the options of [`dsl::task!`](crate::dsl::task)'s `#[options(…)]`:
/// `num_cpus = <f64>`, `max_retries = <u32>`, `retry_exceptions = <bool>`.
///
/// ```
/// #[rustyray::remote]
/// async fn add(x: i32, y: i32) -> i32 { x + y }
///
/// #[rustyray::remote(num_cpus = 2.0)]
/// async fn heavy_compute(data: Vec<f64>) -> f64 { data.iter().sum() }
///
/// #[rustyray::remote]
/// fn generate_data() -> Vec<i32> { (1..=4).collect() }
///
/// #[rustyray::remote]
/// fn process_data(data: Vec<i32>) -> i32 { data.iter().sum() }
///
/// fn main() -> Result<(), rustyray::Error> {
///     let runtime = rustyray::Runtime::builder().worker_threads(2).build()?;
///     runtime.block_on(async {
///         let r = add::remote(1, 2).await?;               // ObjectRef<i32>, returned once submitted
///         assert_eq!(r.get().await?, 3);
///         let r2 = add::remote_on(&runtime, 1, 2).await?;   // explicit runtime (&Runtime or &Handle)
///         assert_eq!(r2.get().await?, 3);
///         let d = generate_data::remote().await?;          // ObjectRef<Vec<i32>>
///         let s = process_data::remote(d).await?;          // a ref where a value is expected
///         assert_eq!(s.get().await?, 10);
///         let h = heavy_compute::remote(vec![0.5; 4]).await?;
///         assert_eq!(h.get().await?, 2.0);
///         let result = add::remote(1, 2).await?.get().await?;
///         assert_eq!(result, 3);
///         Ok(())
///     })
/// }
/// ```
#[cfg(feature = "macros")]
pub use rustyray_macros::remote;
