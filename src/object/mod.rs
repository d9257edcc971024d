//! The object store: [`ObjectRef`], [`Promise`], [`Store`], [`wait`](wait_ready).
//!
//! An *object* is an immutable value (or an error) produced once — by [`Store::put`], a
//! remote task or an actor call — and read by anyone holding an [`ObjectRef`] to it. Refs
//! are typed, cheap to clone, and may be passed before the value exists; reading one waits.
//! Values are stored natively (an `Arc<T>`): nothing is serialized inside a process, and
//! [`ObjectRef::get_shared`] hands out the stored value itself. [`Store::export`] /
//! [`Store::import`] move objects across a boundary as postcard bytes.
//!
//! ## Life cycle of an object slot
//!
//! ```text
//!   Store::pending ──▶ PENDING ──Promise::fulfill(Ok(v))──────────▶ READY(value)
//!                      │ waiters: one waker    ├─Promise::fulfill(Err(e))───▶ READY(error)
//!                      │ per waiting get/wait  └─Promise dropped unfulfilled─▶ READY(Err(ObjectLost))
//!                      │ (woken once, O(waiters), on completion)
//!   Store::put(v) ─────┴──────────────────────────────────────────▶ READY(value)
//!
//!   READY never changes again: every get returns a clone of the value (or the error).
//!
//!   In every state, refs count: ObjectRef clones, refs captured by pending tasks, refs
//!   nested inside other objects. last ref dropped ──▶ FREED: the value drops exactly once,
//!   the registry slot is removed (stats().freed += 1) and the id's generation never
//!   matches again. A Promise is not a ref: fulfilling a freed object just drops the value.
//! ```
//!
//! ```
//! let rt = rustyray::Runtime::builder().worker_threads(2).build()?;
//! let (obj, promise) = rt.store().pending::<String>();
//! let reader = obj.clone();
//! let task = rt.spawn(async move { reader.get().await });
//! promise.fulfill(Ok("done".to_string()));
//! assert_eq!(rt.block_on(task)??, "done");
//! # Ok::<(), rustyray::Error>(())
//! ```
//!
//! ## The store
//!
//! [`Store`] is a sharded registry from [`ObjectId`] to a weak handle of each object, so a
//! ref can be recovered from its id ([`Store::get_ref`], checked against the type and the
//! slot generation) without the registry keeping anything alive. Each
//! [`Runtime`](crate::Runtime) has one ([`Runtime::store`](crate::Runtime::store)), used by
//! [`rustyray::put`](crate::put); on `no_std` create and own one.
//!
//! The store needs pointer-sized compare-and-swap (`alloc::sync::Arc`): on targets without
//! it (`thumbv6m-none-eabi`) this module holds only [`ObjectId`], which the
//! [wire format](crate::wire) names objects by.

#[cfg(target_has_atomic = "ptr")]
pub(crate) mod cell;
pub mod depth;
mod id;
#[cfg(all(target_has_atomic = "ptr", feature = "node"))]
pub(crate) mod link;
#[cfg(target_has_atomic = "ptr")]
mod object_ref;
#[cfg(target_has_atomic = "ptr")]
mod on_ready;
#[cfg(target_has_atomic = "ptr")]
mod promise;
#[cfg(target_has_atomic = "ptr")]
mod store;
#[cfg(target_has_atomic = "ptr")]
mod transfer;
#[cfg(target_has_atomic = "ptr")]
pub(crate) mod wait;
#[cfg(feature = "std")]
mod watch;

pub use id::ObjectId;
#[cfg(target_has_atomic = "ptr")]
pub use object_ref::{Get, GetShared, ObjectRef};
#[cfg(target_has_atomic = "ptr")]
#[allow(unused_imports)] // the crate-internal producer API, for remote tasks and actor calls
pub(crate) use promise::pending;
#[cfg(all(target_has_atomic = "ptr", feature = "node"))]
pub(crate) use promise::proxy;
#[cfg(target_has_atomic = "ptr")]
pub use promise::Promise;
#[cfg(target_has_atomic = "ptr")]
pub use store::{Store, StoreStats};
#[cfg(feature = "std")]
pub use wait::wait;
#[cfg(target_has_atomic = "ptr")]
pub use wait::{wait_ready, Wait, WaitOutput, Waitable};
#[cfg(feature = "std")]
pub(crate) use watch::watch_waits;
