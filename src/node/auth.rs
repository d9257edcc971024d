//! Pre-shared-key authentication of a socket link, before the node's Hello (feature `net`).
//!
//! ```text
//!  dialer                                             listener
//!  ── "RRAUTH01" ‖ nonce_d (32 random bytes) ──▶   ◀── "RRAUTH01" ‖ nonce_l ──
//!  ── tag_d = HMAC-SHA256(key, "rustyray-psk-v1" ‖ "dial" ‖ nonce_l ‖ nonce_d) ──▶
//!  ◀── tag_l = HMAC-SHA256(key, "rustyray-psk-v1" ‖ "lstn" ‖ nonce_d ‖ nonce_l) ──
//!  each side checks the other's tag (constant time); a mismatch closes the socket
//! ```
//!
//! Both sides send at once (two round trips in all). A tag answers the *other* side's fresh
//! nonce, so a recorded exchange cannot be replayed, and carries its sender's role, so a
//! listener's tag cannot be reflected back to it as a dialer's. It authenticates the
//! handshake only: the frames after it are neither encrypted nor integrity-protected
//! (`docs/wire.md` §7, threat model).

use alloc::sync::Arc;
use core::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::link::{LinkRead, LinkWrite};
use crate::Error;

/// The first bytes of an authenticating peer's opening: the scheme and its version.
const MAGIC: [u8; 8] = *b"RRAUTH01";
const NONCE: usize = 32;
const TAG: usize = 32;
const DOMAIN: &[u8] = b"rustyray-psk-v1";

/// A pre-shared key: both ends of a link prove they know it before any frame is read.
/// Required to listen on a non-loopback address; allowed on any. Its `Debug` never shows it.
///
/// ```
/// use rustyray::node::net::Psk;
/// assert!(Psk::new(b"a key of at least sixteen bytes").is_ok());
/// assert!(Psk::new(b"too short").is_err());
/// ```
#[derive(Clone)]
pub struct Psk(Arc<[u8]>);

impl Psk {
    /// The shortest key accepted, in bytes.
    pub const MIN_LEN: usize = 16;

    /// A key from its bytes (at least [`MIN_LEN`](Self::MIN_LEN); 32 random bytes is right).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a key shorter than [`MIN_LEN`](Self::MIN_LEN).
    pub fn new(key: impl AsRef<[u8]>) -> Result<Psk, Error> {
        let key = key.as_ref();
        if key.len() < Self::MIN_LEN {
            return Err(Error::InvalidConfig { reason: "a pre-shared key has at least 16 bytes" });
        }
        Ok(Psk(Arc::from(key)))
    }

    fn tag(&self, role: &[u8; 4], challenge: &[u8], own: &[u8]) -> Hmac<Sha256> {
        // HMAC takes a key of any length: this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(DOMAIN);
        mac.update(role);
        mac.update(challenge);
        mac.update(own);
        mac
    }
}

impl fmt::Debug for Psk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Psk(..)")
    }
}

/// Which end of the socket this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Dialer,
    Listener,
}

impl Role {
    fn label(self) -> &'static [u8; 4] {
        match self {
            Role::Dialer => b"dial",
            Role::Listener => b"lstn",
        }
    }

    fn other(self) -> Role {
        match self {
            Role::Dialer => Role::Listener,
            Role::Listener => Role::Dialer,
        }
    }
}

fn failed(why: &str) -> Error {
    Error::NodeLost { reason: alloc::format!("authentication failed: {why}") }
}

/// Runs the exchange on `stream` as `role`; `Ok` once the peer proved it knows `key`.
///
/// # Errors
/// [`Error::NodeLost`] ("authentication failed: …") if the peer does not authenticate, gets
/// the tag wrong, or the socket fails. The caller bounds the wait.
pub(crate) async fn authenticate<R: LinkRead, W: LinkWrite>(
    read: &mut R,
    write: &mut W,
    key: &Psk,
    role: Role,
) -> Result<(), Error> {
    let mut mine = [0_u8; MAGIC.len() + NONCE];
    mine[..MAGIC.len()].copy_from_slice(&MAGIC);
    getrandom::fill(&mut mine[MAGIC.len()..]).map_err(|e| failed(&alloc::format!("no randomness: {e}")))?;
    write.write_all(&mine).await.map_err(io)?;

    // The magic first: a peer that speaks frames, not this exchange, is refused as soon
    // as its first 8 bytes are in (a Hello is longer), not after a timeout.
    let mut magic = [0_u8; MAGIC.len()];
    read_exact(read, &mut magic).await?;
    if magic != MAGIC {
        return Err(failed("the peer does not authenticate with a pre-shared key"));
    }
    let mut their_nonce = [0_u8; NONCE];
    read_exact(read, &mut their_nonce).await?;
    let their_nonce = &their_nonce[..];
    let my_nonce = &mine[MAGIC.len()..];
    if their_nonce == my_nonce {
        return Err(failed("the peer echoed our nonce"));
    }

    let tag = key.tag(role.label(), their_nonce, my_nonce).finalize().into_bytes();
    write.write_all(&tag).await.map_err(io)?;
    let mut their_tag = [0_u8; TAG];
    read_exact(read, &mut their_tag).await?;
    key.tag(role.other().label(), my_nonce, their_nonce)
        .verify_slice(&their_tag)
        .map_err(|_| failed("the peer does not know the key"))
}

/// An I/O failure during the exchange.
fn io(e: Error) -> Error {
    failed(&alloc::format!("{e}"))
}

async fn read_exact<R: LinkRead>(read: &mut R, mut buf: &mut [u8]) -> Result<(), Error> {
    while !buf.is_empty() {
        let n = read.read(buf).await.map_err(io)?;
        if n == 0 {
            return Err(failed("the peer closed the socket"));
        }
        buf = &mut buf[n..];
    }
    Ok(())
}
