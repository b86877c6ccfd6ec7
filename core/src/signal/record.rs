//! Session and sender-key records as bytes, for stores.
//!
//! The format is wacast's own protobuf (`SessionRecordStructure`, `SenderKeyRecordStructure`
//! in `core/proto/signal.proto`) with a version number. Reading checks every length and bound,
//! so a corrupted or hostile row gives [`SignalError::Malformed`] instead of a broken session.

use std::collections::VecDeque;

use prost::Message as _;

use super::SignalError;
use super::group::{MAX_SENDER_KEY_STATES, SenderKeyRecord, SenderKeyState};
use super::kdf::{ChainKey, MessageKeys, RootKey, SenderChainKey, SenderMessageKey};
use super::session::{
    MAX_PREVIOUS_SESSIONS, MAX_RECEIVER_CHAINS, MAX_SKIPPED_KEYS, PendingPreKey, ReceiverChain,
    SessionRecord, SessionState,
};
use crate::curve::{KeyPair, PrivateKey, PublicKey};
use crate::proto::signal as pb;

/// The record format version this release writes and reads.
pub const RECORD_VERSION: u32 = 1;

fn malformed(what: &'static str) -> SignalError {
    SignalError::Malformed(what)
}

fn bytes32(bytes: Option<Vec<u8>>, what: &'static str) -> Result<[u8; 32], SignalError> {
    bytes
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .ok_or(malformed(what))
}

fn bytes16(bytes: Option<Vec<u8>>, what: &'static str) -> Result<[u8; 16], SignalError> {
    bytes
        .and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok())
        .ok_or(malformed(what))
}

fn public(bytes: Option<Vec<u8>>, what: &'static str) -> Result<PublicKey, SignalError> {
    bytes32(bytes, what).map(PublicKey::from_bytes)
}

fn chain_to(chain: &ChainKey) -> pb::ChainKeyStructure {
    pb::ChainKeyStructure {
        key: Some(chain.key().to_vec()),
        index: Some(chain.index()),
    }
}

fn chain_from(chain: Option<pb::ChainKeyStructure>) -> Result<ChainKey, SignalError> {
    let chain = chain.ok_or(malformed("chain key"))?;
    Ok(ChainKey::new(
        bytes32(chain.key, "chain key")?,
        chain.index.ok_or(malformed("chain index"))?,
    ))
}

fn session_to(state: &SessionState) -> pb::SessionStructure {
    pb::SessionStructure {
        local_identity: Some(state.local_identity.as_bytes().to_vec()),
        remote_identity: Some(state.remote_identity.as_bytes().to_vec()),
        local_registration_id: Some(state.local_registration_id),
        remote_registration_id: Some(state.remote_registration_id),
        root_key: Some(state.root_key.to_bytes().to_vec()),
        sender_ratchet_private: Some(state.sender_ratchet.private.to_bytes().to_vec()),
        sender_chain: state.sender_chain.as_ref().map(chain_to),
        receiver_chains: state
            .receiver_chains
            .iter()
            .map(|chain| pb::ReceiverChainStructure {
                ratchet_key: Some(chain.ratchet_key.as_bytes().to_vec()),
                chain_key: Some(chain_to(&chain.chain_key)),
                skipped: chain
                    .skipped
                    .iter()
                    .map(|keys| pb::MessageKeysStructure {
                        cipher_key: Some(keys.cipher_key.to_vec()),
                        mac_key: Some(keys.mac_key.to_vec()),
                        iv: Some(keys.iv.to_vec()),
                        counter: Some(keys.counter),
                    })
                    .collect(),
            })
            .collect(),
        previous_counter: Some(state.previous_counter),
        pending_pre_key: state
            .pending_pre_key
            .as_ref()
            .map(|p| pb::PendingPreKeyStructure {
                pre_key_id: p.pre_key_id,
                signed_pre_key_id: Some(p.signed_pre_key_id),
                base_key: Some(p.base_key.as_bytes().to_vec()),
            }),
        base_key: Some(state.base_key.as_bytes().to_vec()),
    }
}

fn session_from(s: pb::SessionStructure) -> Result<SessionState, SignalError> {
    if s.receiver_chains.len() > MAX_RECEIVER_CHAINS {
        return Err(malformed("too many receiving chains"));
    }
    let mut receiver_chains = VecDeque::with_capacity(s.receiver_chains.len());
    for chain in s.receiver_chains {
        if chain.skipped.len() > MAX_SKIPPED_KEYS {
            return Err(malformed("too many skipped message keys"));
        }
        let mut skipped = VecDeque::with_capacity(chain.skipped.len());
        for keys in chain.skipped {
            skipped.push_back(MessageKeys {
                cipher_key: bytes32(keys.cipher_key, "skipped cipher key")?,
                mac_key: bytes32(keys.mac_key, "skipped MAC key")?,
                iv: bytes16(keys.iv, "skipped IV")?,
                counter: keys.counter.ok_or(malformed("skipped key counter"))?,
            });
        }
        receiver_chains.push_back(ReceiverChain {
            ratchet_key: public(chain.ratchet_key, "receiving ratchet key")?,
            chain_key: chain_from(chain.chain_key)?,
            skipped,
        });
    }
    let pending_pre_key = match s.pending_pre_key {
        None => None,
        Some(p) => Some(PendingPreKey {
            pre_key_id: p.pre_key_id,
            signed_pre_key_id: p
                .signed_pre_key_id
                .ok_or(malformed("pending signed prekey id"))?,
            base_key: public(p.base_key, "pending base key")?,
        }),
    };
    Ok(SessionState {
        local_identity: public(s.local_identity, "local identity")?,
        remote_identity: public(s.remote_identity, "remote identity")?,
        local_registration_id: s.local_registration_id.unwrap_or(0),
        remote_registration_id: s.remote_registration_id.unwrap_or(0),
        root_key: RootKey::from_bytes(bytes32(s.root_key, "root key")?),
        sender_ratchet: KeyPair::from_private_bytes(bytes32(
            s.sender_ratchet_private,
            "sending ratchet key",
        )?),
        sender_chain: s.sender_chain.map(|c| chain_from(Some(c))).transpose()?,
        receiver_chains,
        previous_counter: s.previous_counter.unwrap_or(0),
        pending_pre_key,
        base_key: public(s.base_key, "base key")?,
    })
}

fn check_version(version: Option<u32>) -> Result<(), SignalError> {
    match version {
        Some(RECORD_VERSION) => Ok(()),
        _ => Err(malformed("unknown record version")),
    }
}

impl SessionRecord {
    /// The record as bytes (secrets included: stores encrypt it at rest).
    pub fn serialize(&self) -> Vec<u8> {
        pb::SessionRecordStructure {
            version: Some(RECORD_VERSION),
            current: self.current.as_ref().map(session_to),
            previous: self.previous.iter().map(session_to).collect(),
        }
        .encode_to_vec()
    }

    /// Reads a record written by [`SessionRecord::serialize`].
    pub fn deserialize(bytes: &[u8]) -> Result<SessionRecord, SignalError> {
        let record =
            pb::SessionRecordStructure::decode(bytes).map_err(|_| malformed("session record"))?;
        check_version(record.version)?;
        if record.previous.len() > MAX_PREVIOUS_SESSIONS {
            return Err(malformed("too many archived sessions"));
        }
        Ok(SessionRecord {
            current: record.current.map(session_from).transpose()?,
            previous: record
                .previous
                .into_iter()
                .map(session_from)
                .collect::<Result<_, _>>()?,
        })
    }
}

impl SenderKeyRecord {
    /// The record as bytes (secrets included: stores encrypt it at rest).
    pub fn serialize(&self) -> Vec<u8> {
        pb::SenderKeyRecordStructure {
            version: Some(RECORD_VERSION),
            states: self
                .states
                .iter()
                .map(|state| pb::SenderKeyStateStructure {
                    key_id: Some(state.key_id),
                    iteration: Some(state.chain.iteration()),
                    chain_key: Some(state.chain.seed().to_vec()),
                    signing_public: Some(state.signing_public.as_bytes().to_vec()),
                    signing_private: state
                        .signing_private
                        .as_ref()
                        .map(|k| k.to_bytes().to_vec()),
                    skipped: state
                        .skipped
                        .iter()
                        .map(|key| pb::SenderMessageKeyStructure {
                            iteration: Some(key.iteration),
                            iv: Some(key.iv.to_vec()),
                            cipher_key: Some(key.cipher_key.to_vec()),
                        })
                        .collect(),
                })
                .collect(),
        }
        .encode_to_vec()
    }

    /// Reads a record written by [`SenderKeyRecord::serialize`].
    pub fn deserialize(bytes: &[u8]) -> Result<SenderKeyRecord, SignalError> {
        let record = pb::SenderKeyRecordStructure::decode(bytes)
            .map_err(|_| malformed("sender-key record"))?;
        check_version(record.version)?;
        if record.states.len() > MAX_SENDER_KEY_STATES {
            return Err(malformed("too many sender-key states"));
        }
        let mut states = VecDeque::with_capacity(record.states.len());
        for state in record.states {
            if state.skipped.len() > MAX_SKIPPED_KEYS {
                return Err(malformed("too many skipped sender keys"));
            }
            let mut skipped = VecDeque::with_capacity(state.skipped.len());
            for key in state.skipped {
                skipped.push_back(SenderMessageKey {
                    iteration: key
                        .iteration
                        .ok_or(malformed("skipped sender key iteration"))?,
                    iv: bytes16(key.iv, "skipped sender IV")?,
                    cipher_key: bytes32(key.cipher_key, "skipped sender cipher key")?,
                });
            }
            states.push_back(SenderKeyState {
                key_id: state.key_id.ok_or(malformed("sender key id"))?,
                chain: SenderChainKey::new(
                    state.iteration.ok_or(malformed("sender key iteration"))?,
                    bytes32(state.chain_key, "sender chain key")?,
                ),
                signing_public: public(state.signing_public, "sender signing key")?,
                signing_private: state
                    .signing_private
                    .map(|k| {
                        bytes32(Some(k), "sender signing private key").map(PrivateKey::from_bytes)
                    })
                    .transpose()?,
                skipped,
            });
        }
        Ok(SenderKeyRecord { states })
    }
}
