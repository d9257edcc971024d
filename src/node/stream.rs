//! Streams across a link: a [`StreamSender`] inside a call's arguments crosses as a lent
//! actor that feeds the stream where it was made, and works as a sender on the other side.
//!
//! ```text
//!  reader's node                               producer's node
//!  stream::bounded(n) → (sender, reader)
//!  call(…, sender): sender → a lent sink ───▶ a proxy StreamSender
//!  sink.push(bytes): decode, wait for room ◀── send(item): push, up to STREAM_WINDOW
//!    in the stream, answer true (false:           unanswered (then wait for the oldest)
//!    the reader is gone)
//!  sink.finish(error?): the stream ends   ◀── the proxy dropped, or fail(e)
//!  the link closes first: NodeLost
//! ```
//!
//! The reader's bound holds across the link: a push is answered only once its item is in
//! the stream, and at most [`STREAM_WINDOW`] pushes are unanswered, so the producer is held
//! while the reader lags, and nothing between them grows without bound.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::ToString;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::host::NodeHost;
use super::lend::{current, HandleOnWire};
use crate::actor::ActorHandle;
use crate::host::Host;
use crate::object::ObjectRef;
use crate::stream::channel::{ItemSink, StreamSender};
use crate::sync::atomic::{AtomicBool, Ordering::*};
use crate::sync::Lock;
use crate::Error;

/// Pushes a producer's proxy sender keeps unanswered before it waits for the oldest: with
/// the reader's bound, how far a producer on another node may run ahead of its reader.
pub const STREAM_WINDOW: usize = 8;

const NO_LINK: &str = "a StreamSender crosses only a link (inside a call's arguments)";
const ONCE: &str = "a StreamSender crosses a link once, from the node whose stream it feeds";

/// Feeds a local stream with items decoded from the link (the item type erased, so one
/// actor type serves streams of every type).
pub(crate) trait Feed: Send + Sync {
    /// Decodes `bytes` and sends the item, waiting for room; false if the reader is gone
    /// (or the bytes are not an item: the stream then ends with the decode error).
    fn push(&self, bytes: Vec<u8>) -> Pin<Box<dyn Future<Output = bool> + Send + '_>>;
    /// Ends the stream.
    fn end(&self, ending: Result<(), Error>);
}

struct LocalFeed<T> {
    out: StreamSender<T>,
}

impl<T: DeserializeOwned + Send + 'static> Feed for LocalFeed<T> {
    fn push(&self, bytes: Vec<u8>) -> Pin<Box<dyn Future<Output = bool> + Send + '_>> {
        Box::pin(async move {
            match postcard::from_bytes::<T>(&bytes) {
                Ok(item) => self.out.send(item).await.is_ok(),
                Err(e) => {
                    self.out.end(Err(Error::Decode { message: super::remote::text("a streamed item: ", e) }));
                    false
                }
            }
        })
    }

    fn end(&self, ending: Result<(), Error>) {
        self.out.end(ending);
    }
}

/// The sink actor, declared with the crate's own DSL (its generated items are the DSL's
/// public-in-a-private-module kind).
#[allow(unreachable_pub)]
mod sink {
    use alloc::string::String;
    use alloc::sync::Arc;
    use alloc::vec::Vec;

    use super::Feed;
    use crate::actor::WeakActorHandle;
    use crate::Error;

    crate::__rr_dsl_actor! {
        /// The reader's side of a stream whose sender crossed a link: lent to the producer's
        /// node, it feeds the stream.
        pub(crate) struct RustyrayStreamSink {
            feed: Arc<dyn Feed>,
            ended: bool,
            me: Option<WeakActorHandle<RustyrayStreamSink>>,
        }
        #[export]
        impl RustyrayStreamSink {
            pub(crate) fn new(feed: Arc<dyn Feed>) -> Self {
                RustyrayStreamSink { feed, ended: false, me: None }
            }
            fn on_start(&mut self, ctx: &ActorContext<Self>) {
                self.me = Some(ctx.weak_handle());
            }
            /// One item's bytes; answered once it is in the stream (false: the reader is gone).
            pub(crate) async fn push(&mut self, item: Vec<u8>) -> bool {
                !self.ended && self.feed.push(item).await
            }
            /// The producer is done (`error`: how it failed); the sink stops.
            pub(crate) fn finish(&mut self, error: Option<String>) {
                self.ended = true;
                self.feed.end(error.map_or(Ok(()), |message| Err(Error::Remote { message })));
                if let Some(me) = self.me.as_ref().and_then(WeakActorHandle::upgrade) {
                    me.stop();
                }
            }
            fn on_stop(&mut self) {
                if !self.ended {
                    self.feed.end(Err(Error::NodeLost {
                        reason: String::from("the link to the stream's producer closed before it finished"),
                    }));
                }
            }
        }
    }
}

use sink::RustyrayStreamSink;

/// The producer's side: a proxy sender pushing items to the lent sink.
struct RemoteItems {
    sink: ActorHandle<RustyrayStreamSink>,
    host: NodeHost,
    /// Pushes sent and not yet answered, oldest first.
    window: Lock<VecDeque<ObjectRef<bool>>>,
    cancelled: AtomicBool,
    ended: AtomicBool,
}

impl RemoteItems {
    /// Sends one encoded item, then waits for the oldest answer if the window is full.
    async fn push(&self, bytes: Vec<u8>) -> Result<(), Error> {
        if self.cancelled.load(Acquire) {
            return Err(Error::Cancelled);
        }
        let answer = self.sink.push(bytes).await?;
        let oldest = self.window.with(|w| {
            w.push_back(answer);
            (w.len() > STREAM_WINDOW).then(|| w.pop_front()).flatten()
        });
        if let Some(oldest) = oldest {
            if !oldest.get().await? {
                self.cancelled.store(true, Release);
                return Err(Error::Cancelled);
            }
        }
        Ok(())
    }
}

impl<T: Serialize + Send + 'static> ItemSink<T> for RemoteItems {
    fn send(&self, item: T) -> Pin<Box<dyn Future<Output = Result<(), Error>> + Send + '_>> {
        let bytes = postcard::to_allocvec(&item);
        Box::pin(async move {
            let bytes = bytes.map_err(|e| Error::Encode { message: super::remote::text("a streamed item: ", e) })?;
            self.push(bytes).await
        })
    }

    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Acquire)
    }

    fn end(&self, ending: Result<(), Error>) {
        if self.ended.swap(true, AcqRel) {
            return;
        }
        let error = ending.err().map(|e| e.to_string());
        // Behind the pushes on the link (FIFO per caller). Without a credit now, it waits
        // for one in a task of its own.
        if let Err(full) = self.sink.finish(error.clone()).try_tell() {
            drop(full);
            let sink = self.sink.clone();
            self.host.spawn_detached(async move {
                let _ = sink.finish(error).tell().await;
            });
        }
    }
}

/// A sender serializes, inside a link's call, as a sink the peer pushes items to; this
/// node's stream is fed from there (this sender no longer ends it).
impl<T: DeserializeOwned + Send + 'static> Serialize for StreamSender<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let link = current().ok_or_else(|| S::Error::custom(NO_LINK))?;
        let chan = self.hand_over().ok_or_else(|| S::Error::custom(ONCE))?;
        let feed: Arc<dyn Feed> = Arc::new(LocalFeed { out: StreamSender::new(chan, false) });
        let sink = RustyrayStreamSink::remote_on(&link.node.host, feed).into_inner().map_err(S::Error::custom)?;
        link.handle_to_wire(&sink).serialize(serializer)
    }
}

/// A sender deserializes, inside a link's call, into a proxy whose items go back over the
/// link to the stream they were made for.
impl<'de, T: Serialize + Send + 'static> Deserialize<'de> for StreamSender<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = HandleOnWire::deserialize(deserializer)?;
        let link = current().ok_or_else(|| D::Error::custom(NO_LINK))?;
        let sink = link.handle_from_wire::<RustyrayStreamSink>(wire).map_err(D::Error::custom)?;
        let items = RemoteItems {
            sink,
            host: link.node.host.clone(),
            window: Lock::new(VecDeque::new()),
            cancelled: AtomicBool::new(false),
            ended: AtomicBool::new(false),
        };
        Ok(StreamSender::remote(Box::new(items)))
    }
}
