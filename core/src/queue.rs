//! The routing engine's scheduler: the two sides of every routing group.
//!
//! - [`GroupQueues`]: the waiting tickets of each group in a keyed binary
//!   max-heap, with a dense copy of each group's most urgent ticket and the
//!   list of groups that have any. An agent who becomes free finds the most
//!   urgent ticket among the groups it serves by comparing those copies: O(g)
//!   for its g groups, then O(log n) to take the ticket; a ticket arriving
//!   costs O(log n).
//! - `DenseQueue`: a keyed max-heap over small dense ids (roster positions),
//!   the ready agents of a group under a strategy whose key may rise or has
//!   several parts.
//! - `OrderedQueue`: the ready agents of a group under longest idle or round
//!   robin, whose one key only falls with each offer, kept in order in a ring
//!   buffer: an agent filed again after an offer belongs near the back.
//!
//! The first two are the same heap: entries `(key, id)`, and a table indexed
//! by id that holds each id's place in its heap, so finding, re-keying and
//! taking out an id cost no hashing: one array read, then the usual O(log n)
//! sift. A ticket is in at most one group, so all groups share one such
//! table. All three order equal keys by the smaller id, so the order of pops
//! depends on the keys and ids alone (the engine's ticket keys end with the
//! arrival number; a ready agent's id is its roster position, which breaks
//! ties as the strategy's order requires).

#[cfg(not(target_arch = "wasm32"))]
use std::collections::VecDeque;

/// Marks an id that is not in the queue (or a group not in the waiting list).
const ABSENT: u32 = u32::MAX;

/// The waiting tickets of every routing group, most urgent (greatest key)
/// first: the keyed priority scheduler the [`Engine`](crate::Engine) routes
/// with, usable on its own.
///
/// Tickets and groups are small dense numbers (the engine's slot and group
/// indices; memory grows with the largest ticket number). A ticket is in at
/// most one group: pushing it into another group moves it there. Keys should
/// be unique and not change with time (the engine's end with the ticket's
/// arrival number), so the order of pops depends on the keys alone and a
/// ticket is re-keyed only when something happens to it.
///
/// ```
/// use tierwise::GroupQueues;
///
/// let mut queues = GroupQueues::new();
/// let (billing, network) = (queues.add_group(), queues.add_group());
/// queues.push(billing, 7, (2, 7)); // ticket 7, key (priority points, arrival)
/// queues.push(network, 8, (5, 8));
/// queues.push(network, 9, (1, 9));
/// // An agent serving both groups takes ticket 8, then 7.
/// assert_eq!(queues.most_urgent_among(&[billing, network], |_| true), Some((network, 8, (5, 8))));
/// assert_eq!(queues.remove(network, 8), Some((5, 8)));
/// assert_eq!(queues.most_urgent_among(&[billing, network], |_| true), Some((billing, 7, (2, 7))));
/// assert_eq!(queues.waiting_groups(), &[billing, network]);
/// ```
///
/// # Panics
/// The methods that take a group panic if it was not returned by
/// [`GroupQueues::add_group`], as indexing past the end of a `Vec` does.
#[derive(Clone, Debug)]
pub struct GroupQueues<K> {
    /// Per group, its tickets as a max-heap of `(key, ticket)`.
    heaps: Vec<Vec<(K, u32)>>,
    /// Per ticket, its place in its group's heap, or `ABSENT`.
    place: Vec<u32>,
    /// Per ticket, its group, or `ABSENT`.
    group_of: Vec<u32>,
    /// Per group, a copy of its most urgent `(ticket, key)`.
    tops: Vec<Option<(u32, K)>>,
    /// The groups with waiting tickets, in no particular order.
    waiting: Vec<u32>,
    /// Per group, its place in `waiting`, or `ABSENT`.
    waiting_place: Vec<u32>,
}

impl<K> Default for GroupQueues<K> {
    fn default() -> Self {
        GroupQueues {
            heaps: Vec::new(),
            place: Vec::new(),
            group_of: Vec::new(),
            tops: Vec::new(),
            waiting: Vec::new(),
            waiting_place: Vec::new(),
        }
    }
}

impl<K: Ord + Copy> GroupQueues<K> {
    /// No groups yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an empty group; returns its number (0, 1, 2, ...).
    pub fn add_group(&mut self) -> u32 {
        self.heaps.push(Vec::new());
        self.tops.push(None);
        self.waiting_place.push(ABSENT);
        u32::try_from(self.heaps.len() - 1).unwrap_or(ABSENT)
    }

    /// How many groups there are.
    #[must_use]
    pub fn group_count(&self) -> usize {
        self.heaps.len()
    }

    /// How many tickets wait in `group`.
    #[must_use]
    pub fn len(&self, group: u32) -> usize {
        self.heaps[group as usize].len()
    }

    /// Queues `ticket` in `group` under `key`; moves it to `key` if it
    /// already waits there, or out of the group it waits in. O(log n).
    pub fn push(&mut self, group: u32, ticket: u32, key: K) {
        let g = group as usize;
        let t = ticket as usize;
        if self.place.len() <= t {
            self.place.resize(t + 1, ABSENT);
            self.group_of.resize(t + 1, ABSENT);
        }
        let queued_in = self.group_of[t];
        if queued_in == group {
            let p = self.place[t] as usize;
            rekey(&mut self.heaps[g], &mut self.place, p, key);
            self.sync(group);
            return;
        }
        if queued_in != ABSENT {
            self.remove(queued_in, ticket);
        }
        insert(&mut self.heaps[g], &mut self.place, ticket, key);
        self.group_of[t] = group;
        match self.tops[g] {
            // A new ticket changes the top only if it beats it (in the heap's
            // order: of equal keys, the smaller ticket number first).
            Some((top_ticket, top)) if !above(&(key, ticket), &(top, top_ticket)) => {}
            Some(_) => self.tops[g] = Some((ticket, key)),
            None => self.sync(group),
        }
    }

    /// Takes `ticket` out of `group`; its key, if it was there. O(log n).
    pub fn remove(&mut self, group: u32, ticket: u32) -> Option<K> {
        if self.group_of.get(ticket as usize).copied() != Some(group) {
            return None;
        }
        let p = self.place[ticket as usize] as usize;
        let (key, _) = take_at(&mut self.heaps[group as usize], &mut self.place, p);
        self.group_of[ticket as usize] = ABSENT;
        self.sync(group);
        Some(key)
    }

    /// Takes out the most urgent ticket of `group`. O(log n).
    pub fn pop(&mut self, group: u32) -> Option<(u32, K)> {
        let heap = &mut self.heaps[group as usize];
        if heap.is_empty() {
            return None;
        }
        let (key, ticket) = take_at(heap, &mut self.place, 0);
        self.group_of[ticket as usize] = ABSENT;
        self.sync(group);
        Some((ticket, key))
    }

    /// The most urgent ticket of `group` and its key, without taking it. O(1).
    #[must_use]
    pub fn top(&self, group: u32) -> Option<(u32, K)> {
        self.tops[group as usize]
    }

    /// The groups with waiting tickets, in no particular order.
    #[must_use]
    pub fn waiting_groups(&self) -> &[u32] {
        &self.waiting
    }

    /// The tickets of `group` with their keys, in no particular order.
    pub fn iter(&self, group: u32) -> impl Iterator<Item = (u32, K)> + '_ {
        self.heaps[group as usize].iter().map(|&(k, t)| (t, k))
    }

    /// The most urgent ticket among `groups` (in ascending order, as an
    /// agent lists the groups it serves) whose group `accepts`:
    /// `(group, ticket, key)`. Compares the copies of each group's top,
    /// going through the shorter of `groups` and the list of groups with
    /// waiting tickets, so it costs O(min(g, w)) (times a binary search) and
    /// touches no queue. With unique keys the answer does not depend on the
    /// order of either list.
    pub fn most_urgent_among(&self, groups: &[u32], mut accepts: impl FnMut(u32) -> bool) -> Option<(u32, u32, K)> {
        let mut best: Option<(u32, u32, K)> = None;
        let mut consider = |g: u32| {
            if let Some((t, key)) = self.tops[g as usize]
                && best.is_none_or(|(_, _, k)| key > k)
                && accepts(g)
            {
                best = Some((g, t, key));
            }
        };
        if self.waiting.len() < groups.len() {
            self.waiting.iter().filter(|g| groups.binary_search(g).is_ok()).for_each(|&g| consider(g));
        } else {
            groups.iter().for_each(|&g| consider(g));
        }
        best
    }

    /// What is inconsistent between the heaps, the table of places, the
    /// copies of the tops and the waiting list (empty when sound): for the
    /// engine's audit. O(tickets).
    #[must_use]
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (g, heap) in self.heaps.iter().enumerate() {
            for (p, &(_, t)) in heap.iter().enumerate() {
                if p > 0 && above(&heap[p], &heap[(p - 1) / 2]) {
                    problems.push(format!("group {g}'s heap is out of order at {p}"));
                }
                let (place, group) = (self.place.get(t as usize), self.group_of.get(t as usize));
                if place != Some(&u32::try_from(p).unwrap_or(ABSENT)) || group.map(|&x| x as usize) != Some(g) {
                    problems.push(format!("ticket {t} in group {g} is recorded in the wrong place"));
                }
            }
            let top = heap.first().map(|&(k, t)| (t, k));
            if self.tops[g] != top {
                problems.push(format!("group {g}'s cached top is stale"));
            }
            let listed = self.waiting.get(self.waiting_place[g] as usize).is_some_and(|&w| w as usize == g);
            if listed != top.is_some() {
                problems.push(format!("group {g} is wrongly listed as having waiting tickets or not"));
            }
        }
        let queued = self.group_of.iter().filter(|&&g| g != ABSENT).count();
        if queued != self.heaps.iter().map(Vec::len).sum::<usize>() {
            problems.push(format!("{queued} tickets are recorded as queued, not as many as the heaps hold"));
        }
        problems
    }

    /// Refreshes the copy of `group`'s top and its place in the waiting list.
    fn sync(&mut self, group: u32) {
        let g = group as usize;
        let top = self.heaps[g].first().map(|&(k, t)| (t, k));
        let place = self.waiting_place[g];
        match (top.is_some(), place != ABSENT) {
            (true, false) => {
                self.waiting_place[g] = u32::try_from(self.waiting.len()).unwrap_or(ABSENT);
                self.waiting.push(group);
            }
            (false, true) => {
                self.waiting.swap_remove(place as usize);
                if let Some(&moved) = self.waiting.get(place as usize) {
                    self.waiting_place[moved as usize] = place;
                }
                self.waiting_place[g] = ABSENT;
            }
            _ => {}
        }
        self.tops[g] = top;
    }
}

/// A max-heap of `(id, key)` with at most one entry per id; of equal keys,
/// the smaller id comes first.
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
            rekey(&mut self.heap, &mut self.place, p, key);
            return;
        }
        if self.place.len() <= id as usize {
            self.place.resize(id as usize + 1, ABSENT);
        }
        insert(&mut self.heap, &mut self.place, id, key);
    }

    /// The id with the greatest key, left in place.
    pub(crate) fn peek(&self) -> Option<(u32, K)> {
        self.heap.first().map(|&(key, id)| (id, key))
    }

    /// Queues the id with the greatest key under `key` instead (as `push`
    /// would, without looking the id up).
    pub(crate) fn rekey_top(&mut self, key: K) {
        if !self.heap.is_empty() {
            rekey(&mut self.heap, &mut self.place, 0, key);
        }
    }

    /// Takes out the id with the greatest key.
    pub(crate) fn pop(&mut self) -> Option<(u32, K)> {
        if self.heap.is_empty() {
            return None;
        }
        let (key, id) = take_at(&mut self.heap, &mut self.place, 0);
        Some((id, key))
    }
}

#[cfg(not(target_arch = "wasm32"))]
/// A keyed queue of ids under `i64` keys, kept in order in a ring buffer,
/// best first (the greater key, then the smaller id), with at most one entry
/// per id: the ready agents of a group under a strategy whose one key only
/// falls, with each offer (longest idle, round robin).
///
/// Under such a key an agent filed again after an offer ranks below every
/// agent queued before that offer: it goes at the back in O(1), where a heap
/// sifts the entry through every level. An entry that is stale (its agent
/// was offered work elsewhere) surfaces at the front and goes near the back,
/// behind the d agents offered work since: its place is searched from the
/// back, O(log d), and those d entries move. In general an entry is put in
/// by moving the entries between its place and the nearer end.
#[derive(Clone, Debug, Default)]
pub(crate) struct OrderedQueue {
    /// `(key, id, member number)`, best first.
    entries: VecDeque<(i64, u32, u32)>,
    /// `member[id]`: the id's member number, or `ABSENT` if it has none.
    member: Vec<u32>,
    /// `filed[member]`: the key the member is queued under, if it is.
    filed: Vec<Option<i64>>,
}

#[cfg(not(target_arch = "wasm32"))]
/// Whether ordered entry `a` belongs before `b`: the greater key, then the
/// smaller id.
fn before(a: &(i64, u32, u32), b: &(i64, u32, u32)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
}

#[cfg(not(target_arch = "wasm32"))]
impl OrderedQueue {
    /// How many ids are queued.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn member_of(&self, id: u32) -> Option<u32> {
        self.member.get(id as usize).copied().filter(|&m| m != ABSENT)
    }

    /// Whether `id` is queued.
    pub(crate) fn contains(&self, id: u32) -> bool {
        self.key_of(id).is_some()
    }

    /// The key `id` is queued under.
    pub(crate) fn key_of(&self, id: u32) -> Option<i64> {
        self.filed[self.member_of(id)? as usize]
    }

    /// Queues `id` under `key`, or moves it there if it is already queued.
    pub(crate) fn push(&mut self, id: u32, key: i64) {
        let m = match self.member_of(id) {
            Some(m) => m,
            None => {
                let m = u32::try_from(self.filed.len()).unwrap_or(ABSENT);
                if self.member.len() <= id as usize {
                    self.member.resize(id as usize + 1, ABSENT);
                }
                self.member[id as usize] = m;
                self.filed.push(None);
                m
            }
        };
        if let Some(old) = self.filed[m as usize] {
            if old == key {
                return;
            }
            self.take_out(&(old, id, m));
        }
        self.filed[m as usize] = Some(key);
        self.put(key, id, m);
    }

    /// Puts in the entry of member `m`, not queued, in its place.
    fn put(&mut self, key: i64, id: u32, m: u32) {
        let entry = (key, id, m);
        match (self.entries.front(), self.entries.back()) {
            (_, None) => self.entries.push_back(entry),
            (_, Some(last)) if before(last, &entry) => self.entries.push_back(entry),
            (Some(first), _) if before(&entry, first) => self.entries.push_front(entry),
            _ => {
                let at = self.place_for(&entry);
                self.entries.insert(at, entry);
            }
        }
    }

    /// Removes `entry`, which is queued.
    fn take_out(&mut self, entry: &(i64, u32, u32)) {
        if self.entries.front() == Some(entry) {
            self.entries.pop_front();
        } else if self.entries.back() == Some(entry) {
            self.entries.pop_back();
        } else {
            let at = self.place_for(entry);
            debug_assert_eq!(self.entries.get(at), Some(entry), "a queued entry is where its key puts it");
            self.entries.remove(at);
        }
    }

    /// The number of entries that belong before `entry`, searched from the
    /// back in steps that double, then by halves within the last step: an
    /// agent filed again after its work belongs near the back, behind only
    /// those offered work since, so this reads a few entries where a binary
    /// search of the whole queue reads one per halving, each a cache miss.
    fn place_for(&self, entry: &(i64, u32, u32)) -> usize {
        let n = self.entries.len();
        // Entries from `high` on go after `entry`; its place is in low..=high.
        let (mut low, mut high) = (n, n);
        let mut step = 1;
        while low > 0 && !before(&self.entries[low - 1], entry) {
            high = low - 1;
            low = high.saturating_sub(step);
            step *= 2;
        }
        // Entries before `low` come first: `low` is 0 or follows one that does.
        while low < high {
            let mid = low + (high - low) / 2;
            if before(&self.entries[mid], entry) { low = mid + 1 } else { high = mid }
        }
        low
    }

    /// The id with the greatest key, left in place.
    pub(crate) fn peek(&self) -> Option<(u32, i64)> {
        self.entries.front().map(|&(key, id, _)| (id, key))
    }

    /// Queues the id with the greatest key under `key` instead (as `push`
    /// would, without looking the id up: the entry has its member number).
    pub(crate) fn rekey_front(&mut self, key: i64) {
        let Some(&(old, id, m)) = self.entries.front() else { return };
        if old != key {
            self.entries.pop_front();
            self.filed[m as usize] = Some(key);
            self.put(key, id, m);
        }
    }

    /// Takes out the id with the greatest key.
    pub(crate) fn pop(&mut self) -> Option<(u32, i64)> {
        let (key, id, m) = self.entries.pop_front()?;
        self.filed[m as usize] = None;
        Some((id, key))
    }
}

// The heap itself: `heap` is a binary max-heap of `(key, id)`, and
// `place[id]` is each entry's index in it (`place` covers every id in it).

/// Adds `id`, not in the heap, under `key`.
fn insert<K: Ord + Copy>(heap: &mut Vec<(K, u32)>, place: &mut [u32], id: u32, key: K) {
    heap.push((key, id));
    let last = heap.len() - 1;
    sift_up(heap, place, last);
}

/// Gives the entry at `p` the key `key`.
fn rekey<K: Ord + Copy>(heap: &mut [(K, u32)], place: &mut [u32], p: usize, key: K) {
    let old = std::mem::replace(&mut heap[p].0, key);
    if key > old {
        sift_up(heap, place, p);
    } else {
        sift_down(heap, place, p);
    }
}

/// Takes out the entry at `p` (the last entry fills its place).
fn take_at<K: Ord + Copy>(heap: &mut Vec<(K, u32)>, place: &mut [u32], p: usize) -> (K, u32) {
    let last = heap.len() - 1;
    heap.swap(p, last);
    let taken = heap.pop().unwrap_or_else(|| unreachable!("the heap held the entry at {p}"));
    place[taken.1 as usize] = ABSENT;
    if p < heap.len() {
        // The moved entry may belong above or below its new place.
        place[heap[p].1 as usize] = u32::try_from(p).unwrap_or(ABSENT);
        if p > 0 && above(&heap[p], &heap[(p - 1) / 2]) {
            sift_up(heap, place, p);
        } else {
            sift_down(heap, place, p);
        }
    }
    taken
}

fn sift_up<K: Ord + Copy>(heap: &mut [(K, u32)], place: &mut [u32], mut p: usize) {
    let item = heap[p];
    while p > 0 {
        let parent = (p - 1) / 2;
        if !above(&item, &heap[parent]) {
            break;
        }
        set(heap, place, p, heap[parent]);
        p = parent;
    }
    set(heap, place, p, item);
}

/// Whether entry `a` belongs above entry `b`: the greater key, then the
/// smaller id. With unique keys (the engine's) the id never decides; a
/// ready queue whose key is one number leaves the agent's roster position
/// out of it, as the id is that position.
#[inline]
fn above<K: Ord>(a: &(K, u32), b: &(K, u32)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
}

/// Moves the entry at `p` down to its place, bottom-up (Floyd): the hole
/// first runs down to a leaf along the greater children, one comparison a
/// level, then the entry climbs back. Entries that sink here (a removal's
/// last entry, an agent's key after an offer) mostly belong near the leaves,
/// so this takes about half the comparisons of testing the entry at every
/// level.
fn sift_down<K: Ord + Copy>(heap: &mut [(K, u32)], place: &mut [u32], mut p: usize) {
    let item = heap[p];
    let start = p;
    let n = heap.len();
    loop {
        let left = 2 * p + 1;
        if left >= n {
            break;
        }
        let right = left + 1;
        let child = if right < n && above(&heap[right], &heap[left]) { right } else { left };
        set(heap, place, p, heap[child]);
        p = child;
    }
    while p > start {
        let parent = (p - 1) / 2;
        if !above(&item, &heap[parent]) {
            break;
        }
        set(heap, place, p, heap[parent]);
        p = parent;
    }
    set(heap, place, p, item);
}

/// Puts `item` at place `p` of the heap, and records that place.
fn set<K: Copy>(heap: &mut [(K, u32)], place: &mut [u32], p: usize, item: (K, u32)) {
    heap[p] = item;
    place[item.1 as usize] = u32::try_from(p).unwrap_or(ABSENT);
}

#[cfg(test)]
mod tests {
    use super::{DenseQueue, GroupQueues};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[derive(Clone, Debug)]
    enum GroupOp {
        Push {
            group: u32,
            ticket: u32,
            points: i32,
        },
        Remove(u32, u32),
        Pop(u32),
        /// An agent serving the groups in the mask takes its most urgent ticket.
        Take(u8),
    }

    fn group_op() -> impl Strategy<Value = GroupOp> {
        prop_oneof![
            3 => (0u32..6, 0u32..60, -5i32..5).prop_map(|(group, ticket, points)| GroupOp::Push { group, ticket, points }),
            2 => (0u32..6, 0u32..60).prop_map(|(group, ticket)| GroupOp::Remove(group, ticket)),
            1 => (0u32..6).prop_map(GroupOp::Pop),
            2 => any::<u8>().prop_map(GroupOp::Take),
        ]
    }

    /// Applies `ops` to six groups and to a model (per ticket, its group
    /// and key, made by `key` from the points and the ticket), and checks
    /// after every operation: pushes, removals and pops agree with the model
    /// in the heaps' order (the greater key, then the smaller ticket); the
    /// copies of the tops and the waiting list stay sound; an agent's choice
    /// has the greatest key among the groups it may take work in (the very
    /// ticket when keys are unique; with repeated keys, which group's ticket
    /// comes first among equal keys is left to the queues).
    fn check_group_ops<K: Ord + Copy + std::fmt::Debug>(
        ops: Vec<GroupOp>,
        key: impl Fn(i32, u32) -> K,
        keys_unique: bool,
    ) -> Result<(), TestCaseError> {
        let mut queues = GroupQueues::new();
        for g in 0..6 {
            prop_assert_eq!(queues.add_group(), g);
        }
        let mut model: BTreeMap<u32, (u32, K)> = BTreeMap::new();
        let best_in = |model: &BTreeMap<u32, (u32, K)>, groups: &[u32]| {
            model
                .iter()
                .filter(|(_, (g, _))| groups.contains(g))
                .max_by(|a, b| (a.1).1.cmp(&(b.1).1).then(b.0.cmp(a.0)))
                .map(|(&t, &(g, k))| (g, t, k))
        };
        for op in ops {
            match op {
                GroupOp::Push { group, ticket, points } => {
                    // A ticket is in one group at a time: pushing moves it.
                    queues.push(group, ticket, key(points, ticket));
                    model.insert(ticket, (group, key(points, ticket)));
                }
                GroupOp::Remove(group, ticket) => {
                    // Only from the group it waits in.
                    let expected = model.get(&ticket).filter(|(g, _)| *g == group).map(|&(_, k)| k);
                    prop_assert_eq!(queues.remove(group, ticket), expected);
                    if expected.is_some() {
                        model.remove(&ticket);
                    }
                }
                GroupOp::Pop(group) => {
                    let expected = best_in(&model, &[group]).map(|(_, t, k)| (t, k));
                    prop_assert_eq!(queues.pop(group), expected);
                    if let Some((t, _)) = expected {
                        model.remove(&t);
                    }
                }
                GroupOp::Take(mask) => {
                    let serves: Vec<u32> = (0..6).filter(|g| mask & (1 << g) != 0).collect();
                    // The agent may not take work in group 5 (say, a channel at capacity).
                    let allowed: Vec<u32> = serves.iter().copied().filter(|&g| g != 5).collect();
                    let chosen = queues.most_urgent_among(&serves, |g| g != 5);
                    let expected = best_in(&model, &allowed);
                    if keys_unique {
                        prop_assert_eq!(chosen, expected);
                    } else {
                        prop_assert_eq!(chosen.map(|(_, _, k)| k), expected.map(|(_, _, k)| k));
                    }
                }
            }
            prop_assert_eq!(queues.check(), Vec::<String>::new());
            for g in 0..6 {
                prop_assert_eq!(queues.len(g), model.values().filter(|(x, _)| *x == g).count());
                prop_assert_eq!(queues.top(g), best_in(&model, &[g]).map(|(_, t, k)| (t, k)));
            }
            let mut waiting = queues.waiting_groups().to_vec();
            waiting.sort_unstable();
            let mut expected: Vec<u32> = model.values().map(|(g, _)| *g).collect();
            expected.sort_unstable();
            expected.dedup();
            prop_assert_eq!(waiting, expected);
        }
        Ok(())
    }

    proptest! {
        /// Keys end with the ticket, as the engine's do: unique.
        #[test]
        fn group_queues_behave_like_a_map_of_groups(ops in proptest::collection::vec(group_op(), 0..300)) {
            check_group_ops(ops, |points, ticket| (points, ticket), true)?;
        }

        /// Repeated keys (three values, the ticket not in the key): the
        /// heaps order equal keys by the smaller ticket, and the copies of
        /// the tops must follow.
        #[test]
        fn group_queues_with_repeated_keys_keep_their_tops(ops in proptest::collection::vec(group_op(), 0..300)) {
            check_group_ops(ops, |points, _| points % 3, false)?;
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        Push(u32, i32),
        Pop,
        /// The id on top is queued under this key instead.
        RekeyTop(i32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u32..40, -20i32..20).prop_map(|(id, k)| Op::Push(id, k)),
            2 => Just(Op::Pop),
            1 => (-20i32..20).prop_map(Op::RekeyTop),
        ]
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
                    Op::RekeyTop(k) => {
                        if let Some((id, _)) = queue.peek() {
                            queue.rekey_top((k, id));
                            model.insert(id, (k, id));
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

        /// The ordered queue against the same model, with room for a few
        /// hundred entries: pushes of new ids and re-keyed ones at the
        /// front, at the back and in between, and pops.
        #[test]
        #[cfg(not(target_arch = "wasm32"))]
        fn ordered_queue_behaves_like_a_map_ordered_by_key(
            ops in proptest::collection::vec(
                prop_oneof![
                    4 => (0u32..300, -60i64..60).prop_map(|(id, k)| Op::Push(id, i32::try_from(k).unwrap_or(0))),
                    1 => Just(Op::Pop),
                    1 => (-60i64..60).prop_map(|k| Op::RekeyTop(i32::try_from(k).unwrap_or(0))),
                ],
                0..1500,
            ),
        ) {
            let mut queue = super::OrderedQueue::default();
            let mut model: BTreeMap<u32, i64> = BTreeMap::new();
            // The order of the model: the greater key, then the smaller id.
            let best = |model: &BTreeMap<u32, i64>| {
                model.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(&id, &k)| (id, k))
            };
            for op in ops {
                match op {
                    Op::Push(id, k) => {
                        queue.push(id, i64::from(k));
                        model.insert(id, i64::from(k));
                    }
                    Op::Pop => {
                        let expected = best(&model);
                        prop_assert_eq!(queue.pop(), expected);
                        if let Some((id, _)) = expected {
                            model.remove(&id);
                        }
                    }
                    Op::RekeyTop(k) => {
                        queue.rekey_front(i64::from(k));
                        if let Some((id, _)) = best(&model) {
                            model.insert(id, i64::from(k));
                        }
                    }
                }
                prop_assert_eq!(queue.len(), model.len());
                prop_assert_eq!(queue.peek(), best(&model));
            }
            for id in 0..300 {
                prop_assert_eq!(queue.key_of(id), model.get(&id).copied());
                prop_assert_eq!(queue.contains(id), model.contains_key(&id));
            }
            // Emptied, it gives every entry in the model's order.
            let mut drained = Vec::new();
            while let Some(entry) = queue.pop() {
                drained.push(entry);
            }
            let mut expected: Vec<(u32, i64)> = model.into_iter().collect();
            expected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            prop_assert_eq!(drained, expected);
        }

        /// With repeated keys (a few values, no id in the key) a pop gives
        /// the smallest id with the greatest key, and every other id keeps
        /// its key and its place: what the bottom-up sift must get right
        /// when it meets equal keys on its way down and back up, and what a
        /// one-key ready queue relies on (ties go to the earlier agent).
        #[test]
        fn repeated_keys_pop_a_greatest(ops in proptest::collection::vec(op(), 0..300)) {
            let mut queue = DenseQueue::default();
            let mut model: BTreeMap<u32, i32> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Push(id, k) => {
                        queue.push(id, k % 4);
                        model.insert(id, k % 4);
                    }
                    Op::Pop => match queue.pop() {
                        Some((id, key)) => {
                            prop_assert_eq!(model.remove(&id), Some(key));
                            prop_assert!(model.values().all(|&k| k <= key), "{} popped before a greater key", key);
                            prop_assert!(
                                model.iter().all(|(&other, &k)| k < key || other > id),
                                "{} popped before a smaller id with the same key", id
                            );
                        }
                        None => prop_assert!(model.is_empty()),
                    },
                    Op::RekeyTop(k) => {
                        if let Some((id, _)) = queue.peek() {
                            queue.rekey_top(k % 4);
                            model.insert(id, k % 4);
                        }
                    }
                }
                prop_assert_eq!(queue.len(), model.len());
                for id in 0..40 {
                    prop_assert_eq!(queue.key_of(id), model.get(&id).copied());
                }
            }
        }
    }
}
