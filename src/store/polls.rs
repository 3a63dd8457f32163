//! Store side of polls: the poll of a post, the votes cast in it, and the schedule of
//! ends. Kept in trees of their own, keyed by post id, so the post record never changes
//! shape (old databases keep decoding) and a post's poll goes with it
//! ([`Store::delete_poll`]).
//!
//! Trees:
//! - `polls`: id(post) -> [`Poll`]
//! - `poll_votes`: pair(post, voter) -> choices (indexes from 0): one entry per voter,
//!   written only if absent, so a camper (or a remote actor) votes once.
//! - `poll_ends`: pair(expires_ms, post), while its end has not been announced; the
//!   closer reads the first entries only ([`Store::due_polls`]).

use serde::{Deserialize, Serialize};

use super::Store;
use super::codec::{decode, encode, id_key, pair_key, read_id};
use super::gate::{Transactional, Tree};
use super::outbox::{OutboxEntry, write_opt};
use crate::error::{Error, Result};
use crate::model::{Id, Millis};

/// A poll attached to a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Poll {
    /// The choices, sanitized, in the order shown.
    pub options: Vec<String>,
    /// Whether a voter may pick several.
    pub multiple: bool,
    /// When voting ends.
    pub expires_ms: Millis,
    /// For a poll from elsewhere: the tally as its server last reported it (plus the
    /// votes of campers since); None for a camp's own poll, counted from its votes.
    pub remote: Option<RemoteTally>,
    /// Closed early by its server (remote polls only).
    pub closed: bool,
}

/// Counts of a remote poll as reported by its server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteTally {
    /// Votes per option, in the order of [`Poll::options`].
    pub counts: Vec<u64>,
    /// People who voted (Mastodon's `votersCount`), when told.
    pub voters: Option<u64>,
}

/// Polls due (their end time and post), and when the next one after them ends.
pub type DuePolls = (Vec<(Millis, Id)>, Option<Millis>);

impl Store {
    fn polls_tree(&self) -> Result<Tree> {
        Ok(self.db.open_tree("polls")?)
    }

    fn poll_votes_tree(&self) -> Result<Tree> {
        Ok(self.db.open_tree("poll_votes")?)
    }

    fn poll_ends_tree(&self) -> Result<Tree> {
        Ok(self.db.open_tree("poll_ends")?)
    }

    /// The poll of `post`, if it has one.
    pub fn poll(&self, post: Id) -> Result<Option<Poll>> {
        self.polls_tree()?
            .get(id_key(post))?
            .map(|b| decode(&b))
            .transpose()
    }

    /// Writes the poll of `post` (a new one, or a remote one refreshed) and schedules
    /// its end. Written before the post itself, so a reader never meets a poll post
    /// without its poll.
    pub fn put_poll(&self, post: Id, poll: &Poll) -> Result<()> {
        let old = self.poll(post)?;
        self.polls_tree()?.insert(id_key(post), encode(poll)?)?;
        let ends = self.poll_ends_tree()?;
        if let Some(old) = old
            && old.expires_ms != poll.expires_ms
        {
            ends.remove(pair_key(old.expires_ms, post))?;
        }
        ends.insert(pair_key(poll.expires_ms, post), &[][..])?;
        Ok(())
    }

    /// The choices `voter` made in `post`'s poll, if it voted.
    pub fn poll_vote(&self, post: Id, voter: Id) -> Result<Option<Vec<u8>>> {
        self.poll_votes_tree()?
            .get(pair_key(post, voter))?
            .map(|b| decode(&b))
            .transpose()
    }

    /// Records `voter`'s choices unless it voted already (false then, and nothing is
    /// written), with the vote's outgoing intent in the same transaction. A remote
    /// poll's reported tally (`poll`, when given) is written with it.
    pub fn put_poll_vote(
        &self,
        post: Id,
        voter: Id,
        choices: &[u8],
        poll: Option<&Poll>,
        intent: Option<&OutboxEntry>,
    ) -> Result<bool> {
        let votes = self.poll_votes_tree()?;
        let polls = self.polls_tree()?;
        let value = encode(&choices.to_vec())?;
        let poll = poll.map(encode).transpose()?;
        let written = (&votes, &polls, &self.outbox).transaction(|(votes, polls, out)| {
            let key = pair_key(post, voter);
            if votes.get(key)?.is_some() {
                return Ok(false);
            }
            votes.insert(&key[..], value.clone())?;
            if let Some(p) = &poll {
                polls.insert(&id_key(post)[..], p.clone())?;
            }
            write_opt(out, intent)?;
            Ok(true)
        })?;
        Ok(written)
    }

    /// Votes per option (of `options` options) and the number of voters, counted from
    /// the votes stored for `post`.
    pub fn poll_tally(&self, post: Id, options: usize) -> Result<(Vec<u64>, u64)> {
        let mut counts = vec![0u64; options];
        let mut voters = 0u64;
        for v in self.poll_votes_tree()?.scan_prefix(id_key(post)).values() {
            let choices: Vec<u8> = decode(&v?)?;
            voters += 1;
            for c in choices {
                if let Some(n) = counts.get_mut(usize::from(c)) {
                    *n += 1;
                }
            }
        }
        Ok((counts, voters))
    }

    /// Everyone who voted in `post`'s poll.
    pub fn poll_voters(&self, post: Id) -> Result<Vec<Id>> {
        self.poll_votes_tree()?
            .scan_prefix(id_key(post))
            .keys()
            .map(|k| {
                let k = k?;
                read_id(&k[8..]).ok_or_else(|| Error::Codec("bad poll vote key".into()))
            })
            .collect()
    }

    /// Polls whose end is due at `now` and not yet announced, oldest first (at most
    /// `limit`), and when the next one after them ends.
    pub fn due_polls(&self, now: Millis, limit: usize) -> Result<DuePolls> {
        let mut due = Vec::new();
        for k in self.poll_ends_tree()?.iter().keys() {
            let k = k?;
            let (Some(at), Some(post)) = (read_id(&k), read_id(&k[8..])) else {
                continue;
            };
            if at > now || due.len() >= limit {
                return Ok((due, Some(at)));
            }
            due.push((at, post));
        }
        Ok((due, None))
    }

    /// Takes `post`'s end off the schedule (announced, or the poll is gone).
    pub fn poll_end_announced(&self, post: Id, expires_ms: Millis) -> Result<()> {
        self.poll_ends_tree()?.remove(pair_key(expires_ms, post))?;
        Ok(())
    }

    /// Removes `post`'s poll, its votes and its place on the schedule.
    pub fn delete_poll(&self, post: Id) -> Result<()> {
        let Some(poll) = self.poll(post)? else {
            return Ok(());
        };
        let votes = self.poll_votes_tree()?;
        for k in votes.scan_prefix(id_key(post)).keys() {
            votes.remove(k?)?;
        }
        self.poll_end_announced(post, poll.expires_ms)?;
        self.polls_tree()?.remove(id_key(post))?;
        Ok(())
    }

    /// Adds one choice to a remote `voter`'s vote, as Mastodon sends one Answer per
    /// choice: the first makes the vote; later ones join it only on a `multiple`
    /// poll and when new. The write is a compare and swap, so Answers handled at once
    /// all count. Returns whether the vote changed.
    pub fn add_poll_choice(&self, post: Id, voter: Id, choice: u8, multiple: bool) -> Result<bool> {
        let votes = self.poll_votes_tree()?;
        let key = pair_key(post, voter);
        loop {
            let old = votes.get(key)?;
            let mut had: Vec<u8> = match &old {
                None => Vec::new(),
                Some(v) => decode(v)?,
            };
            if had.contains(&choice) || (!had.is_empty() && !multiple) {
                return Ok(false);
            }
            had.push(choice);
            // Another Answer got in first: read its choices again and add ours.
            if votes
                .compare_and_swap(key, old, Some(encode(&had)?))?
                .is_ok()
            {
                return Ok(true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll(expires_ms: Millis) -> Poll {
        Poll {
            options: vec!["yes".into(), "no".into()],
            multiple: false,
            expires_ms,
            remote: None,
            closed: false,
        }
    }

    #[test]
    fn one_vote_per_voter_and_the_tally_counts_choices() {
        let store = Store::temporary().unwrap();
        store.put_poll(7, &poll(1_000)).unwrap();
        assert!(store.put_poll_vote(7, 1, &[0], None, None).unwrap());
        assert!(!store.put_poll_vote(7, 1, &[1], None, None).unwrap());
        assert!(store.put_poll_vote(7, 2, &[1], None, None).unwrap());
        assert_eq!(store.poll_tally(7, 2).unwrap(), (vec![1, 1], 2));
        assert_eq!(store.poll_vote(7, 1).unwrap(), Some(vec![0]));
        assert_eq!(store.poll_voters(7).unwrap(), vec![1, 2]);
    }

    #[test]
    fn choices_sent_at_once_all_join_the_vote() {
        let store = Store::temporary().unwrap();
        store.put_poll(7, &poll(1_000)).unwrap();
        std::thread::scope(|s| {
            for choice in 0..4u8 {
                let store = &store;
                s.spawn(move || store.add_poll_choice(7, 9, choice, true).unwrap());
            }
        });
        let mut had = store.poll_vote(7, 9).unwrap().unwrap();
        had.sort();
        assert_eq!(had, vec![0, 1, 2, 3]);
        // A single-choice poll keeps the first; a repeat changes nothing.
        assert!(store.add_poll_choice(8, 9, 1, false).unwrap());
        assert!(!store.add_poll_choice(8, 9, 0, false).unwrap());
        assert!(!store.add_poll_choice(8, 9, 1, false).unwrap());
        assert_eq!(store.poll_vote(8, 9).unwrap(), Some(vec![1]));
    }

    #[test]
    fn the_schedule_gives_due_polls_and_the_next_end() {
        let store = Store::temporary().unwrap();
        store.put_poll(1, &poll(100)).unwrap();
        store.put_poll(2, &poll(300)).unwrap();
        assert_eq!(
            store.due_polls(200, 10).unwrap(),
            (vec![(100, 1)], Some(300))
        );
        store.poll_end_announced(1, 100).unwrap();
        assert_eq!(store.due_polls(200, 10).unwrap(), (vec![], Some(300)));
        store.delete_poll(2).unwrap();
        assert_eq!(store.due_polls(1_000, 10).unwrap(), (vec![], None));
        assert_eq!(store.poll(2).unwrap(), None);
    }

    #[test]
    fn a_post_deleted_elsewhere_takes_its_poll_and_the_votes_here_with_it() {
        let store = Store::temporary().unwrap();
        store.put_poll(7, &poll(1_000)).unwrap();
        assert!(store.put_poll_vote(7, 1, &[0], None, None).unwrap());
        let obj = crate::store::federation::RemoteObject {
            post: 7,
            actor: "https://elsewhere.example/users/zed".into(),
            home_owners: vec![],
        };
        store
            .remove_remote_post("https://elsewhere.example/q/1", &obj)
            .unwrap();
        assert_eq!(store.poll(7).unwrap(), None);
        assert_eq!(store.poll_vote(7, 1).unwrap(), None);
        assert_eq!(store.due_polls(2_000, 10).unwrap(), (vec![], None));
    }
}
