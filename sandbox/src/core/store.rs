//! Bounded in-memory storage, so a long-running sandbox (or a load test against it) cannot
//! grow without limit.
//!
//! Every kind of object an API stores is capped at [`MAX_OBJECTS`]; past it the oldest object
//! of that kind is forgotten, and reads of it answer "not found" like any unknown id.

use std::collections::{HashMap, VecDeque};

/// Most objects of one kind (sessions, refunds, …) one API keeps.
pub const MAX_OBJECTS: usize = 10_000;

/// A map that remembers insertion order and forgets its oldest entries past its cap.
#[derive(Debug, Clone)]
pub struct Capped<V> {
    map: HashMap<String, V>,
    order: VecDeque<String>,
    cap: usize,
}

impl<V> Default for Capped<V> {
    fn default() -> Self {
        Capped::with_cap(MAX_OBJECTS)
    }
}

impl<V> Capped<V> {
    /// An empty map holding at most `cap` entries (at least one).
    pub fn with_cap(cap: usize) -> Self {
        Capped {
            map: HashMap::new(),
            order: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    /// Inserts or replaces `key`; returns the entries evicted to stay within the cap, oldest
    /// first, so the caller can drop what refers to them.
    pub fn insert(&mut self, key: String, value: V) -> Vec<(String, V)> {
        if self.map.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
        }
        let mut evicted = Vec::new();
        while self.map.len() > self.cap {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(value) = self.map.remove(&oldest) {
                evicted.push((oldest, value));
            }
        }
        evicted
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.map.get(key)
    }

    /// The value under `key`, to change in place.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.map.get_mut(key)
    }

    /// Whether `key` is stored (false once evicted).
    pub fn contains_key(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<V> {
        let value = self.map.remove(key)?;
        self.order.retain(|k| k != key);
        Some(value)
    }

    /// Entries in insertion order, oldest first.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> {
        self.order.iter().filter_map(|key| self.map.get(key))
    }

    /// Mutable entries, in no particular order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.map.values_mut()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Forgets the oldest elements of `items` beyond `MAX_OBJECTS` (for stores kept as vectors,
/// oldest first). Call it where no index into `items` is held.
pub fn trim_oldest<T>(items: &mut Vec<T>) {
    if items.len() > MAX_OBJECTS {
        let excess = items.len() - MAX_OBJECTS;
        items.drain(..excess);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_the_oldest_past_the_cap() {
        let mut map = Capped::with_cap(2);
        assert!(map.insert("a".into(), 1).is_empty());
        assert!(map.insert("b".into(), 2).is_empty());
        assert!(
            map.insert("a".into(), 3).is_empty(),
            "replacing is not growing"
        );
        assert_eq!(map.insert("c".into(), 4), vec![("a".to_owned(), 3)]);
        assert_eq!(map.values().copied().collect::<Vec<_>>(), vec![2, 4]);
        assert_eq!(map.remove("b"), Some(2));
        assert_eq!(map.len(), 1);
    }

    #[test]
    fn vectors_keep_the_newest() {
        let mut items: Vec<usize> = (0..MAX_OBJECTS + 5).collect();
        trim_oldest(&mut items);
        assert_eq!(items.len(), MAX_OBJECTS);
        assert_eq!(items[0], 5);
    }
}
