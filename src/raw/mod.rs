//! Every `unsafe` block of rustyray lives below this module, behind safe APIs.
//!
//! * [`local_queue`]: the bounded single-producer, multi-consumer run queue of a worker,
//!   with steal-half. Its slots are `MaybeUninit` cells whose ownership is tracked by
//!   the head/tail indices; that bookkeeping cannot be expressed in safe Rust without a
//!   lock per slot.
//!
//! * [`cell`]: an actor's one heap block — shared state, future and scheduling state —
//!   reached through type-erased pointers (a hand-rolled `Arc` plus task cell, with
//!   its own waker vtable).
//!
//! * [`block_pool`] (`std`): the memory of actor cells, recycled between threads in
//!   batches (raw blocks handed out and taken back by layout).
//!
//! * [`memory`]: where cells' blocks come from (the pool with `std`, else the allocator).
//!
//! * [`prefetch`]: a cache-line prefetch for writing (an intrinsic, behind a CPU feature
//!   check).
//!
//! * [`deferred_drop`] (`std`): values that own values of their own kind (a long chain of
//!   objects, each holding the previous one's ref) dropped in a loop, not by recursion; the
//!   queue holds them type-erased (a pointer and a drop function).
//!
//! * [`fixed_ring`]: the bounded lock-free queue of a fixed-capacity mailbox (Vyukov's:
//!   slots whose ownership passes by sequence numbers, values in `MaybeUninit` cells).
//!
//! * [`job`] (`std`): a run-queue item, an `async-task` runnable or a cell, in one tagged
//!   pointer.
//!
//! * [`lifo_slot`] (`std`): the job a thread runs next, in one atomic pointer, so that the
//!   runtime's monitor can take it over when the thread blocks.
//!
//! * [`intrusive_stack`]: the run queue of the single-threaded executor, linked through
//!   the `next` field of each task header; it converts `Runnable`s to and from raw
//!   pointers.
//!
//! * [`task`]: the metadata of a task cell (the intrusive link) and `Runnable`, which the
//!   run queues above move as pointers.
//!
//! * [`waker_slot`]: a mailbox receiver's waker in one tagged atomic word — a cell's
//!   lent waker (a pointer to the cell) or a general waker boxed on first use (turned
//!   back into a reference after the publishing CAS).
//!
//! * `os` (`std`, Linux): the monitor thread's idle priority (`sched_setscheduler`).
//!
//! * [`shared_box`]: the store's object cells, reference-counted as `Arc`/`Weak` but in
//!   blocks from the pool (`std`), with weak handles that can be type-erased for the
//!   store's registry and checked back.
//!
//! * [`spin_lock`] (`std`): the lock of a growable mailbox queue and of an object cell,
//!   released with a plain store; an `UnsafeCell` handed out by an atomic flag.
//!
//! * [`static_waker`] (`std`): the waker of a value that lives for the rest of the
//!   process (a `block_on`'s pooled signal), whose clone and drop count nothing: a raw
//!   waker vtable over a `&'static`.
//!
//! The rest of the crate is safe code.

#[cfg(all(feature = "std", not(loom)))]
pub(crate) mod block_pool;
pub(crate) mod cell;
#[cfg(all(feature = "std", not(loom)))]
pub(crate) mod deferred_drop;
pub(crate) mod fixed_ring;
pub(crate) mod intrusive_stack;
#[cfg(feature = "std")]
pub(crate) mod job;
#[cfg(feature = "std")]
pub(crate) mod lifo_slot;
#[cfg(feature = "std")]
pub(crate) mod local_queue;
pub(crate) mod memory;
#[cfg(all(feature = "std", target_os = "linux", not(loom), not(miri)))]
pub(crate) mod os;
pub(crate) mod prefetch;
#[cfg(target_has_atomic = "ptr")]
pub(crate) mod shared_box;
#[cfg(feature = "std")]
pub(crate) mod spin_lock;
#[cfg(all(feature = "std", not(loom)))]
pub(crate) mod static_waker;
pub(crate) mod task;
pub(crate) mod waker_slot;

/// The lock of a critical section of a few moves (a mailbox queue's, an object cell's):
/// with `std`, the [`spin_lock`] (one read-modify-write per section: its release is a plain
/// store); without, the `critical-section` lock, safe against interrupt handlers.
#[cfg(feature = "std")]
pub(crate) type ShortLock<T> = spin_lock::SpinLock<T>;
/// The lock of a critical section of a few moves (see the `std` version).
#[cfg(not(feature = "std"))]
pub(crate) type ShortLock<T> = crate::sync::Lock<T>;
