//! An in-memory store: for tests, demos and short-lived processes.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;

use super::credentials::fields;
use super::*;
use crate::jid::Jid;
use crate::signal::store::ProtocolAddress;

/// The schema version of the in-memory store (it has nothing to migrate).
const MEMORY_SCHEMA_VERSION: u32 = 1;

/// Every trait of [`Store`] kept in process memory behind one lock. Nothing survives a restart.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct State {
    accounts: BTreeMap<AccountId, AccountData>,
    books: BTreeMap<BookId, BTreeMap<E164, Contact>>,
    meta: BTreeMap<String, Vec<u8>>,
}

#[derive(Default)]
struct AccountData {
    credentials: Option<Credentials>,
    app_state_keys: BTreeMap<Vec<u8>, AppStateSyncKey>,
    device_lists: BTreeMap<String, DeviceList>,
    lid_by_lid: BTreeMap<String, LidMapping>,
    lid_by_phone: BTreeMap<String, String>,
    outbox: BTreeMap<MessageId, OutboxRecord>,
    idempotency: BTreeMap<String, MessageId>,
    identities: BTreeMap<ProtocolAddress, Vec<u8>>,
    prekeys: BTreeMap<u32, Secret>,
    signed_prekeys: BTreeMap<u32, Secret>,
    sessions: BTreeMap<ProtocolAddress, Secret>,
    sender_keys: BTreeMap<(String, ProtocolAddress), Secret>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-written record: every write
        // below replaces whole values, so the data stays usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    fn account(&mut self, account: &AccountId) -> &mut AccountData {
        self.accounts.entry(account.clone()).or_default()
    }

    fn existing(&self, account: &AccountId) -> Option<&AccountData> {
        self.accounts.get(account)
    }

    fn cells(&self) -> Vec<SecretCell> {
        let mut cells = Vec::new();
        for (account, data) in &self.accounts {
            if let Some(credentials) = &data.credentials {
                for (field, value) in [
                    (fields::NOISE_KEY, &credentials.noise_key),
                    (fields::IDENTITY_KEY, &credentials.identity_key),
                    (
                        fields::SIGNED_PREKEY,
                        &credentials.signed_prekey.private_key,
                    ),
                    (fields::ADV_SECRET, &credentials.adv_secret),
                ] {
                    cells.push(SecretCell {
                        cell: CellRef::new(CREDENTIALS_TABLE, account, "", field),
                        value: value.clone(),
                    });
                }
            }
            for key in data.app_state_keys.values() {
                cells.push(SecretCell {
                    cell: CellRef::new(
                        APP_STATE_KEYS_TABLE,
                        account,
                        &app_state_key_name(&key.key_id),
                        APP_STATE_KEY_DATA,
                    ),
                    value: key.key_data.clone(),
                });
            }
            for record in data.outbox.values() {
                cells.push(SecretCell {
                    cell: CellRef::new(OUTBOX_TABLE, account, record.id.as_str(), OUTBOX_PAYLOAD),
                    value: record.payload.clone(),
                });
            }
            for (table, keys) in [
                (PREKEYS_TABLE, &data.prekeys),
                (SIGNED_PREKEYS_TABLE, &data.signed_prekeys),
            ] {
                for (id, value) in keys {
                    cells.push(SecretCell {
                        cell: CellRef::new(table, account, &prekey_name(*id), PRIVATE_KEY_FIELD),
                        value: value.clone(),
                    });
                }
            }
            for (address, value) in &data.sessions {
                cells.push(SecretCell {
                    cell: CellRef::new(SESSIONS_TABLE, account, &address.to_string(), RECORD_FIELD),
                    value: value.clone(),
                });
            }
            for ((group, sender), value) in &data.sender_keys {
                cells.push(SecretCell {
                    cell: CellRef::new(
                        SENDER_KEYS_TABLE,
                        account,
                        &sender_key_name(group, sender),
                        RECORD_FIELD,
                    ),
                    value: value.clone(),
                });
            }
        }
        cells.sort_by(|a, b| a.cell.cmp(&b.cell));
        cells
    }

    fn cell_mut(&mut self, cell: &CellRef) -> Option<&mut Secret> {
        let data = self.accounts.get_mut(&cell.account)?;
        match cell.table.as_str() {
            CREDENTIALS_TABLE if cell.key.is_empty() => {
                let credentials = data.credentials.as_mut()?;
                match cell.field.as_str() {
                    fields::NOISE_KEY => Some(&mut credentials.noise_key),
                    fields::IDENTITY_KEY => Some(&mut credentials.identity_key),
                    fields::SIGNED_PREKEY => Some(&mut credentials.signed_prekey.private_key),
                    fields::ADV_SECRET => Some(&mut credentials.adv_secret),
                    _ => None,
                }
            }
            APP_STATE_KEYS_TABLE if cell.field == APP_STATE_KEY_DATA => data
                .app_state_keys
                .values_mut()
                .find(|key| app_state_key_name(&key.key_id) == cell.key)
                .map(|key| &mut key.key_data),
            OUTBOX_TABLE if cell.field == OUTBOX_PAYLOAD => data
                .outbox
                .values_mut()
                .find(|record| record.id.as_str() == cell.key)
                .map(|record| &mut record.payload),
            PREKEYS_TABLE if cell.field == PRIVATE_KEY_FIELD => data
                .prekeys
                .iter_mut()
                .find(|(id, _)| prekey_name(**id) == cell.key)
                .map(|(_, value)| value),
            SIGNED_PREKEYS_TABLE if cell.field == PRIVATE_KEY_FIELD => data
                .signed_prekeys
                .iter_mut()
                .find(|(id, _)| prekey_name(**id) == cell.key)
                .map(|(_, value)| value),
            SESSIONS_TABLE if cell.field == RECORD_FIELD => data
                .sessions
                .iter_mut()
                .find(|(address, _)| address.to_string() == cell.key)
                .map(|(_, value)| value),
            SENDER_KEYS_TABLE if cell.field == RECORD_FIELD => data
                .sender_keys
                .iter_mut()
                .find(|((group, sender), _)| sender_key_name(group, sender) == cell.key)
                .map(|(_, value)| value),
            _ => None,
        }
    }
}

fn device_list_key(user: &Jid) -> String {
    user.to_non_ad().to_string()
}

#[async_trait]
impl CredentialStore for MemoryStore {
    async fn list_accounts(&self) -> Result<Vec<AccountId>, StoreError> {
        let state = self.lock();
        Ok(state
            .accounts
            .iter()
            .filter(|(_, data)| data.credentials.is_some())
            .map(|(account, _)| account.clone())
            .collect())
    }

    async fn get_credentials(
        &self,
        account: &AccountId,
    ) -> Result<Option<Credentials>, StoreError> {
        let state = self.lock();
        Ok(state
            .existing(account)
            .and_then(|data| data.credentials.clone()))
    }

    async fn put_credentials(
        &self,
        account: &AccountId,
        credentials: &Credentials,
    ) -> Result<(), StoreError> {
        self.lock().account(account).credentials = Some(credentials.clone());
        Ok(())
    }

    async fn set_logged_out(
        &self,
        account: &AccountId,
        logged_out: bool,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        let credentials = state
            .accounts
            .get_mut(account)
            .and_then(|data| data.credentials.as_mut())
            .ok_or_else(|| StoreError::NotFound {
                account: account.clone(),
                record: CREDENTIALS_TABLE.to_owned(),
            })?;
        credentials.logged_out = logged_out;
        Ok(())
    }

    async fn delete_account(&self, account: &AccountId) -> Result<(), StoreError> {
        self.lock().accounts.remove(account);
        Ok(())
    }
}

#[async_trait]
impl AppStateKeyStore for MemoryStore {
    async fn put_app_state_key(
        &self,
        account: &AccountId,
        key: &AppStateSyncKey,
    ) -> Result<(), StoreError> {
        self.lock()
            .account(account)
            .app_state_keys
            .insert(key.key_id.clone(), key.clone());
        Ok(())
    }

    async fn get_app_state_key(
        &self,
        account: &AccountId,
        key_id: &[u8],
    ) -> Result<Option<AppStateSyncKey>, StoreError> {
        let state = self.lock();
        Ok(state
            .existing(account)
            .and_then(|data| data.app_state_keys.get(key_id).cloned()))
    }

    async fn latest_app_state_key(
        &self,
        account: &AccountId,
    ) -> Result<Option<AppStateSyncKey>, StoreError> {
        let state = self.lock();
        Ok(state.existing(account).and_then(|data| {
            data.app_state_keys
                .values()
                .max_by(|a, b| (a.timestamp, &a.key_id).cmp(&(b.timestamp, &b.key_id)))
                .cloned()
        }))
    }
}

#[async_trait]
impl DeviceListStore for MemoryStore {
    async fn put_device_list(
        &self,
        account: &AccountId,
        list: &DeviceList,
    ) -> Result<(), StoreError> {
        let mut stored = list.clone();
        stored.user = list.user.to_non_ad();
        self.lock()
            .account(account)
            .device_lists
            .insert(device_list_key(&list.user), stored);
        Ok(())
    }

    async fn get_device_list(
        &self,
        account: &AccountId,
        user: &Jid,
    ) -> Result<Option<DeviceList>, StoreError> {
        let state = self.lock();
        Ok(state
            .existing(account)
            .and_then(|data| data.device_lists.get(&device_list_key(user)).cloned()))
    }

    async fn delete_device_list(&self, account: &AccountId, user: &Jid) -> Result<(), StoreError> {
        if let Some(data) = self.lock().accounts.get_mut(account) {
            data.device_lists.remove(&device_list_key(user));
        }
        Ok(())
    }

    async fn expire_device_lists(
        &self,
        account: &AccountId,
        before: UnixMillis,
    ) -> Result<u64, StoreError> {
        let mut state = self.lock();
        let Some(data) = state.accounts.get_mut(account) else {
            return Ok(0);
        };
        let count = data.device_lists.len();
        data.device_lists
            .retain(|_, list| list.fetched_at >= before);
        Ok((count - data.device_lists.len()) as u64)
    }
}

#[async_trait]
impl LidStore for MemoryStore {
    async fn put_lid_mapping(
        &self,
        account: &AccountId,
        mapping: &LidMapping,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        let data = state.account(account);
        if let Some(old) = data.lid_by_lid.remove(&mapping.lid_user) {
            data.lid_by_phone.remove(&old.phone_user);
        }
        if let Some(old_lid) = data.lid_by_phone.remove(&mapping.phone_user) {
            data.lid_by_lid.remove(&old_lid);
        }
        data.lid_by_phone
            .insert(mapping.phone_user.clone(), mapping.lid_user.clone());
        data.lid_by_lid
            .insert(mapping.lid_user.clone(), mapping.clone());
        Ok(())
    }

    async fn mapping_for_lid(
        &self,
        account: &AccountId,
        lid_user: &str,
    ) -> Result<Option<LidMapping>, StoreError> {
        let state = self.lock();
        Ok(state
            .existing(account)
            .and_then(|data| data.lid_by_lid.get(lid_user).cloned()))
    }

    async fn mapping_for_phone(
        &self,
        account: &AccountId,
        phone_user: &str,
    ) -> Result<Option<LidMapping>, StoreError> {
        let state = self.lock();
        Ok(state.existing(account).and_then(|data| {
            let lid = data.lid_by_phone.get(phone_user)?;
            data.lid_by_lid.get(lid).cloned()
        }))
    }
}

#[async_trait]
impl ContactStore for MemoryStore {
    async fn put_contact(&self, book: &BookId, contact: &Contact) -> Result<(), StoreError> {
        self.lock()
            .books
            .entry(book.clone())
            .or_default()
            .insert(contact.phone.clone(), contact.clone());
        Ok(())
    }

    async fn get_contact(
        &self,
        book: &BookId,
        phone: &E164,
    ) -> Result<Option<Contact>, StoreError> {
        let state = self.lock();
        Ok(state
            .books
            .get(book)
            .and_then(|contacts| contacts.get(phone).cloned()))
    }

    async fn delete_contact(&self, book: &BookId, phone: &E164) -> Result<bool, StoreError> {
        let mut state = self.lock();
        Ok(state
            .books
            .get_mut(book)
            .is_some_and(|contacts| contacts.remove(phone).is_some()))
    }

    async fn list_contacts(
        &self,
        book: &BookId,
        after: Option<&E164>,
        limit: usize,
    ) -> Result<Vec<Contact>, StoreError> {
        let state = self.lock();
        let Some(contacts) = state.books.get(book) else {
            return Ok(Vec::new());
        };
        Ok(contacts
            .values()
            .filter(|contact| after.is_none_or(|after| &contact.phone > after))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn set_opted_out(
        &self,
        book: &BookId,
        phone: &E164,
        opted_out: bool,
        at: UnixMillis,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        let contact = state
            .books
            .get_mut(book)
            .and_then(|contacts| contacts.get_mut(phone))
            .ok_or_else(|| contact_not_found(book, phone))?;
        contact.opted_out = opted_out;
        contact.updated_at = at;
        Ok(())
    }
}

/// A [`StoreError::NotFound`] for a contact; the book id stands where errors name an account.
pub(super) fn contact_not_found(book: &BookId, phone: &E164) -> StoreError {
    match AccountId::new(book.as_str()) {
        Ok(account) => StoreError::NotFound {
            account,
            record: record_name("contacts", phone.as_str()),
        },
        Err(error) => error,
    }
}

fn message_not_found(account: &AccountId, id: &MessageId) -> StoreError {
    StoreError::NotFound {
        account: account.clone(),
        record: record_name(OUTBOX_TABLE, id.as_str()),
    }
}

#[async_trait]
impl OutboxStore for MemoryStore {
    async fn enqueue(
        &self,
        account: &AccountId,
        message: &NewMessage,
    ) -> Result<Enqueued, StoreError> {
        let mut state = self.lock();
        let data = state.account(account);
        if data.outbox.contains_key(&message.id) {
            return Ok(Enqueued::Existing(message.id.clone()));
        }
        if let Some(key) = &message.idempotency_key {
            if let Some(existing) = data.idempotency.get(key) {
                return Ok(Enqueued::Existing(existing.clone()));
            }
            data.idempotency.insert(key.clone(), message.id.clone());
        }
        data.outbox
            .insert(message.id.clone(), OutboxRecord::from_new(message));
        Ok(Enqueued::Inserted)
    }

    async fn get_message(
        &self,
        account: &AccountId,
        id: &MessageId,
    ) -> Result<Option<OutboxRecord>, StoreError> {
        let state = self.lock();
        Ok(state
            .existing(account)
            .and_then(|data| data.outbox.get(id).cloned()))
    }

    async fn find_by_idempotency_key(
        &self,
        account: &AccountId,
        key: &str,
    ) -> Result<Option<OutboxRecord>, StoreError> {
        let state = self.lock();
        Ok(state.existing(account).and_then(|data| {
            let id = data.idempotency.get(key)?;
            data.outbox.get(id).cloned()
        }))
    }

    async fn claim_due(
        &self,
        account: &AccountId,
        now: UnixMillis,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<OutboxRecord>, StoreError> {
        let mut state = self.lock();
        let Some(data) = state.accounts.get_mut(account) else {
            return Ok(Vec::new());
        };
        let mut due: Vec<(UnixMillis, UnixMillis, MessageId)> = data
            .outbox
            .values()
            .filter(|record| record.is_claimable(now))
            .map(|record| (record.not_before, record.created_at, record.id.clone()))
            .collect();
        due.sort();
        let mut claimed = Vec::new();
        for (_, _, id) in due.into_iter().take(limit) {
            if let Some(record) = data.outbox.get_mut(&id) {
                record.lease_until = Some(now.saturating_add(lease_ms));
                record.attempts = record.attempts.saturating_add(1);
                claimed.push(record.clone());
            }
        }
        Ok(claimed)
    }

    async fn release(
        &self,
        account: &AccountId,
        id: &MessageId,
        not_before: UnixMillis,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        let record = state
            .accounts
            .get_mut(account)
            .and_then(|data| data.outbox.get_mut(id))
            .ok_or_else(|| message_not_found(account, id))?;
        if record.status == MessageStatus::Pending {
            record.lease_until = None;
            record.not_before = not_before;
        }
        Ok(())
    }

    async fn update_status(
        &self,
        account: &AccountId,
        id: &MessageId,
        status: &MessageStatus,
        at: UnixMillis,
    ) -> Result<StatusUpdate, StoreError> {
        let mut state = self.lock();
        let record = state
            .accounts
            .get_mut(account)
            .and_then(|data| data.outbox.get_mut(id))
            .ok_or_else(|| message_not_found(account, id))?;
        Ok(record.apply_status(status, at))
    }

    async fn count_by_status(
        &self,
        account: &AccountId,
    ) -> Result<Vec<(StatusKind, u64)>, StoreError> {
        let state = self.lock();
        let mut counts: BTreeMap<StatusKind, u64> = BTreeMap::new();
        if let Some(data) = state.existing(account) {
            for record in data.outbox.values() {
                *counts.entry(record.status.kind()).or_default() += 1;
            }
        }
        Ok(counts.into_iter().collect())
    }
}

#[async_trait]
impl SignalRecordStore for MemoryStore {
    async fn get_identity(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let state = self.lock();
        Ok(state
            .existing(account)
            .and_then(|data| data.identities.get(address).cloned()))
    }

    async fn put_identity(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
        identity: &[u8],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .lock()
            .account(account)
            .identities
            .insert(address.clone(), identity.to_vec()))
    }

    async fn get_prekey(&self, account: &AccountId, id: u32) -> Result<Option<Secret>, StoreError> {
        let state = self.lock();
        Ok(state
            .existing(account)
            .and_then(|data| data.prekeys.get(&id).cloned()))
    }

    async fn put_prekey(
        &self,
        account: &AccountId,
        id: u32,
        private_key: &Secret,
    ) -> Result<(), StoreError> {
        self.lock()
            .account(account)
            .prekeys
            .insert(id, private_key.clone());
        Ok(())
    }

    async fn remove_prekey(&self, account: &AccountId, id: u32) -> Result<bool, StoreError> {
        let mut state = self.lock();
        Ok(state
            .accounts
            .get_mut(account)
            .is_some_and(|data| data.prekeys.remove(&id).is_some()))
    }

    async fn prekey_stats(&self, account: &AccountId) -> Result<(u64, u32), StoreError> {
        let state = self.lock();
        Ok(state.existing(account).map_or((0, 0), |data| {
            let max = data.prekeys.keys().next_back().copied().unwrap_or(0);
            (data.prekeys.len() as u64, max)
        }))
    }

    async fn get_signed_prekey(
        &self,
        account: &AccountId,
        id: u32,
    ) -> Result<Option<Secret>, StoreError> {
        let state = self.lock();
        Ok(state
            .existing(account)
            .and_then(|data| data.signed_prekeys.get(&id).cloned()))
    }

    async fn put_signed_prekey(
        &self,
        account: &AccountId,
        id: u32,
        private_key: &Secret,
    ) -> Result<(), StoreError> {
        self.lock()
            .account(account)
            .signed_prekeys
            .insert(id, private_key.clone());
        Ok(())
    }

    async fn get_session(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
    ) -> Result<Option<Secret>, StoreError> {
        let state = self.lock();
        Ok(state
            .existing(account)
            .and_then(|data| data.sessions.get(address).cloned()))
    }

    async fn put_session(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
        record: &Secret,
    ) -> Result<(), StoreError> {
        self.lock()
            .account(account)
            .sessions
            .insert(address.clone(), record.clone());
        Ok(())
    }

    async fn delete_session(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        Ok(state
            .accounts
            .get_mut(account)
            .is_some_and(|data| data.sessions.remove(address).is_some()))
    }

    async fn get_sender_key(
        &self,
        account: &AccountId,
        group: &str,
        sender: &ProtocolAddress,
    ) -> Result<Option<Secret>, StoreError> {
        let state = self.lock();
        Ok(state.existing(account).and_then(|data| {
            data.sender_keys
                .get(&(group.to_owned(), sender.clone()))
                .cloned()
        }))
    }

    async fn put_sender_key(
        &self,
        account: &AccountId,
        group: &str,
        sender: &ProtocolAddress,
        record: &Secret,
    ) -> Result<(), StoreError> {
        self.lock()
            .account(account)
            .sender_keys
            .insert((group.to_owned(), sender.clone()), record.clone());
        Ok(())
    }

    async fn delete_sender_keys(
        &self,
        account: &AccountId,
        group: &str,
    ) -> Result<u64, StoreError> {
        let mut state = self.lock();
        let Some(data) = state.accounts.get_mut(account) else {
            return Ok(0);
        };
        let before = data.sender_keys.len();
        data.sender_keys.retain(|(stored, _), _| stored != group);
        Ok((before - data.sender_keys.len()) as u64)
    }
}

#[async_trait]
impl StoreMaintenance for MemoryStore {
    async fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(MEMORY_SCHEMA_VERSION)
    }

    async fn migrate(&self) -> Result<u32, StoreError> {
        Ok(MEMORY_SCHEMA_VERSION)
    }

    async fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock().meta.get(name).cloned())
    }

    async fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        self.lock().meta.insert(name.to_owned(), value.to_vec());
        Ok(())
    }

    async fn secret_cells(
        &self,
        after: Option<&CellRef>,
        limit: usize,
    ) -> Result<Vec<SecretCell>, StoreError> {
        let cells = self.lock().cells();
        Ok(cells
            .into_iter()
            .filter(|cell| after.is_none_or(|after| &cell.cell > after))
            .take(limit)
            .collect())
    }

    async fn replace_secret_cell(
        &self,
        cell: &CellRef,
        expected: &Secret,
        new: &Secret,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        match state.cell_mut(cell) {
            Some(value) if value == expected => {
                *value = new.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_store_passes_the_conformance_suite() {
        testkit::run_all(|| async { MemoryStore::new() }).await;
    }
}
