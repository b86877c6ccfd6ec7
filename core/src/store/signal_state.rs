//! Signal state per account (identities, prekeys, sessions, sender keys) and
//! [`AccountSignalStore`], the view that gives the Signal layer one account's state through
//! [`crate::signal::store`]'s traits.

use async_trait::async_trait;

use super::{AccountId, Secret, Store, StoreError};
use crate::curve::{KeyPair, PublicKey};
use crate::signal::LocalIdentity;
use crate::signal::store::{
    IdentityStore, PreKeyStore, ProtocolAddress, SenderKeyStore, SessionStore, SignalStoreError,
};

/// The table of one-time prekeys (secret: the private key; record key: the id in decimal).
pub const PREKEYS_TABLE: &str = "prekeys";
/// The table of signed prekeys (secret: the private key; record key: the id in decimal).
pub const SIGNED_PREKEYS_TABLE: &str = "signed_prekeys";
/// The table of sessions (secret: the serialized record; record key: `name.device`).
pub const SESSIONS_TABLE: &str = "sessions";
/// The table of sender keys (secret: the serialized record; key: `group::name.device`).
pub const SENDER_KEYS_TABLE: &str = "sender_keys";
/// The table of peer identity keys (public, not sealed).
pub const IDENTITIES_TABLE: &str = "identities";
/// The secret field of prekeys and signed prekeys.
pub const PRIVATE_KEY_FIELD: &str = "private_key";
/// The secret field of sessions and sender keys.
pub const RECORD_FIELD: &str = "record";

/// The record key of a prekey or signed prekey.
pub fn prekey_name(id: u32) -> String {
    id.to_string()
}

/// The record key of a sender key.
pub fn sender_key_name(group: &str, sender: &ProtocolAddress) -> String {
    format!("{group}::{sender}")
}

/// Signal state of every account, as bytes; see [`AccountSignalStore`] for the typed view.
#[async_trait]
pub trait SignalRecordStore: Send + Sync {
    /// The identity key last seen for a peer device (33-byte serialized public key).
    async fn get_identity(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
    ) -> Result<Option<Vec<u8>>, StoreError>;

    /// Records a peer's identity key; returns the one it replaced, if any.
    async fn put_identity(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
        identity: &[u8],
    ) -> Result<Option<Vec<u8>>, StoreError>;

    /// A one-time prekey's private key.
    async fn get_prekey(&self, account: &AccountId, id: u32) -> Result<Option<Secret>, StoreError>;

    /// Stores a one-time prekey's private key (replacing one with the same id).
    async fn put_prekey(
        &self,
        account: &AccountId,
        id: u32,
        private_key: &Secret,
    ) -> Result<(), StoreError>;

    /// Deletes a used one-time prekey; returns whether it existed.
    async fn remove_prekey(&self, account: &AccountId, id: u32) -> Result<bool, StoreError>;

    /// How many one-time prekeys are stored, and the greatest id (0 when none): what an
    /// upload of fresh prekeys needs.
    async fn prekey_stats(&self, account: &AccountId) -> Result<(u64, u32), StoreError>;

    /// A signed prekey's private key.
    async fn get_signed_prekey(
        &self,
        account: &AccountId,
        id: u32,
    ) -> Result<Option<Secret>, StoreError>;

    /// Stores a signed prekey's private key.
    async fn put_signed_prekey(
        &self,
        account: &AccountId,
        id: u32,
        private_key: &Secret,
    ) -> Result<(), StoreError>;

    /// A peer device's serialized session record.
    async fn get_session(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
    ) -> Result<Option<Secret>, StoreError>;

    /// Replaces a peer device's session record.
    async fn put_session(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
        record: &Secret,
    ) -> Result<(), StoreError>;

    /// Forgets a peer device's session (a retry with a fresh session); returns whether it
    /// existed.
    async fn delete_session(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
    ) -> Result<bool, StoreError>;

    /// A serialized sender-key record of `sender` in `group`.
    async fn get_sender_key(
        &self,
        account: &AccountId,
        group: &str,
        sender: &ProtocolAddress,
    ) -> Result<Option<Secret>, StoreError>;

    /// Replaces a sender-key record.
    async fn put_sender_key(
        &self,
        account: &AccountId,
        group: &str,
        sender: &ProtocolAddress,
        record: &Secret,
    ) -> Result<(), StoreError>;

    /// Forgets every sender key of a group (participants changed); returns how many.
    async fn delete_sender_keys(&self, account: &AccountId, group: &str)
    -> Result<u64, StoreError>;
}

/// One account's Signal state through [`crate::signal::store`]'s traits, so
/// `signal::store::encrypt(&view, ...)` reads and writes the account's rows of any [`Store`].
///
/// The local identity comes from the account's [`Credentials`](super::Credentials); its
/// signed prekey is found there too. Peer identities are trusted on first use and a changed
/// key is accepted and recorded (as WhatsApp clients do after a reinstall) unless
/// [`AccountSignalStore::with_strict_identities`] is set.
pub struct AccountSignalStore<S> {
    store: S,
    account: AccountId,
    local: LocalIdentity,
    signed_prekey: (u32, Secret),
    strict_identities: bool,
}

impl<S> std::fmt::Debug for AccountSignalStore<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountSignalStore")
            .field("account", &self.account)
            .field("identity", &self.local.identity.public)
            .finish_non_exhaustive()
    }
}

fn backend(error: StoreError) -> SignalStoreError {
    SignalStoreError::Backend(error.to_string())
}

impl<S: Store> AccountSignalStore<S> {
    /// The view of `account`, whose credentials must exist ([`StoreError::NotFound`]).
    pub async fn open(store: S, account: AccountId) -> Result<AccountSignalStore<S>, StoreError> {
        let credentials =
            store
                .get_credentials(&account)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    account: account.clone(),
                    record: super::CREDENTIALS_TABLE.to_owned(),
                })?;
        let local = LocalIdentity {
            identity: credentials.identity_key_pair(&account)?,
            registration_id: credentials.registration_id,
        };
        credentials.signed_prekey_pair(&account)?;
        Ok(AccountSignalStore {
            signed_prekey: (
                credentials.signed_prekey.id,
                credentials.signed_prekey.private_key.clone(),
            ),
            store,
            account,
            local,
            strict_identities: false,
        })
    }

    /// Refuse peers whose identity key changed.
    pub fn with_strict_identities(mut self) -> AccountSignalStore<S> {
        self.strict_identities = true;
        self
    }

    /// The account this view reads.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The underlying store.
    pub fn store(&self) -> &S {
        &self.store
    }

    fn key_pair(&self, table: &str, id: u32, secret: &Secret) -> Result<KeyPair, SignalStoreError> {
        let bytes = secret.to_array::<32>().ok_or_else(|| {
            backend(StoreError::corrupt(
                &self.account,
                table,
                &prekey_name(id),
                format!("private key of {} bytes", secret.len()),
            ))
        })?;
        Ok(KeyPair::from_private_bytes(bytes))
    }
}

#[async_trait]
impl<S: Store> IdentityStore for AccountSignalStore<S> {
    async fn local_identity(&self) -> Result<LocalIdentity, SignalStoreError> {
        Ok(self.local.clone())
    }

    async fn is_trusted_identity(
        &self,
        address: &ProtocolAddress,
        identity: &PublicKey,
    ) -> Result<bool, SignalStoreError> {
        let known = self
            .store
            .get_identity(&self.account, address)
            .await
            .map_err(backend)?;
        Ok(match known {
            None => true,
            Some(known) => known == identity.serialize() || !self.strict_identities,
        })
    }

    async fn save_identity(
        &self,
        address: &ProtocolAddress,
        identity: &PublicKey,
    ) -> Result<bool, SignalStoreError> {
        let serialized = identity.serialize();
        let previous = self
            .store
            .put_identity(&self.account, address, &serialized)
            .await
            .map_err(backend)?;
        Ok(previous.is_some_and(|previous| previous != serialized))
    }
}

#[async_trait]
impl<S: Store> PreKeyStore for AccountSignalStore<S> {
    async fn pre_key(&self, id: u32) -> Result<Option<KeyPair>, SignalStoreError> {
        match self
            .store
            .get_prekey(&self.account, id)
            .await
            .map_err(backend)?
        {
            Some(secret) => self.key_pair(PREKEYS_TABLE, id, &secret).map(Some),
            None => Ok(None),
        }
    }

    async fn store_pre_key(&self, id: u32, key: &KeyPair) -> Result<(), SignalStoreError> {
        let secret = Secret::from_slice(&key.private.to_bytes());
        self.store
            .put_prekey(&self.account, id, &secret)
            .await
            .map_err(backend)
    }

    async fn remove_pre_key(&self, id: u32) -> Result<(), SignalStoreError> {
        self.store
            .remove_prekey(&self.account, id)
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn signed_pre_key(&self, id: u32) -> Result<Option<KeyPair>, SignalStoreError> {
        let stored = self
            .store
            .get_signed_prekey(&self.account, id)
            .await
            .map_err(backend)?;
        match stored {
            Some(secret) => self.key_pair(SIGNED_PREKEYS_TABLE, id, &secret).map(Some),
            None if id == self.signed_prekey.0 => self
                .key_pair(super::CREDENTIALS_TABLE, id, &self.signed_prekey.1)
                .map(Some),
            None => Ok(None),
        }
    }

    async fn store_signed_pre_key(&self, id: u32, key: &KeyPair) -> Result<(), SignalStoreError> {
        let secret = Secret::from_slice(&key.private.to_bytes());
        self.store
            .put_signed_prekey(&self.account, id, &secret)
            .await
            .map_err(backend)
    }
}

#[async_trait]
impl<S: Store> SessionStore for AccountSignalStore<S> {
    async fn load_session(
        &self,
        address: &ProtocolAddress,
    ) -> Result<Option<Vec<u8>>, SignalStoreError> {
        let record = self
            .store
            .get_session(&self.account, address)
            .await
            .map_err(backend)?;
        Ok(record.map(|record| record.expose().to_vec()))
    }

    async fn store_session(
        &self,
        address: &ProtocolAddress,
        record: &[u8],
    ) -> Result<(), SignalStoreError> {
        self.store
            .put_session(&self.account, address, &Secret::from_slice(record))
            .await
            .map_err(backend)
    }
}

#[async_trait]
impl<S: Store> SenderKeyStore for AccountSignalStore<S> {
    async fn load_sender_key(
        &self,
        group: &str,
        sender: &ProtocolAddress,
    ) -> Result<Option<Vec<u8>>, SignalStoreError> {
        let record = self
            .store
            .get_sender_key(&self.account, group, sender)
            .await
            .map_err(backend)?;
        Ok(record.map(|record| record.expose().to_vec()))
    }

    async fn store_sender_key(
        &self,
        group: &str,
        sender: &ProtocolAddress,
        record: &[u8],
    ) -> Result<(), SignalStoreError> {
        self.store
            .put_sender_key(&self.account, group, sender, &Secret::from_slice(record))
            .await
            .map_err(backend)
    }
}
