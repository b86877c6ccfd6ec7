//! Reconnect delays: exponential backoff with full jitter, capped.
//!
//! Attempt `n` (0-based) waits a uniformly random time in `[0, min(max, base * 2^n)]`. Full
//! jitter spreads the reconnects of many clients after an outage; the cap bounds the wait. The
//! attempt count resets only after a connection stayed up for `stable_after`, so a server
//! that accepts and then drops every connection still sees the backoff grow.

use std::time::Duration;

/// How long to wait before reconnecting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// The ceiling of the first delay.
    pub base: Duration,
    /// The largest ceiling.
    pub max: Duration,
    /// A connection that stays up this long resets the backoff.
    pub stable_after: Duration,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            base: Duration::from_secs(1),
            max: Duration::from_secs(60),
            stable_after: Duration::from_secs(60),
        }
    }
}

/// One scheduled reconnect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// How long to wait.
    pub delay: Duration,
    /// The upper bound the delay was drawn under.
    pub ceiling: Duration,
}

impl ReconnectPolicy {
    /// The ceiling for attempt `attempt` (0-based).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.max)
    }

    /// The delay for attempt `attempt`, drawn with `random` (any u64; uniform gives full
    /// jitter).
    pub fn backoff(&self, attempt: u32, random: u64) -> Backoff {
        let ceiling = self.ceiling(attempt);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        let delay = if nanos == 0 {
            Duration::ZERO
        } else {
            Duration::from_nanos(random % (nanos + 1))
        };
        Backoff { delay, ceiling }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_grow_then_cap_and_delays_stay_under_them() {
        let policy = ReconnectPolicy {
            base: Duration::from_millis(100),
            max: Duration::from_secs(2),
            stable_after: Duration::from_secs(1),
        };
        let ceilings: Vec<_> = (0..8).map(|n| policy.ceiling(n)).collect();
        assert_eq!(ceilings[0], Duration::from_millis(100));
        assert_eq!(ceilings[3], Duration::from_millis(800));
        assert_eq!(ceilings[5], Duration::from_secs(2));
        assert!(ceilings.windows(2).all(|w| w[0] <= w[1]));
        for attempt in 0..40 {
            for random in [0, 1, u64::MAX, 123_456_789] {
                let b = policy.backoff(attempt, random);
                assert!(b.delay <= b.ceiling && b.ceiling <= policy.max);
            }
        }
    }
}
