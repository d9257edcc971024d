//! [`Session`]: one link between this node and a peer — the frames in flight both ways.
//!
//! ```text
//!  caller side (this node asks)              server side (the peer asks)
//!  ──────────────────────────────            ─────────────────────────────────────────
//!  credit ◀── Credit frames                  inflight ≤ window, else the link closes
//!  pending: reply_to → Completer ◀── Reply   held: key → object kept for the peer
//!  proxies: local id → key (Fetch, Release)  ActorCall / SubmitTask / Lookup / Fetch
//!            │                                        │
//!            └──────────▶ out (COBS bytes) ◀──────────┘ ──▶ write loop ──▶ link
//!  link ──▶ read loop (Deframer, ≤ MAX_FRAME) ──▶ handle(frame)
//! ```
//!
//! Every wait is on a waker or an event; the one bounded poll is a conversation's reader
//! (`read_some`: ≤ `READ_SPIN`, yielding between polls). A lost link (closed, an I/O error,
//! a protocol violation) fails every pending completer with [`Error::NodeLost`], frees the
//! objects held for the peer, and fails later calls at once.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::task::{Context, Poll};

use atomic_waker::AtomicWaker;
use event_listener::{Event, EventListener};
use slab::Slab;

use super::lend::{with_link, HandleOnWire, RefOnWire, LENT};
#[cfg(feature = "std")]
use super::link::DirectWrite;
use super::link::{LinkRead, LinkWrite};
use super::map::Map;
use super::remote::{text, BoxFuture, RemoteActor};
use super::remote::{Completer, HeldObject, OwnedTaskArg};
use super::{NodeInner, ServeActor};
use crate::actor::ActorHandle;
use crate::host::Host;
use crate::object::{ObjectId, ObjectRef};
use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use crate::sync::Lock;
use crate::wire::{
    self, ActorCall, Callee, Credit, Deframer, Fetch, Frame, Hello, Lookup, Release, Reply, TaskSubmission,
};
use crate::Error;

/// The largest frame a node reads or sends, in COBS-encoded bytes.
#[cfg(feature = "std")]
pub const MAX_FRAME: usize = 64 * 1024;
/// The largest frame a node reads or sends, in COBS-encoded bytes.
#[cfg(not(feature = "std"))]
pub const MAX_FRAME: usize = 512;

/// How long a link's reader polls for more bytes after some arrived, before it waits on
/// the reactor (about two thread wake-ups between vCPUs here).
#[cfg(feature = "std")]
const READ_SPIN: core::time::Duration = core::time::Duration::from_micros(100);

/// Bytes asked of the link per read (a socket hands over many frames at once; a UART has a
/// few bytes at a time and a device little RAM).
#[cfg(feature = "std")]
const READ_CHUNK: usize = 4096;
#[cfg(not(feature = "std"))]
const READ_CHUNK: usize = 64;

/// The bytes on their way out. `busy` while the write loop or a direct write is writing:
/// whoever writes owns the link's byte order, everyone else appends here.
#[derive(Default)]
struct Outgoing {
    bytes: Vec<u8>,
    busy: bool,
}

/// Actors lent to the peer, by index; and the index of each actor lent.
type Lent = (Vec<Arc<dyn ServeActor>>, Map<u64, u64>);

pub(crate) struct Session {
    pub(crate) node: Arc<NodeInner>,
    /// The peer's node id, once its Hello arrived (its window became our credits).
    peer: Lock<Option<u64>>,
    hello: Event,
    lost: AtomicBool,
    reason: Lock<Option<String>>,
    /// Encoded frames waiting for the write loop, and whether someone is writing.
    out: Lock<Outgoing>,
    /// Writes without waiting from the sending thread, if the link can (sockets).
    #[cfg(feature = "std")]
    direct: Option<Box<dyn DirectWrite>>,
    writer: AtomicWaker,
    /// The read loop while it waits for bytes without polling: a caller that starts a
    /// conversation wakes it (`pulled`) onto its own thread (see `read_some`).
    #[cfg(feature = "std")]
    reader: AtomicWaker,
    #[cfg(feature = "std")]
    pulled: AtomicBool,
    /// The last frame read was a request of the peer (we serve; else we call, or idle).
    #[cfg(feature = "std")]
    serving: AtomicBool,
    /// Caller side: requests we may still send (the peer's window minus ours in flight).
    credits: Lock<u32>,
    credit_event: Event,
    pending: Lock<Slab<Completer>>,
    /// Fetches started by a reader (synchronously) while the window was full.
    deferred: Lock<VecDeque<(ObjectId, Completer)>>,
    next_key: Lock<u64>,
    /// Proxies of objects the peer holds for us: local id → the key the peer knows.
    proxies: Lock<Map<u64, ObjectId>>,
    /// Server side: objects held for the peer, by the key it gave them.
    held: Lock<Map<u64, Arc<dyn HeldObject>>>,
    /// Actors lent to the peer (handles sent inside arguments or results), by index; and
    /// the index of each actor lent, so a handle sent twice is lent once.
    lent: Lock<Lent>,
    /// Requests of the peer being served, and finished ones not yet credited back.
    inflight: Lock<(u32, u32)>,
    bytes_in: AtomicUsize,
    bytes_out: AtomicUsize,
}

impl Session {
    pub(crate) fn new<W: LinkWrite>(node: Arc<NodeInner>, write: &W) -> Arc<Self> {
        #[cfg(not(feature = "std"))]
        let _ = write;
        Arc::new(Session {
            node,
            peer: Lock::new(None),
            hello: Event::new(),
            lost: AtomicBool::new(false),
            reason: Lock::new(None),
            out: Lock::new(Outgoing::default()),
            #[cfg(feature = "std")]
            direct: write.direct(),
            writer: AtomicWaker::new(),
            #[cfg(feature = "std")]
            reader: AtomicWaker::new(),
            #[cfg(feature = "std")]
            pulled: AtomicBool::new(false),
            #[cfg(feature = "std")]
            serving: AtomicBool::new(false),
            credits: Lock::new(0),
            credit_event: Event::new(),
            pending: Lock::new(Slab::new()),
            deferred: Lock::new(VecDeque::new()),
            next_key: Lock::new(1),
            proxies: Lock::new(Map::new()),
            held: Lock::new(Map::new()),
            lent: Lock::new((Vec::new(), Map::new())),
            inflight: Lock::new((0, 0)),
            bytes_in: AtomicUsize::new(0),
            bytes_out: AtomicUsize::new(0),
        })
    }

    /// Sends our Hello and spawns the read and write loops on the node's host.
    pub(crate) fn start<R: LinkRead, W: LinkWrite>(self: &Arc<Self>, read: R, write: W) {
        let hello =
            Hello::new(self.node.id, wire::Capabilities::TASKS.union(wire::Capabilities::ACTORS), self.node.window);
        let _ = self.send_frame(&Frame::Hello(hello));
        self.node.host.spawn_detached(Arc::clone(self).write_loop(write));
        self.node.host.spawn_detached(Arc::clone(self).read_loop(read));
    }

    /// Waits for the peer's Hello; its node id.
    pub(crate) async fn handshake(&self) -> Result<u64, Error> {
        self.until_hello_event(|| match self.peer.with(|p| *p) {
            Some(id) => Some(Ok(id)),
            None if self.is_lost() => Some(Err(self.lost_error())),
            None => None,
        })
        .await
    }

    /// Waits until the link is lost (closed by either side, or failed).
    pub(crate) async fn closed(&self) {
        // `lose` notifies the Hello event too.
        self.until_hello_event(|| self.is_lost().then_some(())).await
    }

    /// Waits, on the Hello event (notified by the Hello and by `lose`), until `ready` says.
    async fn until_hello_event<T>(&self, mut ready: impl FnMut() -> Option<T>) -> T {
        let mut listener = None;
        poll_fn(|cx| poll_event(&self.hello, &mut listener, cx, &mut ready)).await
    }

    pub(crate) fn is_lost(&self) -> bool {
        self.lost.load(Acquire)
    }

    pub(crate) fn lost_error(&self) -> Error {
        let reason = self.reason.with(|r| r.clone()).unwrap_or_else(|| String::from("the link closed"));
        Error::NodeLost { reason }
    }

    pub(crate) fn peer_id(&self) -> Option<u64> {
        self.peer.with(|p| *p)
    }

    pub(crate) fn bytes(&self) -> (usize, usize) {
        (self.bytes_out.load(Relaxed), self.bytes_in.load(Relaxed))
    }

    /// Closes the link: everything in flight fails with `NodeLost`.
    pub(crate) fn lose(&self, reason: String) {
        if self.lost.swap(true, AcqRel) {
            return;
        }
        self.reason.with(|r| *r = Some(reason));
        let error = self.lost_error();
        // Taken under the locks, failed and dropped outside them (completing a promise
        // wakes tasks; dropping an object may run another proxy's hook).
        let pending = self.pending.with(core::mem::take);
        let deferred = self.deferred.with(core::mem::take);
        let held = self.held.with(core::mem::take);
        let lent = self.lent.with(core::mem::take);
        for (_, complete) in pending {
            complete(Err(error.clone()));
        }
        for (_, complete) in deferred {
            complete(Err(error.clone()));
        }
        drop(held);
        drop(lent);
        self.hello.notify(usize::MAX);
        self.credit_event.notify(usize::MAX);
        self.writer.wake();
    }

    // ---- sending ----------------------------------------------------------------------

    /// Encodes `frame` and queues it for the write loop.
    pub(crate) fn send_frame(&self, frame: &Frame<'_>) -> Result<(), Error> {
        self.send(frame, false)
    }

    /// [`send_frame`](Self::send_frame), written at once from this thread when `quiet` (the
    /// frame is the only request or reply in flight, so nothing would batch with it), the
    /// link can be written without waiting, and nothing else is queued or being written.
    /// When calls pipeline, frames queue and go out together, one write for many.
    fn send(&self, frame: &Frame<'_>, quiet: bool) -> Result<(), Error> {
        if self.is_lost() {
            return Err(self.lost_error());
        }
        #[cfg(feature = "std")]
        if let Some(direct) = self.direct.as_ref().filter(|_| quiet) {
            return self.send_direct(direct.as_ref(), frame);
        }
        #[cfg(not(feature = "std"))]
        let _ = quiet;
        // Queued: encoded straight onto the outgoing bytes.
        self.out.with(|out| encode_frame(frame, &mut out.bytes))?;
        self.writer.wake();
        Ok(())
    }

    /// Encodes `frame` with the credits due and writes it at once if the link is idle.
    #[cfg(feature = "std")]
    fn send_direct(&self, direct: &dyn DirectWrite, frame: &Frame<'_>) -> Result<(), Error> {
        // It carries the credits due (else they would follow in a write of their own;
        // queued frames leave them to the write loop, which sends one Credit for a whole
        // batch).
        let mut bytes = Vec::new();
        let due = self.inflight.with(|(_, due)| core::mem::take(due));
        if due > 0 {
            encode_frame(&Frame::Credit(Credit { requests: due }), &mut bytes)?;
        }
        if let Err(e) = encode_frame(frame, &mut bytes) {
            // (The credits stay due: the next frame carries them.)
            self.inflight.with(|(_, d)| *d += due);
            return Err(e);
        }
        self.send_now(direct, &bytes);
        Ok(())
    }

    /// Writes `bytes` from this thread if nothing is queued and nobody is writing, else
    /// queues them behind what is.
    #[cfg(feature = "std")]
    fn send_now(&self, direct: &dyn DirectWrite, bytes: &[u8]) {
        let mine = self.out.with(|out| {
            if out.busy || !out.bytes.is_empty() {
                out.bytes.extend_from_slice(bytes);
                false
            } else {
                out.busy = true;
                true
            }
        });
        if !mine {
            self.writer.wake();
            return;
        }
        // Nothing queued and nobody writing: this thread writes, one hop less per frame.
        let written = match direct.try_write(bytes) {
            Ok(n) => n,
            Err(e) => {
                self.out.with(|out| out.busy = false);
                self.lose(text("writing to the link failed: ", e));
                return;
            }
        };
        self.bytes_out.fetch_add(written, Relaxed);
        let more = self.out.with(|out| {
            out.busy = false;
            if written < bytes.len() {
                // The rest goes first, before anything appended meanwhile.
                out.bytes.splice(0..0, bytes[written..].iter().copied());
            }
            !out.bytes.is_empty()
        });
        if more {
            self.writer.wake();
        }
    }

    async fn write_loop<W: LinkWrite>(self: Arc<Self>, mut link: W) {
        let mut batch = Vec::new();
        loop {
            let go_on = poll_fn(|cx| {
                self.writer.register(cx.waker());
                let due = self.inflight.with(|(_, due)| core::mem::take(due));
                if due > 0 {
                    let _ = self.send_frame(&Frame::Credit(Credit { requests: due }));
                }
                let took = self.out.with(|out| {
                    if out.busy || out.bytes.is_empty() {
                        return false;
                    }
                    core::mem::swap(&mut out.bytes, &mut batch);
                    out.busy = true;
                    true
                });
                if took {
                    Poll::Ready(true)
                } else if self.is_lost() {
                    Poll::Ready(false)
                } else {
                    Poll::Pending
                }
            })
            .await;
            if !go_on {
                break;
            }
            let written = link.write_all(&batch).await;
            self.out.with(|out| out.busy = false);
            if let Err(e) = written {
                self.lose(text("writing to the link failed: ", e));
                break;
            }
            self.bytes_out.fetch_add(batch.len(), Relaxed);
            batch.clear();
        }
        link.close().await;
    }

    // ---- the caller's side ---------------------------------------------------------------

    /// Waits for room in the peer's window and takes it.
    pub(crate) fn poll_credit(
        &self,
        listener: &mut Option<EventListener>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>> {
        poll_event(&self.credit_event, listener, cx, || {
            if self.is_lost() {
                Some(Err(self.lost_error()))
            } else {
                self.try_credit().then_some(Ok(()))
            }
        })
    }

    pub(crate) fn try_credit(&self) -> bool {
        self.credits.with(|c| {
            if *c > 0 {
                *c -= 1;
                true
            } else {
                false
            }
        })
    }

    /// Gives back credits taken for requests that were not sent.
    pub(crate) fn credits_back(&self, n: u32) {
        self.credits.with(|c| *c += n);
        self.credit_event.notify(usize::MAX);
    }

    async fn credit(&self) -> Result<(), Error> {
        let mut listener = None;
        poll_fn(|cx| self.poll_credit(&mut listener, cx)).await
    }

    /// Sends a request (the caller holds a credit) whose reply, if it wants one, goes to
    /// `complete`: registered under the frame's `reply_to` first, failed with the error if
    /// the frame cannot be sent.
    fn send_request<'a>(
        &self,
        complete: Option<Completer>,
        frame: impl FnOnce(Option<u64>) -> Frame<'a>,
    ) -> Result<(), Error> {
        let (reply_to, alone) = match complete {
            Some(c) => self.pending.with(|p| {
                let key = p.insert(c) as u64;
                (Some(key), p.len() == 1)
            }),
            None => (None, false),
        };
        // Alone in flight (a caller that waits for each reply): written at once.
        let sent = self.send(&frame(reply_to), alone);
        #[cfg(feature = "std")]
        if alone && sent.is_ok() {
            self.pull_reader();
        }
        if let (Err(e), Some(reply_to)) = (&sent, reply_to) {
            if let Some(complete) = self.pending.with(|p| p.try_remove(reply_to as usize)) {
                complete(Err(e.clone()));
            }
        }
        sent
    }

    /// A fetch of the object the peer holds under `key`; the caller holds a credit.
    fn send_fetch(&self, key: ObjectId, complete: Completer) {
        // A failure is reported to `complete`.
        let _ = self.send_request(Some(complete), |reply_to| {
            Frame::Fetch(Fetch { object: key, reply_to: reply_to.unwrap_or_default() })
        });
    }

    /// An actor call; the caller holds a credit.
    pub(crate) fn call(&self, actor: u64, method: u32, args: &[u8], complete: Option<Completer>) -> Result<(), Error> {
        self.send_request(complete, |reply_to| {
            Frame::ActorCall(ActorCall { actor, method: Callee::Index(method), args, reply_to })
        })
    }

    /// Finds the actor exported as `name` (of type `actor_type`) on the peer: its id.
    pub(crate) async fn lookup(&self, name: &str, actor_type: &'static str) -> Result<u64, Error> {
        self.credit().await?;
        let (object, promise) = crate::object::pending::<u64>(self.node.host.store());
        // A send failure completes the object with the error, which `get` returns.
        let _ = self.send_request(Some(super::remote::completer(promise)), |reply_to| {
            Frame::Lookup(Lookup { name, actor_type, reply_to: reply_to.unwrap_or_default() })
        });
        object.get().await
    }

    /// Submits the exported function `function` to the peer: the result's proxy.
    pub(crate) async fn submit<R>(
        self: &Arc<Self>,
        function: &str,
        args: Vec<OwnedTaskArg>,
    ) -> Result<ObjectRef<R>, Error>
    where
        R: serde::de::DeserializeOwned + Send + Sync + 'static,
    {
        self.credit().await?;
        let key = ObjectId::from_u64(self.new_key());
        let object = self.proxy::<R>(key);
        let args: Vec<wire::TaskArg<'_>> = args.iter().map(OwnedTaskArg::as_wire).collect();
        self.send_frame(&Frame::SubmitTask(TaskSubmission { function: Callee::Name(function), args, result: key }))?;
        Ok(object)
    }

    /// A proxy for the object the peer holds under `key`: fetched on its first read,
    /// released when its last ref goes.
    fn proxy<R>(self: &Arc<Self>, key: ObjectId) -> ObjectRef<R>
    where
        R: serde::de::DeserializeOwned + Send + Sync + 'static,
    {
        let weak = Arc::downgrade(self);
        let weak2 = Weak::clone(&weak);
        let (object, local) = crate::object::proxy::<R>(
            self.node.host.store(),
            move |promise| {
                Box::new(move || match weak.upgrade() {
                    Some(session) => session.fetch(key, super::remote::completer(promise)),
                    None => promise.fulfill(Err(Error::NodeLost { reason: String::from("the link was dropped") })),
                })
            },
            move |local| {
                Box::new(move || {
                    if let Some(session) = weak2.upgrade() {
                        session.proxies.with(|p| p.remove(&local.as_u64()));
                        if !session.is_lost() {
                            let _ = session.send_frame(&Frame::Release(Release { object: key }));
                        }
                    }
                })
            },
        );
        self.proxies.with(|p| p.insert(local.as_u64(), key));
        object
    }

    /// A key this node has not used on this link: for a task result the peer will hold, or
    /// (with the `LENT` bit) an object held here for the peer.
    fn new_key(&self) -> u64 {
        self.next_key.with(|k| {
            *k += 1;
            *k
        })
    }

    /// The ref `wire` stands for on this side of the link.
    pub(crate) fn ref_from_wire<T>(self: &Arc<Self>, wire: RefOnWire) -> Result<ObjectRef<T>, Error>
    where
        T: serde::de::DeserializeOwned + Send + Sync + 'static,
    {
        match wire {
            RefOnWire::Lent(key) => Ok(self.proxy::<T>(ObjectId::from_u64(key))),
            RefOnWire::Held(key) => {
                let object = self.held.with(|h| h.get(&key).cloned()).ok_or(Error::ObjectNotFound { id: key })?;
                let object = object.as_any().downcast_ref::<ObjectRef<T>>().cloned();
                object.ok_or(Error::TypeMismatch { expected: core::any::type_name::<T>() })
            }
        }
    }

    /// The key the peer holds an object under, if `local` is the id of one of our proxies.
    pub(crate) fn held_key(&self, local: Option<ObjectId>) -> Option<ObjectId> {
        let local = local?;
        self.proxies.with(|p| p.get(&local.as_u64()).copied())
    }

    /// A proxy's first reader: fetch the value (now, or when the window has room).
    fn fetch(&self, key: ObjectId, complete: Completer) {
        if self.is_lost() {
            return complete(Err(self.lost_error()));
        }
        if self.try_credit() {
            self.send_fetch(key, complete);
        } else {
            self.deferred.with(|d| d.push_back((key, complete)));
            // Credit may have come back in between: drain now.
            self.drain_deferred();
        }
    }

    fn drain_deferred(&self) {
        loop {
            if !self.deferred.with(|d| !d.is_empty()) || !self.try_credit() {
                return;
            }
            match self.deferred.with(|d| d.pop_front()) {
                Some((key, complete)) => self.send_fetch(key, complete),
                None => {
                    self.credits_back(1);
                    return;
                }
            }
        }
    }

    // ---- the server's side ---------------------------------------------------------------

    async fn read_loop<R: LinkRead>(self: Arc<Self>, mut link: R) {
        let mut deframer: Box<Deframer<MAX_FRAME>> = Box::default();
        let mut buf = alloc::vec![0_u8; READ_CHUNK];
        let reason = 'read: loop {
            let n = match self.read_some(&mut link, &mut buf).await {
                Ok(0) => break 'read String::from("the peer closed the link"),
                Ok(n) => n,
                Err(e) => break 'read text("reading from the link failed: ", e),
            };
            if self.is_lost() {
                break 'read String::from("the link was closed");
            }
            self.bytes_in.fetch_add(n, Relaxed);
            let mut input = &buf[..n];
            while let Some(frame) = deframer.feed(&mut input) {
                let handled = match frame {
                    Ok(frame) => self.handle(frame),
                    Err(e) => Err(text("the peer sent a bad frame: ", e)),
                };
                match handled {
                    Ok(None) => {}
                    Ok(Some(wait)) => wait.await,
                    Err(reason) => break 'read reason,
                }
            }
        };
        self.lose(reason);
    }

    /// The next bytes from the link.
    ///
    /// A link that can be read without waiting, carrying a conversation (a caller waiting
    /// for each reply; a server answering one request at a time), is polled for up to
    /// [`READ_SPIN`] before the read waits on the reactor: the next reply or request
    /// usually comes within that, and reaches this task without a wake-up through the
    /// reactor's thread and a worker's. The poll stays on this task's thread (yielding
    /// only to work waiting there, which then runs on this thread: the actor a request
    /// went to, the caller a reply completed), so that one thread per process does a
    /// conversation's work and the others sleep: on a machine with as many cores as busy
    /// threads, a second poller only takes turns with the first.
    ///
    /// Which thread that is: a server's reader stays where it is. A caller's reader does
    /// not poll once the reply arrived; it waits, and the caller's next request wakes it
    /// onto the caller's thread (`pull`), where it polls for that request's reply — so the
    /// reply completes the caller's future on the caller's own thread. Pipelined traffic
    /// waits on the reactor, which hands over many frames per read.
    async fn read_some<R: LinkRead>(&self, link: &mut R, buf: &mut [u8]) -> Result<usize, Error> {
        #[cfg(feature = "std")]
        if R::TRY_READ {
            loop {
                let pending = self.pending.with(|p| p.len());
                let served = self.inflight.with(|(n, _)| *n);
                let calling = pending == 1 && served <= 1;
                let serving = pending == 0 && served <= 1 && self.serving.load(Relaxed);
                if calling || serving {
                    let since = std::time::Instant::now();
                    loop {
                        if let Some(read) = link.try_read(buf) {
                            return read;
                        }
                        if since.elapsed() >= READ_SPIN || self.is_lost() {
                            break;
                        }
                        if crate::executor::work_waiting() {
                            crate::executor::yield_to_waiting().await;
                        } else {
                            crate::sync::spin_hint();
                        }
                    }
                }
                // Wait for bytes, or for a caller to pull this reader onto its thread.
                let read = {
                    let mut read = core::pin::pin!(link.read(buf));
                    poll_fn(|cx| {
                        if let Poll::Ready(r) = read.as_mut().poll(cx) {
                            return Poll::Ready(Some(r));
                        }
                        self.reader.register(cx.waker());
                        if self.pulled.swap(false, AcqRel) {
                            return Poll::Ready(None);
                        }
                        Poll::Pending
                    })
                    .await
                };
                match read {
                    Some(read) => return read,
                    None => continue,
                }
            }
        }
        link.read(buf).await
    }

    /// A caller's request is alone in flight: wake the reader onto this thread, where it
    /// polls for the reply (see [`read_some`](Self::read_some)).
    #[cfg(feature = "std")]
    fn pull_reader(&self) {
        self.pulled.store(true, Release);
        self.reader.wake();
    }

    /// Counts a request of the peer; more than our window in flight breaks the protocol.
    fn begin_request(&self) -> Result<(), String> {
        let window = self.node.window;
        self.inflight.with(|(inflight, _)| {
            if *inflight >= window {
                return Err(text("the peer exceeded its window of requests in flight: ", window));
            }
            *inflight += 1;
            Ok(())
        })
    }

    /// A request of the peer is done: its credit goes back with the next frame sent (the
    /// write loop sends it on its own if no frame follows soon).
    fn end_request(&self) {
        self.inflight.with(|(inflight, due)| {
            *inflight -= 1;
            *due += 1;
        });
        self.writer.wake();
    }

    /// A request of the peer is done, and answered: the credit rides with the reply.
    fn end_with_reply(&self, reply_to: Option<u64>, result: Result<&[u8], &Error>) {
        let Some(reply_to) = reply_to else { return self.end_request() };
        // A node whose runtime shut down answers nothing more (calls it was serving fail as
        // its loops are dropped): its links end, and its callers get `NodeLost`.
        if self.node.host.is_shut_down() {
            return;
        }
        let alone = self.inflight.with(|(inflight, due)| {
            *inflight -= 1;
            *due += 1;
            *inflight == 0
        });
        let result = result.map_err(wire::RemoteError::from);
        // The last request served (a peer that waits for each reply): written at once.
        if let Err(unsent) = self.send(&Frame::Reply(Reply { reply_to, result }), alone) {
            // The reply could not be framed (a value over `MAX_FRAME`): the requester gets
            // that error instead of waiting forever. (On a lost link this fails too; the
            // requester's side fails everything in flight itself.)
            let _ = self.send(&Frame::Reply(Reply { reply_to, result: Err((&unsent).into()) }), alone);
        }
    }

    /// Serves one frame: `Err` closes the link (the reason); `Ok(Some(wait))` is what the
    /// link must wait for before it reads on (a full mailbox). Synchronous but for that
    /// wait, so the read loop's state machine stays small (a firmware pays for its size).
    fn handle(self: &Arc<Self>, frame: Frame<'_>) -> Result<Option<BoxFuture<()>>, String> {
        let hello_done = self.peer.with(|p| p.is_some());
        #[cfg(feature = "std")]
        match frame {
            Frame::ActorCall(_) | Frame::SubmitTask(_) | Frame::Lookup(_) | Frame::Fetch(_) => {
                self.serving.store(true, Relaxed);
            }
            Frame::Reply(_) => self.serving.store(false, Relaxed),
            _ => {}
        }
        match frame {
            Frame::Hello(hello) => {
                if hello_done {
                    return Err(String::from("the peer sent a second Hello"));
                }
                if hello.max_version < wire::PROTOCOL_VERSION {
                    return Err(text("the peer speaks another wire version: ", hello.max_version));
                }
                self.credits.with(|c| *c = hello.window);
                self.peer.with(|p| *p = Some(hello.node_id));
                self.hello.notify(usize::MAX);
                self.credit_event.notify(usize::MAX);
                Ok(None)
            }
            _ if !hello_done => Err(String::from("the peer sent a frame before its Hello")),
            Frame::ActorCall(call) => {
                self.begin_request()?;
                Ok(self.serve_call(call))
            }
            Frame::Reply(reply) => {
                let Some(complete) = self.pending.with(|p| p.try_remove(reply.reply_to as usize)) else {
                    return Err(text("the peer replied to a request it was never sent: ", reply.reply_to));
                };
                with_link(self, || complete(reply.result.map_err(Error::from)));
                Ok(None)
            }
            Frame::SubmitTask(task) => {
                self.begin_request()?;
                if self.held.with(|h| h.contains_key(&task.result.as_u64())) {
                    return Err(text("the peer reused a result key: ", task.result.as_u64()));
                }
                self.serve_task(task);
                Ok(None)
            }
            Frame::Lookup(lookup) => {
                self.begin_request()?;
                let found = self.node.find_actor(lookup.name, lookup.actor_type);
                let bytes = found.map(|id| postcard::to_allocvec(&id).unwrap_or_default());
                self.end_with_reply(Some(lookup.reply_to), bytes.as_deref());
                Ok(None)
            }
            Frame::Fetch(fetch) => {
                self.begin_request()?;
                let object = self.held.with(|h| h.get(&fetch.object.as_u64()).cloned());
                match object {
                    None => {
                        let missing = Error::ObjectNotFound { id: fetch.object.as_u64() };
                        self.end_with_reply(Some(fetch.reply_to), Err(&missing));
                    }
                    Some(object) => self.answer(&object, Some(fetch.reply_to)),
                }
                Ok(None)
            }
            Frame::Release(release) => {
                let freed = self.held.with(|h| h.remove(&release.object.as_u64()));
                drop(freed);
                Ok(None)
            }
            Frame::Credit(credit) => {
                self.credits.with(|c| *c = c.saturating_add(credit.requests));
                self.credit_event.notify(usize::MAX);
                self.drain_deferred();
                Ok(None)
            }
            Frame::Object(_) => Err(String::from("the peer sent an Object frame, which a node never sends")),
        }
    }

    /// Decodes and queues a call of actor `actor` (an export, or with the `LENT` bit one of
    /// the actors this node lent the peer).
    #[allow(clippy::type_complexity)]
    fn dispatch(
        &self,
        actor: u64,
        method: u32,
        args: &[u8],
    ) -> Result<(Option<BoxFuture<()>>, Arc<dyn HeldObject>), Error> {
        self.actor_by_id(actor)?.dispatch(method, args, self.node.host.store())
    }

    /// The actor `id` names on this link: an export, or with the `LENT` bit one this node
    /// lent the peer.
    fn actor_by_id(&self, id: u64) -> Result<Arc<dyn ServeActor>, Error> {
        if id & LENT == 0 {
            self.node.exported(id).ok_or_else(|| Error::ActorNotFound { name: text("#", id) })
        } else {
            let lent = self.lent.with(|(lent, _)| lent.get((id & !LENT) as usize).cloned());
            lent.ok_or_else(|| Error::ActorNotFound { name: text("lent #", id & !LENT) })
        }
    }

    /// How `handle` crosses this link: by the peer's own id if the actor is the peer's
    /// (through this link), else lent (kept in the lent table while the link is up).
    pub(crate) fn handle_to_wire<A: RemoteActor>(&self, handle: &ActorHandle<A>) -> HandleOnWire {
        let endpoint = handle.actor_ref().remote_endpoint();
        let mine = endpoint.and_then(|e| e.as_any().downcast_ref::<super::RemoteActorRef<A>>());
        if let Some(remote) = mine.filter(|r| core::ptr::eq(Arc::as_ptr(&r.session), self)) {
            return HandleOnWire::Yours(remote.id);
        }
        // Lent once per link: a local actor by its id, a third node's by its endpoint (the
        // lent handle keeps the endpoint alive, so its address names it; bit 63 keeps the
        // two kinds of key apart).
        let key = match endpoint {
            None => handle.actor_ref().id() & !LENT,
            Some(endpoint) => (Arc::as_ptr(endpoint) as *const () as usize as u64) | LENT,
        };
        let index = self.lent.with(|(lent, by_actor)| {
            if let Some(index) = by_actor.get(&key) {
                return *index;
            }
            let index = lent.len() as u64;
            lent.push(Arc::new(handle.clone()));
            by_actor.insert(key, index);
            index
        });
        HandleOnWire::Lent { id: index | LENT, actor_type: String::from(A::TYPE_NAME) }
    }

    /// The handle `wire` stands for on this side of the link.
    pub(crate) fn handle_from_wire<A: RemoteActor>(
        self: &Arc<Self>,
        wire: HandleOnWire,
    ) -> Result<ActorHandle<A>, Error> {
        match wire {
            HandleOnWire::Lent { id, actor_type } => {
                if actor_type != A::TYPE_NAME {
                    return Err(Error::Decode {
                        message: text("a handle to another actor type, where this was expected: ", A::TYPE_NAME),
                    });
                }
                Ok(super::remote_handle::<A>(self, id, text("lent #", id & !LENT)))
            }
            HandleOnWire::Yours(id) => {
                let serve = self.actor_by_id(id)?;
                let handle = serve.as_any().downcast_ref::<ActorHandle<A>>().cloned();
                handle.ok_or(Error::TypeMismatch { expected: A::TYPE_NAME })
            }
        }
    }

    /// Queues a call on its actor and hangs what answers it on its result (run by whoever
    /// completes it: no task per call). When the actor's mailbox is full, returns what the
    /// link must wait for first (backpressure, in order).
    fn serve_call(self: &Arc<Self>, call: ActorCall<'_>) -> Option<BoxFuture<()>> {
        let served = match call.method {
            Callee::Index(method) => with_link(self, || self.dispatch(call.actor, method, call.args)),
            Callee::Name(_) => Err(Error::Decode { message: String::from("actor methods are called by index") }),
        };
        let (send, object) = match served {
            Err(e) => {
                self.end_with_reply(call.reply_to, Err(&e));
                return None;
            }
            Ok(served) => served,
        };
        // Answered by whoever completes the result (here, for a synchronous method that
        // ran already, or the actor's thread): no task, no scheduling, no wake-up per call.
        // (In a conversation the actor runs on this reader's thread: see `read_some`.)
        match send {
            None => {
                self.answer(&object, call.reply_to);
                None
            }
            Some(send) => {
                let (me, reply_to) = (Arc::clone(self), call.reply_to);
                Some(Box::pin(async move {
                    let _ = send.await;
                    me.answer(&object, reply_to);
                }))
            }
        }
    }

    /// Once `object` is ready, ends the peer's request: with a reply carrying its encoded
    /// value (or error) if the request asked for one (`reply_to`), else just its credit.
    /// Run by whoever completes the object, right after (no task per request).
    fn answer(self: &Arc<Self>, object: &Arc<dyn HeldObject>, reply_to: Option<u64>) {
        let me = Arc::clone(self);
        match reply_to {
            Some(_) => with_link(self, || {
                object.when_encoded(Box::new(move |bytes| me.end_with_reply(reply_to, bytes.as_deref())))
            }),
            None => object.when_finished(Box::new(move || me.end_request())),
        }
    }

    fn serve_task(self: &Arc<Self>, task: TaskSubmission<'_>) {
        let held = |key: ObjectId| {
            self.held.with(|h| h.get(&key.as_u64()).cloned()).ok_or(Error::ObjectNotFound { id: key.as_u64() })
        };
        let submitted = match task.function {
            Callee::Name(name) => match self.node.find_task(name) {
                Some(serve) => with_link(self, || serve(&self.node.host, &task.args, &held)),
                None => Err(Error::Remote { message: text("no function of this name is exported: ", name) }),
            },
            Callee::Index(_) => Err(Error::Decode { message: String::from("functions are called by name") }),
        };
        let object: Arc<dyn HeldObject> = match submitted {
            Ok(object) => object,
            Err(e) => Arc::new(super::remote::HeldError(e)),
        };
        self.held.with(|h| h.insert(task.result.as_u64(), Arc::clone(&object)));
        // Held, not sent: the peer fetches the value if it wants it.
        self.answer(&object, None);
    }
}

impl crate::object::link::LinkContext for Session {
    fn into_any(self: Arc<Self>) -> Arc<dyn core::any::Any + Send + Sync> {
        self
    }

    /// By the peer's key if `object` is one of our proxies of the peer's objects, else lent
    /// (held here for the peer until it releases it).
    fn encode_ref(&self, object: Arc<dyn HeldObject>, local: Option<ObjectId>) -> RefOnWire {
        if let Some(key) = self.held_key(local) {
            return RefOnWire::Held(key.as_u64());
        }
        let key = self.new_key() | LENT;
        self.held.with(|h| h.insert(key, object));
        RefOnWire::Lent(key)
    }
}

/// Encodes `frame` onto the end of `out` (COBS, delimited); a frame over [`MAX_FRAME`] is
/// an error and leaves `out` as it was.
fn encode_frame(frame: &Frame<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
    match wire::encode_cobs_append(frame, out) {
        Ok(len) if len > MAX_FRAME => {
            out.truncate(out.len() - len);
            Err(Error::Encode { message: text("a frame exceeds the link's limit (MAX_FRAME), in bytes: ", len) })
        }
        Ok(_) => Ok(()),
        Err(e) => Err(Error::Encode { message: text("the frame could not be encoded: ", e) }),
    }
}

/// Polls until `ready` says, listening to `event` in between (a notification re-checks).
fn poll_event<T>(
    event: &Event,
    listener: &mut Option<EventListener>,
    cx: &mut Context<'_>,
    mut ready: impl FnMut() -> Option<T>,
) -> Poll<T> {
    loop {
        if let Some(out) = ready() {
            return Poll::Ready(out);
        }
        match listener {
            Some(l) => {
                if Pin::new(l).poll(cx).is_pending() {
                    return Poll::Pending;
                }
                *listener = None;
            }
            None => *listener = Some(event.listen()),
        }
    }
}
