//! Handles and refs inside arguments and results: an [`ActorHandle<A>`] or an
//! [`ObjectRef<T>`] in a call's or a task's arguments, or in a result, crosses a link as a
//! reference and works on the other side (refs: the object layer's `Serialize` asks the
//! link, through `object::link`; the rest is here).
//!
//! ```text
//!  sender                                   receiver
//!  handle to an actor the receiver has ──▶ Yours(id)        ──▶ its own local handle
//!  any other handle (local, third node) ──▶ Lent{id, type}  ──▶ a remote handle: calls go
//!    (kept in the link's lent table,                            back over this link to the
//!     id with the LENT bit)                                      sender, which runs them (or
//!                                                                forwards them to the third node)
//! ```
//!
//! Encoding and decoding happen inside the session, which names the link they are for on
//! this thread ([`with_link`]); a handle serialized anywhere else is an error. A lent actor
//! stays reachable from the peer while the link is up.

use alloc::string::String;
use alloc::sync::Arc;

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::remote::RemoteActor;
use super::session::Session;
use crate::actor::ActorHandle;
use crate::object::link::LinkContext;
use crate::object::ObjectRef;

/// The bit that marks an actor id as one of a link's lent actors (not an export).
pub(crate) const LENT: u64 = 1 << 63;

/// How an actor handle crosses a link. Variant order is the wire tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum HandleOnWire {
    /// Tag 0: an actor on the receiving node, by its id there (one it exported or lent).
    Yours(u64),
    /// Tag 1: an actor the sender lends: the receiver calls it over this link by `id`.
    Lent {
        /// Its id in the sender's lent table (the `LENT` bit set).
        id: u64,
        /// The actor type (its wire name), checked by the receiver.
        actor_type: String,
    },
}

pub(crate) use crate::object::link::RefOnWire;

/// Runs `f` (an encode or a decode) for `link`: handles and refs met inside refer to it.
pub(crate) fn with_link<R>(link: &Arc<Session>, f: impl FnOnce() -> R) -> R {
    let link: Arc<dyn LinkContext> = Arc::clone(link) as Arc<dyn LinkContext>;
    crate::object::link::within(Some(link), f)
}

/// The link being encoded or decoded for on this thread.
pub(crate) fn current() -> Option<Arc<Session>> {
    let link = crate::object::link::current()?;
    link.into_any().downcast::<Session>().ok()
}

const NO_LINK: &str = "an ActorHandle crosses only a link (inside a call's or task's arguments or result)";
const NO_LINK_REF: &str = "an ObjectRef crosses only a link (inside a call's or task's arguments or result)";

/// A ref deserializes, inside a link's call, into a local ref (an object this node holds)
/// or a proxy that fetches the value from the peer on its first read.
impl<'de, T: serde::de::DeserializeOwned + Send + Sync + 'static> Deserialize<'de> for ObjectRef<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = RefOnWire::deserialize(deserializer)?;
        let link = current().ok_or_else(|| D::Error::custom(NO_LINK_REF))?;
        link.ref_from_wire(wire).map_err(D::Error::custom)
    }
}

/// A handle serializes, inside a link's call, as a reference the peer can call.
impl<A: RemoteActor> Serialize for ActorHandle<A> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let link = current().ok_or_else(|| S::Error::custom(NO_LINK))?;
        link.handle_to_wire(self).serialize(serializer)
    }
}

/// A handle deserializes, inside a link's call, into a handle that calls the actor where it
/// is: here if it is ours, over the link if the peer lent it.
impl<'de, A: RemoteActor> Deserialize<'de> for ActorHandle<A> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = HandleOnWire::deserialize(deserializer)?;
        let link = current().ok_or_else(|| D::Error::custom(NO_LINK))?;
        link.handle_from_wire(wire).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden bytes of the handle forms (`docs/wire.md` §8).
    #[test]
    fn handle_forms_on_the_wire() {
        assert_eq!(postcard::to_allocvec(&HandleOnWire::Yours(5)).unwrap(), [0x00, 0x05]);
        let lent = HandleOnWire::Lent { id: LENT | 1, actor_type: String::from("Counter") };
        let bytes = postcard::to_allocvec(&lent).unwrap();
        let mut golden = alloc::vec![0x01, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x07];
        golden.extend_from_slice(b"Counter");
        assert_eq!(bytes, golden);
        assert_eq!(postcard::from_bytes::<HandleOnWire>(&golden).unwrap(), lent);
    }

    /// Golden bytes of the ref forms (`docs/wire.md` §8).
    #[test]
    fn ref_forms_on_the_wire() {
        assert_eq!(postcard::to_allocvec(&RefOnWire::Held(7)).unwrap(), [0x00, 0x07]);
        let lent = postcard::to_allocvec(&RefOnWire::Lent(LENT | 3)).unwrap();
        assert_eq!(lent, [0x01, 0x83, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
        assert_eq!(postcard::from_bytes::<RefOnWire>(&lent).unwrap(), RefOnWire::Lent(LENT | 3));
    }
}
