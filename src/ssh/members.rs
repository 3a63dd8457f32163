//! The cap on connections per account (`max_connections_per_account`). Members are
//! never hung up to make room for anyone (see `strangers`), so without a cap of their
//! own one member key, used from many addresses, could fill `max_connections` alone.
//! A connection takes a member slot when it is promoted off the strangers' roll; a
//! login beyond the cap is told why and disconnected.
//!
//! The decision is handed to the connection's russh handler as a [`Verdict`], which
//! it waits for right after authentication, so a connection over the cap never gets
//! as far as opening a channel.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::model::Id;

/// Connections open per account, and the cap.
#[derive(Debug)]
pub struct Members {
    max: usize,
    open: Mutex<HashMap<Id, usize>>,
}

/// One member connection's place under its account's cap; freed on drop.
#[derive(Debug)]
pub struct MemberSlot {
    members: Arc<Members>,
    account: Id,
}

/// What the door decided about an authenticated connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not decided yet (the account look-up is under way).
    Pending,
    /// Come in: a member under its cap, or a stranger (who may still join).
    Welcome,
    /// The account holds as many connections as it may: disconnect with this message.
    TooMany(String),
}

impl Members {
    /// At most `max` connections per account (at least one).
    pub fn new(max: usize) -> Arc<Members> {
        Arc::new(Members {
            max: max.max(1),
            open: Mutex::new(HashMap::new()),
        })
    }

    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<Id, usize>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cap.
    pub fn max(&self) -> usize {
        self.max
    }

    /// A slot for one more connection of `account`, or `None` at the cap.
    pub fn enter(self: &Arc<Self>, account: Id) -> Option<MemberSlot> {
        let mut open = self.open();
        let n = open.entry(account).or_default();
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(MemberSlot {
            members: self.clone(),
            account,
        })
    }

    /// Connections `account` holds now.
    #[cfg(test)]
    pub fn count(&self, account: Id) -> usize {
        self.open().get(&account).copied().unwrap_or(0)
    }
}

impl Drop for MemberSlot {
    fn drop(&mut self) {
        let mut open = self.members.open();
        if let Some(n) = open.get_mut(&self.account) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.account);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_account_holds_at_most_its_cap_and_slots_free_on_drop() {
        let m = Members::new(2);
        let a1 = m.enter(1).unwrap();
        let _a2 = m.enter(1).unwrap();
        assert!(m.enter(1).is_none(), "a third connection of account 1");
        let _b = m.enter(2).expect("other accounts are unaffected");
        drop(a1);
        assert_eq!(m.count(1), 1);
        assert!(m.enter(1).is_some());
        assert_eq!(m.count(1), 1, "the slot taken and dropped again");
    }
}
