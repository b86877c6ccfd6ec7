//! The wire forms: `SignalMessage` (`msg`) and `PreKeySignalMessage` (`pkmsg`).
//!
//! A `SignalMessage` is `0x33 ‖ protobuf ‖ MAC(8)`; a `PreKeySignalMessage` is `0x33 ‖ protobuf`
//! whose `message` field holds a whole `SignalMessage`.

use hmac::{Hmac, Mac};
use prost::Message as _;
use sha2::Sha256;

use super::SignalError;
use crate::curve::PublicKey;
use crate::proto::signal as pb;

/// The version byte of protocol version 3: `(3 << 4) | 3`.
pub const VERSION_BYTE: u8 = 0x33;

/// Length of the truncated MAC.
pub const MAC_LEN: usize = 8;

/// How a ciphertext travels in the `<enc type=…>` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    /// `pkmsg`: the first messages of a new session, carrying the X3DH data.
    PreKey,
    /// `msg`: a message on an established session.
    Whisper,
    /// `skmsg`: a group message encrypted with a sender key.
    SenderKey,
}

impl MessageKind {
    /// The `type` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::PreKey => "pkmsg",
            MessageKind::Whisper => "msg",
            MessageKind::SenderKey => "skmsg",
        }
    }
}

fn check_version(byte: u8) -> Result<(), SignalError> {
    if byte == VERSION_BYTE {
        Ok(())
    } else {
        // Stricter than libsignal-node, which also reads 0x43 and 0x53 as version 3.
        Err(SignalError::UnknownVersion(byte))
    }
}

/// The 8-byte MAC over `sender ‖ receiver ‖ 0x33 ‖ protobuf`.
pub(crate) fn mac(
    mac_key: &[u8; 32],
    sender_identity: &PublicKey,
    receiver_identity: &PublicKey,
    proto: &[u8],
) -> [u8; MAC_LEN] {
    let mut hmac = match <Hmac<Sha256> as Mac>::new_from_slice(mac_key) {
        Ok(mac) => mac,
        // ok: HMAC accepts keys of any length.
        Err(_) => unreachable!("HMAC-SHA256 takes any key length"),
    };
    hmac.update(&sender_identity.serialize());
    hmac.update(&receiver_identity.serialize());
    hmac.update(&[VERSION_BYTE]);
    hmac.update(proto);
    let full = hmac.finalize().into_bytes();
    let mut out = [0u8; MAC_LEN];
    out.copy_from_slice(&full[..MAC_LEN]);
    out
}

/// A parsed `SignalMessage`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalMessage {
    /// The sender's current ratchet key.
    pub ratchet_key: PublicKey,
    /// The message's counter in the sender's chain.
    pub counter: u32,
    /// The length of the sender's previous chain.
    pub previous_counter: u32,
    /// AES-256-CBC ciphertext.
    pub ciphertext: Vec<u8>,
    /// The protobuf bytes (for the MAC).
    pub(crate) proto: Vec<u8>,
    /// The MAC as received.
    pub(crate) mac: [u8; MAC_LEN],
}

impl SignalMessage {
    /// Parses `0x33 ‖ protobuf ‖ MAC`.
    pub fn parse(bytes: &[u8]) -> Result<SignalMessage, SignalError> {
        let (&version, rest) = bytes
            .split_first()
            .ok_or(SignalError::Malformed("empty message"))?;
        check_version(version)?;
        if rest.len() < MAC_LEN {
            return Err(SignalError::Malformed("message shorter than its MAC"));
        }
        let (proto, mac_bytes) = rest.split_at(rest.len() - MAC_LEN);
        let decoded = pb::SignalMessage::decode(proto)
            .map_err(|_| SignalError::Malformed("SignalMessage protobuf"))?;
        let (Some(ratchet_key), Some(counter), Some(ciphertext)) =
            (decoded.ratchet_key, decoded.counter, decoded.ciphertext)
        else {
            return Err(SignalError::Malformed("SignalMessage misses a field"));
        };
        let mut mac = [0u8; MAC_LEN];
        mac.copy_from_slice(mac_bytes);
        Ok(SignalMessage {
            ratchet_key: PublicKey::from_slice(&ratchet_key)
                .map_err(|_| SignalError::InvalidKey("ratchet key"))?,
            counter,
            previous_counter: decoded.previous_counter.unwrap_or(0),
            ciphertext,
            proto: proto.to_vec(),
            mac,
        })
    }

    /// Builds and MACs a message.
    pub(crate) fn serialize(
        mac_key: &[u8; 32],
        sender_identity: &PublicKey,
        receiver_identity: &PublicKey,
        ratchet_key: &PublicKey,
        counter: u32,
        previous_counter: u32,
        ciphertext: Vec<u8>,
    ) -> Vec<u8> {
        let proto = pb::SignalMessage {
            ratchet_key: Some(ratchet_key.serialize().to_vec()),
            counter: Some(counter),
            previous_counter: Some(previous_counter),
            ciphertext: Some(ciphertext),
        }
        .encode_to_vec();
        let mac = mac(mac_key, sender_identity, receiver_identity, &proto);
        let mut out = Vec::with_capacity(1 + proto.len() + MAC_LEN);
        out.push(VERSION_BYTE);
        out.extend_from_slice(&proto);
        out.extend_from_slice(&mac);
        out
    }
}

/// A parsed `PreKeySignalMessage`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreKeySignalMessage {
    /// The one-time prekey used, if any.
    pub pre_key_id: Option<u32>,
    /// The signed prekey used.
    pub signed_pre_key_id: u32,
    /// The sender's ephemeral (base) key.
    pub base_key: PublicKey,
    /// The sender's identity key.
    pub identity_key: PublicKey,
    /// The sender's registration id.
    pub registration_id: u32,
    /// The inner `SignalMessage`, serialized.
    pub message: Vec<u8>,
}

impl PreKeySignalMessage {
    /// Parses `0x33 ‖ protobuf`.
    pub fn parse(bytes: &[u8]) -> Result<PreKeySignalMessage, SignalError> {
        let (&version, proto) = bytes
            .split_first()
            .ok_or(SignalError::Malformed("empty message"))?;
        check_version(version)?;
        let decoded = pb::PreKeySignalMessage::decode(proto)
            .map_err(|_| SignalError::Malformed("PreKeySignalMessage protobuf"))?;
        let (Some(base_key), Some(identity_key), Some(message), Some(signed_pre_key_id)) = (
            decoded.base_key,
            decoded.identity_key,
            decoded.message,
            decoded.signed_pre_key_id,
        ) else {
            return Err(SignalError::Malformed("PreKeySignalMessage misses a field"));
        };
        Ok(PreKeySignalMessage {
            // libsignal treats a pre-key id of 0 as "none".
            pre_key_id: decoded.pre_key_id.filter(|&id| id != 0),
            signed_pre_key_id,
            base_key: PublicKey::from_slice(&base_key)
                .map_err(|_| SignalError::InvalidKey("base key"))?,
            identity_key: PublicKey::from_slice(&identity_key)
                .map_err(|_| SignalError::InvalidKey("identity key"))?,
            registration_id: decoded.registration_id.unwrap_or(0),
            message,
        })
    }

    /// Serializes `0x33 ‖ protobuf`.
    pub fn serialize(&self) -> Vec<u8> {
        let proto = pb::PreKeySignalMessage {
            pre_key_id: self.pre_key_id,
            base_key: Some(self.base_key.serialize().to_vec()),
            identity_key: Some(self.identity_key.serialize().to_vec()),
            message: Some(self.message.clone()),
            registration_id: Some(self.registration_id),
            signed_pre_key_id: Some(self.signed_pre_key_id),
        }
        .encode_to_vec();
        let mut out = Vec::with_capacity(1 + proto.len());
        out.push(VERSION_BYTE);
        out.extend_from_slice(&proto);
        out
    }
}
