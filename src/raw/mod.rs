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
//! * [`job`] (`std`): a run-queue item, an `async-task` runnable or a cell, in one tagged
//!   pointer.
//!
//! * [`intrusive_stack`]: the run queue of the single-threaded executor, linked through
//!   the `next` field of each task header; it converts `Runnable`s to and from raw
//!   pointers.
//!
//! * [`waker_slot`]: a mailbox receiver's waker in one tagged atomic word — a cell's
//!   lent waker (a pointer to the cell) or a general waker boxed on first use (turned
//!   back into a reference after the publishing CAS).
//!
//! * [`spin_lock`] (`std`): the lock of a growable mailbox queue, released with a plain
//!   store; an `UnsafeCell` handed out by an atomic flag.
//!
//! The rest of the crate is safe code.

#[cfg(all(feature = "std", not(loom)))]
pub(crate) mod block_pool;
pub(crate) mod cell;
pub(crate) mod intrusive_stack;
#[cfg(feature = "std")]
pub(crate) mod job;
#[cfg(feature = "std")]
pub(crate) mod local_queue;
#[cfg(feature = "std")]
pub(crate) mod spin_lock;
pub(crate) mod waker_slot;
