//! Results that arrive as a stream (Ray's streaming generators): the caller holds an
//! [`ObjectRefStream`] as soon as the work is submitted and reads items while the producer
//! is still running.
//!
//! ```
//! use rustyray::stream::{StreamOptions, StreamSender};
//!
//! # let rt = rustyray::Runtime::builder().worker_threads(2).build()?;
//! rt.block_on(async {
//!     // A streaming task: at most 4 unread items; the producer waits while the reader lags.
//!     let mut squares = StreamOptions::new().capacity(4).spawn_on(&rt, |out: StreamSender<u64>| async move {
//!         for i in 1..=10u64 {
//!             out.send(i * i).await?; // Err(Cancelled) once the reader is gone
//!         }
//!         Ok(())
//!     })?;
//!     let mut sum = 0;
//!     while let Some(item) = squares.next().await {
//!         sum += item?;
//!     }
//!     assert_eq!(sum, 385);
//!     Ok::<(), rustyray::Error>(())
//! })?;
//! # Ok::<(), rustyray::Error>(())
//! ```
//!
//! An actor method (or any remote function) streams by taking a [`StreamSender`] argument:
//! the caller makes the pair with [`bounded`] or [`unbounded`], passes the sender in the
//! call and reads the stream.
//!
//! Rules (`docs/semantics.md` §4): items arrive in the order sent; a producer that fails
//! (returns `Err`, panics, or its actor dies) ends the stream with that error after the
//! items it sent; dropping the stream or [`ObjectRefStream::cancel`] makes the producer's
//! next `send` fail with `Cancelled` (a streaming task is dropped at the `await` it is in);
//! [`wait`](crate::wait) accepts streams (`&ObjectRefStream`); a retried streaming task
//! replays from its start and the items already delivered are skipped.

pub(crate) mod channel;
mod spawn;
#[cfg(feature = "std")]
mod wait;

use alloc::sync::Arc;

pub use channel::{Next, ObjectRefStream, SendFuture, StreamSender, UntilCancelled};
#[cfg(feature = "std")]
pub use spawn::spawn;
pub use spawn::StreamOptions;

/// The default bound on unread items of a stream ([`StreamOptions::new`]).
pub const DEFAULT_CAPACITY: usize = 16;

/// A stream holding at most `capacity` unread items: the producer's `send` waits while it
/// is full (backpressure). Its buffer is allocated here, once. A `capacity` of 0 is
/// taken as 1.
pub fn bounded<T>(capacity: usize) -> (StreamSender<T>, ObjectRefStream<T>) {
    pair(Some(capacity.max(1)))
}

/// A stream without a bound (Ray's eager generators): `send` never waits, so a reader that
/// lags lets it grow.
pub fn unbounded<T>() -> (StreamSender<T>, ObjectRefStream<T>) {
    pair(None)
}

fn pair<T>(capacity: Option<usize>) -> (StreamSender<T>, ObjectRefStream<T>) {
    let chan = channel::Chan::new(capacity);
    (StreamSender::new(Arc::clone(&chan), false), ObjectRefStream::new(chan))
}
