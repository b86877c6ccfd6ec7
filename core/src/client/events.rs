//! What a running client reports.

use super::backoff::Backoff;
use super::disconnect::DisconnectReason;
use crate::binary::Node;
use crate::jid::Jid;

/// A connection event, in the order they happen.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// Opening connection attempt `attempt` (0 for the first after a stable connection).
    Connecting {
        /// Consecutive failed attempts before this one.
        attempt: u32,
    },
    /// Logged in: the server sent `<success>`.
    Connected {
        /// This device's LID (`user:device@lid`) from `<success lid=…>`, when sent.
        lid: Option<Jid>,
        /// The server's clock (unix seconds) from `<success t=…>`, when sent.
        server_time: Option<u64>,
    },
    /// A new device finished the handshake and the server offers pairing refs (each becomes
    /// a QR code).
    PairingRequired {
        /// The refs, in the order the server sent them.
        refs: Vec<String>,
    },
    /// The server handed out edge-routing info. The client uses it for its own reconnects;
    /// persist it and pass it as `ClientConfig::routing_info` to use it after a restart.
    RoutingInfo(Vec<u8>),
    /// The connection ended.
    Disconnected {
        /// Why.
        reason: DisconnectReason,
    },
    /// The client will reconnect after a delay.
    ReconnectScheduled {
        /// Consecutive failed attempts so far.
        attempt: u32,
        /// The delay and the ceiling it was drawn under.
        backoff: Backoff,
    },
    /// The device was logged out (401): the client stopped and will not reconnect.
    LoggedOut,
    /// The client stopped for good; no more events follow.
    Stopped,
    /// A stanza for the layers above the connection (messages, receipts, notifications...).
    Stanza(Node),
}
