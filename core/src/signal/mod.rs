//! The Signal protocol as WhatsApp uses it (libsignal-compatible).
//!
//! This module holds the key schedule so far — HKDF with libsignal's info strings, the X3DH
//! master secret, the DH ratchet step, chain and message keys, and sender-key (group) message
//! keys — checked against libsignal-node's vectors. Sessions, message formats and sender-key
//! state build on it (issue 4). Keys and signatures come from [`crate::curve`].

pub mod kdf;

pub use kdf::{
    ChainKey, MessageKeys, RootKey, SenderChainKey, SenderMessageKey, derive_secrets,
    x3dh_master_secret,
};
