//! Streaming tasks: [`StreamOptions::spawn_on`] runs a producer as a task of its own and
//! hands back its stream at once; the task ends the stream when the producer returns,
//! fails, panics (after its retries), or is cancelled.

use alloc::sync::Arc;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::channel::{Chan, ObjectRefStream, StreamSender};
use crate::executor::failure::drop_error;
use crate::executor::poll_catch;
use crate::host::Host;
use crate::Error;

/// How a stream is made: its bound on unread items and, for a streaming task, its retries.
///
/// ```
/// use rustyray::stream::StreamOptions;
/// let opts = StreamOptions::new().capacity(8).max_retries(2);
/// # let _ = opts;
/// ```
#[derive(Clone, Copy, Debug)]
#[must_use = "options do nothing until .spawn… is called"]
pub struct StreamOptions {
    capacity: Option<usize>,
    max_retries: u32,
    retry_exceptions: bool,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions { capacity: Some(super::DEFAULT_CAPACITY), max_retries: 0, retry_exceptions: false }
    }
}

impl StreamOptions {
    /// At most [`DEFAULT_CAPACITY`](super::DEFAULT_CAPACITY) unread items, no retries.
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `n` unread items (the producer waits while the reader lags); 0 is taken
    /// as 1.
    pub fn capacity(mut self, n: usize) -> Self {
        self.capacity = Some(n.max(1));
        self
    }

    /// No bound: the producer never waits (Ray's eager generators).
    pub fn unbounded(mut self) -> Self {
        self.capacity = None;
        self
    }

    /// Runs a producer that panicked again, up to `n` more times (Ray's `max_retries`).
    /// A retried producer starts over; the items the stream already accepted are skipped,
    /// so the reader sees each position once (the producer is assumed deterministic, as
    /// Ray assumes).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Retries a producer that returned `Err` too, not only one that panicked (Ray's
    /// `retry_exceptions`; default false).
    pub fn retry_exceptions(mut self, yes: bool) -> Self {
        self.retry_exceptions = yes;
        self
    }

    /// A stream pair with these options' bound (see [`bounded`](super::bounded)).
    pub fn channel<T>(self) -> (StreamSender<T>, ObjectRefStream<T>) {
        super::pair(self.capacity)
    }

    /// Runs `producer` as a task on `host` and returns its stream at once.
    ///
    /// The producer gets the stream's [`StreamSender`] and returns `Ok(())` (the stream
    /// ends) or `Err(e)` (the reader gets `e` after the items). Cancelling or dropping the
    /// stream drops the producer at the `await` it is in.
    ///
    /// # Errors
    /// None today; the `Result` leaves room for hosts that refuse work.
    pub fn spawn_on<T, F, Fut>(self, host: &impl Host, producer: F) -> Result<ObjectRefStream<T>, Error>
    where
        T: Send + 'static,
        F: FnMut(StreamSender<T>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), Error>> + Send + 'static,
    {
        let chan = Chan::new(self.capacity);
        let stream = ObjectRefStream::new(Arc::clone(&chan));
        host.spawn_detached(produce(chan, self, producer));
        Ok(stream)
    }

    /// [`spawn_on`](Self::spawn_on) the current runtime (or the default one).
    ///
    /// # Errors
    /// [`Error::NoRuntime`] outside any runtime.
    #[cfg(feature = "std")]
    pub fn spawn<T, F, Fut>(self, producer: F) -> Result<ObjectRefStream<T>, Error>
    where
        T: Send + 'static,
        F: FnMut(StreamSender<T>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), Error>> + Send + 'static,
    {
        crate::host::with_current_or_default(|parts| self.spawn_on(parts, producer))?
    }
}

/// A streaming task with the default options ([`StreamOptions::spawn`]) on the current
/// runtime (or the default one).
///
/// # Errors
/// [`Error::NoRuntime`] outside any runtime.
#[cfg(feature = "std")]
pub fn spawn<T, F, Fut>(producer: F) -> Result<ObjectRefStream<T>, Error>
where
    T: Send + 'static,
    F: FnMut(StreamSender<T>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), Error>> + Send + 'static,
{
    StreamOptions::new().spawn(producer)
}

/// Ends the stream if the task is dropped before it did (its runtime shut down).
struct EndGuard<T>(Arc<Chan<T>>);

impl<T> Drop for EndGuard<T> {
    fn drop(&mut self) {
        if self.0.is_open() {
            self.0.end(Err(drop_error()));
        }
    }
}

/// The streaming task: attempts until one ends the stream.
async fn produce<T, F, Fut>(chan: Arc<Chan<T>>, opts: StreamOptions, mut producer: F)
where
    F: FnMut(StreamSender<T>) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    let guard = EndGuard(chan);
    let chan = &guard.0;
    let mut retries_left = opts.max_retries;
    loop {
        let attempt = Attempt { chan, future: Some(producer(StreamSender::new(Arc::clone(chan), true))) };
        let (error, retryable) = match attempt.await {
            // Cancelled: nobody reads.
            None => return,
            Some(Ok(Ok(()))) => {
                chan.end(Ok(()));
                return;
            }
            Some(Ok(Err(e))) => (e, opts.retry_exceptions),
            Some(Err(panic)) => (panic, true),
        };
        if retryable && retries_left > 0 && chan.is_open() {
            retries_left -= 1;
            #[cfg(feature = "std")]
            crate::host::gauges::RETRIES.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
            chan.restart();
            continue;
        }
        chan.end(Err(error));
        return;
    }
}

pin_project_lite::pin_project! {
    /// One run of the producer: panics caught; dropped at its `await` once the reader
    /// cancels (`None`).
    struct Attempt<'a, T, F> {
        chan: &'a Chan<T>,
        #[pin]
        future: Option<F>,
    }
}

impl<T, F: Future> Future for Attempt<'_, T, F> {
    type Output = Option<Result<F::Output, Error>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if this.chan.watch_cancel(cx.waker()) {
            this.future.set(None);
            return Poll::Ready(None);
        }
        let Some(future) = this.future.as_mut().as_pin_mut() else { return Poll::Ready(None) };
        let outcome = match poll_catch(future, cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(outcome) => outcome,
        };
        this.future.set(None);
        Poll::Ready(Some(outcome))
    }
}
