//! One account's connection to WhatsApp: transport, handshake, login, IQs, keepalive and
//! reconnects.
//!
//! [`Client::start`] spawns a driver task and returns a handle plus a stream of [`Event`]s.
//! The decisions are made by sans-IO pieces that are unit-tested without sockets or clocks:
//! [`DisconnectReason`] (what a close means and whether to come back), [`ReconnectPolicy`]
//! (exponential backoff with full jitter, capped), [`IqTracker`] (request ids and deadlines),
//! [`Keepalive`] (ping schedule and dead-connection detection).

mod backoff;
mod connection;
mod credentials;
mod disconnect;
mod events;
mod intro;
mod iq;
mod keepalive;
mod payload;
mod transport;

pub use backoff::{Backoff, ReconnectPolicy};
pub use connection::{Client, ClientConfig, ClientError};
pub use credentials::{Credentials, SignedPreKey};
pub use disconnect::DisconnectReason;
pub use events::Event;
pub use intro::{EDGE_ROUTING_MARKER, MAX_ROUTING_INFO_LEN, connection_intro, split_edge_routing};
pub use iq::{IdGenerator, IqError, IqTracker};
pub use keepalive::{Keepalive, KeepaliveAction};
pub use payload::ClientIdentity;
pub use transport::{
    Connector, DEFAULT_ORIGIN, DEFAULT_URL, Transport, TransportError, WebSocketConnector,
    WebSocketTransport,
};
