//! Nodes over sockets (feature `net`, std): Unix sockets and TCP, driven by `async-io`'s
//! reactor (the smol family's; never Tokio, never a busy loop).
//!
//! Addresses are `"unix:<path>"` or `"tcp:<host>:<port>"`. [`Listener::bind`] listens on
//! loopback TCP or a Unix socket only; listening on any other address needs a pre-shared
//! key ([`Listener::bind_psk`], [`Psk`]) that both ends prove they know before a single
//! frame is read ([`connect_psk`] on the other side). What that protects against, and what
//! it does not: `docs/wire.md` §7.

use alloc::string::String;
use alloc::sync::Arc;
use core::future::Future;
use core::time::Duration;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::unix::net::{UnixListener, UnixStream};

use async_io::Async;

pub use super::auth::Psk;
use super::auth::{authenticate, Role};
use super::{DirectWrite, LinkRead, LinkWrite, Node, Peer};
use crate::Error;

/// How long [`connect`] waits for the peer's Hello, and how long either side of a
/// pre-shared-key exchange waits for the other.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a node listens or connects.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Addr {
    Unix(String),
    Tcp(String),
}

fn parse(addr: &str) -> Result<Addr, Error> {
    if let Some(path) = addr.strip_prefix("unix:") {
        return Ok(Addr::Unix(String::from(path)));
    }
    if let Some(host) = addr.strip_prefix("tcp:") {
        return Ok(Addr::Tcp(String::from(host)));
    }
    Err(Error::InvalidConfig { reason: "a node address is \"unix:<path>\" or \"tcp:<host>:<port>\"" })
}

fn io_error(what: &str, e: std::io::Error) -> Error {
    Error::NodeLost { reason: alloc::format!("{what}: {e}") }
}

fn resolve(host: &str) -> Result<SocketAddr, Error> {
    host.to_socket_addrs()
        .map_err(|e| io_error("resolving the address", e))?
        .next()
        .ok_or(Error::InvalidConfig { reason: "the TCP address resolved to nothing" })
}

/// One half of a socket link.
#[derive(Debug)]
pub struct SocketHalf<S>(Arc<Async<S>>);

/// Sockets whose both directions can be shut down (so the peer reads the end of the
/// stream even while this side's read half still holds the socket).
pub trait Shutdown {
    /// Shuts down both directions. Best effort.
    fn shutdown_both(&self);
}

impl Shutdown for UnixStream {
    fn shutdown_both(&self) {
        let _ = UnixStream::shutdown(self, std::net::Shutdown::Both);
    }
}

impl Shutdown for TcpStream {
    fn shutdown_both(&self) {
        let _ = TcpStream::shutdown(self, std::net::Shutdown::Both);
    }
}

impl<S> LinkRead for SocketHalf<S>
where
    S: Send + Sync + 'static,
    for<'a> &'a S: Read + Write,
{
    const TRY_READ: bool = true;

    fn try_read(&mut self, buf: &mut [u8]) -> Option<Result<usize, Error>> {
        // The socket is non-blocking (`Async` made it so).
        let mut socket: &S = self.0.get_ref();
        match socket.read(buf) {
            Ok(n) => Some(Ok(n)),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted) => None,
            Err(e) => Some(Err(io_error("reading the socket", e))),
        }
    }

    #[allow(clippy::manual_async_fn)]
    fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = Result<usize, Error>> + Send {
        async move { self.0.read_with(|s| (&*s).read(buf)).await.map_err(|e| io_error("reading the socket", e)) }
    }
}

impl<S> LinkWrite for SocketHalf<S>
where
    S: Shutdown + Send + Sync + 'static,
    for<'a> &'a S: Read + Write,
{
    /// Shuts the socket down: the peer reads the end of the stream at once (the read
    /// half, still waiting on the socket, then reads it too and ends).
    #[allow(clippy::manual_async_fn)]
    fn close(&mut self) -> impl Future<Output = ()> + Send {
        async move { self.0.get_ref().shutdown_both() }
    }

    #[allow(clippy::manual_async_fn)]
    fn write_all(&mut self, mut buf: &[u8]) -> impl Future<Output = Result<(), Error>> + Send {
        async move {
            while !buf.is_empty() {
                let n = self.0.write_with(|s| (&*s).write(buf)).await.map_err(|e| io_error("writing the socket", e))?;
                if n == 0 {
                    return Err(Error::NodeLost { reason: String::from("the socket accepted no bytes") });
                }
                buf = &buf[n..];
            }
            Ok(())
        }
    }

    fn direct(&self) -> Option<alloc::boxed::Box<dyn DirectWrite>> {
        Some(alloc::boxed::Box::new(SocketHalf(Arc::clone(&self.0))))
    }
}

impl<S> DirectWrite for SocketHalf<S>
where
    S: Send + Sync + 'static,
    for<'a> &'a S: Read + Write,
{
    fn try_write(&self, buf: &[u8]) -> Result<usize, Error> {
        // The socket is non-blocking (`Async` made it so).
        let mut socket: &S = self.0.get_ref();
        match socket.write(buf) {
            Ok(n) => Ok(n),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted) => Ok(0),
            Err(e) => Err(io_error("writing the socket", e)),
        }
    }
}

fn halves<S: Send + Sync + 'static>(stream: Async<S>) -> (SocketHalf<S>, SocketHalf<S>) {
    let stream = Arc::new(stream);
    (SocketHalf(Arc::clone(&stream)), SocketHalf(stream))
}

/// Connects `node` to the node listening at `addr`; waits (at most [`HANDSHAKE_TIMEOUT`])
/// for its Hello.
///
/// # Errors
/// [`Error::InvalidConfig`] for a malformed address; [`Error::NodeLost`] if the connection
/// fails, or the peer does not answer as a rustyray node of this wire version in time (a
/// listener that wants a pre-shared key closes the socket: use [`connect_psk`]).
pub async fn connect(node: &Node, addr: &str) -> Result<Peer, Error> {
    dial(node, addr, None).await
}

/// [`connect`] to a listener that authenticates with `key` ([`Listener::bind_psk`]): both
/// sides prove they know it before the Hello.
///
/// # Errors
/// As [`connect`]; [`Error::NodeLost`] ("authentication failed: …") if the listener does
/// not know the key or does not authenticate.
pub async fn connect_psk(node: &Node, addr: &str, key: &Psk) -> Result<Peer, Error> {
    dial(node, addr, Some(key)).await
}

async fn dial(node: &Node, addr: &str, key: Option<&Psk>) -> Result<Peer, Error> {
    let handshake = async {
        match parse(addr)? {
            Addr::Unix(path) => {
                let stream = Async::<UnixStream>::connect(&path).await.map_err(|e| io_error("connecting", e))?;
                dialed(node, stream, key).await
            }
            Addr::Tcp(host) => {
                let stream =
                    Async::<TcpStream>::connect(resolve(&host)?).await.map_err(|e| io_error("connecting", e))?;
                let _ = stream.get_ref().set_nodelay(true);
                dialed(node, stream, key).await
            }
        }
    };
    match crate::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Ok(result) => result,
        Err(_) => Err(Error::NodeLost { reason: String::from("the peer sent no Hello in time") }),
    }
}

/// A connected socket: the key exchange, if there is a key, then the node's handshake.
async fn dialed<S>(node: &Node, stream: Async<S>, key: Option<&Psk>) -> Result<Peer, Error>
where
    S: Shutdown + Send + Sync + 'static,
    for<'a> &'a S: Read + Write,
{
    let (mut r, mut w) = halves(stream);
    if let Some(key) = key {
        authenticate(&mut r, &mut w, key, Role::Dialer).await?;
    }
    node.connect_link(r, w).await
}

/// A listening socket serving a node's exports to every peer that connects.
#[derive(Debug)]
pub struct Listener {
    node: Node,
    socket: Socket,
    /// The key every peer must prove it knows, if any.
    key: Option<Psk>,
    /// The Unix socket's path, removed when the listener is dropped.
    path: Option<String>,
}

#[derive(Debug)]
enum Socket {
    Unix(Async<UnixListener>),
    Tcp(Async<TcpListener>),
}

impl Listener {
    /// Listens at `addr` (`"unix:<path>"`, or `"tcp:127.0.0.1:<port>"`; port 0 picks one,
    /// see [`local_addr`](Self::local_addr)).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a malformed address or a non-loopback TCP address (that
    /// needs [`bind_psk`](Self::bind_psk)); [`Error::NodeLost`] if the socket cannot be bound.
    pub fn bind(node: &Node, addr: &str) -> Result<Listener, Error> {
        Listener::open(node, addr, None)
    }

    /// Listens at `addr`, any address, serving only peers that prove they know `key`
    /// ([`connect_psk`]); others are closed before a frame is read.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a malformed address; [`Error::NodeLost`] if the socket
    /// cannot be bound.
    pub fn bind_psk(node: &Node, addr: &str, key: Psk) -> Result<Listener, Error> {
        Listener::open(node, addr, Some(key))
    }

    fn open(node: &Node, addr: &str, key: Option<Psk>) -> Result<Listener, Error> {
        let (socket, path) = match parse(addr)? {
            Addr::Unix(path) => {
                let listener = Async::<UnixListener>::bind(&path).map_err(|e| io_error("binding", e))?;
                (Socket::Unix(listener), Some(path))
            }
            Addr::Tcp(host) => {
                let at = resolve(&host)?;
                if key.is_none() && !at.ip().is_loopback() {
                    return Err(Error::InvalidConfig {
                        reason: "listening on a non-loopback address needs a pre-shared key: use Listener::bind_psk, or listen on 127.0.0.1 or a Unix socket",
                    });
                }
                (Socket::Tcp(Async::<TcpListener>::bind(at).map_err(|e| io_error("binding", e))?), None)
            }
        };
        Ok(Listener { node: node.clone(), socket, key, path })
    }

    /// The address peers connect to (`"unix:…"` or `"tcp:127.0.0.1:<port>"`).
    pub fn local_addr(&self) -> String {
        match &self.socket {
            Socket::Unix(_) => alloc::format!("unix:{}", self.path.as_deref().unwrap_or("")),
            Socket::Tcp(l) => match l.get_ref().local_addr() {
                Ok(at) => alloc::format!("tcp:{at}"),
                Err(_) => String::from("tcp:?"),
            },
        }
    }

    /// Waits for the next peer and serves it; the [`Peer`] calls it back over the same link.
    /// With a key, the peer must first prove it knows it (within [`HANDSHAKE_TIMEOUT`]).
    ///
    /// # Errors
    /// [`Error::NodeLost`] if accepting fails, or the peer fails to authenticate (its socket
    /// is closed; the listener goes on accepting).
    pub async fn accept(&self) -> Result<Peer, Error> {
        match &self.socket {
            Socket::Unix(l) => {
                let (stream, _) = l.accept().await.map_err(|e| io_error("accepting", e))?;
                self.admit(stream).await
            }
            Socket::Tcp(l) => {
                let (stream, _) = l.accept().await.map_err(|e| io_error("accepting", e))?;
                let _ = stream.get_ref().set_nodelay(true);
                self.admit(stream).await
            }
        }
    }

    /// Runs the key exchange, if this listener has a key, and serves the peer.
    async fn admit<S>(&self, stream: Async<S>) -> Result<Peer, Error>
    where
        S: Shutdown + Send + Sync + 'static,
        for<'a> &'a S: Read + Write,
    {
        let (mut r, mut w) = halves(stream);
        if let Some(key) = &self.key {
            let exchange = authenticate(&mut r, &mut w, key, Role::Listener);
            match crate::time::timeout(HANDSHAKE_TIMEOUT, exchange).await {
                Ok(result) => result?,
                Err(_) => {
                    return Err(Error::NodeLost {
                        reason: String::from("authentication failed: the peer took too long"),
                    })
                }
            }
        }
        Ok(self.node.accept_link(r, w))
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}
