//! Storage for Signal state, and the store-driven encrypt/decrypt the messaging layer calls.
//!
//! The traits are async and object-safe; values cross them as bytes ([`SessionRecord`] and
//! [`SenderKeyRecord`] serialize themselves) so every backend — in memory, SQLite, Postgres,
//! `Encrypted<S>` — stores the same thing. [`InMemorySignalStore`] is the reference
//! implementation.
//!
//! Each operation loads a record, works on it, and stores it only if it succeeded, so a bad
//! message never reaches the store. Callers serialize operations per address (the messaging
//! layer keeps one lock per peer device).

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use async_trait::async_trait;

use super::SignalError;
use super::group::{SenderKeyDistribution, SenderKeyRecord};
use super::message::MessageKind;
use super::session::{
    Ciphertext, KeySource, LocalIdentity, PreKeyBundle, PreKeyLookup, SessionRecord,
};
use crate::curve::{KeyPair, PublicKey};

/// A peer device's Signal address: a name (the user part of its JID) and a device id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProtocolAddress {
    /// The name.
    pub name: String,
    /// The device id.
    pub device_id: u32,
}

impl ProtocolAddress {
    /// An address.
    pub fn new(name: impl Into<String>, device_id: u32) -> ProtocolAddress {
        ProtocolAddress {
            name: name.into(),
            device_id,
        }
    }
}

impl fmt::Display for ProtocolAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.name, self.device_id)
    }
}

/// Why a store-driven operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignalStoreError {
    /// The protocol refused the message or bundle.
    #[error(transparent)]
    Protocol(#[from] SignalError),
    /// A stored record is corrupt (it names the address).
    #[error("stored Signal record for {address} is corrupt: {source}")]
    CorruptRecord {
        /// Whose record.
        address: String,
        /// What is wrong with it.
        source: SignalError,
    },
    /// The storage backend failed.
    #[error("Signal store backend failed: {0}")]
    Backend(String),
}

/// The local identity, and the identities of peers.
#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// This device's identity key pair and registration id.
    async fn local_identity(&self) -> Result<LocalIdentity, SignalStoreError>;
    /// Whether `identity` may be used for `address` (trust on first use, or the app's policy).
    async fn is_trusted_identity(
        &self,
        address: &ProtocolAddress,
        identity: &PublicKey,
    ) -> Result<bool, SignalStoreError>;
    /// Records `identity` for `address`; returns `true` when it replaced a different key.
    async fn save_identity(
        &self,
        address: &ProtocolAddress,
        identity: &PublicKey,
    ) -> Result<bool, SignalStoreError>;
}

/// One-time and signed prekeys.
#[async_trait]
pub trait PreKeyStore: Send + Sync {
    /// A one-time prekey.
    async fn pre_key(&self, id: u32) -> Result<Option<KeyPair>, SignalStoreError>;
    /// Stores a one-time prekey.
    async fn store_pre_key(&self, id: u32, key: &KeyPair) -> Result<(), SignalStoreError>;
    /// Deletes a used one-time prekey.
    async fn remove_pre_key(&self, id: u32) -> Result<(), SignalStoreError>;
    /// A signed prekey.
    async fn signed_pre_key(&self, id: u32) -> Result<Option<KeyPair>, SignalStoreError>;
    /// Stores a signed prekey.
    async fn store_signed_pre_key(&self, id: u32, key: &KeyPair) -> Result<(), SignalStoreError>;
}

/// Session records per peer device, as bytes.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// The serialized record for `address`.
    async fn load_session(
        &self,
        address: &ProtocolAddress,
    ) -> Result<Option<Vec<u8>>, SignalStoreError>;
    /// Replaces the record for `address`.
    async fn store_session(
        &self,
        address: &ProtocolAddress,
        record: &[u8],
    ) -> Result<(), SignalStoreError>;
}

/// Sender-key records per (group, sender device), as bytes.
#[async_trait]
pub trait SenderKeyStore: Send + Sync {
    /// The serialized record.
    async fn load_sender_key(
        &self,
        group: &str,
        sender: &ProtocolAddress,
    ) -> Result<Option<Vec<u8>>, SignalStoreError>;
    /// Replaces the record.
    async fn store_sender_key(
        &self,
        group: &str,
        sender: &ProtocolAddress,
        record: &[u8],
    ) -> Result<(), SignalStoreError>;
}

/// Everything the Signal layer stores.
pub trait SignalStore: IdentityStore + PreKeyStore + SessionStore + SenderKeyStore {}

impl<T: IdentityStore + PreKeyStore + SessionStore + SenderKeyStore> SignalStore for T {}

async fn load_record(
    store: &dyn SignalStore,
    address: &ProtocolAddress,
) -> Result<SessionRecord, SignalStoreError> {
    match store.load_session(address).await? {
        None => Ok(SessionRecord::new()),
        Some(bytes) => {
            SessionRecord::deserialize(&bytes).map_err(|source| SignalStoreError::CorruptRecord {
                address: address.to_string(),
                source,
            })
        }
    }
}

/// Opens a session to `address` from its prekey bundle (identity checked first).
pub async fn process_bundle(
    store: &dyn SignalStore,
    address: &ProtocolAddress,
    bundle: &PreKeyBundle,
    keys: &mut (dyn KeySource + Send),
) -> Result<(), SignalStoreError> {
    if !store
        .is_trusted_identity(address, &bundle.identity_key)
        .await?
    {
        return Err(SignalError::UntrustedIdentity.into());
    }
    let local = store.local_identity().await?;
    let mut record = load_record(store, address).await?;
    record.initiate(&local, bundle, keys)?;
    store.store_session(address, &record.serialize()).await?;
    store.save_identity(address, &bundle.identity_key).await?;
    Ok(())
}

/// Encrypts a padded plaintext to `address`.
pub async fn encrypt(
    store: &dyn SignalStore,
    address: &ProtocolAddress,
    plaintext: &[u8],
) -> Result<Ciphertext, SignalStoreError> {
    let mut record = load_record(store, address).await?;
    let ciphertext = record.encrypt(plaintext)?;
    store.store_session(address, &record.serialize()).await?;
    Ok(ciphertext)
}

/// Prekeys as the session layer wants them, read ahead from the store.
struct LoadedPreKeys {
    signed: Option<(u32, KeyPair)>,
    one_time: Option<(u32, KeyPair)>,
}

impl PreKeyLookup for LoadedPreKeys {
    fn signed_pre_key(&self, id: u32) -> Option<KeyPair> {
        self.signed
            .as_ref()
            .filter(|(i, _)| *i == id)
            .map(|(_, k)| k.clone())
    }
    fn pre_key(&self, id: u32) -> Option<KeyPair> {
        self.one_time
            .as_ref()
            .filter(|(i, _)| *i == id)
            .map(|(_, k)| k.clone())
    }
}

/// Decrypts a `pkmsg` or `msg` from `address`. The session, the peer's identity and the used
/// one-time prekey are updated only when decryption succeeds.
pub async fn decrypt(
    store: &dyn SignalStore,
    address: &ProtocolAddress,
    kind: MessageKind,
    bytes: &[u8],
    keys: &mut (dyn KeySource + Send),
) -> Result<Vec<u8>, SignalStoreError> {
    let mut record = load_record(store, address).await?;
    let plaintext = match kind {
        MessageKind::Whisper => record.decrypt_message(bytes, keys)?,
        MessageKind::PreKey => {
            let message = super::message::PreKeySignalMessage::parse(bytes)?;
            if !store
                .is_trusted_identity(address, &message.identity_key)
                .await?
            {
                return Err(SignalError::UntrustedIdentity.into());
            }
            let local = store.local_identity().await?;
            let signed = store
                .signed_pre_key(message.signed_pre_key_id)
                .await?
                .map(|k| (message.signed_pre_key_id, k));
            let one_time = match message.pre_key_id {
                Some(id) => store.pre_key(id).await?.map(|k| (id, k)),
                None => None,
            };
            let prekeys = LoadedPreKeys { signed, one_time };
            let (plaintext, used) =
                record.decrypt_prekey_message(bytes, &local, &prekeys, None, keys)?;
            store.save_identity(address, &message.identity_key).await?;
            if let Some(id) = used {
                store.remove_pre_key(id).await?;
            }
            plaintext
        }
        MessageKind::SenderKey => {
            return Err(SignalError::Malformed("skmsg needs decrypt_group").into());
        }
    };
    store.store_session(address, &record.serialize()).await?;
    Ok(plaintext)
}

async fn load_sender_record(
    store: &dyn SignalStore,
    group: &str,
    sender: &ProtocolAddress,
) -> Result<SenderKeyRecord, SignalStoreError> {
    match store.load_sender_key(group, sender).await? {
        None => Ok(SenderKeyRecord::new()),
        Some(bytes) => {
            SenderKeyRecord::deserialize(&bytes).map_err(|source| SignalStoreError::CorruptRecord {
                address: format!("{group}::{sender}"),
                source,
            })
        }
    }
}

/// Stores a sender key a group member distributed to us.
pub async fn process_sender_key_distribution(
    store: &dyn SignalStore,
    group: &str,
    sender: &ProtocolAddress,
    distribution: &SenderKeyDistribution,
) -> Result<(), SignalStoreError> {
    let mut record = load_sender_record(store, group, sender).await?;
    record.process_distribution(distribution);
    store
        .store_sender_key(group, sender, &record.serialize())
        .await
}

/// Decrypts an `skmsg` from `sender` in `group`.
pub async fn decrypt_group(
    store: &dyn SignalStore,
    group: &str,
    sender: &ProtocolAddress,
    bytes: &[u8],
) -> Result<Vec<u8>, SignalStoreError> {
    let mut record = load_sender_record(store, group, sender).await?;
    let plaintext = record.decrypt(bytes)?;
    store
        .store_sender_key(group, sender, &record.serialize())
        .await?;
    Ok(plaintext)
}

/// Encrypts a padded plaintext to `group` with our sender key (`own` is our address).
pub async fn encrypt_group(
    store: &dyn SignalStore,
    group: &str,
    own: &ProtocolAddress,
    plaintext: &[u8],
) -> Result<Vec<u8>, SignalStoreError> {
    let mut record = load_sender_record(store, group, own).await?;
    let ciphertext = record.encrypt(plaintext)?;
    store
        .store_sender_key(group, own, &record.serialize())
        .await?;
    Ok(ciphertext)
}

/// Signal state in memory: the reference implementation of the store traits.
///
/// Identity policy: the first key seen for an address is trusted; a changed key is accepted
/// (as WhatsApp clients do after a peer reinstalls) unless `strict_identities` is set.
pub struct InMemorySignalStore {
    local: LocalIdentity,
    strict_identities: bool,
    identities: Mutex<HashMap<ProtocolAddress, PublicKey>>,
    pre_keys: Mutex<HashMap<u32, KeyPair>>,
    signed_pre_keys: Mutex<HashMap<u32, KeyPair>>,
    sessions: Mutex<HashMap<ProtocolAddress, Vec<u8>>>,
    sender_keys: Mutex<HashMap<(String, ProtocolAddress), Vec<u8>>>,
}

impl fmt::Debug for InMemorySignalStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemorySignalStore")
            .field("identity", &self.local.identity.public)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every update is a single insert or remove: a poisoned map is still consistent.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl InMemorySignalStore {
    /// A store for the device with `local` identity.
    pub fn new(local: LocalIdentity) -> InMemorySignalStore {
        InMemorySignalStore {
            local,
            strict_identities: false,
            identities: Mutex::default(),
            pre_keys: Mutex::default(),
            signed_pre_keys: Mutex::default(),
            sessions: Mutex::default(),
            sender_keys: Mutex::default(),
        }
    }

    /// Refuse peers whose identity key changed.
    pub fn with_strict_identities(mut self) -> InMemorySignalStore {
        self.strict_identities = true;
        self
    }
}

#[async_trait]
impl IdentityStore for InMemorySignalStore {
    async fn local_identity(&self) -> Result<LocalIdentity, SignalStoreError> {
        Ok(self.local.clone())
    }
    async fn is_trusted_identity(
        &self,
        address: &ProtocolAddress,
        identity: &PublicKey,
    ) -> Result<bool, SignalStoreError> {
        Ok(match lock(&self.identities).get(address) {
            None => true,
            Some(known) => known == identity || !self.strict_identities,
        })
    }
    async fn save_identity(
        &self,
        address: &ProtocolAddress,
        identity: &PublicKey,
    ) -> Result<bool, SignalStoreError> {
        let previous = lock(&self.identities).insert(address.clone(), *identity);
        Ok(previous.is_some_and(|p| p != *identity))
    }
}

#[async_trait]
impl PreKeyStore for InMemorySignalStore {
    async fn pre_key(&self, id: u32) -> Result<Option<KeyPair>, SignalStoreError> {
        Ok(lock(&self.pre_keys).get(&id).cloned())
    }
    async fn store_pre_key(&self, id: u32, key: &KeyPair) -> Result<(), SignalStoreError> {
        lock(&self.pre_keys).insert(id, key.clone());
        Ok(())
    }
    async fn remove_pre_key(&self, id: u32) -> Result<(), SignalStoreError> {
        lock(&self.pre_keys).remove(&id);
        Ok(())
    }
    async fn signed_pre_key(&self, id: u32) -> Result<Option<KeyPair>, SignalStoreError> {
        Ok(lock(&self.signed_pre_keys).get(&id).cloned())
    }
    async fn store_signed_pre_key(&self, id: u32, key: &KeyPair) -> Result<(), SignalStoreError> {
        lock(&self.signed_pre_keys).insert(id, key.clone());
        Ok(())
    }
}

#[async_trait]
impl SessionStore for InMemorySignalStore {
    async fn load_session(
        &self,
        address: &ProtocolAddress,
    ) -> Result<Option<Vec<u8>>, SignalStoreError> {
        Ok(lock(&self.sessions).get(address).cloned())
    }
    async fn store_session(
        &self,
        address: &ProtocolAddress,
        record: &[u8],
    ) -> Result<(), SignalStoreError> {
        lock(&self.sessions).insert(address.clone(), record.to_vec());
        Ok(())
    }
}

#[async_trait]
impl SenderKeyStore for InMemorySignalStore {
    async fn load_sender_key(
        &self,
        group: &str,
        sender: &ProtocolAddress,
    ) -> Result<Option<Vec<u8>>, SignalStoreError> {
        Ok(lock(&self.sender_keys)
            .get(&(group.to_string(), sender.clone()))
            .cloned())
    }
    async fn store_sender_key(
        &self,
        group: &str,
        sender: &ProtocolAddress,
        record: &[u8],
    ) -> Result<(), SignalStoreError> {
        lock(&self.sender_keys).insert((group.to_string(), sender.clone()), record.to_vec());
        Ok(())
    }
}
