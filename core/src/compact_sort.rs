//! Sorting small or once-per-document slices with little code.
//!
//! The standard library's sorts are the right choice for large slices, but
//! every element type and order gets its own copy of a few kilobytes of code.
//! Most of the core's sorts run on a handful of elements (a ticket's skills,
//! the agents one event touched) or once per document, and in the
//! WebAssembly package those copies added up. These sorts share one small
//! heapsort: O(n log n) comparisons, no allocation, a few hundred bytes per
//! use. Like `sort_unstable`, they may reorder equal elements, so they serve
//! orders in which equal elements are identical. Large slices on hot paths (a
//! simulation's records, a snapshot's timers, a restored queue) keep the
//! standard sorts.

/// Sorts `items` so that no item is `less` than the one before it; `less`
/// must be a strict weak order.
pub(crate) fn sort_by<T>(items: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    let len = items.len();
    // Make a max-heap, then move its largest item to the end, one at a time.
    for node in (0..len / 2).rev() {
        sift_down(items, node, &mut less);
    }
    for end in (1..len).rev() {
        items.swap(0, end);
        sift_down(&mut items[..end], 0, &mut less);
    }
}

/// Sorts `items` in ascending order.
pub(crate) fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, |a, b| a < b);
}

/// Sorts `items` by ascending `key`.
pub(crate) fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a) < key(b));
}

/// Moves `items[node]` down the heap `items` until neither child is larger.
fn sift_down<T>(items: &mut [T], mut node: usize, less: &mut impl FnMut(&T, &T) -> bool) {
    loop {
        let mut child = 2 * node + 1;
        let Some(left) = items.get(child) else { return };
        if items.get(child + 1).is_some_and(|right| less(left, right)) {
            child += 1;
        }
        if !less(&items[node], &items[child]) {
            return;
        }
        items.swap(node, child);
        node = child;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_as_the_standard_library_does() {
        // Lengths 0 to 300, values from a small range so that most repeat.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for len in 0..300 {
            let items: Vec<(u64, u64)> = (0..len).map(|_| (next() % 20, next() % 3)).collect();
            let mut ours = items.clone();
            sort(&mut ours);
            let mut expected = items.clone();
            expected.sort_unstable();
            assert_eq!(ours, expected, "length {len}");
            let mut by_key = items.clone();
            sort_by_key(&mut by_key, |&(a, b)| (b, a));
            expected.sort_unstable_by_key(|&(a, b)| (b, a));
            assert_eq!(by_key, expected, "length {len}, by key");
            let mut descending = items;
            sort_by(&mut descending, |a, b| a > b);
            expected.sort_unstable_by(|a, b| b.cmp(a));
            assert_eq!(descending, expected, "length {len}, descending");
        }
    }
}
