//! Faults the sandbox can inject into a connection.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Something to do to a connection, as a test or the control API asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Fault {
    /// Close the socket without a word.
    Drop,
    /// Send `<stream:error code=…>` and close (515 restart, 500, 503...).
    StreamError {
        /// The code.
        code: u16,
    },
    /// Send `<stream:error><conflict type="replaced"/></stream:error>` and close: another
    /// connection took over (440).
    Conflict,
    /// Send `<failure reason=…>` and close (401 logged out, 403, 405...). A 401 also unlinks
    /// the device from the registry, as the real server does when a phone removes it.
    Failure {
        /// The reason code.
        code: u16,
    },
    /// Stop reading and writing for a while (the socket stays open).
    Stall {
        /// How long, in milliseconds.
        ms: u64,
    },
    /// Delay every frame sent to the client from now on.
    Delay {
        /// The delay, in milliseconds.
        ms: u64,
    },
    /// Flip a byte in the next frame sent to the client (its MAC then fails).
    CorruptNextFrame,
}

impl Fault {
    /// The stall or delay duration, for the variants that have one.
    pub fn duration(&self) -> Option<Duration> {
        match self {
            Fault::Stall { ms } | Fault::Delay { ms } => Some(Duration::from_millis(*ms)),
            _ => None,
        }
    }
}
