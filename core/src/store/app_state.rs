//! App-state sync keys: the keys the phone shares to decrypt app-state (contacts, chats) patches.

use async_trait::async_trait;

use super::{AccountId, Secret, StoreError, UnixMillis};

/// The table app-state sync keys are stored under (also bound into their ciphertexts).
pub const APP_STATE_KEYS_TABLE: &str = "app_state_keys";

/// The secret field of an [`AppStateSyncKey`].
pub const APP_STATE_KEY_DATA: &str = "key_data";

/// One app-state sync key, as received in an `AppStateSyncKeyShare`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppStateSyncKey {
    /// The key id (opaque bytes chosen by the phone).
    pub key_id: Vec<u8>,
    /// The key material.
    pub key_data: Secret,
    /// The encoded key fingerprint.
    pub fingerprint: Vec<u8>,
    /// When the phone created the key.
    pub timestamp: UnixMillis,
}

/// The record key of an app-state key in errors and ciphertext bindings: its id in hex.
pub fn app_state_key_name(key_id: &[u8]) -> String {
    key_id.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// App-state sync keys per account.
#[async_trait]
pub trait AppStateKeyStore: Send + Sync {
    /// Creates or replaces a key (by its id).
    async fn put_app_state_key(
        &self,
        account: &AccountId,
        key: &AppStateSyncKey,
    ) -> Result<(), StoreError>;

    /// The key with this id, if known.
    async fn get_app_state_key(
        &self,
        account: &AccountId,
        key_id: &[u8],
    ) -> Result<Option<AppStateSyncKey>, StoreError>;

    /// The key with the greatest timestamp (ties: the greatest id), if any.
    async fn latest_app_state_key(
        &self,
        account: &AccountId,
    ) -> Result<Option<AppStateSyncKey>, StoreError>;
}
