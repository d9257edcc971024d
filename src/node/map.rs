//! The node's maps (exports by name, objects held for a peer, proxies, lent actors): a
//! `BTreeMap` on std; on `no_std` a sorted `Vec`, which a firmware's handful of entries
//! does not outgrow and which costs ~4 KiB less flash than the B-tree's code.

#[cfg(feature = "std")]
pub(crate) type Map<K, V> = alloc::collections::BTreeMap<K, V>;

#[cfg(not(feature = "std"))]
pub(crate) type Map<K, V> = VecMap<K, V>;

/// A map as a `Vec` of entries sorted by key: binary search to find, shifts to insert and
/// remove.
#[cfg(not(feature = "std"))]
pub(crate) struct VecMap<K, V>(alloc::vec::Vec<(K, V)>);

#[cfg(not(feature = "std"))]
impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap(alloc::vec::Vec::new())
    }
}

#[cfg(not(feature = "std"))]
impl<K: Ord, V> VecMap<K, V> {
    pub(crate) const fn new() -> Self {
        VecMap(alloc::vec::Vec::new())
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: core::borrow::Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub(crate) fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: core::borrow::Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    pub(crate) fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: core::borrow::Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(core::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub(crate) fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: core::borrow::Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }
}
