//! The node's maps (exports by name, objects held for a peer, proxies, lent actors): a
//! `BTreeMap` on std; on `no_std` a `Vec` searched front to back, which a firmware's
//! handful of entries does not outgrow and which costs ~4 KiB less flash than the B-tree's
//! code (and less than a sorted `Vec`'s binary search and shifting inserts).

#[cfg(feature = "std")]
pub(crate) type Map<K, V> = alloc::collections::BTreeMap<K, V>;

#[cfg(not(feature = "std"))]
pub(crate) type Map<K, V> = VecMap<K, V>;

/// A map as a `Vec` of entries in no particular order: a linear scan to find, a push to
/// insert, a swap with the last entry to remove. (Nothing iterates a node's maps, so their
/// order never shows.)
#[cfg(any(test, not(feature = "std")))]
pub(crate) struct VecMap<K, V>(alloc::vec::Vec<(K, V)>);

#[cfg(any(test, not(feature = "std")))]
impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap(alloc::vec::Vec::new())
    }
}

#[cfg(any(test, not(feature = "std")))]
impl<K: Ord, V> VecMap<K, V> {
    pub(crate) const fn new() -> Self {
        VecMap(alloc::vec::Vec::new())
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Option<usize>
    where
        K: core::borrow::Borrow<Q>,
    {
        self.0.iter().position(|(k, _)| k.borrow() == key)
    }

    pub(crate) fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: core::borrow::Borrow<Q>,
    {
        self.find(key).map(|i| &self.0[i].1)
    }

    pub(crate) fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: core::borrow::Borrow<Q>,
    {
        self.find(key).is_some()
    }

    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Some(i) => Some(core::mem::replace(&mut self.0[i].1, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }

    pub(crate) fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: core::borrow::Borrow<Q>,
    {
        self.find(key).map(|i| self.0.swap_remove(i).1)
    }
}

#[cfg(test)]
mod tests {
    use super::VecMap;
    use alloc::string::String;

    #[test]
    fn a_vec_map_finds_replaces_and_removes_by_key() {
        let mut map = VecMap::<u64, &str>::new();
        assert_eq!(map.insert(7, "seven"), None);
        assert_eq!(map.insert(3, "three"), None);
        assert_eq!(map.insert(9, "nine"), None);
        assert_eq!(map.insert(3, "THREE"), Some("three"));
        assert_eq!(map.get(&3), Some(&"THREE"));
        assert!(map.contains_key(&9) && !map.contains_key(&4));
        // Removing the first entry moves the last into its place: the rest stay found.
        assert_eq!(map.remove(&7), Some("seven"));
        assert_eq!(map.remove(&7), None);
        assert_eq!((map.get(&3), map.get(&9), map.get(&7)), (Some(&"THREE"), Some(&"nine"), None));

        let mut names = VecMap::<String, u64>::default();
        names.insert(String::from("counter"), 1);
        assert_eq!(names.get("counter"), Some(&1));
        assert_eq!(names.remove("counter"), Some(1));
        assert!(!names.contains_key("counter"));
    }
}
