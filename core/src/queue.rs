//! A keyed max-heap over small dense ids: the ready queue of a routing group,
//! where the ids are roster positions.
//!
//! Each id is in the queue at most once, and a table indexed by id holds its
//! place in the heap, so finding, re-keying and taking out an id cost no
//! hashing: one array read, then the usual O(log n) sift. With unique keys
//! (the engine's agent keys end with the roster position) the order of pops
//! depends on the keys alone.

/// Marks an id that is not in the queue.
const ABSENT: u32 = u32::MAX;

/// A max-heap of `(id, key)` with at most one entry per id.
#[derive(Clone, Debug)]
pub(crate) struct DenseQueue<K> {
    heap: Vec<(K, u32)>,
    /// `place[id]`: the id's index in `heap`, or `ABSENT`.
    place: Vec<u32>,
}

impl<K> Default for DenseQueue<K> {
    fn default() -> Self {
        DenseQueue { heap: Vec::new(), place: Vec::new() }
    }
}

impl<K: Ord + Copy> DenseQueue<K> {
    /// How many ids are queued.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    fn place_of(&self, id: u32) -> Option<usize> {
        self.place.get(id as usize).copied().filter(|&p| p != ABSENT).map(|p| p as usize)
    }

    /// Whether `id` is queued.
    pub(crate) fn contains(&self, id: u32) -> bool {
        self.place_of(id).is_some()
    }

    /// The key `id` is queued under.
    pub(crate) fn key_of(&self, id: u32) -> Option<K> {
        self.place_of(id).map(|p| self.heap[p].0)
    }

    /// Queues `id` under `key`, or moves it there if it is already queued.
    pub(crate) fn push(&mut self, id: u32, key: K) {
        if let Some(p) = self.place_of(id) {
            let old = std::mem::replace(&mut self.heap[p].0, key);
            if key > old {
                self.sift_up(p);
            } else {
                self.sift_down(p);
            }
            return;
        }
        if self.place.len() <= id as usize {
            self.place.resize(id as usize + 1, ABSENT);
        }
        let p = self.heap.len();
        self.heap.push((key, id));
        self.sift_up(p);
    }

    /// Takes out the id with the greatest key.
    pub(crate) fn pop(&mut self) -> Option<(u32, K)> {
        let last = self.heap.pop()?;
        let top = if self.heap.is_empty() {
            last
        } else {
            let top = std::mem::replace(&mut self.heap[0], last);
            self.sift_down(0);
            top
        };
        self.place[top.1 as usize] = ABSENT;
        Some((top.1, top.0))
    }

    fn sift_up(&mut self, mut p: usize) {
        let item = self.heap[p];
        while p > 0 {
            let parent = (p - 1) / 2;
            if self.heap[parent].0 >= item.0 {
                break;
            }
            self.set(p, self.heap[parent]);
            p = parent;
        }
        self.set(p, item);
    }

    fn sift_down(&mut self, mut p: usize) {
        let item = self.heap[p];
        let n = self.heap.len();
        loop {
            let left = 2 * p + 1;
            if left >= n {
                break;
            }
            let right = left + 1;
            let child = if right < n && self.heap[right].0 > self.heap[left].0 { right } else { left };
            if self.heap[child].0 <= item.0 {
                break;
            }
            self.set(p, self.heap[child]);
            p = child;
        }
        self.set(p, item);
    }

    /// Puts `item` at place `p` of the heap, and records that place.
    fn set(&mut self, p: usize, item: (K, u32)) {
        self.heap[p] = item;
        self.place[item.1 as usize] = u32::try_from(p).unwrap_or(ABSENT);
    }
}

#[cfg(test)]
mod tests {
    use super::DenseQueue;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[derive(Clone, Debug)]
    enum Op {
        Push(u32, i32),
        Pop,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![(0u32..40, -20i32..20).prop_map(|(id, k)| Op::Push(id, k)), Just(Op::Pop)]
    }

    proptest! {
        /// Against a model (a map from id to key): pops give the greatest
        /// (key, id), re-keying moves an id instead of adding it twice, and
        /// every id's key can be read back.
        #[test]
        fn behaves_like_a_map_ordered_by_key(ops in proptest::collection::vec(op(), 0..300)) {
            let mut queue = DenseQueue::default();
            let mut model: BTreeMap<u32, (i32, u32)> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Push(id, k) => {
                        // Keys end with the id, as the engine's do: unique.
                        queue.push(id, (k, id));
                        model.insert(id, (k, id));
                    }
                    Op::Pop => {
                        let expected = model.iter().max_by_key(|(_, key)| **key).map(|(&id, &key)| (id, key));
                        prop_assert_eq!(queue.pop(), expected);
                        if let Some((id, _)) = expected {
                            model.remove(&id);
                        }
                    }
                }
                prop_assert_eq!(queue.len(), model.len());
                for id in 0..40 {
                    prop_assert_eq!(queue.key_of(id), model.get(&id).copied());
                    prop_assert_eq!(queue.contains(id), model.contains_key(&id));
                }
            }
        }
    }
}
