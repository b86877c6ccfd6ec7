//! Every store trait for `Arc<T>`: a shared handle (including `Arc<dyn Store>`) is a store,
//! so wrappers such as `Encrypted<Arc<dyn Store>>` work.

use std::sync::Arc;

use async_trait::async_trait;

use super::*;
use crate::jid::Jid;
use crate::signal::store::ProtocolAddress;

#[async_trait]
impl<T: CredentialStore + ?Sized> CredentialStore for Arc<T> {
    async fn list_accounts(&self) -> Result<Vec<AccountId>, StoreError> {
        (**self).list_accounts().await
    }

    async fn get_credentials(
        &self,
        account: &AccountId,
    ) -> Result<Option<Credentials>, StoreError> {
        (**self).get_credentials(account).await
    }

    async fn put_credentials(
        &self,
        account: &AccountId,
        credentials: &Credentials,
    ) -> Result<(), StoreError> {
        (**self).put_credentials(account, credentials).await
    }

    async fn set_logged_out(
        &self,
        account: &AccountId,
        logged_out: bool,
    ) -> Result<(), StoreError> {
        (**self).set_logged_out(account, logged_out).await
    }

    async fn delete_account(&self, account: &AccountId) -> Result<(), StoreError> {
        (**self).delete_account(account).await
    }
}

#[async_trait]
impl<T: AppStateKeyStore + ?Sized> AppStateKeyStore for Arc<T> {
    async fn put_app_state_key(
        &self,
        account: &AccountId,
        key: &AppStateSyncKey,
    ) -> Result<(), StoreError> {
        (**self).put_app_state_key(account, key).await
    }

    async fn get_app_state_key(
        &self,
        account: &AccountId,
        key_id: &[u8],
    ) -> Result<Option<AppStateSyncKey>, StoreError> {
        (**self).get_app_state_key(account, key_id).await
    }

    async fn latest_app_state_key(
        &self,
        account: &AccountId,
    ) -> Result<Option<AppStateSyncKey>, StoreError> {
        (**self).latest_app_state_key(account).await
    }
}

#[async_trait]
impl<T: DeviceListStore + ?Sized> DeviceListStore for Arc<T> {
    async fn put_device_list(
        &self,
        account: &AccountId,
        list: &DeviceList,
    ) -> Result<(), StoreError> {
        (**self).put_device_list(account, list).await
    }

    async fn get_device_list(
        &self,
        account: &AccountId,
        user: &Jid,
    ) -> Result<Option<DeviceList>, StoreError> {
        (**self).get_device_list(account, user).await
    }

    async fn delete_device_list(&self, account: &AccountId, user: &Jid) -> Result<(), StoreError> {
        (**self).delete_device_list(account, user).await
    }

    async fn expire_device_lists(
        &self,
        account: &AccountId,
        before: UnixMillis,
    ) -> Result<u64, StoreError> {
        (**self).expire_device_lists(account, before).await
    }
}

#[async_trait]
impl<T: LidStore + ?Sized> LidStore for Arc<T> {
    async fn put_lid_mapping(
        &self,
        account: &AccountId,
        mapping: &LidMapping,
    ) -> Result<(), StoreError> {
        (**self).put_lid_mapping(account, mapping).await
    }

    async fn mapping_for_lid(
        &self,
        account: &AccountId,
        lid_user: &str,
    ) -> Result<Option<LidMapping>, StoreError> {
        (**self).mapping_for_lid(account, lid_user).await
    }

    async fn mapping_for_phone(
        &self,
        account: &AccountId,
        phone_user: &str,
    ) -> Result<Option<LidMapping>, StoreError> {
        (**self).mapping_for_phone(account, phone_user).await
    }
}

#[async_trait]
impl<T: ContactStore + ?Sized> ContactStore for Arc<T> {
    async fn put_contact(&self, book: &BookId, contact: &Contact) -> Result<(), StoreError> {
        (**self).put_contact(book, contact).await
    }

    async fn get_contact(
        &self,
        book: &BookId,
        phone: &E164,
    ) -> Result<Option<Contact>, StoreError> {
        (**self).get_contact(book, phone).await
    }

    async fn delete_contact(&self, book: &BookId, phone: &E164) -> Result<bool, StoreError> {
        (**self).delete_contact(book, phone).await
    }

    async fn list_contacts(
        &self,
        book: &BookId,
        after: Option<&E164>,
        limit: usize,
    ) -> Result<Vec<Contact>, StoreError> {
        (**self).list_contacts(book, after, limit).await
    }

    async fn set_opted_out(
        &self,
        book: &BookId,
        phone: &E164,
        opted_out: bool,
        at: UnixMillis,
    ) -> Result<(), StoreError> {
        (**self).set_opted_out(book, phone, opted_out, at).await
    }
}

#[async_trait]
impl<T: OutboxStore + ?Sized> OutboxStore for Arc<T> {
    async fn enqueue(
        &self,
        account: &AccountId,
        message: &NewMessage,
    ) -> Result<Enqueued, StoreError> {
        (**self).enqueue(account, message).await
    }

    async fn get_message(
        &self,
        account: &AccountId,
        id: &MessageId,
    ) -> Result<Option<OutboxRecord>, StoreError> {
        (**self).get_message(account, id).await
    }

    async fn find_by_idempotency_key(
        &self,
        account: &AccountId,
        key: &str,
    ) -> Result<Option<OutboxRecord>, StoreError> {
        (**self).find_by_idempotency_key(account, key).await
    }

    async fn claim_due(
        &self,
        account: &AccountId,
        now: UnixMillis,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<OutboxRecord>, StoreError> {
        (**self).claim_due(account, now, lease_ms, limit).await
    }

    async fn release(
        &self,
        account: &AccountId,
        id: &MessageId,
        not_before: UnixMillis,
    ) -> Result<(), StoreError> {
        (**self).release(account, id, not_before).await
    }

    async fn update_status(
        &self,
        account: &AccountId,
        id: &MessageId,
        status: &MessageStatus,
        at: UnixMillis,
    ) -> Result<StatusUpdate, StoreError> {
        (**self).update_status(account, id, status, at).await
    }

    async fn count_by_status(
        &self,
        account: &AccountId,
    ) -> Result<Vec<(StatusKind, u64)>, StoreError> {
        (**self).count_by_status(account).await
    }
}

#[async_trait]
impl<T: SignalRecordStore + ?Sized> SignalRecordStore for Arc<T> {
    async fn get_identity(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).get_identity(account, address).await
    }

    async fn put_identity(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
        identity: &[u8],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).put_identity(account, address, identity).await
    }

    async fn get_prekey(&self, account: &AccountId, id: u32) -> Result<Option<Secret>, StoreError> {
        (**self).get_prekey(account, id).await
    }

    async fn put_prekey(
        &self,
        account: &AccountId,
        id: u32,
        private_key: &Secret,
    ) -> Result<(), StoreError> {
        (**self).put_prekey(account, id, private_key).await
    }

    async fn remove_prekey(&self, account: &AccountId, id: u32) -> Result<bool, StoreError> {
        (**self).remove_prekey(account, id).await
    }

    async fn prekey_stats(&self, account: &AccountId) -> Result<(u64, u32), StoreError> {
        (**self).prekey_stats(account).await
    }

    async fn get_signed_prekey(
        &self,
        account: &AccountId,
        id: u32,
    ) -> Result<Option<Secret>, StoreError> {
        (**self).get_signed_prekey(account, id).await
    }

    async fn put_signed_prekey(
        &self,
        account: &AccountId,
        id: u32,
        private_key: &Secret,
    ) -> Result<(), StoreError> {
        (**self).put_signed_prekey(account, id, private_key).await
    }

    async fn get_session(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
    ) -> Result<Option<Secret>, StoreError> {
        (**self).get_session(account, address).await
    }

    async fn put_session(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
        record: &Secret,
    ) -> Result<(), StoreError> {
        (**self).put_session(account, address, record).await
    }

    async fn delete_session(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
    ) -> Result<bool, StoreError> {
        (**self).delete_session(account, address).await
    }

    async fn get_sender_key(
        &self,
        account: &AccountId,
        group: &str,
        sender: &ProtocolAddress,
    ) -> Result<Option<Secret>, StoreError> {
        (**self).get_sender_key(account, group, sender).await
    }

    async fn put_sender_key(
        &self,
        account: &AccountId,
        group: &str,
        sender: &ProtocolAddress,
        record: &Secret,
    ) -> Result<(), StoreError> {
        (**self)
            .put_sender_key(account, group, sender, record)
            .await
    }

    async fn delete_sender_keys(
        &self,
        account: &AccountId,
        group: &str,
    ) -> Result<u64, StoreError> {
        (**self).delete_sender_keys(account, group).await
    }
}

#[async_trait]
impl<T: StoreMaintenance + ?Sized> StoreMaintenance for Arc<T> {
    async fn schema_version(&self) -> Result<u32, StoreError> {
        (**self).schema_version().await
    }

    async fn migrate(&self) -> Result<u32, StoreError> {
        (**self).migrate().await
    }

    async fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).get_meta(name).await
    }

    async fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        (**self).put_meta(name, value).await
    }

    async fn secret_cells(
        &self,
        after: Option<&CellRef>,
        limit: usize,
    ) -> Result<Vec<SecretCell>, StoreError> {
        (**self).secret_cells(after, limit).await
    }

    async fn replace_secret_cell(
        &self,
        cell: &CellRef,
        expected: &Secret,
        new: &Secret,
    ) -> Result<bool, StoreError> {
        (**self).replace_secret_cell(cell, expected, new).await
    }
}
