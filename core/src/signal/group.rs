//! Group messages with sender keys (WhatsApp's layout).
//!
//! Each member has a sender key per group: a key id, a chain key with an iteration, and a
//! signing key pair. It distributes `0x33 ‖ SenderKeyDistributionMessage` to the other members
//! (inside a 1:1 message) and sends `skmsg`s: `0x33 ‖ SenderKeyMessage ‖ signature(64)`, the
//! signature by the signing key over `0x33 ‖ protobuf`. Receivers keep up to
//! [`MAX_SENDER_KEY_STATES`] states per sender and [`MAX_SKIPPED_KEYS`] skipped message keys
//! per state. Iterations advance by one per message (libsignal's rule; Baileys' sender skips
//! odd ones, which receivers handle as skipped keys).

use std::collections::VecDeque;

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use prost::Message as _;

use super::SignalError;
use super::kdf::{SenderChainKey, SenderMessageKey};
use super::message::VERSION_BYTE;
use super::session::{MAX_FORWARD_JUMP, MAX_SKIPPED_KEYS};
use crate::curve::{KeyPair, PrivateKey, PublicKey, SIGNATURE_LEN};
use crate::proto::signal as pb;

/// Sender-key states kept per sender and group.
pub const MAX_SENDER_KEY_STATES: usize = 5;

type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

/// What a member sends the others so they can read its group messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SenderKeyDistribution {
    /// The sender key's id.
    pub key_id: u32,
    /// The iteration the chain key is at.
    pub iteration: u32,
    /// The chain key.
    pub chain_key: [u8; 32],
    /// The public signing key.
    pub signing_key: PublicKey,
}

impl SenderKeyDistribution {
    /// Parses `0x33 ‖ protobuf`.
    pub fn parse(bytes: &[u8]) -> Result<SenderKeyDistribution, SignalError> {
        let (&version, proto) = bytes
            .split_first()
            .ok_or(SignalError::Malformed("empty message"))?;
        if version != VERSION_BYTE {
            return Err(SignalError::UnknownVersion(version));
        }
        let decoded = pb::SenderKeyDistributionMessage::decode(proto)
            .map_err(|_| SignalError::Malformed("SenderKeyDistributionMessage protobuf"))?;
        let (Some(key_id), Some(iteration), Some(chain_key), Some(signing_key)) = (
            decoded.id,
            decoded.iteration,
            decoded.chain_key,
            decoded.signing_key,
        ) else {
            return Err(SignalError::Malformed(
                "SenderKeyDistributionMessage misses a field",
            ));
        };
        Ok(SenderKeyDistribution {
            key_id,
            iteration,
            chain_key: chain_key
                .try_into()
                .map_err(|_| SignalError::InvalidKey("sender chain key"))?,
            signing_key: PublicKey::from_slice(&signing_key)
                .map_err(|_| SignalError::InvalidKey("sender signing key"))?,
        })
    }

    /// Serializes `0x33 ‖ protobuf`.
    pub fn serialize(&self) -> Vec<u8> {
        let proto = pb::SenderKeyDistributionMessage {
            id: Some(self.key_id),
            iteration: Some(self.iteration),
            chain_key: Some(self.chain_key.to_vec()),
            signing_key: Some(self.signing_key.serialize().to_vec()),
        }
        .encode_to_vec();
        let mut out = Vec::with_capacity(1 + proto.len());
        out.push(VERSION_BYTE);
        out.extend_from_slice(&proto);
        out
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SenderKeyState {
    pub(super) key_id: u32,
    pub(super) chain: SenderChainKey,
    pub(super) signing_public: PublicKey,
    pub(super) signing_private: Option<PrivateKey>,
    pub(super) skipped: VecDeque<SenderMessageKey>,
}

impl SenderKeyState {
    fn message_key(&mut self, iteration: u32) -> Result<SenderMessageKey, SignalError> {
        if iteration < self.chain.iteration() {
            let position = self
                .skipped
                .iter()
                .position(|key| key.iteration == iteration)
                .ok_or(SignalError::DuplicateMessage { counter: iteration })?;
            return self
                .skipped
                .remove(position)
                .ok_or(SignalError::DuplicateMessage { counter: iteration });
        }
        if iteration - self.chain.iteration() > MAX_FORWARD_JUMP {
            return Err(SignalError::TooFarInFuture {
                counter: iteration,
                limit: MAX_FORWARD_JUMP,
            });
        }
        while self.chain.iteration() < iteration {
            if self.skipped.len() >= MAX_SKIPPED_KEYS {
                self.skipped.pop_front();
            }
            self.skipped.push_back(self.chain.message_key());
            self.chain = self.chain.next().ok_or(SignalError::CounterExhausted)?;
        }
        let key = self.chain.message_key();
        self.chain = self.chain.next().ok_or(SignalError::CounterExhausted)?;
        Ok(key)
    }
}

/// One sender's keys for one group: ours (to encrypt) or a peer's (to decrypt).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SenderKeyRecord {
    pub(super) states: VecDeque<SenderKeyState>,
}

impl SenderKeyRecord {
    /// An empty record.
    pub fn new() -> SenderKeyRecord {
        SenderKeyRecord::default()
    }

    /// Our own sender key: `key_id`, a random 32-byte `chain_key` and a fresh `signing` pair.
    pub fn create(key_id: u32, chain_key: [u8; 32], signing: KeyPair) -> SenderKeyRecord {
        let mut record = SenderKeyRecord::new();
        record.states.push_back(SenderKeyState {
            key_id,
            chain: SenderChainKey::new(0, chain_key),
            signing_public: signing.public,
            signing_private: Some(signing.private),
            skipped: VecDeque::new(),
        });
        record
    }

    /// The distribution message for our current sender key.
    pub fn distribution(&self) -> Option<SenderKeyDistribution> {
        self.states.back().map(|state| SenderKeyDistribution {
            key_id: state.key_id,
            iteration: state.chain.iteration(),
            chain_key: state.chain.seed(),
            signing_key: state.signing_public,
        })
    }

    /// Adds a peer's sender key from its distribution message (replacing one with the same id).
    pub fn process_distribution(&mut self, distribution: &SenderKeyDistribution) {
        self.states
            .retain(|state| state.key_id != distribution.key_id);
        if self.states.len() >= MAX_SENDER_KEY_STATES {
            self.states.pop_front();
        }
        self.states.push_back(SenderKeyState {
            key_id: distribution.key_id,
            chain: SenderChainKey::new(distribution.iteration, distribution.chain_key),
            signing_public: distribution.signing_key,
            signing_private: None,
            skipped: VecDeque::new(),
        });
    }

    /// Encrypts an (already WhatsApp-padded) plaintext into an `skmsg`.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, SignalError> {
        let mut state = self.states.back().cloned().ok_or(SignalError::NoSession)?;
        let signing = state
            .signing_private
            .clone()
            .ok_or(SignalError::NoSession)?;
        let key = state.chain.message_key();
        state.chain = state.chain.next().ok_or(SignalError::CounterExhausted)?;
        let ciphertext = Aes256CbcEnc::new((&key.cipher_key).into(), (&key.iv).into())
            .encrypt_padded_vec_mut::<Pkcs7>(plaintext);
        let proto = pb::SenderKeyMessage {
            id: Some(state.key_id),
            iteration: Some(key.iteration),
            ciphertext: Some(ciphertext),
        }
        .encode_to_vec();
        let mut out = Vec::with_capacity(1 + proto.len() + SIGNATURE_LEN);
        out.push(VERSION_BYTE);
        out.extend_from_slice(&proto);
        let signature = signing.sign(&out);
        out.extend_from_slice(&signature);
        if let Some(last) = self.states.back_mut() {
            *last = state;
        }
        Ok(out)
    }

    /// Decrypts an `skmsg`. On failure the record is unchanged.
    pub fn decrypt(&mut self, bytes: &[u8]) -> Result<Vec<u8>, SignalError> {
        if bytes.len() < 1 + SIGNATURE_LEN {
            return Err(SignalError::Malformed(
                "sender-key message shorter than its signature",
            ));
        }
        let (signed, signature) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
        let version = signed[0];
        let decoded = pb::SenderKeyMessage::decode(&signed[1..])
            .map_err(|_| SignalError::Malformed("SenderKeyMessage protobuf"))?;
        let (Some(key_id), Some(iteration), Some(ciphertext)) =
            (decoded.id, decoded.iteration, decoded.ciphertext)
        else {
            return Err(SignalError::Malformed("SenderKeyMessage misses a field"));
        };
        let index = self
            .states
            .iter()
            .position(|state| state.key_id == key_id)
            .ok_or(SignalError::NoSession)?;
        let mut state = self.states[index].clone();
        if !state.signing_public.verify(signed, signature) {
            return Err(SignalError::InvalidSignature);
        }
        if version != VERSION_BYTE {
            return Err(SignalError::UnknownVersion(version));
        }
        let key = state.message_key(iteration)?;
        let plaintext = Aes256CbcDec::new((&key.cipher_key).into(), (&key.iv).into())
            .decrypt_padded_vec_mut::<Pkcs7>(&ciphertext)
            .map_err(|_| SignalError::BadPadding)?;
        self.states[index] = state;
        Ok(plaintext)
    }
}
