//! The hook through which refs cross a link (feature `node`; the node layer fills it, as
//! it fills the actor layer's remote endpoint): while a link encodes or decodes a frame's
//! payload it names itself here, and an `ObjectRef` met inside is encoded for that link —
//! by the key the receiver holds it under, or lent — instead of as its local id.
//!
//! [`HeldObject`] is what a link holds for its peer: an object, type-erased, that says when
//! it is ready and encodes its value then.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use core::future::Future;
use core::pin::Pin;

use serde::{Deserialize, Serialize};

use super::{ObjectId, ObjectRef};
use crate::Error;

/// A boxed, sendable future (what a node spawns for a peer's request).
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// An object a node holds for a peer (a call's or a task's result, a lent ref),
/// type-erased.
pub trait HeldObject: Send + Sync + 'static {
    /// The `ObjectRef<T>` itself, to hand it to a task as an argument.
    fn as_any(&self) -> &dyn Any;
    /// Once the object is ready — at once if it is, else on the thread that completes it,
    /// right after — runs `then` with the value encoded (postcard), or with the error the
    /// object holds. Handles and refs inside the value are encoded for the link current
    /// when this is called. (A callback, not a future: answering a peer's request costs no
    /// task, no scheduling and no wake-up.)
    fn when_encoded(&self, then: Box<dyn FnOnce(Result<Vec<u8>, Error>) + Send>);
    /// Runs `then` once the object is ready (at once, or on the thread that completes it).
    fn when_finished(&self, then: Box<dyn FnOnce() + Send>);
}

impl<T: Serialize + Send + Sync + 'static> HeldObject for ObjectRef<T> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn when_encoded(&self, then: Box<dyn FnOnce(Result<Vec<u8>, Error>) + Send>) {
        let object = self.clone();
        // The value is encoded for the link current now.
        let link = current();
        self.on_ready(move || {
            let encoded = match object.try_get_shared() {
                Some(Ok(value)) => within(link, || postcard::to_allocvec(&*value)).map_err(|e| Error::Encode {
                    #[cfg(feature = "std")]
                    message: alloc::format!("the value could not be encoded: {e}"),
                    #[cfg(not(feature = "std"))]
                    message: {
                        let _ = e;
                        alloc::string::String::from("the value could not be encoded")
                    },
                }),
                Some(Err(e)) => Err(e),
                None => unreachable!("an object is ready when its on_ready runs"),
            };
            then(encoded);
        });
    }

    fn when_finished(&self, then: Box<dyn FnOnce() + Send>) {
        self.on_ready(then);
    }
}

/// How an object ref crosses a link. Variant order is the wire tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum RefOnWire {
    /// Tag 0: an object the receiver holds for the sender, by its key there (a result of a
    /// task the sender ran there, or an object the receiver lent it).
    Held(u64),
    /// Tag 1: an object the sender lends: held for the receiver under this key (bit 63
    /// set), fetched with `Fetch` on first read, released with `Release`.
    Lent(u64),
}

/// A link, as the object layer sees it (the node layer's session).
pub(crate) trait LinkContext: Send + Sync + 'static {
    /// The link itself, to get its own type back.
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
    /// The wire form of `object` (whose local id is `local`, if it has one) on this link.
    fn encode_ref(&self, object: Arc<dyn HeldObject>, local: Option<ObjectId>) -> RefOnWire;
}

type Current = Option<Arc<dyn LinkContext>>;

#[cfg(feature = "std")]
std::thread_local! {
    static LINK: core::cell::RefCell<Current> = const { core::cell::RefCell::new(None) };
}

/// On `no_std` the node runs on one core's executor: encoding is never interleaved.
#[cfg(not(feature = "std"))]
static LINK: crate::sync::Lock<Current> = crate::sync::Lock::new(None);

fn swap(link: Current) -> Current {
    #[cfg(feature = "std")]
    return LINK.with(|l| core::mem::replace(&mut *l.borrow_mut(), link));
    #[cfg(not(feature = "std"))]
    LINK.with(|l| core::mem::replace(l, link))
}

/// Runs `f` (an encode or a decode) for `link` (or for no link): handles and refs met
/// inside are encoded or decoded for it.
pub(crate) fn within<R>(link: Current, f: impl FnOnce() -> R) -> R {
    let previous = swap(link);
    let out = f();
    swap(previous);
    out
}

/// The link being encoded or decoded for on this thread.
pub(crate) fn current() -> Current {
    let link = swap(None);
    swap(link.clone());
    link
}
