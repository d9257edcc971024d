//! The stream itself: [`StreamSender`] (the producer's end) and [`ObjectRefStream`] (the
//! reader's), over one locked buffer with a fixed bound (or none).
//!
//! ```text
//!  send ──room?──▶ push, wake the reader ──────────────▶ next: pop, wake the producer
//!    └─full──▶ wait (the producer's waker)                └─empty──▶ wait (the reader's waker)
//!  the end (finished, or an error) is read after every item sent before it;
//!  the reader gone (dropped or cancelled) ──▶ the next send fails with Cancelled
//! ```
//!
//! A bounded stream allocates its buffer once, when it is made: streaming never allocates
//! (the `no_std` form's fixed capacity).

use crate::sync::atomic::{AtomicBool, Ordering};
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::executor::failure::drop_error;
use crate::sync::Lock;
use crate::Error;

/// How a stream ended, once it has.
enum Ending {
    /// Open: the producer may send more.
    Open,
    /// The producer finished: the reader gets `None` after the items.
    Finished,
    /// The producer failed: the reader gets this error after the items, then `None`.
    Failed(Error),
    /// The error was read.
    Done,
    /// The reader cancelled (or dropped the stream): items are discarded, sends fail.
    Cancelled,
}

pub(crate) struct State<T> {
    items: VecDeque<T>,
    /// Unread items allowed (`usize::MAX`: unbounded).
    capacity: usize,
    ending: Ending,
    /// Items accepted so far (a retried producer skips as many: see `spawn`).
    accepted: u64,
    /// Sends a retried attempt still skips.
    skip: u64,
    reader: Option<Waker>,
    producer: Option<Waker>,
    /// `wait`ers: woken once when the stream becomes ready (an item or the end).
    watchers: Vec<Waker>,
}

/// The shared part of a stream.
pub(crate) struct Chan<T> {
    state: Lock<State<T>>,
}

fn wake(w: Option<Waker>) {
    if let Some(w) = w {
        w.wake();
    }
}

/// Wakes the reader and the `wait`ers an accepted item is for (outside the lock).
fn woken(reader: Option<Waker>, watchers: Vec<Waker>) {
    wake(reader);
    watchers.into_iter().for_each(Waker::wake);
}

fn store(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(w) if w.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

impl<T> Chan<T> {
    pub(crate) fn new(capacity: Option<usize>) -> Arc<Self> {
        let (items, capacity) = match capacity {
            Some(n) => (VecDeque::with_capacity(n), n),
            None => (VecDeque::new(), usize::MAX),
        };
        Arc::new(Chan {
            state: Lock::new(State {
                items,
                capacity,
                ending: Ending::Open,
                accepted: 0,
                skip: 0,
                reader: None,
                producer: None,
                watchers: Vec::new(),
            }),
        })
    }

    /// Ends the stream (if it is still open) with `ending`; wakes the reader and watchers.
    pub(crate) fn end(&self, ending: Result<(), Error>) {
        let (reader, watchers) = self.state.with(|s| {
            if !matches!(s.ending, Ending::Open) {
                return (None, Vec::new());
            }
            s.ending = match ending {
                Ok(()) => Ending::Finished,
                Err(e) => Ending::Failed(e),
            };
            (s.reader.take(), core::mem::take(&mut s.watchers))
        });
        woken(reader, watchers);
    }

    /// True once the reader is gone or cancelled.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.state.with(|s| matches!(s.ending, Ending::Cancelled))
    }

    /// True while the producer may still send.
    pub(crate) fn is_open(&self) -> bool {
        self.state.with(|s| matches!(s.ending, Ending::Open))
    }

    /// A retried attempt starts: its first sends, up to the items already accepted, are
    /// skipped.
    pub(crate) fn restart(&self) {
        self.state.with(|s| s.skip = s.accepted);
    }

    /// Registers the producer's waker (woken on room and on cancel); true if cancelled.
    pub(crate) fn watch_cancel(&self, waker: &Waker) -> bool {
        self.state.with(|s| {
            if matches!(s.ending, Ending::Cancelled) {
                return true;
            }
            store(&mut s.producer, waker);
            false
        })
    }

    fn cancel(&self) {
        let (items, producer) = self.state.with(|s| {
            if matches!(s.ending, Ending::Done | Ending::Cancelled) {
                return (VecDeque::new(), None);
            }
            s.ending = Ending::Cancelled;
            (core::mem::take(&mut s.items), s.producer.take())
        });
        // Discarded items drop outside the lock.
        drop(items);
        wake(producer);
    }

    /// Offers `item`: accepted (or skipped by a retried attempt), refused (the reader is
    /// gone: the item comes back), or full (the item comes back; the producer's waker is
    /// stored).
    fn offer(&self, cx: &mut Context<'_>, item: T) -> Offer<T> {
        let mut item = Some(item);
        let outcome = self.state.with(|s| {
            if !matches!(s.ending, Ending::Open) {
                return Offer::Refused(item.take());
            }
            if s.skip > 0 {
                s.skip -= 1;
                return Offer::Accepted(None, Vec::new());
            }
            if s.items.len() >= s.capacity {
                store(&mut s.producer, cx.waker());
                return Offer::Full(item.take());
            }
            s.items.extend(item.take());
            s.accepted += 1;
            let watchers = if s.items.len() == 1 { core::mem::take(&mut s.watchers) } else { Vec::new() };
            Offer::Accepted(s.reader.take(), watchers)
        });
        // A skipped item drops outside the lock.
        drop(item);
        outcome
    }

    /// The next item, the end, or `Pending` (the reader's waker stored).
    fn poll_next(&self, cx: &mut Context<'_>) -> Poll<Option<Result<T, Error>>> {
        let (next, producer) = self.state.with(|s| {
            if let Some(item) = s.items.pop_front() {
                return (Poll::Ready(Some(Ok(item))), s.producer.take());
            }
            match core::mem::replace(&mut s.ending, Ending::Done) {
                Ending::Open => {
                    s.ending = Ending::Open;
                    store(&mut s.reader, cx.waker());
                    (Poll::Pending, None)
                }
                Ending::Failed(e) => (Poll::Ready(Some(Err(e))), None),
                Ending::Cancelled => {
                    s.ending = Ending::Cancelled;
                    (Poll::Ready(None), None)
                }
                Ending::Finished | Ending::Done => (Poll::Ready(None), None),
            }
        });
        wake(producer);
        next
    }

    /// Ready for a `wait`: an item to read, or the end; else `waker` is woken when it is.
    pub(crate) fn ready_or_watch(&self, waker: Option<&Waker>) -> bool {
        self.state.with(|s| {
            let ready = !s.items.is_empty() || !matches!(s.ending, Ending::Open);
            if let (false, Some(waker)) = (ready, waker) {
                if !s.watchers.iter().any(|w| w.will_wake(waker)) {
                    s.watchers.push(waker.clone());
                }
            }
            ready
        })
    }
}

enum Offer<T> {
    /// Taken: wake the reader (and the watchers, if it was empty).
    Accepted(Option<Waker>, Vec<Waker>),
    Refused(Option<T>),
    Full(Option<T>),
}

/// The producer's end of a stream: [`send`](Self::send) items, then drop it (the stream
/// ends) or [`fail`](Self::fail) it (the reader gets the error after the items).
///
/// Dropped while its producer unwinds from a panic, or by an actor that died, the stream
/// ends with that error (`TaskPanicked`, `ActorDied`), after the items sent before it.
pub struct StreamSender<T> {
    backend: Backend<T>,
    /// A streaming task's sender: the task, not the sender, ends the stream (a retried
    /// attempt's sender must not end it when the attempt panics).
    owned_by_task: bool,
}

/// Where a sender's items go.
enum Backend<T> {
    /// Into a stream of this process.
    Local {
        chan: Arc<Chan<T>>,
        /// Handed to another node inside a call (its reader is fed from there now): this
        /// sender no longer ends the stream.
        handed_over: AtomicBool,
    },
    /// Across a link, to a stream on the node that made it (the node layer's proxy).
    Remote(Box<dyn ItemSink<T>>),
}

/// A sender's items going somewhere else than a stream of this process: the node layer's
/// proxy of a stream on another node.
pub(crate) trait ItemSink<T>: Send + Sync {
    /// Sends `item`, waiting for room (`Err(Cancelled)` once the reader is gone).
    fn send(&self, item: T) -> BoxFuture<'_, Result<(), Error>>;
    /// True once a send learned that the reader is gone.
    fn is_cancelled(&self) -> bool;
    /// Ends the stream (`Err`: the reader gets the error after the items).
    fn end(&self, ending: Result<(), Error>);
}

/// A boxed future borrowing its sender.
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl<T> StreamSender<T> {
    pub(crate) fn new(chan: Arc<Chan<T>>, owned_by_task: bool) -> Self {
        StreamSender { backend: Backend::Local { chan, handed_over: AtomicBool::new(false) }, owned_by_task }
    }

    /// A sender whose items go to `sink` (a stream on another node).
    #[cfg_attr(not(feature = "node"), allow(dead_code))]
    pub(crate) fn remote(sink: Box<dyn ItemSink<T>>) -> Self {
        StreamSender { backend: Backend::Remote(sink), owned_by_task: false }
    }

    /// This sender's local stream, handed over (to be fed from another node): from now
    /// on this sender does not end it. `None` for a proxy, or if already handed over.
    #[cfg_attr(not(feature = "node"), allow(dead_code))]
    pub(crate) fn hand_over(&self) -> Option<Arc<Chan<T>>> {
        match &self.backend {
            Backend::Local { chan, handed_over } if !handed_over.swap(true, Ordering::AcqRel) => Some(Arc::clone(chan)),
            _ => None,
        }
    }

    /// Ends the stream (`Err`: after the items), as `fail` / `finish` do, by reference.
    #[cfg_attr(not(feature = "node"), allow(dead_code))]
    pub(crate) fn end(&self, ending: Result<(), Error>) {
        match &self.backend {
            Backend::Local { chan, .. } => chan.end(ending),
            Backend::Remote(sink) => sink.end(ending),
        }
    }

    /// Sends `item`, waiting while the stream holds its capacity of unread items
    /// (backpressure).
    ///
    /// # Errors
    /// [`Error::Cancelled`] if the reader cancelled or dropped the stream: stop producing
    /// (`?` does).
    pub fn send(&self, item: T) -> SendFuture<'_, T> {
        match &self.backend {
            Backend::Local { chan, .. } => SendFuture(Sending::Local { chan, item: Some(item) }),
            Backend::Remote(sink) => SendFuture(Sending::Remote(sink.send(item))),
        }
    }

    /// Sends `item` if there is room now.
    ///
    /// # Errors
    /// The item back, with `Some(`[`Error::Cancelled`]`)` if the reader is gone, or with
    /// `None` if the stream is full.
    /// (A sender whose stream is on another node has no room to look at: it always
    /// answers `None`; use [`send`](Self::send).)
    pub fn try_send(&self, item: T) -> Result<(), (T, Option<Error>)> {
        let chan = match &self.backend {
            Backend::Local { chan, .. } => chan,
            Backend::Remote(sink) => {
                let cancelled = sink.is_cancelled().then_some(Error::Cancelled);
                return Err((item, cancelled));
            }
        };
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        match chan.offer(&mut cx, item) {
            Offer::Accepted(reader, watchers) => {
                woken(reader, watchers);
                Ok(())
            }
            Offer::Refused(item) => Err((item.expect("refused item"), Some(Error::Cancelled))),
            Offer::Full(item) => Err((item.expect("full item"), None)),
        }
    }

    /// True once the reader has cancelled or dropped the stream.
    pub fn is_cancelled(&self) -> bool {
        match &self.backend {
            Backend::Local { chan, .. } => chan.is_cancelled(),
            Backend::Remote(sink) => sink.is_cancelled(),
        }
    }

    /// Runs `future` until it finishes or the reader cancels the stream, whichever is
    /// first: a producer that awaits other things between sends stops at once (its future
    /// is dropped at the `await` it is in) rather than at its next `send`. (For a stream
    /// on another node, a cancel is learned from a send's answer.)
    pub fn until_cancelled<F: Future>(&self, future: F) -> UntilCancelled<'_, T, F> {
        UntilCancelled { sender: self, future }
    }

    /// Ends the stream with `error`: the reader gets it after the items sent so far.
    pub fn fail(self, error: Error) {
        self.end(Err(error));
    }

    /// Ends the stream cleanly (as dropping the sender does).
    pub fn finish(self) {
        self.end(Ok(()));
    }

    /// Registers `waker` for a cancel; true if cancelled.
    fn watch_cancel(&self, waker: &Waker) -> bool {
        match &self.backend {
            Backend::Local { chan, .. } => chan.watch_cancel(waker),
            Backend::Remote(sink) => sink.is_cancelled(),
        }
    }
}

impl<T> Drop for StreamSender<T> {
    fn drop(&mut self) {
        if self.owned_by_task {
            return;
        }
        if let Backend::Local { chan, handed_over } = &self.backend {
            if handed_over.load(Ordering::Acquire) || !chan.is_open() {
                return;
            }
        }
        // Dropped by a panic or a failure (an actor killed mid-call): say so after the items.
        let ending = match drop_error() {
            Error::ObjectLost => Ok(()),
            e => Err(e),
        };
        self.end(ending);
    }
}

impl<T> fmt::Debug for StreamSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamSender")
            .field("remote", &matches!(self.backend, Backend::Remote(_)))
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

/// Future of [`StreamSender::send`].
#[must_use = "futures do nothing unless awaited"]
pub struct SendFuture<'a, T>(Sending<'a, T>);

enum Sending<'a, T> {
    Local { chan: &'a Arc<Chan<T>>, item: Option<T> },
    Remote(BoxFuture<'a, Result<(), Error>>),
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let waiting = match &self.0 {
            Sending::Local { item, .. } => item.is_some(),
            Sending::Remote(_) => true,
        };
        f.debug_struct("SendFuture").field("waiting", &waiting).finish()
    }
}

impl<T> Unpin for SendFuture<'_, T> {}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (chan, slot) = match &mut self.0 {
            Sending::Local { chan, item } => (*chan, item),
            Sending::Remote(sending) => return sending.as_mut().poll(cx),
        };
        let Some(item) = slot.take() else { return Poll::Ready(Ok(())) };
        match chan.offer(cx, item) {
            Offer::Accepted(reader, watchers) => {
                woken(reader, watchers);
                Poll::Ready(Ok(()))
            }
            Offer::Refused(_) => Poll::Ready(Err(Error::Cancelled)),
            Offer::Full(item) => {
                *slot = item;
                Poll::Pending
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// Future of [`StreamSender::until_cancelled`]: `Some(output)`, or `None` if the
    /// reader cancelled first.
    #[must_use = "futures do nothing unless awaited"]
    pub struct UntilCancelled<'a, T, F> {
        sender: &'a StreamSender<T>,
        #[pin]
        future: F,
    }
}

impl<T, F: Future> Future for UntilCancelled<'_, T, F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if this.sender.watch_cancel(cx.waker()) {
            return Poll::Ready(None);
        }
        this.future.poll(cx).map(Some)
    }
}

impl<T, F> fmt::Debug for UntilCancelled<'_, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UntilCancelled").finish_non_exhaustive()
    }
}

/// The reader's end of a stream: items in the order they were sent, then, if the
/// producer failed, its error, then `None`.
///
/// Dropping it (or [`cancel`](Self::cancel)) stops the producer: its next `send` fails
/// with `Cancelled`, and a streaming task is dropped at the `await` it is in.
pub struct ObjectRefStream<T> {
    chan: Arc<Chan<T>>,
}

impl<T> ObjectRefStream<T> {
    pub(crate) fn new(chan: Arc<Chan<T>>) -> Self {
        ObjectRefStream { chan }
    }

    /// The next item (`Some(Ok)`), the producer's error (`Some(Err)`, once, after every
    /// item), or the end (`None`). Waits while the producer is still running.
    // `next().await`, as on an async stream: not `Iterator::next`, which cannot wait.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Next<'_, T> {
        Next { chan: &self.chan }
    }

    /// The next item or the end if there is one now; `None` if the reader would wait.
    pub fn try_next(&mut self) -> Option<Option<Result<T, Error>>> {
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        match self.chan.poll_next(&mut cx) {
            Poll::Ready(next) => Some(next),
            Poll::Pending => {
                self.chan.state.with(|s| s.reader = None);
                None
            }
        }
    }

    /// Stops the stream: unread items are dropped, the producer's next `send` fails with
    /// [`Error::Cancelled`] (a streaming task stops at once), and [`next`](Self::next)
    /// returns `None`.
    pub fn cancel(&self) {
        self.chan.cancel();
    }

    /// How many items are sent and not yet read.
    pub fn buffered(&self) -> usize {
        self.chan.state.with(|s| s.items.len())
    }

    /// True if [`next`](Self::next) would not wait: an item, the error or the end is
    /// there.
    pub fn is_ready(&self) -> bool {
        self.chan.ready_or_watch(None)
    }

    #[cfg(feature = "std")]
    pub(crate) fn chan(&self) -> &Chan<T> {
        &self.chan
    }
}

impl<T> Drop for ObjectRefStream<T> {
    fn drop(&mut self) {
        self.chan.cancel();
    }
}

impl<T> fmt::Debug for ObjectRefStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectRefStream").field("buffered", &self.buffered()).finish()
    }
}

impl<T> futures_core::Stream for ObjectRefStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.chan.poll_next(cx)
    }
}

/// Future of [`ObjectRefStream::next`].
#[must_use = "futures do nothing unless awaited"]
pub struct Next<'a, T> {
    chan: &'a Arc<Chan<T>>,
}

impl<T> Future for Next<'_, T> {
    type Output = Option<Result<T, Error>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.chan.poll_next(cx)
    }
}

impl<T> fmt::Debug for Next<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Next").finish_non_exhaustive()
    }
}

/// A waker that does nothing (for the `try_` forms, which never wait).
fn noop_waker() -> Waker {
    Waker::noop().clone()
}
