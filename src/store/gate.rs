//! The write gate: how a backup gets a consistent picture of a live camp.
//!
//! sled has no snapshot, and its iterators see writes made while they run, so copying
//! tree after tree could catch a post in `posts` without its timeline entries (or the
//! other way round). Instead every write to the database holds one shared lock for as
//! long as the write takes (a single insert, or one whole transaction), and a backup
//! holds it exclusively while it copies: writers wait for that moment, readers never do.
//!
//! The gate is structural, not a habit: the store's trees are [`Tree`]s from [`Db`],
//! whose write methods take the gate themselves, and whose only way to a raw sled tree
//! is the backup's exclusive [`Db::exclusive`]. A new tree opened through [`Db`] is
//! covered without anyone remembering to be.

use std::cell::Cell;
use std::ops::RangeBounds;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use sled::transaction::{ConflictableTransactionResult, TransactionResult, TransactionalTree};
use sled::{Batch, CompareAndSwapError, IVec, Iter};

use super::generation::{Generation, Watch, watch_of};

/// One lock shared by every tree of a database.
#[derive(Default)]
struct Gate(RwLock<()>);

thread_local! {
    /// The gate (by address) this thread holds for a compound write, 0 when none: its
    /// single writes must not take the shared lock again, because a waiting backup
    /// makes a second shared hold on the same thread wait for ever.
    static HELD_FOR_COMPOUND: Cell<usize> = const { Cell::new(0) };
}

impl Gate {
    fn address(&self) -> usize {
        self as *const Gate as usize
    }

    /// A writer's shared hold (none when this thread's compound write holds it
    /// already). A poisoned lock only means a writer panicked; the data is sled's to
    /// keep consistent, so carry on.
    fn hold(&self) -> Option<RwLockReadGuard<'_, ()>> {
        if HELD_FOR_COMPOUND.with(Cell::get) == self.address() {
            return None;
        }
        Some(self.0.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn exclusive(&self) -> RwLockWriteGuard<'_, ()> {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// The database with its write gate.
#[derive(Clone)]
pub(crate) struct Db {
    inner: sled::Db,
    gate: Arc<Gate>,
    /// Moved on by every write to a tree the live visibility checks read.
    generation: Arc<Generation>,
}

/// The whole database with every writer paused, for as long as this lives.
pub(crate) struct Exclusive<'a> {
    /// The raw database (writes through it would bypass nothing: everyone else waits).
    pub db: &'a sled::Db,
    _hold: RwLockWriteGuard<'a, ()>,
}

impl Db {
    /// Wraps an open sled database.
    pub(crate) fn new(inner: sled::Db) -> Db {
        Db {
            inner,
            gate: Arc::new(Gate::default()),
            generation: Arc::default(),
        }
    }

    /// The relevance generation ([`super::generation`]) as it is now.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.get()
    }

    /// The names of every tree (reading passes no gate).
    #[cfg(test)]
    pub(crate) fn tree_names(&self) -> Vec<IVec> {
        self.inner.tree_names()
    }

    /// Opens (or creates) a tree whose writes pass the gate, and move the relevance
    /// generation when its name says visibility checks read it.
    pub(crate) fn open_tree(&self, name: impl AsRef<[u8]>) -> sled::Result<Tree> {
        Ok(Tree {
            watch: watch_of(name.as_ref()),
            inner: self.inner.open_tree(name)?,
            gate: self.gate.clone(),
            generation: self.generation.clone(),
        })
    }

    /// Waits for the writes in progress, then keeps every new one waiting until the
    /// returned value is dropped.
    pub(crate) fn exclusive(&self) -> Exclusive<'_> {
        let hold = self.gate.exclusive();
        Exclusive {
            db: &self.inner,
            _hold: hold,
        }
    }

    /// Runs several writes as one for a backup: it sees all of them or none. Single
    /// writes and transactions inside `f` (on this thread) pass the gate freely.
    pub(crate) fn together<T>(&self, f: impl FnOnce() -> T) -> T {
        let gate = &*self.gate;
        let outer = HELD_FOR_COMPOUND.with(Cell::get);
        let _hold =
            (outer != gate.address()).then(|| gate.0.read().unwrap_or_else(|e| e.into_inner()));
        HELD_FOR_COMPOUND.with(|h| h.set(gate.address()));
        // Restored even if `f` panics, so a later write on this thread takes the lock.
        struct Restore(usize);
        impl Drop for Restore {
            fn drop(&mut self) {
                HELD_FOR_COMPOUND.with(|h| h.set(self.0));
            }
        }
        let _restore = Restore(outer);
        f()
    }

    /// Makes every write so far durable.
    pub(crate) fn flush(&self) -> sled::Result<usize> {
        self.inner.flush()
    }

    /// Makes every write so far durable without blocking the async runtime.
    pub(crate) async fn flush_async(&self) -> sled::Result<usize> {
        self.inner.flush_async().await
    }

    /// Bytes the database takes on disk.
    pub(crate) fn size_on_disk(&self) -> sled::Result<u64> {
        self.inner.size_on_disk()
    }
}

/// A sled tree whose writes pass the gate; reads go straight through.
#[derive(Clone)]
pub(crate) struct Tree {
    inner: sled::Tree,
    gate: Arc<Gate>,
    /// Which of its writes move the generation (after they land).
    watch: Watch,
    generation: Arc<Generation>,
}

impl Tree {
    // ---- reads ----

    /// See [`sled::Tree::get`].
    pub(crate) fn get<K: AsRef<[u8]>>(&self, key: K) -> sled::Result<Option<IVec>> {
        self.inner.get(key)
    }

    /// See [`sled::Tree::contains_key`].
    pub(crate) fn contains_key<K: AsRef<[u8]>>(&self, key: K) -> sled::Result<bool> {
        self.inner.contains_key(key)
    }

    /// See [`sled::Tree::iter`].
    pub(crate) fn iter(&self) -> Iter {
        self.inner.iter()
    }

    /// See [`sled::Tree::range`].
    pub(crate) fn range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Iter {
        self.inner.range(range)
    }

    /// See [`sled::Tree::scan_prefix`].
    pub(crate) fn scan_prefix<P: AsRef<[u8]>>(&self, prefix: P) -> Iter {
        self.inner.scan_prefix(prefix)
    }

    /// See [`sled::Tree::last`].
    pub(crate) fn last(&self) -> sled::Result<Option<(IVec, IVec)>> {
        self.inner.last()
    }

    /// See [`sled::Tree::len`] (a full scan in sled).
    pub(crate) fn len(&self) -> usize {
        self.inner.len()
    }

    // ---- writes: each holds the gate ----

    /// See [`sled::Tree::insert`].
    pub(crate) fn insert<K: AsRef<[u8]>, V: Into<IVec>>(
        &self,
        key: K,
        value: V,
    ) -> sled::Result<Option<IVec>> {
        let _hold = self.gate.hold();
        if !self.watch.covers(key.as_ref()) {
            return self.inner.insert(key, value);
        }
        let value: IVec = value.into();
        let old = self.inner.insert(key, value.clone())?;
        if old.as_ref() != Some(&value) {
            self.generation.bump();
        }
        Ok(old)
    }

    /// See [`sled::Tree::remove`].
    pub(crate) fn remove<K: AsRef<[u8]>>(&self, key: K) -> sled::Result<Option<IVec>> {
        let _hold = self.gate.hold();
        let watched = self.watch.covers(key.as_ref());
        let old = self.inner.remove(key)?;
        if watched && old.is_some() {
            self.generation.bump();
        }
        Ok(old)
    }

    /// See [`sled::Tree::apply_batch`].
    pub(crate) fn apply_batch(&self, batch: Batch) -> sled::Result<()> {
        let _hold = self.gate.hold();
        let done = self.inner.apply_batch(batch);
        if self.watch.any() {
            self.generation.bump();
        }
        done
    }

    /// See [`sled::Tree::compare_and_swap`].
    pub(crate) fn compare_and_swap<K, OV, NV>(
        &self,
        key: K,
        old: Option<OV>,
        new: Option<NV>,
    ) -> sled::Result<std::result::Result<(), CompareAndSwapError>>
    where
        K: AsRef<[u8]>,
        OV: AsRef<[u8]>,
        NV: Into<IVec>,
    {
        let _hold = self.gate.hold();
        let watched = self.watch.covers(key.as_ref());
        let done = self.inner.compare_and_swap(key, old, new)?;
        if watched && done.is_ok() {
            self.generation.bump();
        }
        Ok(done)
    }
}

/// A transaction over several trees at once, holding the gate while it runs (the
/// gated counterpart of [`sled::Transactional`] for tuples of trees).
pub(crate) trait Transactional<E> {
    /// The transactional trees the closure sees.
    type View;

    /// Runs `f` atomically over the trees (retried by sled on conflict).
    fn transaction<F, A>(&self, f: F) -> TransactionResult<A, E>
    where
        F: Fn(&Self::View) -> ConflictableTransactionResult<A, E>;
}

macro_rules! gated_tuple {
    ($($i:tt),+) => {
        impl<E> Transactional<E> for ($(gated_tuple!(@tree $i),)+) {
            type View = ($(gated_tuple!(@view $i),)+);

            fn transaction<F, A>(&self, f: F) -> TransactionResult<A, E>
            where
                F: Fn(&Self::View) -> ConflictableTransactionResult<A, E>,
            {
                let _hold = self.0.gate.hold();
                let done = sled::Transactional::transaction(&($(&self.$i.inner,)+), f);
                // Whatever the outcome: a transaction that wrote nothing only costs
                // the readers one more look.
                if false $(|| self.$i.watch.any())+ {
                    self.0.generation.bump();
                }
                done
            }
        }
    };
    (@tree $i:tt) => { &Tree };
    (@view $i:tt) => { TransactionalTree };
}

gated_tuple!(0, 1);
gated_tuple!(0, 1, 2);
gated_tuple!(0, 1, 2, 3);
gated_tuple!(0, 1, 2, 3, 4);
gated_tuple!(0, 1, 2, 3, 4, 5);
gated_tuple!(0, 1, 2, 3, 4, 5, 6);
gated_tuple!(0, 1, 2, 3, 4, 5, 6, 7);

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn writes_wait_while_the_database_is_held_exclusively() {
        let db = Db::new(sled::Config::new().temporary(true).open().unwrap());
        let a = db.open_tree("a").unwrap();
        let b = db.open_tree("b").unwrap();
        let held = db.exclusive();
        let (tx, rx) = mpsc::channel();
        let writer = {
            let (a, b) = (a.clone(), b.clone());
            std::thread::spawn(move || {
                (&a, &b)
                    .transaction(|(a, b)| {
                        a.insert(b"k", b"1")?;
                        b.insert(b"k", b"1")?;
                        Ok::<_, sled::transaction::ConflictableTransactionError<()>>(())
                    })
                    .unwrap();
                a.insert(b"single", b"2").unwrap();
                tx.send(()).unwrap();
            })
        };
        // The writer is blocked: nothing it writes is visible while the hold lasts.
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
        assert!(held.db.open_tree("a").unwrap().is_empty());
        drop(held);
        rx.recv_timeout(Duration::from_secs(10))
            .expect("the writer goes on once the hold ends");
        writer.join().unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn a_backup_sees_all_of_a_compound_write_or_none_of_it() {
        let db = Db::new(sled::Config::new().temporary(true).open().unwrap());
        let a = db.open_tree("a").unwrap();
        let b = db.open_tree("b").unwrap();
        let (first_done, first_written) = mpsc::channel();
        let (go_on, may_go_on) = mpsc::channel::<()>();
        let writer = {
            let (db, a, b) = (db.clone(), a.clone(), b.clone());
            std::thread::spawn(move || {
                db.together(|| {
                    a.insert(b"k", b"1").unwrap();
                    first_done.send(()).unwrap();
                    may_go_on.recv().unwrap();
                    (&a, &b)
                        .transaction(|(_, b)| {
                            b.insert(b"k", b"1")?;
                            Ok::<_, sled::transaction::ConflictableTransactionError<()>>(())
                        })
                        .unwrap();
                });
                // Outside, single writes take the gate again.
                a.insert(b"after", b"2").unwrap();
            })
        };
        first_written.recv().unwrap();
        let backup = {
            let db = db.clone();
            std::thread::spawn(move || {
                let held = db.exclusive();
                let a = held.db.open_tree("a").unwrap().len();
                let b = held.db.open_tree("b").unwrap().len();
                (a, b)
            })
        };
        // The backup waits for the whole compound write, even while one is waiting.
        std::thread::sleep(Duration::from_millis(50));
        go_on.send(()).unwrap();
        let (in_a, in_b) = backup.join().unwrap();
        writer.join().unwrap();
        assert!(
            in_a == in_b || (in_a == 2 && in_b == 1),
            "half a write: {in_a} {in_b}"
        );
        assert_eq!(a.len(), 2);
        assert_eq!(b.len(), 1);
    }
}
