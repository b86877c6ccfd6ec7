//! `Encrypted<S>`: seals every secret value of any store with AES-256-GCM.

mod key;

use async_trait::async_trait;

pub use key::MasterKey;
use key::{Envelope, SealingKey};

use super::credentials::fields;
use super::*;
use crate::jid::Jid;
use crate::signal::store::ProtocolAddress;

/// The metadata entry holding a value sealed under the current key, checked at open so a
/// wrong master key fails at once with [`StoreError::WrongMasterKey`].
const KEY_CHECK_META: &str = "wacast.encrypted.key_check";
const KEY_CHECK_PLAINTEXT: &[u8] = b"wacast master key check";
/// How many cells [`Encrypted::rotate`] handles per page.
const ROTATION_PAGE: usize = 256;

/// A store whose secret values (private keys, sync keys, Signal state, message payloads) are
/// sealed with AES-256-GCM before they reach `S`, and opened when read.
///
/// Each ciphertext carries the id of the master key it was sealed under (for rotation) and is
/// bound to its account, table, record key and field, so rows cannot be swapped. Non-secret
/// columns (ids, JIDs, statuses, times) stay in clear so the backend can index them.
/// Contacts are not sealed: they are looked up by phone number.
///
/// Maintenance calls ([`StoreMaintenance`]) pass through: `secret_cells` returns the sealed
/// envelopes.
pub struct Encrypted<S> {
    inner: S,
    current: SealingKey,
    previous: Vec<SealingKey>,
}

impl<S> std::fmt::Debug for Encrypted<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encrypted")
            .field("key_id", &format_args!("{:08x}", self.current.id))
            .field("previous_keys", &self.previous.len())
            .finish_non_exhaustive()
    }
}

/// What [`Encrypted::rotate`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Values re-sealed under the current key.
    pub resealed: u64,
    /// Values already under the current key.
    pub unchanged: u64,
    /// Values changed by a concurrent write while rotating (already written under the current
    /// key by that write).
    pub raced: u64,
}

impl<S: Store> Encrypted<S> {
    /// Wraps `inner`, sealing under `key`. Fails with [`StoreError::WrongMasterKey`] when the
    /// store was sealed under another key; a fresh store is marked with this key.
    pub async fn open(inner: S, key: MasterKey) -> Result<Encrypted<S>, StoreError> {
        Encrypted::open_with_previous(inner, key, &[]).await
    }

    /// Wraps `inner`, sealing new values under `current` and still opening values sealed
    /// under any of `previous`; call [`Encrypted::rotate`] to re-seal them under `current`.
    pub async fn open_with_previous(
        inner: S,
        current: MasterKey,
        previous: &[MasterKey],
    ) -> Result<Encrypted<S>, StoreError> {
        let store = Encrypted {
            inner,
            current: SealingKey::derive(&current),
            previous: previous.iter().map(SealingKey::derive).collect(),
        };
        store.check_key().await?;
        Ok(store)
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The id of the key new values are sealed under.
    pub fn key_id(&self) -> u32 {
        self.current.id
    }

    /// Re-seals every secret value not sealed under the current key, then marks the store as
    /// sealed under it (so only the new key is needed from then on). Safe to re-run after an
    /// interruption; concurrent writes are not lost.
    pub async fn rotate(&self) -> Result<RotationReport, StoreError> {
        let mut report = RotationReport::default();
        let mut after: Option<CellRef> = None;
        loop {
            let page = self
                .inner
                .secret_cells(after.as_ref(), ROTATION_PAGE)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.cell.clone());
            for stored in &page {
                let envelope = Envelope::parse(&stored.cell, stored.value.expose())?;
                if envelope.key_id == self.current.id {
                    report.unchanged += 1;
                    continue;
                }
                let plaintext = self.open_envelope(&stored.cell, &envelope)?;
                let resealed = self.current.seal(&stored.cell, plaintext.expose())?;
                if self
                    .inner
                    .replace_secret_cell(&stored.cell, &stored.value, &resealed)
                    .await?
                {
                    report.resealed += 1;
                } else {
                    report.raced += 1;
                }
            }
        }
        self.write_key_check().await?;
        Ok(report)
    }

    fn key_check_cell() -> Result<CellRef, StoreError> {
        let store_wide = AccountId::new("*")?;
        Ok(CellRef::new("meta", &store_wide, KEY_CHECK_META, "check"))
    }

    async fn check_key(&self) -> Result<(), StoreError> {
        let Some(stored) = self.inner.get_meta(KEY_CHECK_META).await? else {
            return self.write_key_check().await;
        };
        let cell = Encrypted::<S>::key_check_cell()?;
        let wrong_key = |stored: u32| StoreError::WrongMasterKey {
            stored,
            configured: std::iter::once(&self.current)
                .chain(&self.previous)
                .map(|key| format!("{:08x}", key.id))
                .collect::<Vec<_>>()
                .join(", "),
        };
        let envelope = Envelope::parse(&cell, &stored)?;
        match self.open_envelope(&cell, &envelope) {
            Ok(plaintext) if plaintext.expose() == KEY_CHECK_PLAINTEXT => Ok(()),
            Ok(_) | Err(_) => Err(wrong_key(envelope.key_id)),
        }
    }

    async fn write_key_check(&self) -> Result<(), StoreError> {
        let sealed = self
            .current
            .seal(&Encrypted::<S>::key_check_cell()?, KEY_CHECK_PLAINTEXT)?;
        self.inner.put_meta(KEY_CHECK_META, sealed.expose()).await
    }

    fn open_envelope(&self, cell: &CellRef, envelope: &Envelope<'_>) -> Result<Secret, StoreError> {
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|key| key.id == envelope.key_id)
            .ok_or_else(|| StoreError::UnknownKey {
                account: cell.account.clone(),
                record: cell.record_name(),
                key_id: envelope.key_id,
            })?;
        key.open(cell, envelope)
    }

    fn seal(&self, cell: &CellRef, plaintext: &Secret) -> Result<Secret, StoreError> {
        self.current.seal(cell, plaintext.expose())
    }

    fn unseal(&self, cell: &CellRef, stored: &Secret) -> Result<Secret, StoreError> {
        let envelope = Envelope::parse(cell, stored.expose())?;
        self.open_envelope(cell, &envelope)
    }

    fn map_credentials(
        &self,
        account: &AccountId,
        credentials: &Credentials,
        map: impl Fn(&Self, &CellRef, &Secret) -> Result<Secret, StoreError>,
    ) -> Result<Credentials, StoreError> {
        let cell = |field: &str| CellRef::new(CREDENTIALS_TABLE, account, "", field);
        let mut mapped = credentials.clone();
        mapped.noise_key = map(self, &cell(fields::NOISE_KEY), &credentials.noise_key)?;
        mapped.identity_key = map(self, &cell(fields::IDENTITY_KEY), &credentials.identity_key)?;
        mapped.signed_prekey.private_key = map(
            self,
            &cell(fields::SIGNED_PREKEY),
            &credentials.signed_prekey.private_key,
        )?;
        mapped.adv_secret = map(self, &cell(fields::ADV_SECRET), &credentials.adv_secret)?;
        Ok(mapped)
    }

    fn app_state_cell(account: &AccountId, key_id: &[u8]) -> CellRef {
        CellRef::new(
            APP_STATE_KEYS_TABLE,
            account,
            &app_state_key_name(key_id),
            APP_STATE_KEY_DATA,
        )
    }

    fn open_app_state_key(
        &self,
        account: &AccountId,
        key: Option<AppStateSyncKey>,
    ) -> Result<Option<AppStateSyncKey>, StoreError> {
        let Some(mut key) = key else { return Ok(None) };
        key.key_data = self.unseal(&Self::app_state_cell(account, &key.key_id), &key.key_data)?;
        Ok(Some(key))
    }

    fn outbox_cell(account: &AccountId, id: &MessageId) -> CellRef {
        CellRef::new(OUTBOX_TABLE, account, id.as_str(), OUTBOX_PAYLOAD)
    }

    fn open_record(
        &self,
        account: &AccountId,
        mut record: OutboxRecord,
    ) -> Result<OutboxRecord, StoreError> {
        record.payload = self.unseal(&Self::outbox_cell(account, &record.id), &record.payload)?;
        Ok(record)
    }
}

#[async_trait]
impl<S: Store> CredentialStore for Encrypted<S> {
    async fn list_accounts(&self) -> Result<Vec<AccountId>, StoreError> {
        self.inner.list_accounts().await
    }

    async fn get_credentials(
        &self,
        account: &AccountId,
    ) -> Result<Option<Credentials>, StoreError> {
        match self.inner.get_credentials(account).await? {
            Some(sealed) => Ok(Some(self.map_credentials(
                account,
                &sealed,
                Self::unseal,
            )?)),
            None => Ok(None),
        }
    }

    async fn put_credentials(
        &self,
        account: &AccountId,
        credentials: &Credentials,
    ) -> Result<(), StoreError> {
        let sealed = self.map_credentials(account, credentials, Self::seal)?;
        self.inner.put_credentials(account, &sealed).await
    }

    async fn set_logged_out(
        &self,
        account: &AccountId,
        logged_out: bool,
    ) -> Result<(), StoreError> {
        self.inner.set_logged_out(account, logged_out).await
    }

    async fn delete_account(&self, account: &AccountId) -> Result<(), StoreError> {
        self.inner.delete_account(account).await
    }
}

#[async_trait]
impl<S: Store> AppStateKeyStore for Encrypted<S> {
    async fn put_app_state_key(
        &self,
        account: &AccountId,
        key: &AppStateSyncKey,
    ) -> Result<(), StoreError> {
        let mut sealed = key.clone();
        sealed.key_data = self.seal(&Self::app_state_cell(account, &key.key_id), &key.key_data)?;
        self.inner.put_app_state_key(account, &sealed).await
    }

    async fn get_app_state_key(
        &self,
        account: &AccountId,
        key_id: &[u8],
    ) -> Result<Option<AppStateSyncKey>, StoreError> {
        let key = self.inner.get_app_state_key(account, key_id).await?;
        self.open_app_state_key(account, key)
    }

    async fn latest_app_state_key(
        &self,
        account: &AccountId,
    ) -> Result<Option<AppStateSyncKey>, StoreError> {
        let key = self.inner.latest_app_state_key(account).await?;
        self.open_app_state_key(account, key)
    }
}

#[async_trait]
impl<S: Store> DeviceListStore for Encrypted<S> {
    async fn put_device_list(
        &self,
        account: &AccountId,
        list: &DeviceList,
    ) -> Result<(), StoreError> {
        self.inner.put_device_list(account, list).await
    }

    async fn get_device_list(
        &self,
        account: &AccountId,
        user: &Jid,
    ) -> Result<Option<DeviceList>, StoreError> {
        self.inner.get_device_list(account, user).await
    }

    async fn delete_device_list(&self, account: &AccountId, user: &Jid) -> Result<(), StoreError> {
        self.inner.delete_device_list(account, user).await
    }

    async fn expire_device_lists(
        &self,
        account: &AccountId,
        before: UnixMillis,
    ) -> Result<u64, StoreError> {
        self.inner.expire_device_lists(account, before).await
    }
}

#[async_trait]
impl<S: Store> LidStore for Encrypted<S> {
    async fn put_lid_mapping(
        &self,
        account: &AccountId,
        mapping: &LidMapping,
    ) -> Result<(), StoreError> {
        self.inner.put_lid_mapping(account, mapping).await
    }

    async fn mapping_for_lid(
        &self,
        account: &AccountId,
        lid_user: &str,
    ) -> Result<Option<LidMapping>, StoreError> {
        self.inner.mapping_for_lid(account, lid_user).await
    }

    async fn mapping_for_phone(
        &self,
        account: &AccountId,
        phone_user: &str,
    ) -> Result<Option<LidMapping>, StoreError> {
        self.inner.mapping_for_phone(account, phone_user).await
    }
}

#[async_trait]
impl<S: Store> ContactStore for Encrypted<S> {
    async fn put_contact(&self, book: &BookId, contact: &Contact) -> Result<(), StoreError> {
        self.inner.put_contact(book, contact).await
    }

    async fn get_contact(
        &self,
        book: &BookId,
        phone: &E164,
    ) -> Result<Option<Contact>, StoreError> {
        self.inner.get_contact(book, phone).await
    }

    async fn delete_contact(&self, book: &BookId, phone: &E164) -> Result<bool, StoreError> {
        self.inner.delete_contact(book, phone).await
    }

    async fn list_contacts(
        &self,
        book: &BookId,
        after: Option<&E164>,
        limit: usize,
    ) -> Result<Vec<Contact>, StoreError> {
        self.inner.list_contacts(book, after, limit).await
    }

    async fn set_opted_out(
        &self,
        book: &BookId,
        phone: &E164,
        opted_out: bool,
        at: UnixMillis,
    ) -> Result<(), StoreError> {
        self.inner.set_opted_out(book, phone, opted_out, at).await
    }
}

#[async_trait]
impl<S: Store> OutboxStore for Encrypted<S> {
    async fn enqueue(
        &self,
        account: &AccountId,
        message: &NewMessage,
    ) -> Result<Enqueued, StoreError> {
        let mut sealed = message.clone();
        sealed.payload = self.seal(&Self::outbox_cell(account, &message.id), &message.payload)?;
        self.inner.enqueue(account, &sealed).await
    }

    async fn get_message(
        &self,
        account: &AccountId,
        id: &MessageId,
    ) -> Result<Option<OutboxRecord>, StoreError> {
        match self.inner.get_message(account, id).await? {
            Some(record) => Ok(Some(self.open_record(account, record)?)),
            None => Ok(None),
        }
    }

    async fn find_by_idempotency_key(
        &self,
        account: &AccountId,
        key: &str,
    ) -> Result<Option<OutboxRecord>, StoreError> {
        match self.inner.find_by_idempotency_key(account, key).await? {
            Some(record) => Ok(Some(self.open_record(account, record)?)),
            None => Ok(None),
        }
    }

    async fn claim_due(
        &self,
        account: &AccountId,
        now: UnixMillis,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<OutboxRecord>, StoreError> {
        let claimed = self.inner.claim_due(account, now, lease_ms, limit).await?;
        claimed
            .into_iter()
            .map(|record| self.open_record(account, record))
            .collect()
    }

    async fn release(
        &self,
        account: &AccountId,
        id: &MessageId,
        not_before: UnixMillis,
    ) -> Result<(), StoreError> {
        self.inner.release(account, id, not_before).await
    }

    async fn update_status(
        &self,
        account: &AccountId,
        id: &MessageId,
        status: &MessageStatus,
        at: UnixMillis,
    ) -> Result<StatusUpdate, StoreError> {
        self.inner.update_status(account, id, status, at).await
    }

    async fn count_by_status(
        &self,
        account: &AccountId,
    ) -> Result<Vec<(StatusKind, u64)>, StoreError> {
        self.inner.count_by_status(account).await
    }
}

impl<S: Store> Encrypted<S> {
    fn unseal_option(
        &self,
        cell: CellRef,
        stored: Option<Secret>,
    ) -> Result<Option<Secret>, StoreError> {
        stored.map(|stored| self.unseal(&cell, &stored)).transpose()
    }
}

#[async_trait]
impl<S: Store> SignalRecordStore for Encrypted<S> {
    async fn get_identity(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get_identity(account, address).await
    }

    async fn put_identity(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
        identity: &[u8],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.put_identity(account, address, identity).await
    }

    async fn get_prekey(&self, account: &AccountId, id: u32) -> Result<Option<Secret>, StoreError> {
        let cell = CellRef::new(PREKEYS_TABLE, account, &prekey_name(id), PRIVATE_KEY_FIELD);
        let stored = self.inner.get_prekey(account, id).await?;
        self.unseal_option(cell, stored)
    }

    async fn put_prekey(
        &self,
        account: &AccountId,
        id: u32,
        private_key: &Secret,
    ) -> Result<(), StoreError> {
        let cell = CellRef::new(PREKEYS_TABLE, account, &prekey_name(id), PRIVATE_KEY_FIELD);
        let sealed = self.seal(&cell, private_key)?;
        self.inner.put_prekey(account, id, &sealed).await
    }

    async fn remove_prekey(&self, account: &AccountId, id: u32) -> Result<bool, StoreError> {
        self.inner.remove_prekey(account, id).await
    }

    async fn prekey_stats(&self, account: &AccountId) -> Result<(u64, u32), StoreError> {
        self.inner.prekey_stats(account).await
    }

    async fn get_signed_prekey(
        &self,
        account: &AccountId,
        id: u32,
    ) -> Result<Option<Secret>, StoreError> {
        let cell = CellRef::new(
            SIGNED_PREKEYS_TABLE,
            account,
            &prekey_name(id),
            PRIVATE_KEY_FIELD,
        );
        let stored = self.inner.get_signed_prekey(account, id).await?;
        self.unseal_option(cell, stored)
    }

    async fn put_signed_prekey(
        &self,
        account: &AccountId,
        id: u32,
        private_key: &Secret,
    ) -> Result<(), StoreError> {
        let cell = CellRef::new(
            SIGNED_PREKEYS_TABLE,
            account,
            &prekey_name(id),
            PRIVATE_KEY_FIELD,
        );
        let sealed = self.seal(&cell, private_key)?;
        self.inner.put_signed_prekey(account, id, &sealed).await
    }

    async fn get_session(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
    ) -> Result<Option<Secret>, StoreError> {
        let cell = CellRef::new(SESSIONS_TABLE, account, &address.to_string(), RECORD_FIELD);
        let stored = self.inner.get_session(account, address).await?;
        self.unseal_option(cell, stored)
    }

    async fn put_session(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
        record: &Secret,
    ) -> Result<(), StoreError> {
        let cell = CellRef::new(SESSIONS_TABLE, account, &address.to_string(), RECORD_FIELD);
        let sealed = self.seal(&cell, record)?;
        self.inner.put_session(account, address, &sealed).await
    }

    async fn delete_session(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
    ) -> Result<bool, StoreError> {
        self.inner.delete_session(account, address).await
    }

    async fn get_sender_key(
        &self,
        account: &AccountId,
        group: &str,
        sender: &ProtocolAddress,
    ) -> Result<Option<Secret>, StoreError> {
        let key = sender_key_name(group, sender);
        let cell = CellRef::new(SENDER_KEYS_TABLE, account, &key, RECORD_FIELD);
        let stored = self.inner.get_sender_key(account, group, sender).await?;
        self.unseal_option(cell, stored)
    }

    async fn put_sender_key(
        &self,
        account: &AccountId,
        group: &str,
        sender: &ProtocolAddress,
        record: &Secret,
    ) -> Result<(), StoreError> {
        let key = sender_key_name(group, sender);
        let cell = CellRef::new(SENDER_KEYS_TABLE, account, &key, RECORD_FIELD);
        let sealed = self.seal(&cell, record)?;
        self.inner
            .put_sender_key(account, group, sender, &sealed)
            .await
    }

    async fn delete_sender_keys(
        &self,
        account: &AccountId,
        group: &str,
    ) -> Result<u64, StoreError> {
        self.inner.delete_sender_keys(account, group).await
    }
}

#[async_trait]
impl<S: Store> StoreMaintenance for Encrypted<S> {
    async fn schema_version(&self) -> Result<u32, StoreError> {
        self.inner.schema_version().await
    }

    async fn migrate(&self) -> Result<u32, StoreError> {
        self.inner.migrate().await
    }

    async fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get_meta(name).await
    }

    async fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        self.inner.put_meta(name, value).await
    }

    async fn secret_cells(
        &self,
        after: Option<&CellRef>,
        limit: usize,
    ) -> Result<Vec<SecretCell>, StoreError> {
        self.inner.secret_cells(after, limit).await
    }

    async fn replace_secret_cell(
        &self,
        cell: &CellRef,
        expected: &Secret,
        new: &Secret,
    ) -> Result<bool, StoreError> {
        self.inner.replace_secret_cell(cell, expected, new).await
    }
}

#[cfg(test)]
mod tests;
