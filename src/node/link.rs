//! Byte links: what a node's session reads frames from and writes frames to. Sockets
//! (std, `node::net`), a UART driver (firmware), or the in-memory [`duplex`] pair of tests.

#[cfg(feature = "std")]
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::future::{poll_fn, Future};
use core::task::Poll;

use atomic_waker::AtomicWaker;

use crate::sync::Lock;
use crate::Error;

/// The receiving half of a byte link.
pub trait LinkRead: Send + 'static {
    /// Whether [`try_read`](Self::try_read) can find bytes (sockets and in-memory links
    /// can; a link that cannot read without waiting keeps the default, `false`).
    const TRY_READ: bool = false;

    /// Reads some bytes into `buf`; `Ok(0)` means the link closed. Waits (never spins)
    /// until at least one byte or the close arrives.
    fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = Result<usize, Error>> + Send;

    /// Reads what has arrived without waiting: `None` if nothing has. `Some(Ok(0))` means
    /// the link closed.
    fn try_read(&mut self, buf: &mut [u8]) -> Option<Result<usize, Error>> {
        let _ = buf;
        None
    }
}

/// The sending half of a byte link.
pub trait LinkWrite: Send + 'static {
    /// Writes all of `buf`, waiting while the link is busy.
    fn write_all(&mut self, buf: &[u8]) -> impl Future<Output = Result<(), Error>> + Send;

    /// Closes the sending direction (the peer reads the end of the stream). Best effort.
    fn close(&mut self) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// A handle that writes without waiting, from any thread, if the link has one
    /// (sockets do; the default is none). With it, a frame sent while the link is idle
    /// goes out at once from the sending thread instead of through the write loop's task:
    /// one thread hop less per call and per reply. (`std` only: a firmware's executor runs
    /// the write loop on the sending thread anyway, so there is no hop to save.)
    #[cfg(feature = "std")]
    fn direct(&self) -> Option<Box<dyn DirectWrite>> {
        None
    }
}

/// Writing to a link without waiting (see [`LinkWrite::direct`]). The session never calls
/// it while its write loop is writing, so bytes never interleave.
#[cfg(feature = "std")]
pub trait DirectWrite: Send + Sync + 'static {
    /// Writes what the link takes now: the number of bytes written, `Ok(0)` if it would
    /// have to wait. An error closes the link.
    fn try_write(&self, buf: &[u8]) -> Result<usize, Error>;
}

/// One direction of an in-memory link: a byte queue, its reader's waker, and whether the
/// writer has gone.
struct Pipe {
    bytes: Lock<(VecDeque<u8>, bool)>,
    reader: AtomicWaker,
}

/// The reading end of one direction of an in-memory link.
pub struct PipeReader(Arc<Pipe>);
/// The writing end of one direction of an in-memory link.
pub struct PipeWriter(Arc<Pipe>);

impl core::fmt::Debug for PipeReader {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PipeReader")
    }
}

impl core::fmt::Debug for PipeWriter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PipeWriter")
    }
}

/// One direction of an in-memory link.
pub fn pipe() -> (PipeWriter, PipeReader) {
    let pipe = Arc::new(Pipe { bytes: Lock::new((VecDeque::new(), false)), reader: AtomicWaker::new() });
    (PipeWriter(Arc::clone(&pipe)), PipeReader(pipe))
}

/// Two in-memory links facing each other: what side A reads, side B writes, and back.
/// Fast and deterministic, for tests and for two runtimes in one process.
///
/// ```
/// let ((a_read, a_write), (b_read, b_write)) = rustyray::node::duplex();
/// # drop((a_read, a_write, b_read, b_write));
/// ```
pub fn duplex() -> ((PipeReader, PipeWriter), (PipeReader, PipeWriter)) {
    let (to_b, b_reads) = pipe();
    let (to_a, a_reads) = pipe();
    ((a_reads, to_b), (b_reads, to_a))
}

impl LinkRead for PipeReader {
    const TRY_READ: bool = true;

    fn try_read(&mut self, buf: &mut [u8]) -> Option<Result<usize, Error>> {
        self.0.bytes.with(|(bytes, closed)| {
            if bytes.is_empty() {
                return closed.then_some(Ok(0));
            }
            let n = bytes.len().min(buf.len());
            for (slot, byte) in buf.iter_mut().zip(bytes.drain(..n)) {
                *slot = byte;
            }
            Some(Ok(n))
        })
    }

    #[allow(clippy::manual_async_fn)]
    fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = Result<usize, Error>> + Send {
        poll_fn(move |cx| {
            // Registered first: a write after the look below wakes us.
            self.0.reader.register(cx.waker());
            match self.try_read(buf) {
                Some(read) => Poll::Ready(read),
                None => Poll::Pending,
            }
        })
    }
}

impl Pipe {
    fn push(&self, buf: &[u8]) -> Result<(), Error> {
        let result = self.bytes.with(|(bytes, closed)| {
            if *closed {
                return Err(Error::NodeLost { reason: "the in-memory link was closed".into() });
            }
            bytes.extend(buf.iter().copied());
            Ok(())
        });
        self.reader.wake();
        result
    }
}

/// Direct writes into an in-memory link (it never has to wait).
#[cfg(feature = "std")]
struct PipeDirect(Arc<Pipe>);

#[cfg(feature = "std")]
impl DirectWrite for PipeDirect {
    fn try_write(&self, buf: &[u8]) -> Result<usize, Error> {
        self.0.push(buf).map(|()| buf.len())
    }
}

impl LinkWrite for PipeWriter {
    #[allow(clippy::manual_async_fn)]
    fn write_all(&mut self, buf: &[u8]) -> impl Future<Output = Result<(), Error>> + Send {
        let result = self.0.push(buf);
        async move { result }
    }

    #[cfg(feature = "std")]
    fn direct(&self) -> Option<Box<dyn DirectWrite>> {
        Some(Box::new(PipeDirect(Arc::clone(&self.0))))
    }

    #[allow(clippy::manual_async_fn)]
    fn close(&mut self) -> impl Future<Output = ()> + Send {
        self.0.bytes.with(|(_, closed)| *closed = true);
        self.0.reader.wake();
        async {}
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        self.0.bytes.with(|(_, closed)| *closed = true);
        self.0.reader.wake();
    }
}

impl Drop for PipeReader {
    /// The reader is gone: later writes fail, as a socket's do.
    fn drop(&mut self) {
        self.0.bytes.with(|(bytes, closed)| {
            *closed = true;
            bytes.clear();
        });
    }
}
