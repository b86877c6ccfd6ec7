//! wacast: a WhatsApp multi-device client SDK.
//!
//! Link WhatsApp accounts (QR code or phone pair code), keep their sessions in your own
//! storage, and send one-to-one messages and template campaigns with per-recipient delivery
//! tracking, in-process.
//!
//! The crate is layered; lower layers know nothing of upper ones, and the protocol layers are
//! sans-IO (bytes and events in, bytes and events out):
//!
//! - [`jid`]: WhatsApp addresses.
//! - [`noise`]: the Noise handshake, certificate chain and frame encryption.
//! - [`binary`]: the binary XML node codec every stanza travels in.
//! - [`curve`]: Curve25519 keys and libsignal-style signatures.
//! - [`client`]: one account's connection (WebSocket, handshake, login, reconnect).
//! - [`signal`]: the Signal protocol's key schedule (sessions to follow).
//! - [`store`]: storage traits, the in-memory store and encryption at rest.
//! - [`proto`]: protobuf types generated from the project's own `.proto` files.

pub mod binary;
pub mod client;
pub mod curve;
pub mod jid;
pub mod noise;
pub mod signal;
pub mod store;

/// Protobuf types generated at build time from `core/proto/*.proto`.
///
/// One module per protobuf package: `wa` for WhatsApp's own messages.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod proto {
    include!(concat!(env!("OUT_DIR"), "/_includes.rs"));

    /// The encoded `FileDescriptorSet` of every `.proto` file, for reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/file_descriptor_set.bin"));
}

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
