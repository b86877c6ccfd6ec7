//! Storage: async, object-safe traits every backend implements, an in-memory store, and
//! [`Encrypted`], which seals every secret at rest.
//!
//! One account (a linked device) owns its credentials, Signal state, app-state keys,
//! device-list cache, LID mappings and outbox; accounts never see each other's records. Contacts live in books.
//! [`Store`] is the whole family; take it as `Arc<dyn Store>`.
//!
//! ```
//! use std::sync::Arc;
//! use wacast::store::{AccountId, Encrypted, MasterKey, MemoryStore, Store};
//! use wacast::store::prelude::*;
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let master = MasterKey::from_bytes([7; 32]);
//! let store: Arc<dyn Store> = Arc::new(Encrypted::open(MemoryStore::new(), master).await?);
//! let account = AccountId::new("sales-1")?;
//! assert!(store.get_credentials(&account).await?.is_none());
//! # Ok::<(), wacast::store::StoreError>(())
//! # }).unwrap();
//! ```
//!
//! The Signal layer reads one account's state through [`AccountSignalStore`], which
//! implements [`crate::signal::store`]'s traits over any [`Store`].
//!
//! Backends: [`MemoryStore`] here, `wacast-store-sqlite` for a file. Every backend passes the
//! conformance suite in `testkit` (cargo feature `testkit`).

mod app_state;
mod contacts;
mod credentials;
mod device_list;
mod encrypted;
mod error;
mod ids;
mod lid;
mod maintenance;
mod memory;
mod outbox;
mod secret;
mod shared;
mod signal_state;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;

pub use app_state::{
    APP_STATE_KEY_DATA, APP_STATE_KEYS_TABLE, AppStateKeyStore, AppStateSyncKey, app_state_key_name,
};
pub use contacts::{Contact, ContactStore, E164};
pub use credentials::{CREDENTIALS_TABLE, CredentialStore, Credentials, SignedPreKey, fields};
pub use device_list::{DeviceList, DeviceListStore};
pub use encrypted::{Encrypted, MasterKey, RotationReport};
pub use error::{BackendError, StoreError, record_name};
pub use ids::{AccountId, BookId, MAX_ID_LEN, MessageId, UnixMillis};
pub use lid::{LidMapping, LidStore};
pub use maintenance::{CellRef, SecretCell, StoreMaintenance};
pub use memory::MemoryStore;
pub use outbox::{
    Enqueued, MessageStatus, NewMessage, OUTBOX_PAYLOAD, OUTBOX_TABLE, OutboxRecord, OutboxStore,
    StatusKind, StatusTimes, StatusUpdate,
};
pub use secret::Secret;
pub use signal_state::{
    AccountSignalStore, IDENTITIES_TABLE, PREKEYS_TABLE, PRIVATE_KEY_FIELD, RECORD_FIELD,
    SENDER_KEYS_TABLE, SESSIONS_TABLE, SIGNED_PREKEYS_TABLE, SignalRecordStore, prekey_name,
    sender_key_name,
};

/// The storage traits, to bring their methods into scope: `use wacast::store::prelude::*;`.
pub mod prelude {
    pub use super::{
        AppStateKeyStore, ContactStore, CredentialStore, DeviceListStore, LidStore, OutboxStore,
        SignalRecordStore, Store, StoreMaintenance,
    };
}

/// Every storage trait in one: what the client, pairing and messaging layers take.
///
/// Implemented automatically for any type that implements all of them.
pub trait Store:
    CredentialStore
    + AppStateKeyStore
    + DeviceListStore
    + LidStore
    + ContactStore
    + OutboxStore
    + SignalRecordStore
    + StoreMaintenance
{
}

impl<T> Store for T where
    T: CredentialStore
        + AppStateKeyStore
        + DeviceListStore
        + LidStore
        + ContactStore
        + OutboxStore
        + SignalRecordStore
        + StoreMaintenance
{
}
