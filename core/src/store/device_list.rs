//! Device-list cache: which devices a user has, as last learned from usync.

use async_trait::async_trait;

use super::{AccountId, StoreError, UnixMillis};
use crate::jid::Jid;

/// A user's devices as last fetched, with the fetch time so callers can expire it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceList {
    /// The user (a JID without device: phone-number or LID form).
    pub user: Jid,
    /// The device numbers, 0 being the primary phone.
    pub devices: Vec<u16>,
    /// When the list was fetched.
    pub fetched_at: UnixMillis,
}

/// The per-account device-list cache.
#[async_trait]
pub trait DeviceListStore: Send + Sync {
    /// Creates or replaces a user's list (keyed by `list.user` without its device part).
    async fn put_device_list(
        &self,
        account: &AccountId,
        list: &DeviceList,
    ) -> Result<(), StoreError>;

    /// A user's cached list, if any.
    async fn get_device_list(
        &self,
        account: &AccountId,
        user: &Jid,
    ) -> Result<Option<DeviceList>, StoreError>;

    /// Forgets a user's list (a device notification invalidates it).
    async fn delete_device_list(&self, account: &AccountId, user: &Jid) -> Result<(), StoreError>;

    /// Forgets every list fetched before `before`; returns how many were removed.
    async fn expire_device_lists(
        &self,
        account: &AccountId,
        before: UnixMillis,
    ) -> Result<u64, StoreError>;
}
