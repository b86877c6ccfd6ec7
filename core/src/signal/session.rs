//! Sessions: X3DH setup from a prekey bundle or a received `pkmsg`, and the double ratchet.
//!
//! Every operation works on a copy of the record and replaces it only when it succeeds, so a
//! bad message (wrong MAC, replay, unknown version, too far ahead) leaves the session exactly as
//! it was. Key generation goes through [`KeySource`] so tests can replay recorded keys.

use std::collections::VecDeque;

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use subtle::ConstantTimeEq;

use super::SignalError;
use super::kdf::{ChainKey, MessageKeys, RootKey, x3dh_master_secret};
use super::message::{MessageKind, PreKeySignalMessage, SignalMessage, mac};
use crate::curve::{KeyPair, PublicKey};

/// Most messages a chain may skip ahead (libsignal's limit).
pub const MAX_FORWARD_JUMP: u32 = 2000;
/// Skipped message keys kept per receiving chain.
pub const MAX_SKIPPED_KEYS: usize = 2000;
/// Receiving chains kept per session.
pub const MAX_RECEIVER_CHAINS: usize = 5;
/// Archived sessions kept per record.
pub const MAX_PREVIOUS_SESSIONS: usize = 40;

/// Where new key pairs come from.
pub trait KeySource {
    /// A fresh key pair.
    fn key_pair(&mut self) -> KeyPair;
}

/// Fresh random keys from the operating system.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsKeySource;

impl KeySource for OsKeySource {
    fn key_pair(&mut self) -> KeyPair {
        KeyPair::generate()
    }
}

/// This device's long-term Signal identity.
#[derive(Clone, Debug)]
pub struct LocalIdentity {
    /// The identity key pair.
    pub identity: KeyPair,
    /// The registration id.
    pub registration_id: u32,
}

/// What a peer publishes so others can open a session with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreKeyBundle {
    /// The peer's registration id.
    pub registration_id: u32,
    /// The peer's identity key.
    pub identity_key: PublicKey,
    /// The signed prekey id.
    pub signed_pre_key_id: u32,
    /// The signed prekey.
    pub signed_pre_key: PublicKey,
    /// The identity key's signature of the signed prekey (33-byte form).
    pub signed_pre_key_signature: Vec<u8>,
    /// A one-time prekey, if the server had one.
    pub pre_key: Option<(u32, PublicKey)>,
}

/// The prekeys a device holds to answer incoming sessions.
pub trait PreKeyLookup {
    /// The signed prekey with `id`.
    fn signed_pre_key(&self, id: u32) -> Option<KeyPair>;
    /// The one-time prekey with `id` (the caller deletes it after a successful decrypt).
    fn pre_key(&self, id: u32) -> Option<KeyPair>;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ReceiverChain {
    pub(super) ratchet_key: PublicKey,
    pub(super) chain_key: ChainKey,
    pub(super) skipped: VecDeque<MessageKeys>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PendingPreKey {
    pub(super) pre_key_id: Option<u32>,
    pub(super) signed_pre_key_id: u32,
    pub(super) base_key: PublicKey,
}

/// One session with a peer device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionState {
    pub(super) local_identity: PublicKey,
    pub(super) remote_identity: PublicKey,
    pub(super) local_registration_id: u32,
    pub(super) remote_registration_id: u32,
    pub(super) root_key: RootKey,
    pub(super) sender_ratchet: KeyPair,
    pub(super) sender_chain: Option<ChainKey>,
    pub(super) receiver_chains: VecDeque<ReceiverChain>,
    pub(super) previous_counter: u32,
    pub(super) pending_pre_key: Option<PendingPreKey>,
    pub(super) base_key: PublicKey,
}

/// A message ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ciphertext {
    /// `pkmsg` or `msg`.
    pub kind: MessageKind,
    /// The serialized message.
    pub bytes: Vec<u8>,
}

type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

impl SessionState {
    /// Opens a session to the owner of `bundle` (X3DH, initiator side). Verifies the signed
    /// prekey's signature, which libsignal-node skips.
    pub fn initiate(
        local: &LocalIdentity,
        bundle: &PreKeyBundle,
        keys: &mut dyn KeySource,
    ) -> Result<SessionState, SignalError> {
        if !bundle.identity_key.verify(
            &bundle.signed_pre_key.serialize(),
            &bundle.signed_pre_key_signature,
        ) {
            return Err(SignalError::InvalidSignature);
        }
        let base = keys.key_pair();
        let mut dh = vec![
            local.identity.private.agree(&bundle.signed_pre_key),
            base.private.agree(&bundle.identity_key),
            base.private.agree(&bundle.signed_pre_key),
        ];
        if let Some((_, one_time)) = &bundle.pre_key {
            dh.push(base.private.agree(one_time));
        }
        let (root, _unused_chain) = x3dh_master_secret(&dh);
        let ratchet = keys.key_pair();
        let (root_key, sending) = root.create_chain(&bundle.signed_pre_key, &ratchet.private);
        Ok(SessionState {
            local_identity: local.identity.public,
            remote_identity: bundle.identity_key,
            local_registration_id: local.registration_id,
            remote_registration_id: bundle.registration_id,
            root_key,
            sender_ratchet: ratchet,
            sender_chain: Some(sending),
            receiver_chains: VecDeque::new(),
            previous_counter: 0,
            pending_pre_key: Some(PendingPreKey {
                pre_key_id: bundle.pre_key.as_ref().map(|(id, _)| *id),
                signed_pre_key_id: bundle.signed_pre_key_id,
                base_key: base.public,
            }),
            base_key: base.public,
        })
    }

    /// The responder's side of X3DH for a received `pkmsg`.
    fn respond(
        local: &LocalIdentity,
        message: &PreKeySignalMessage,
        prekeys: &dyn PreKeyLookup,
    ) -> Result<SessionState, SignalError> {
        let signed = prekeys
            .signed_pre_key(message.signed_pre_key_id)
            .ok_or(SignalError::UnknownSignedPreKey(message.signed_pre_key_id))?;
        let mut dh = vec![
            signed.private.agree(&message.identity_key),
            local.identity.private.agree(&message.base_key),
            signed.private.agree(&message.base_key),
        ];
        if let Some(id) = message.pre_key_id {
            let one_time = prekeys.pre_key(id).ok_or(SignalError::UnknownPreKey(id))?;
            dh.push(one_time.private.agree(&message.base_key));
        }
        let (root_key, _unused_chain) = x3dh_master_secret(&dh);
        Ok(SessionState {
            local_identity: local.identity.public,
            remote_identity: message.identity_key,
            local_registration_id: local.registration_id,
            remote_registration_id: message.registration_id,
            root_key,
            sender_ratchet: signed,
            sender_chain: None,
            receiver_chains: VecDeque::new(),
            previous_counter: 0,
            pending_pre_key: None,
            base_key: message.base_key,
        })
    }

    /// The peer's identity key.
    pub fn remote_identity(&self) -> PublicKey {
        self.remote_identity
    }

    /// The peer's registration id.
    pub fn remote_registration_id(&self) -> u32 {
        self.remote_registration_id
    }

    /// Encrypts an (already WhatsApp-padded) plaintext.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Ciphertext, SignalError> {
        let chain = self.sender_chain.clone().ok_or(SignalError::NoSession)?;
        let keys = chain.message_keys();
        let next = chain.next().ok_or(SignalError::CounterExhausted)?;
        let ciphertext = Aes256CbcEnc::new((&keys.cipher_key).into(), (&keys.iv).into())
            .encrypt_padded_vec_mut::<Pkcs7>(plaintext);
        let whisper = SignalMessage::serialize(
            &keys.mac_key,
            &self.local_identity,
            &self.remote_identity,
            &self.sender_ratchet.public,
            keys.counter,
            self.previous_counter,
            ciphertext,
        );
        self.sender_chain = Some(next);
        Ok(match &self.pending_pre_key {
            None => Ciphertext {
                kind: MessageKind::Whisper,
                bytes: whisper,
            },
            Some(pending) => Ciphertext {
                kind: MessageKind::PreKey,
                bytes: PreKeySignalMessage {
                    pre_key_id: pending.pre_key_id,
                    signed_pre_key_id: pending.signed_pre_key_id,
                    base_key: pending.base_key,
                    identity_key: self.local_identity,
                    registration_id: self.local_registration_id,
                    message: whisper,
                }
                .serialize(),
            },
        })
    }

    /// Decrypts a `SignalMessage`, stepping the ratchet when the sender's key is new.
    fn decrypt(
        &mut self,
        message: &SignalMessage,
        keys: &mut dyn KeySource,
    ) -> Result<Vec<u8>, SignalError> {
        let chain_index = match self
            .receiver_chains
            .iter()
            .position(|c| c.ratchet_key == message.ratchet_key)
        {
            Some(index) => index,
            None => self.step_ratchet(message, keys)?,
        };
        let message_keys = {
            let chain = &mut self.receiver_chains[chain_index];
            take_message_keys(chain, message.counter)?
        };
        let expected = mac(
            &message_keys.mac_key,
            &self.remote_identity,
            &self.local_identity,
            &message.proto,
        );
        if !bool::from(expected.ct_eq(&message.mac)) {
            return Err(SignalError::BadMac);
        }
        let plaintext =
            Aes256CbcDec::new((&message_keys.cipher_key).into(), (&message_keys.iv).into())
                .decrypt_padded_vec_mut::<Pkcs7>(&message.ciphertext)
                .map_err(|_| SignalError::BadPadding)?;
        // The peer answered: stop sending the X3DH data.
        self.pending_pre_key = None;
        Ok(plaintext)
    }

    /// Adds the receiving chain for the sender's new ratchet key and a new sending chain.
    fn step_ratchet(
        &mut self,
        message: &SignalMessage,
        keys: &mut dyn KeySource,
    ) -> Result<usize, SignalError> {
        // Keep the keys the sender's previous chain still owes us (bounded).
        if let Some(last) = self.receiver_chains.back_mut() {
            if message.previous_counter >= last.chain_key.index() {
                let _ = skip_to(last, message.previous_counter);
            }
        }
        let (root, receiving) = self
            .root_key
            .create_chain(&message.ratchet_key, &self.sender_ratchet.private);
        self.previous_counter = self
            .sender_chain
            .as_ref()
            .map_or(0, |chain| chain.index().saturating_sub(1));
        let ratchet = keys.key_pair();
        let (root, sending) = root.create_chain(&message.ratchet_key, &ratchet.private);
        self.root_key = root;
        self.sender_ratchet = ratchet;
        self.sender_chain = Some(sending);
        if self.receiver_chains.len() >= MAX_RECEIVER_CHAINS {
            self.receiver_chains.pop_front();
        }
        self.receiver_chains.push_back(ReceiverChain {
            ratchet_key: message.ratchet_key,
            chain_key: receiving,
            skipped: VecDeque::new(),
        });
        Ok(self.receiver_chains.len() - 1)
    }
}

/// Advances `chain` to `counter`, keeping the skipped keys (oldest dropped past the bound).
fn skip_to(chain: &mut ReceiverChain, counter: u32) -> Result<(), SignalError> {
    if counter.saturating_sub(chain.chain_key.index()) > MAX_FORWARD_JUMP {
        return Err(SignalError::TooFarInFuture {
            counter,
            limit: MAX_FORWARD_JUMP,
        });
    }
    while chain.chain_key.index() < counter {
        if chain.skipped.len() >= MAX_SKIPPED_KEYS {
            chain.skipped.pop_front();
        }
        chain.skipped.push_back(chain.chain_key.message_keys());
        chain.chain_key = chain
            .chain_key
            .next()
            .ok_or(SignalError::CounterExhausted)?;
    }
    Ok(())
}

/// The keys for message `counter` of `chain`: a kept skipped key, or the chain advanced.
fn take_message_keys(chain: &mut ReceiverChain, counter: u32) -> Result<MessageKeys, SignalError> {
    if counter < chain.chain_key.index() {
        let position = chain
            .skipped
            .iter()
            .position(|keys| keys.counter == counter)
            .ok_or(SignalError::DuplicateMessage { counter })?;
        return chain
            .skipped
            .remove(position)
            .ok_or(SignalError::DuplicateMessage { counter });
    }
    skip_to(chain, counter)?;
    let keys = chain.chain_key.message_keys();
    chain.chain_key = chain
        .chain_key
        .next()
        .ok_or(SignalError::CounterExhausted)?;
    Ok(keys)
}

/// All sessions with one peer device: the current one and up to
/// [`MAX_PREVIOUS_SESSIONS`] archived ones (a peer may still send on an older one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionRecord {
    pub(super) current: Option<SessionState>,
    pub(super) previous: VecDeque<SessionState>,
}

impl SessionRecord {
    /// An empty record.
    pub fn new() -> SessionRecord {
        SessionRecord::default()
    }

    /// The current session.
    pub fn current(&self) -> Option<&SessionState> {
        self.current.as_ref()
    }

    /// Makes `state` current, archiving the previous one.
    pub fn promote(&mut self, state: SessionState) {
        if let Some(old) = self.current.replace(state) {
            self.previous.push_front(old);
            self.previous.truncate(MAX_PREVIOUS_SESSIONS);
        }
    }

    /// Opens a new session from `bundle` and makes it current.
    pub fn initiate(
        &mut self,
        local: &LocalIdentity,
        bundle: &PreKeyBundle,
        keys: &mut dyn KeySource,
    ) -> Result<(), SignalError> {
        let state = SessionState::initiate(local, bundle, keys)?;
        self.promote(state);
        Ok(())
    }

    /// Encrypts with the current session.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Ciphertext, SignalError> {
        // `SessionState::encrypt` changes the state only after everything succeeded.
        self.current
            .as_mut()
            .ok_or(SignalError::NoSession)?
            .encrypt(plaintext)
    }

    /// Decrypts a `msg`, trying the current session and then the archived ones. On failure
    /// the record is unchanged.
    pub fn decrypt_message(
        &mut self,
        bytes: &[u8],
        keys: &mut dyn KeySource,
    ) -> Result<Vec<u8>, SignalError> {
        let message = SignalMessage::parse(bytes)?;
        if self.current.is_none() && self.previous.is_empty() {
            return Err(SignalError::NoSession);
        }
        let mut first_error = None;
        if let Some(current) = &self.current {
            let mut state = current.clone();
            match state.decrypt(&message, keys) {
                Ok(plaintext) => {
                    self.current = Some(state);
                    return Ok(plaintext);
                }
                Err(e) => first_error = Some(e),
            }
        }
        for index in 0..self.previous.len() {
            let mut state = self.previous[index].clone();
            if let Ok(plaintext) = state.decrypt(&message, keys) {
                self.previous.remove(index);
                self.promote(state);
                return Ok(plaintext);
            }
        }
        Err(first_error.unwrap_or(SignalError::BadMac))
    }

    /// Decrypts a `pkmsg`: builds the responder session (or reuses the one with the same base
    /// key) and decrypts its inner message. `trusted_identity`, when given, must match the
    /// sender's identity key. On failure the record is unchanged; on success the caller
    /// deletes the one-time prekey the message used (returned).
    pub fn decrypt_prekey_message(
        &mut self,
        bytes: &[u8],
        local: &LocalIdentity,
        prekeys: &dyn PreKeyLookup,
        trusted_identity: Option<&PublicKey>,
        keys: &mut dyn KeySource,
    ) -> Result<(Vec<u8>, Option<u32>), SignalError> {
        let message = PreKeySignalMessage::parse(bytes)?;
        if trusted_identity.is_some_and(|trusted| *trusted != message.identity_key) {
            return Err(SignalError::UntrustedIdentity);
        }
        let inner = SignalMessage::parse(&message.message)?;
        let existing = self
            .current
            .as_ref()
            .filter(|s| s.base_key == message.base_key)
            .cloned();
        let mut state = match existing {
            Some(state) => state,
            None => SessionState::respond(local, &message, prekeys)?,
        };
        let plaintext = state.decrypt(&inner, keys)?;
        if self
            .current
            .as_ref()
            .is_some_and(|s| s.base_key == message.base_key)
        {
            self.current = Some(state);
        } else {
            self.promote(state);
        }
        Ok((plaintext, message.pre_key_id))
    }
}
