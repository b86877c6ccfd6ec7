//! The Signal protocol as WhatsApp uses it (libsignal-compatible).
//!
//! - [`kdf`]: the key schedule (HKDF with libsignal's info strings, X3DH master secret, DH
//!   ratchet, chain and message keys, sender-key message keys).
//! - Sessions: [`SessionRecord`] / [`SessionState`] — X3DH from a [`PreKeyBundle`] or a received
//!   `pkmsg`, the double ratchet with bounded skipped keys, `msg`/`pkmsg` wire forms with the
//!   8-byte MAC. Failed decryptions never change the record.
//!
//! - [`padding`]: WhatsApp's plaintext padding.
//! - Groups: [`SenderKeyRecord`] and [`SenderKeyDistribution`] — signed `skmsg`s with bounded
//!   out-of-order keys.
//!
//! - Records serialize to versioned bytes for stores (`serialize` / `deserialize`).
//!
//! - [`store`]: async storage traits, an in-memory store, and the store-driven
//!   `encrypt`/`decrypt`/`encrypt_group`/`decrypt_group` the messaging layer calls.
//!
//! Keys and signatures come from [`crate::curve`].

mod error;
mod group;
pub mod kdf;
mod message;
pub mod padding;
mod record;
mod session;
pub mod store;

pub use error::SignalError;
pub use group::{MAX_SENDER_KEY_STATES, SenderKeyDistribution, SenderKeyRecord};
pub use kdf::{
    ChainKey, MessageKeys, RootKey, SenderChainKey, SenderMessageKey, derive_secrets,
    x3dh_master_secret,
};
pub use message::{MAC_LEN, MessageKind, PreKeySignalMessage, SignalMessage, VERSION_BYTE};
pub use record::RECORD_VERSION;
pub use session::{
    Ciphertext, KeySource, LocalIdentity, MAX_FORWARD_JUMP, MAX_PREVIOUS_SESSIONS,
    MAX_RECEIVER_CHAINS, MAX_SKIPPED_KEYS, OsKeySource, PreKeyBundle, PreKeyLookup, SessionRecord,
    SessionState,
};
