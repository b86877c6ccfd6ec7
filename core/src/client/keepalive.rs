//! Keepalive pings and dead-connection detection, sans-IO.
//!
//! Like the official web client: a `w:p` ping every `interval`; a connection from which
//! nothing at all arrived for `interval + grace` is dead. Any received frame counts as life,
//! not only ping answers. The caller passes `now` and sleeps until the instant
//! [`Keepalive::poll`] returns, so the schedule is tested without a clock.

use std::time::{Duration, Instant};

/// What the connection should do about keepalive at a given instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeepaliveAction {
    /// Nothing until this instant; poll again then.
    WaitUntil(Instant),
    /// Send a ping now, then poll again.
    SendPing,
    /// Nothing arrived for too long: end the connection as timed out.
    Dead,
}

/// The keepalive schedule of one connection.
#[derive(Clone, Debug)]
pub struct Keepalive {
    interval: Duration,
    dead_after: Duration,
    last_received: Instant,
    next_ping: Instant,
}

impl Keepalive {
    /// A schedule for a connection that became usable at `now`: the first ping is due one
    /// `interval` later, and the connection is dead after `interval + grace` of silence.
    pub fn new(now: Instant, interval: Duration, grace: Duration) -> Keepalive {
        Keepalive {
            interval,
            dead_after: interval.saturating_add(grace),
            last_received: now,
            next_ping: now + interval,
        }
    }

    /// Records that something arrived at `now`.
    pub fn on_received(&mut self, now: Instant) {
        if now > self.last_received {
            self.last_received = now;
        }
    }

    /// When the connection is declared dead if nothing arrives before.
    pub fn dead_at(&self) -> Instant {
        self.last_received + self.dead_after
    }

    /// What to do at `now`. After [`KeepaliveAction::SendPing`] the next ping is scheduled one
    /// interval later, so each call makes progress and a caller looping on it never spins.
    pub fn poll(&mut self, now: Instant) -> KeepaliveAction {
        if now >= self.dead_at() {
            return KeepaliveAction::Dead;
        }
        if now >= self.next_ping {
            self.next_ping = now + self.interval;
            return KeepaliveAction::SendPing;
        }
        KeepaliveAction::WaitUntil(self.next_ping.min(self.dead_at()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn keepalive(start: Instant) -> Keepalive {
        Keepalive::new(start, 30 * SECOND, 5 * SECOND)
    }

    #[test]
    fn pings_every_interval_while_the_server_answers() {
        let start = Instant::now();
        let mut ka = keepalive(start);
        assert_eq!(
            ka.poll(start),
            KeepaliveAction::WaitUntil(start + 30 * SECOND)
        );
        let mut now = start;
        for round in 1..=10u32 {
            now = start + 30 * SECOND * round;
            assert_eq!(ka.poll(now), KeepaliveAction::SendPing, "round {round}");
            // Until the answer, the next thing due is the dead-connection deadline.
            assert_eq!(ka.poll(now), KeepaliveAction::WaitUntil(ka.dead_at()));
            assert!(ka.dead_at() > now && ka.dead_at() <= now + 6 * SECOND);
            // The answer arrives a second later.
            ka.on_received(now + SECOND);
            assert_eq!(
                ka.poll(now + SECOND),
                KeepaliveAction::WaitUntil(now + 30 * SECOND)
            );
        }
        assert!(now > start);
    }

    #[test]
    fn silence_past_interval_plus_grace_is_dead() {
        let start = Instant::now();
        let mut ka = keepalive(start);
        assert_eq!(ka.poll(start + 30 * SECOND), KeepaliveAction::SendPing);
        let wait = ka.poll(start + 30 * SECOND);
        assert_eq!(wait, KeepaliveAction::WaitUntil(start + 35 * SECOND));
        assert_eq!(
            ka.poll(start + 35 * SECOND - Duration::from_millis(1)),
            KeepaliveAction::WaitUntil(start + 35 * SECOND)
        );
        assert_eq!(ka.poll(start + 35 * SECOND), KeepaliveAction::Dead);
        assert_eq!(ka.poll(start + 3600 * SECOND), KeepaliveAction::Dead);
    }

    #[test]
    fn any_traffic_counts_as_life_and_late_polls_do_not_burst() {
        let start = Instant::now();
        let mut ka = keepalive(start);
        // Stanzas keep arriving; the pings still go out on schedule.
        ka.on_received(start + 29 * SECOND);
        assert_eq!(ka.poll(start + 31 * SECOND), KeepaliveAction::SendPing);
        ka.on_received(start + 50 * SECOND);
        // Polled late (the task was busy): one ping, not a burst of missed ones.
        assert_eq!(ka.poll(start + 70 * SECOND), KeepaliveAction::SendPing);
        assert_eq!(
            ka.poll(start + 70 * SECOND),
            KeepaliveAction::WaitUntil(start + 85 * SECOND)
        );
        // A timestamp from the past never moves the deadline back.
        ka.on_received(start);
        assert_eq!(ka.dead_at(), start + 85 * SECOND);
    }
}
