//! Nodes: actors and tasks called across a byte link — another process over a Unix or TCP
//! socket, a microcontroller over a UART — with the same typed handles and refs.
//!
//! ```text
//!  process A                                         process B
//!  ─────────                                         ─────────
//!  Node ── export("counter", &handle)                peer = node.connect_link(..) / net::connect(..)
//!       ── export_task(add::export())                c: ActorHandle<Counter> = peer.actor("counter")
//!       ── accept_link / net::Listener               c.increment().await?   ─ActorCall─▶ mailbox
//!                                                    add::remote_at(&peer, 1, 2) ─SubmitTask─▶ task
//!  Session per link: Hello, window credits, pending replies, objects held for the peer
//! ```
//!
//! * Only what a node [exports](Node::export) can be reached from a link: actors by name,
//!   functions by name. An actor or function is exportable when its argument and result
//!   types are serde types, opted in with `#[rustyray::actor_methods(export)]` /
//!   `#[rustyray::remote(export)]` (or `#[export]` in the DSLs); a type that is not serde
//!   is a compile error there.
//! * A handle from a peer is an [`ActorHandle<A>`](crate::ActorHandle) like any other: the
//!   same generated methods, each returning an [`ObjectRef<R>`](crate::ObjectRef) in this
//!   node's store. A task run on a peer returns a *proxy* ref: the value stays on the peer
//!   until a `get` (or `wait`) here fetches it, once; passed to another task on the same
//!   peer it goes by reference; dropping the last proxy releases the peer's object.
//! * Calls are pipelined within a window of requests in flight per link, granted by the
//!   receiver (`Hello.window`, then `Credit` frames); a caller waits for room.
//! * A link that drops fails everything in flight with [`crate::Error::NodeLost`].
//!
//! The core (this module but `net`) is `no_std` + `alloc`: a firmware implements
//! [`LinkRead`] / [`LinkWrite`] for its UART. Semantics in full: `docs/semantics.md` §6;
//! frames: `docs/wire.md`.
//!
//! ```
//! use rustyray::node::{duplex, Node};
//!
//! rustyray::dsl::actor! {
//!     pub struct Counter { n: u64 }
//!     #[export]
//!     impl Counter {
//!         pub fn new() -> Self { Counter { n: 0 } }
//!         pub fn add(&mut self, k: u64) -> u64 { self.n += k; self.n }
//!     }
//! }
//!
//! # fn main() -> Result<(), rustyray::Error> {
//! let a = rustyray::Runtime::builder().worker_threads(1).build()?;
//! let b = rustyray::Runtime::builder().worker_threads(1).build()?;
//! let server = Node::new(&a);
//! let client = Node::new(&b);
//! server.export("counter", &a.block_on(Counter::remote_on(&a))?)?;
//! let ((ar, aw), (br, bw)) = duplex();
//! server.accept_link(ar, aw);
//! b.block_on(async {
//!     let peer = client.connect_link(br, bw).await?;
//!     let counter = peer.actor::<Counter>("counter").await?;
//!     assert_eq!(counter.add(5).await?.get().await?, 5);
//!     Ok(())
//! })
//! # }
//! ```

#[cfg(feature = "net")]
mod auth;
mod host;
mod lend;
mod link;
mod map;
#[cfg(feature = "net")]
pub mod net;
mod remote;
mod session;
mod stream;
pub use stream::STREAM_WINDOW;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::task::{Context, Poll};

pub use host::NodeHost;
#[cfg(feature = "std")]
pub use link::DirectWrite;
pub use link::{duplex, pipe, LinkRead, LinkWrite, PipeReader, PipeWriter};
#[doc(hidden)]
pub use remote::{
    completer, decode_args, encode_args, extra_args, method_index, no_such_method, reply_slot, wire_arg, BoxFuture,
    Completer, HeldLookup, ServeTask,
};
pub use remote::{HeldObject, OwnedTaskArg, PeerArg, RemoteActor, TaskExport, Wire};
pub use session::MAX_FRAME;

use crate::actor::{ActorHandle, ActorRef, ActorState, RemoteEndpoint};
use crate::mailbox::{SendError, TrySendError};
use crate::object::{ObjectRef, Store};
use crate::sync::Lock;
use crate::Error;
use map::Map;
use remote::text;
use session::Session;

/// The default window: requests a node accepts in flight from one peer.
pub const DEFAULT_WINDOW: u32 = 256;

/// This node: what it exports, and the links it serves. Cheap to clone (one pointer).
#[derive(Clone)]
pub struct Node {
    inner: Arc<NodeInner>,
}

pub(crate) struct NodeInner {
    pub(crate) host: NodeHost,
    pub(crate) id: u64,
    pub(crate) window: u32,
    actors: Lock<Exports>,
    tasks: Lock<Map<&'static str, ServeTask>>,
}

#[derive(Default)]
struct Exports {
    /// By id (the index): what a call names.
    by_id: Vec<(String, &'static str, Arc<dyn ServeActor>)>,
    by_name: Map<String, u64>,
}

/// Builds a [`Node`]: its id and its window.
#[derive(Debug)]
#[must_use = "a builder does nothing until .build()"]
pub struct NodeBuilder {
    host: NodeHost,
    id: u64,
    window: u32,
}

impl NodeBuilder {
    /// The node's id, sent in its Hello (default: derived from the process id on std, 1 on
    /// no_std).
    pub fn id(mut self, id: u64) -> Self {
        self.id = id;
        self
    }

    /// How many requests (calls, task submissions, lookups, fetches) one peer may have in
    /// flight here (default [`DEFAULT_WINDOW`]); a peer that sends more is disconnected.
    /// At least 1.
    pub fn window(mut self, window: u32) -> Self {
        self.window = window.max(1);
        self
    }

    /// The node.
    pub fn build(self) -> Node {
        Node {
            inner: Arc::new(NodeInner {
                host: self.host,
                id: self.id,
                window: self.window,
                actors: Lock::new(Exports::default()),
                tasks: Lock::new(Map::new()),
            }),
        }
    }
}

fn default_id() -> u64 {
    #[cfg(feature = "std")]
    {
        use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
        static NEXT: AtomicU64 = AtomicU64::new(1);
        (u64::from(std::process::id()) << 20) | NEXT.fetch_add(1, Relaxed)
    }
    #[cfg(not(feature = "std"))]
    {
        1
    }
}

impl Node {
    /// A node serving its peers on `host` (a `&Runtime`, a `&Handle`, or a
    /// `(&'static LocalExecutor, &'static Store)` pair), with default options.
    pub fn new(host: impl Into<NodeHost>) -> Node {
        Node::builder(host).build()
    }

    /// A builder for a node on `host`.
    pub fn builder(host: impl Into<NodeHost>) -> NodeBuilder {
        NodeBuilder { host: host.into(), id: default_id(), window: DEFAULT_WINDOW }
    }

    /// The node's id.
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    /// Exports a local actor under `name`: peers can look it up and call its methods.
    ///
    /// # Errors
    /// [`Error::NameTaken`] if something is exported under `name` already;
    /// [`Error::InvalidConfig`] for a handle to an actor on another node (export it there).
    pub fn export<A: RemoteActor>(&self, name: &str, actor: &ActorHandle<A>) -> Result<(), Error> {
        if actor.actor_ref().is_remote() {
            return Err(Error::InvalidConfig {
                reason: "only a local actor can be exported; export it on its own node",
            });
        }
        self.inner.actors.with(|e| {
            if e.by_name.contains_key(name) {
                return Err(Error::NameTaken { name: String::from(name) });
            }
            let id = e.by_id.len() as u64;
            e.by_id.push((String::from(name), A::TYPE_NAME, Arc::new(actor.clone())));
            e.by_name.insert(String::from(name), id);
            Ok(())
        })
    }

    /// Exports a remote function (`add::export()` for `#[rustyray::remote(export)] fn add`):
    /// peers can run it here with `add::remote_at(&peer, …)`.
    ///
    /// # Errors
    /// [`Error::NameTaken`] if a function of that name is exported already.
    pub fn export_task(&self, task: TaskExport) -> Result<(), Error> {
        self.inner.tasks.with(|t| {
            if t.contains_key(task.name) {
                return Err(Error::NameTaken { name: String::from(task.name) });
            }
            t.insert(task.name, task.serve);
            Ok(())
        })
    }

    /// Serves a peer over an accepted link (the listening side): returns at once; the
    /// returned [`Peer`] calls back over the same link once the peer's Hello has arrived.
    pub fn accept_link<R: LinkRead, W: LinkWrite>(&self, read: R, write: W) -> Peer {
        let session = Session::new(Arc::clone(&self.inner), &write);
        session.start(read, write);
        Peer { session }
    }

    /// Connects over a link (the dialing side): waits for the peer's Hello.
    ///
    /// # Errors
    /// [`Error::NodeLost`] if the link closes first or the peer is not a rustyray node of
    /// this wire version.
    pub async fn connect_link<R: LinkRead, W: LinkWrite>(&self, read: R, write: W) -> Result<Peer, Error> {
        let peer = self.accept_link(read, write);
        peer.session.handshake().await?;
        Ok(peer)
    }
}

impl NodeInner {
    fn find_actor(&self, name: &str, actor_type: &str) -> Result<u64, Error> {
        self.actors.with(|e| {
            let id = *e.by_name.get(name).ok_or_else(|| Error::ActorNotFound { name: String::from(name) })?;
            let (_, exported_type, _) = &e.by_id[id as usize];
            if *exported_type != actor_type {
                return Err(Error::Remote {
                    message: text(
                        "the name is exported as another actor type: ",
                        ExportedAs { name, exported_type, actor_type },
                    ),
                });
            }
            Ok(id)
        })
    }

    fn find_task(&self, name: &str) -> Option<ServeTask> {
        self.tasks.with(|t| t.get(name).copied())
    }

    /// The exported actor with id `id`.
    pub(crate) fn exported(&self, id: u64) -> Option<Arc<dyn ServeActor>> {
        self.actors.with(|e| e.by_id.get(id as usize).map(|(_, _, s)| Arc::clone(s)))
    }
}

/// `"counter" is a Counter, not a Other`.
struct ExportedAs<'a> {
    name: &'a str,
    exported_type: &'a str,
    actor_type: &'a str,
}

impl fmt::Display for ExportedAs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\" is a {}, not a {}", self.name, self.exported_type, self.actor_type)
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node").field("id", &self.inner.id).field("window", &self.inner.window).finish()
    }
}

/// An exported (or lent) actor, type-erased: decodes a call and queues it.
pub(crate) trait ServeActor: Send + Sync + 'static {
    /// The `ActorHandle<A>` itself, to hand it back typed.
    fn as_any(&self) -> &dyn core::any::Any;
    #[allow(clippy::type_complexity)]
    fn dispatch(
        &self,
        method: u32,
        args: &[u8],
        store: &Store,
    ) -> Result<(Option<BoxFuture<()>>, Arc<dyn HeldObject>), Error>;
}

fn died() -> Error {
    Error::ActorDied { reason: String::from("stopped") }
}

impl<A: RemoteActor> ServeActor for ActorHandle<A> {
    fn as_any(&self) -> &dyn core::any::Any {
        self
    }

    fn dispatch(
        &self,
        method: u32,
        args: &[u8],
        store: &Store,
    ) -> Result<(Option<BoxFuture<()>>, Arc<dyn HeldObject>), Error> {
        let (msg, object) = A::decode_call(method, args, store)?;
        let Some(mailbox) = self.actor_ref().mailbox() else {
            return Ok(forward(self, msg, object));
        };
        match mailbox.try_send(msg) {
            Ok(()) => Ok((None, object)),
            Err(TrySendError::Closed(msg)) => {
                A::reject(msg, died());
                Ok((None, object))
            }
            Err(TrySendError::Full(msg)) => {
                let handle = self.clone();
                let send: BoxFuture<()> = Box::pin(async move {
                    if let Some(mailbox) = handle.actor_ref().mailbox() {
                        if let Err(SendError(msg)) = mailbox.send(msg).await {
                            A::reject(msg, died());
                        }
                    }
                });
                Ok((Some(send), object))
            }
        }
    }
}

/// A call to a lent handle of an actor on a third node: passed on over that node's link
/// (waiting for room in its window, in order).
#[allow(clippy::type_complexity)]
fn forward<A: RemoteActor>(
    handle: &ActorHandle<A>,
    msg: A::Msg,
    object: Arc<dyn HeldObject>,
) -> (Option<BoxFuture<()>>, Arc<dyn HeldObject>) {
    let Some(endpoint) = handle.actor_ref().remote_endpoint() else {
        A::reject(msg, died());
        return (None, object);
    };
    match endpoint.try_send(msg) {
        Ok(()) => (None, object),
        Err(TrySendError::Closed(msg)) => {
            A::reject(msg, Error::NodeLost { reason: String::from("the actor's node is unreachable") });
            (None, object)
        }
        Err(TrySendError::Full(msg)) => {
            let endpoint = Arc::clone(endpoint);
            let send: BoxFuture<()> = Box::pin(async move {
                let (mut msg, mut waiting) = (Some(msg), None);
                // A failure is reported to the call's object by `poll_send`.
                let _ = core::future::poll_fn(|cx| endpoint.poll_send(&mut msg, &mut waiting, cx)).await;
            });
            (Some(send), object)
        }
    }
}

/// A link to another node, from this one: look up its actors, run its functions.
/// Cheap to clone. Dropping it does not close the link (handles from it keep working);
/// [`close`](Self::close) does.
#[derive(Clone)]
pub struct Peer {
    session: Arc<Session>,
}

impl Peer {
    /// A typed handle to the actor the peer exported as `name`.
    ///
    /// # Errors
    /// [`Error::ActorNotFound`] if the peer exports nothing under `name`;
    /// [`Error::Remote`] if it is another actor type; [`Error::NodeLost`] if the link is
    /// down.
    pub async fn actor<A: RemoteActor>(&self, name: &str) -> Result<ActorHandle<A>, Error> {
        let id = self.session.lookup(name, A::TYPE_NAME).await?;
        Ok(remote_handle::<A>(&self.session, id, String::from(name)))
    }

    /// Runs the function the peer exported as `function`; used by `name::remote_at`.
    #[doc(hidden)]
    pub async fn submit<R>(&self, function: &str, args: Vec<OwnedTaskArg>) -> Result<ObjectRef<R>, Error>
    where
        R: serde::de::DeserializeOwned + Send + Sync + 'static,
    {
        self.session.submit(function, args).await
    }

    /// The peer's node id (`None` until its Hello arrived).
    pub fn node_id(&self) -> Option<u64> {
        self.session.peer_id()
    }

    /// True while the link is up.
    pub fn is_connected(&self) -> bool {
        !self.session.is_lost()
    }

    /// Bytes written to and read from the link so far: `(sent, received)`.
    pub fn bytes(&self) -> (usize, usize) {
        self.session.bytes()
    }

    /// Waits until the link is lost: closed by either side, or failed. (Serving a peer
    /// until it hangs up: `peer.closed().await`.)
    pub async fn closed(&self) {
        self.session.closed().await;
    }

    /// Closes the link: calls in flight fail with [`Error::NodeLost`], and so does every
    /// later call through a handle from this peer. Reconnecting is explicit.
    pub fn close(&self) {
        self.session.lose(String::from("closed by this node"));
    }
}

impl fmt::Debug for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Peer").field("node_id", &self.node_id()).field("connected", &self.is_connected()).finish()
    }
}

/// A handle to the actor `id` on the peer of `session`.
pub(crate) fn remote_handle<A: RemoteActor>(session: &Arc<Session>, id: u64, name: String) -> ActorHandle<A> {
    let endpoint: Arc<dyn RemoteEndpoint<A>> =
        Arc::new(RemoteActorRef::<A> { session: Arc::clone(session), id, name, _actor: core::marker::PhantomData });
    ActorHandle::from_ref(ActorRef::remote(endpoint))
}

/// An actor on a peer: what a remote [`ActorHandle`] holds.
pub(crate) struct RemoteActorRef<A> {
    pub(crate) session: Arc<Session>,
    pub(crate) id: u64,
    pub(crate) name: String,
    _actor: core::marker::PhantomData<fn() -> A>,
}

impl<A: RemoteActor> RemoteActorRef<A> {
    fn send_now(&self, msg: A::Msg) -> Result<(), Error> {
        let mut args = Vec::new();
        let (method, complete) = match lend::with_link(&self.session, || A::encode_call(msg, &mut args)) {
            Ok(encoded) => encoded,
            Err(e) => {
                self.session.credits_back(1);
                return Err(e);
            }
        };
        self.session.call(self.id, method, &args, complete)
    }
}

impl<A: RemoteActor> RemoteEndpoint<A> for RemoteActorRef<A> {
    fn as_any(&self) -> &dyn core::any::Any {
        self
    }

    fn poll_send(
        &self,
        msg: &mut Option<A::Msg>,
        waiting: &mut Option<event_listener::EventListener>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>> {
        match self.session.poll_credit(waiting, cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => {
                if let Some(msg) = msg.take() {
                    A::reject(msg, e.clone());
                }
                Poll::Ready(Err(e))
            }
            Poll::Ready(Ok(())) => match msg.take() {
                Some(msg) => Poll::Ready(self.send_now(msg)),
                None => {
                    self.session.credits_back(1);
                    Poll::Ready(Ok(()))
                }
            },
        }
    }

    fn try_send(&self, msg: A::Msg) -> Result<(), TrySendError<A::Msg>> {
        if self.session.is_lost() {
            return Err(TrySendError::Closed(msg));
        }
        if !self.session.try_credit() {
            return Err(TrySendError::Full(msg));
        }
        // A failure past this point is stored in the call's object (a told call has none).
        let _ = self.send_now(msg);
        Ok(())
    }

    fn store(&self) -> &Store {
        self.session.node.host.store()
    }

    fn id(&self) -> u64 {
        self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn state(&self) -> ActorState {
        if self.session.is_lost() {
            ActorState::Stopped
        } else {
            ActorState::Running
        }
    }
}
