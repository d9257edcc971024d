//! The boundary format: [`Store::export`] and [`Store::import`].
//!
//! Inside a process objects are never serialized. To move one across a boundary (another
//! process, a file, a radio link), export it: the bytes are exactly the postcard encoding of
//! the value, nothing more (no header, no id: the importing store assigns a new id). For
//! example `(7_u8, "hi")` exports as `[0x07, 0x02, b'h', b'i']`. A ref nested in the value
//! encodes as its id (a varint); it stays meaningful only in the store that issued it.

use alloc::string::ToString;
use alloc::vec::Vec;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{ObjectRef, Store};
use crate::Error;

impl Store {
    /// The postcard bytes of `object`'s value. Waits until the object is ready (a pending
    /// object has no bytes yet); with `std`, bound the wait with
    /// [`time::timeout`](crate::time::timeout).
    ///
    /// # Errors
    /// The object's stored error, if its producer failed; [`Error::Encode`] if the value
    /// cannot be encoded (a `Serialize` impl that fails).
    ///
    /// ```
    /// # let rt = rustyray::Runtime::builder().worker_threads(1).build()?;
    /// let store = rt.store();
    /// let obj = store.put((7_u8, String::from("hi")));
    /// let bytes = rt.block_on(store.export(&obj))?;
    /// assert_eq!(bytes, [7, 2, b'h', b'i']);
    /// let copy = store.import::<(u8, String)>(&bytes)?;
    /// assert_eq!(rt.block_on(copy.get())?, (7, "hi".to_string()));
    /// # Ok::<(), rustyray::Error>(())
    /// ```
    pub async fn export<T: Serialize>(&self, object: &ObjectRef<T>) -> Result<Vec<u8>, Error> {
        let value = object.get_shared().await?;
        postcard::to_allocvec(&*value).map_err(|e| Error::Encode { message: e.to_string() })
    }

    /// A new object, ready at once, holding the value decoded from `bytes` (as produced by
    /// [`export`](Self::export)).
    ///
    /// Values nested deeper than [`DEFAULT_MAX_DEPTH`](super::depth::DEFAULT_MAX_DEPTH)
    /// levels are refused (decoding is recursive: an unbounded depth would let a few
    /// bytes overflow the stack).
    ///
    /// # Errors
    /// [`Error::Decode`] if the bytes are not exactly one postcard-encoded `T` (corrupt,
    /// truncated, trailing bytes, another type, or nested too deep). Never panics on bad
    /// input.
    ///
    /// # Panics
    /// If one shard of the store already holds 2²⁷ live objects.
    pub fn import<T: DeserializeOwned + Send + Sync + 'static>(&self, bytes: &[u8]) -> Result<ObjectRef<T>, Error> {
        let (value, rest) = super::depth::take_from_bytes_limited::<T>(bytes, super::depth::DEFAULT_MAX_DEPTH)
            .map_err(|e| Error::Decode { message: e.to_string() })?;
        if !rest.is_empty() {
            return Err(Error::Decode { message: alloc::format!("{} trailing bytes after the value", rest.len()) });
        }
        Ok(self.put(value))
    }
}
