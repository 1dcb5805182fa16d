//! Many lookups at once, on several cores, answered in the order asked.
//!
//! A batch (the lines of a document to pre-translate, a file of queries
//! piped into `yakugo lookup`) is looked up by worker threads, each with its
//! own connection to the store and its own [`PairMemory`]: a SQLite
//! connection serves one thread at a time, and each lookup's counters are
//! per memory. The queries are read on a thread of their own as the workers
//! take them (a batch streams: it need not fit in memory, and an answer
//! comes as soon as it and every one before it are done), and the answers
//! are handed back on the calling thread, in query order, whatever order
//! the workers finish in. The matches are those of [`PairMemory::lookup`]
//! for each query alone (tested).
//!
//! One thread is used, on the caller's memory, when only one is asked for,
//! when the store has no file for other connections to open, or when the
//! memory is an exhaustive scan (which holds the whole pair in memory: a
//! copy per thread would multiply that).

use super::memory::{Context, Match, PairMemory};
use crate::store::{Store, StoreError};
use std::collections::BTreeMap;
use std::sync::mpsc::{channel, sync_channel, Receiver};
use std::sync::Mutex;

/// One query of a batch.
#[derive(Clone, Debug, Default)]
pub struct BatchQuery {
    pub text: String,
    pub context: Context,
}

/// Queries waiting for a worker, per worker: enough that none idles while
/// the reading thread catches up, few enough to keep a batch streaming.
const QUEUED_PER_WORKER: usize = 16;

impl PairMemory<'_> {
    /// Looks up each of `queries` (see [`PairMemory::lookup`]) on up to
    /// `threads` threads and calls `answer` with each query and its matches,
    /// in query order, on this thread. Stops at the first error: of the
    /// queries, of a lookup, or of `answer`.
    pub fn lookup_batch<E>(
        &self,
        threads: usize,
        min: f64,
        top: usize,
        queries: impl Iterator<Item = Result<BatchQuery, E>> + Send,
        mut answer: impl FnMut(BatchQuery, Vec<Match>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<StoreError> + Send,
    {
        let path = self.store().path().filter(|_| threads > 1 && !self.is_exhaustive());
        let Some(path) = path else {
            for query in queries {
                let query = query?;
                let matches = self.lookup(&query.text, &query.context, min, top)?;
                answer(query, matches)?;
            }
            return Ok(());
        };
        let (src, tgt) = self.languages();
        let (queued, waiting) = sync_channel::<(usize, BatchQuery)>(threads * QUEUED_PER_WORKER);
        let waiting = Mutex::new(waiting);
        std::thread::scope(|scope| {
            let (done, answers) = channel::<Result<(usize, BatchQuery, Vec<Match>), E>>();
            for _ in 0..threads {
                let (done, waiting, path) = (done.clone(), &waiting, &path);
                scope.spawn(move || {
                    let work = || -> Result<(), StoreError> {
                        let store = Store::open(path)?;
                        let memory = PairMemory::open(&store, src, tgt)?;
                        while let Some((at, query)) = next_query(waiting) {
                            let matches = memory.lookup(&query.text, &query.context, min, top)?;
                            if done.send(Ok((at, query, matches))).is_err() {
                                break;
                            }
                        }
                        Ok(())
                    };
                    if let Err(e) = work() {
                        let _ = done.send(Err(E::from(e)));
                    }
                });
            }
            let reader_done = done;
            scope.spawn(move || {
                for (at, query) in queries.enumerate() {
                    let sent = match query {
                        Ok(query) => queued.send((at, query)).is_ok(),
                        Err(e) => {
                            let _ = reader_done.send(Err(e));
                            false
                        }
                    };
                    if !sent {
                        break;
                    }
                }
            });
            // Answers that came before an earlier query's, by position.
            let mut early = BTreeMap::new();
            let mut next = 0;
            // Every sender is gone once the reader and the workers have
            // finished, which ends this loop; returning early drops the
            // receiver, which stops them at their next send.
            for result in answers {
                let (at, query, matches) = result?;
                early.insert(at, (query, matches));
                while let Some((query, matches)) = early.remove(&next) {
                    answer(query, matches)?;
                    next += 1;
                }
            }
            Ok(())
        })
    }
}

/// The next query for a worker, `None` once the batch is read (or the
/// reading thread has stopped).
fn next_query(waiting: &Mutex<Receiver<(usize, BatchQuery)>>) -> Option<(usize, BatchQuery)> {
    waiting.lock().ok()?.recv().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    #[test]
    fn a_batch_on_several_threads_answers_each_query_as_alone_in_query_order() {
        let (_dir, store) = crate::store::testing::meetings_store(300);
        let (ja, en) = (Lang::parse("ja").unwrap(), Lang::parse("en").unwrap());
        let memory = PairMemory::open(&store, &ja, &en).unwrap();
        let queries: Vec<BatchQuery> = (0..200)
            .map(|i| BatchQuery {
                text: format!("第{}回の会議が大阪で開催されました。", i * 7 % 300),
                context: Context::default(),
            })
            .collect();
        let ids = |m: &[Match]| m.iter().map(|m| (m.id, m.score)).collect::<Vec<_>>();
        for threads in [1, 3] {
            let mut answered = Vec::new();
            memory
                .lookup_batch(
                    threads,
                    50.0,
                    3,
                    queries.iter().cloned().map(Ok::<_, StoreError>),
                    |query, matches| {
                        answered.push((query.text, ids(&matches)));
                        Ok(())
                    },
                )
                .unwrap();
            assert_eq!(answered.len(), queries.len(), "{threads} threads");
            for (query, (text, found)) in queries.iter().zip(&answered) {
                assert_eq!(&query.text, text, "{threads} threads: order");
                let alone = memory.lookup(&query.text, &query.context, 50.0, 3).unwrap();
                assert!(!alone.is_empty());
                assert_eq!(found, &ids(&alone), "{threads} threads: {text}");
            }
        }
    }

    #[test]
    fn an_error_in_the_queries_stops_the_batch_after_the_answers_before_it() {
        let (_dir, store) = crate::store::testing::store_of(&[vec![("ja", "会議が開催された。"), ("en", "A meeting was held.")]]);
        let (ja, en) = (Lang::parse("ja").unwrap(), Lang::parse("en").unwrap());
        let memory = PairMemory::open(&store, &ja, &en).unwrap();
        for threads in [1, 2] {
            let queries = (0..100).map(|i| {
                if i == 50 {
                    Err(StoreError::Corrupt("a query that cannot be read".into()))
                } else {
                    Ok(BatchQuery {
                        text: "会議が開催された。".into(),
                        context: Context::default(),
                    })
                }
            });
            let mut answered = 0;
            let result = memory.lookup_batch(threads, 50.0, 3, queries, |_, _| {
                answered += 1;
                Ok(())
            });
            assert!(result.is_err(), "{threads} threads");
            assert!(answered <= 50, "{threads} threads: {answered} answered");
        }
    }
}
