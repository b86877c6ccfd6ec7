//! IQ request ids and the table of requests waiting for their response.
//!
//! Sans-IO: the caller passes `now`; expired requests come back from
//! [`IqTracker::take_expired`]. The table is bounded so a server that never answers cannot
//! grow it without limit.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Generates stanza ids like the official clients: `<u16>.<u16>-<n>` with a per-connection
/// random prefix and a counter.
#[derive(Debug)]
pub struct IdGenerator {
    prefix: String,
    counter: u64,
}

impl IdGenerator {
    /// A generator with a prefix from two random u16 values.
    pub fn new(random: u32) -> IdGenerator {
        IdGenerator {
            prefix: format!("{}.{}", random >> 16, random & 0xffff),
            counter: 0,
        }
    }

    /// The next id.
    pub fn next_id(&mut self) -> String {
        self.counter += 1;
        format!("{}-{}", self.prefix, self.counter)
    }
}

/// Why an IQ was not answered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IqError {
    /// No response within the timeout.
    #[error("IQ {0} timed out")]
    TimedOut(String),
    /// Too many requests are waiting.
    #[error("too many IQs in flight (limit {0})")]
    TooManyInFlight(usize),
    /// The connection ended before the response.
    #[error("connection closed before IQ {0} was answered")]
    Disconnected(String),
    /// The server answered `type="error"`.
    #[error("IQ {id} failed with code {code}: {text}")]
    ServerError {
        /// The request id.
        id: String,
        /// The error code.
        code: u16,
        /// The error text.
        text: String,
    },
}

/// Requests waiting for a response, each with a deadline and a value to complete it with
/// (typically a oneshot sender).
#[derive(Debug)]
pub struct IqTracker<T> {
    pending: HashMap<String, (Instant, T)>,
    limit: usize,
}

impl<T> IqTracker<T> {
    /// A tracker holding at most `limit` requests.
    pub fn new(limit: usize) -> IqTracker<T> {
        IqTracker {
            pending: HashMap::new(),
            limit,
        }
    }

    /// Registers request `id`, due at `now + timeout`.
    pub fn insert(
        &mut self,
        id: String,
        now: Instant,
        timeout: Duration,
        waiter: T,
    ) -> Result<(), IqError> {
        if self.pending.len() >= self.limit {
            return Err(IqError::TooManyInFlight(self.limit));
        }
        self.pending.insert(id, (now + timeout, waiter));
        Ok(())
    }

    /// Removes and returns the waiter for response `id`, if it is pending.
    pub fn complete(&mut self, id: &str) -> Option<T> {
        self.pending.remove(id).map(|(_, waiter)| waiter)
    }

    /// Removes and returns every request due at or before `now`.
    pub fn take_expired(&mut self, now: Instant) -> Vec<(String, T)> {
        let expired: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, (due, _))| *due <= now)
            .map(|(id, _)| id.clone())
            .collect();
        expired
            .into_iter()
            .filter_map(|id| self.pending.remove(&id).map(|(_, waiter)| (id, waiter)))
            .collect()
    }

    /// The earliest deadline, to schedule the next expiry check.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.pending.values().map(|(due, _)| *due).min()
    }

    /// Removes every pending request (the connection closed).
    pub fn drain(&mut self) -> Vec<(String, T)> {
        self.pending
            .drain()
            .map(|(id, (_, waiter))| (id, waiter))
            .collect()
    }

    /// Whether no more requests fit.
    pub fn is_full(&self) -> bool {
        self.pending.len() >= self.limit
    }

    /// How many requests are waiting.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether none is waiting.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_expires_and_bounds() {
        let start = Instant::now();
        let mut tracker = IqTracker::new(2);
        tracker
            .insert("a".into(), start, Duration::from_secs(1), 1)
            .unwrap();
        tracker
            .insert("b".into(), start, Duration::from_secs(5), 2)
            .unwrap();
        assert_eq!(
            tracker.insert("c".into(), start, Duration::from_secs(1), 3),
            Err(IqError::TooManyInFlight(2))
        );
        assert_eq!(
            tracker.next_deadline(),
            Some(start + Duration::from_secs(1))
        );
        assert_eq!(tracker.complete("b"), Some(2));
        assert_eq!(tracker.complete("b"), None);
        assert!(tracker.take_expired(start).is_empty());
        assert_eq!(
            tracker.take_expired(start + Duration::from_secs(2)),
            vec![("a".to_string(), 1)]
        );
        assert!(tracker.is_empty());
    }

    #[test]
    fn ids_have_the_official_shape() {
        let mut ids = IdGenerator::new(0x1234_5678);
        assert_eq!(ids.next_id(), "4660.22136-1");
        assert_eq!(ids.next_id(), "4660.22136-2");
    }
}
