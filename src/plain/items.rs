//! The numbers the line mode prints beside posts and notifications ("3. @bob, …"), so a
//! person can say `3`, `r 3 …` or `f 3` instead of a post id.
//!
//! A listing (`home`, `camp`, `notifications`, `new`) numbers from 1; `more`, a thread
//! and live arrivals go on from the highest number, and a post keeps the number it
//! already has, so numbers on the screen stay true until the next listing. At most
//! [`MAX_ITEMS`] are remembered (the oldest are forgotten first).

use std::collections::{BTreeMap, HashMap};

use crate::model::Id;

/// Most numbers remembered at once.
pub const MAX_ITEMS: usize = 1000;

/// What a number stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A post, with its author's name (for replies that mention them).
    Post {
        /// The post's id.
        id: Id,
        /// Its author's username.
        author: String,
    },
    /// A camper (a notification without a post, such as a follow).
    Person(String),
}

/// The numbered items shown so far.
#[derive(Debug, Clone, Default)]
pub struct Items {
    by_number: BTreeMap<usize, Item>,
    by_post: HashMap<Id, usize>,
    next: usize,
}

impl Items {
    /// No numbers yet; the first is 1.
    pub fn new() -> Self {
        Items {
            next: 1,
            ..Default::default()
        }
    }

    /// Starts a new listing: numbers begin at 1 again.
    pub fn reset(&mut self) {
        *self = Items::new();
    }

    /// The number of `item`: the one it has, or the next one.
    pub fn number(&mut self, item: Item) -> usize {
        if let Item::Post { id, .. } = &item
            && let Some(n) = self.by_post.get(id)
        {
            return *n;
        }
        let n = self.next;
        self.next += 1;
        if let Item::Post { id, .. } = &item {
            self.by_post.insert(*id, n);
        }
        self.by_number.insert(n, item);
        while self.by_number.len() > MAX_ITEMS {
            if let Some((_, Item::Post { id, .. })) = self.by_number.pop_first() {
                self.by_post.remove(&id);
            }
        }
        n
    }

    /// What number `n` stands for, if it is still remembered.
    pub fn get(&self, n: usize) -> Option<&Item> {
        self.by_number.get(&n)
    }

    /// The number a post already has.
    pub fn of_post(&self, id: Id) -> Option<usize> {
        self.by_post.get(&id).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(id: Id) -> Item {
        Item::Post {
            id,
            author: "bob".into(),
        }
    }

    #[test]
    fn numbers_count_up_and_a_post_keeps_its_number() {
        let mut items = Items::new();
        assert_eq!(items.number(post(10)), 1);
        assert_eq!(items.number(Item::Person("cy".into())), 2);
        assert_eq!(items.number(post(11)), 3);
        assert_eq!(items.number(post(10)), 1);
        assert_eq!(items.get(2), Some(&Item::Person("cy".into())));
        assert_eq!(items.of_post(11), Some(3));
        items.reset();
        assert_eq!(items.get(1), None);
        assert_eq!(items.number(post(11)), 1);
    }

    #[test]
    fn only_the_newest_numbers_are_remembered() {
        let mut items = Items::new();
        for id in 0..(MAX_ITEMS as Id + 5) {
            items.number(post(id));
        }
        assert_eq!(items.get(5), None);
        assert_eq!(items.of_post(4), None);
        assert!(items.get(6).is_some());
        assert_eq!(items.by_number.len(), MAX_ITEMS);
        assert_eq!(items.by_post.len(), MAX_ITEMS);
    }
}
