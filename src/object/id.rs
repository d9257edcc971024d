//! [`ObjectId`]: the name of an object in its [`Store`](super::Store).
//!
//! An id is a `u64` packing where the object's registry slot is and which occupant of that
//! slot it names:
//!
//! ```text
//!   63                     32 31                    5 4       0
//!  ┌─────────────────────────┬───────────────────────┬─────────┐
//!  │ generation (32 bits)    │ slot index (27 bits)  │ shard   │
//!  └─────────────────────────┴───────────────────────┴─────────┘
//! ```
//!
//! The generation is the shard's creation counter when the object was registered, so a slot
//! reused by a later object carries another generation: a stale id never reads a reused slot
//! (it could only collide after exactly a multiple of 2³² registrations in one shard).

// Without compare-and-swap there is no store: only the id's public face is used.
#![cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))]

use core::fmt;

use serde::{Deserialize, Serialize};

/// Bits of the shard number.
const SHARD_BITS: u32 = 5;
/// Bits of the slot index within a shard.
const INDEX_BITS: u32 = 27;

/// Most shards a store may have (the id has room for this many).
pub(crate) const MAX_SHARDS: usize = 1 << SHARD_BITS;
/// Largest slot index an id can hold: at most this many + 1 live objects per shard.
pub(crate) const MAX_INDEX: usize = (1 << INDEX_BITS) - 1;

/// The id of an object: unique among the live objects of one [`Store`](super::Store), never
/// reused for another object while the generation counter of its shard has not wrapped.
///
/// Ids are per store: look an id up in the store that created it. On the wire an id is a
/// plain `u64` (postcard: a varint). Its bits: 0–4 the registry shard, 5–31 the slot in the
/// shard, 32–63 the slot's generation, which changes each time the slot is reused, so a
/// stale id is never mistaken for the slot's next object.
///
/// ```
/// let store = rustyray::Store::new();
/// let obj = store.put(5_u32);
/// let id = obj.id();
/// assert_eq!(rustyray::ObjectId::from_u64(id.as_u64()), id);
/// assert_eq!(store.get_ref::<u32>(id)?.id(), id);
/// # Ok::<(), rustyray::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ObjectId(u64);

impl ObjectId {
    /// Packs a registry position into an id.
    pub(crate) fn pack(shard: usize, index: usize, generation: u32) -> ObjectId {
        debug_assert!(shard < MAX_SHARDS && index <= MAX_INDEX);
        ObjectId(u64::from(generation) << (SHARD_BITS + INDEX_BITS) | (index as u64) << SHARD_BITS | shard as u64)
    }

    /// The id with this numeric value (e.g. one read back from the wire).
    pub const fn from_u64(raw: u64) -> ObjectId {
        ObjectId(raw)
    }

    /// The numeric value of the id.
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// The shard that registered the object.
    pub(crate) fn shard(self) -> usize {
        (self.0 & (MAX_SHARDS as u64 - 1)) as usize
    }

    /// The object's slot in its shard.
    pub(crate) fn index(self) -> usize {
        ((self.0 >> SHARD_BITS) & MAX_INDEX as u64) as usize
    }

    /// The generation the slot had when the object was registered.
    pub(crate) fn generation(self) -> u32 {
        (self.0 >> (SHARD_BITS + INDEX_BITS)) as u32
    }

    /// This id without its shard (see [`LocalId`]).
    pub(crate) fn local(self) -> LocalId {
        // At most 2⁵⁹ − 1 plus one: never saturates.
        LocalId(core::num::NonZeroU64::MIN.saturating_add(self.0 >> SHARD_BITS))
    }
}

/// An id without its shard (the object's cell knows its shard), plus one: what a cell
/// keeps, in one word that leaves room for "no id yet" (`Option<LocalId>` is 8 bytes where
/// `Option<ObjectId>` is 16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LocalId(core::num::NonZeroU64);

impl LocalId {
    /// The id of this object in `shard` (its cell's).
    pub(crate) fn in_shard(self, shard: usize) -> ObjectId {
        debug_assert!(shard < MAX_SHARDS);
        ObjectId((self.0.get() - 1) << SHARD_BITS | shard as u64)
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({:#x})", self.0)
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

impl From<ObjectId> for u64 {
    fn from(id: ObjectId) -> u64 {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_and_unpacks() {
        for &(shard, index, generation) in &[(0, 0, 0), (31, MAX_INDEX, u32::MAX), (7, 12345, 99)] {
            let id = ObjectId::pack(shard, index, generation);
            assert_eq!((id.shard(), id.index(), id.generation()), (shard, index, generation));
            assert_eq!(id.local().in_shard(shard), id, "a cell's local id names the same object");
        }
    }
}
