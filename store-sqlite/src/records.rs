//! App-state keys, device lists and LID mappings.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use wacast::jid::Jid;
use wacast::store::{
    APP_STATE_KEYS_TABLE, AccountId, AppStateKeyStore, AppStateSyncKey, DeviceList,
    DeviceListStore, LidMapping, LidStore, StoreError, UnixMillis, app_state_key_name,
};

use crate::SqliteStore;
use crate::row::{RowReader, read_error};
use crate::worker::db;

fn read_app_state_key(
    row: &rusqlite::Row<'_>,
    account: &AccountId,
) -> Result<AppStateSyncKey, StoreError> {
    let key: String = row.get("key_name").map_err(db)?;
    let reader = RowReader {
        row,
        account,
        table: APP_STATE_KEYS_TABLE,
        key,
    };
    Ok(AppStateSyncKey {
        key_id: reader.get("key_id")?,
        key_data: reader.secret("key_data")?,
        fingerprint: reader.get("fingerprint")?,
        timestamp: reader.get("timestamp")?,
    })
}

impl SqliteStore {
    async fn query_app_state_key(
        &self,
        account: &AccountId,
        sql: &'static str,
        key_name: Option<String>,
    ) -> Result<Option<AppStateSyncKey>, StoreError> {
        let account = account.clone();
        self.worker
            .call(move |connection| {
                let mut statement = connection.prepare_cached(sql).map_err(db)?;
                let mut rows = match &key_name {
                    Some(name) => statement.query(params![account.as_str(), name]),
                    None => statement.query(params![account.as_str()]),
                }
                .map_err(db)?;
                match rows.next().map_err(db)? {
                    Some(row) => read_app_state_key(row, &account).map(Some),
                    None => Ok(None),
                }
            })
            .await
    }
}

#[async_trait]
impl AppStateKeyStore for SqliteStore {
    async fn put_app_state_key(
        &self,
        account: &AccountId,
        key: &AppStateSyncKey,
    ) -> Result<(), StoreError> {
        let account = account.clone();
        let key = key.clone();
        self.worker
            .call(move |connection| {
                connection
                    .prepare_cached(
                        "INSERT OR REPLACE INTO app_state_keys
                            (account, key_name, key_id, key_data, fingerprint, timestamp)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )
                    .map_err(db)?
                    .execute(params![
                        account.as_str(),
                        app_state_key_name(&key.key_id),
                        key.key_id,
                        key.key_data.expose(),
                        key.fingerprint,
                        key.timestamp,
                    ])
                    .map_err(db)?;
                Ok(())
            })
            .await
    }

    async fn get_app_state_key(
        &self,
        account: &AccountId,
        key_id: &[u8],
    ) -> Result<Option<AppStateSyncKey>, StoreError> {
        self.query_app_state_key(
            account,
            "SELECT * FROM app_state_keys WHERE account = ?1 AND key_name = ?2",
            Some(app_state_key_name(key_id)),
        )
        .await
    }

    async fn latest_app_state_key(
        &self,
        account: &AccountId,
    ) -> Result<Option<AppStateSyncKey>, StoreError> {
        self.query_app_state_key(
            account,
            "SELECT * FROM app_state_keys WHERE account = ?1
             ORDER BY timestamp DESC, key_id DESC LIMIT 1",
            None,
        )
        .await
    }
}

fn encode_devices(devices: &[u16]) -> Vec<u8> {
    devices
        .iter()
        .flat_map(|device| device.to_be_bytes())
        .collect()
}

fn decode_devices(reader: &RowReader<'_, '_>) -> Result<Vec<u16>, StoreError> {
    let bytes: Vec<u8> = reader.get("devices")?;
    if bytes.len() % 2 != 0 {
        return Err(reader.corrupt(format!("device list of odd length {}", bytes.len())));
    }
    Ok(bytes
        .chunks_exact(2)
        .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
        .collect())
}

#[async_trait]
impl DeviceListStore for SqliteStore {
    async fn put_device_list(
        &self,
        account: &AccountId,
        list: &DeviceList,
    ) -> Result<(), StoreError> {
        let account = account.clone();
        let user = list.user.to_non_ad().to_string();
        let devices = encode_devices(&list.devices);
        let fetched_at = list.fetched_at;
        self.worker
            .call(move |connection| {
                connection
                    .prepare_cached(
                        "INSERT OR REPLACE INTO device_lists (account, user, devices, fetched_at)
                         VALUES (?1, ?2, ?3, ?4)",
                    )
                    .map_err(db)?
                    .execute(params![account.as_str(), user, devices, fetched_at])
                    .map_err(db)?;
                Ok(())
            })
            .await
    }

    async fn get_device_list(
        &self,
        account: &AccountId,
        user: &Jid,
    ) -> Result<Option<DeviceList>, StoreError> {
        let account = account.clone();
        let user = user.to_non_ad().to_string();
        self.worker
            .call(move |connection| {
                let mut statement = connection
                    .prepare_cached("SELECT * FROM device_lists WHERE account = ?1 AND user = ?2")
                    .map_err(db)?;
                let mut rows = statement
                    .query(params![account.as_str(), user])
                    .map_err(db)?;
                let Some(row) = rows.next().map_err(db)? else {
                    return Ok(None);
                };
                let reader = RowReader {
                    row,
                    account: &account,
                    table: "device_lists",
                    key: user,
                };
                Ok(Some(DeviceList {
                    user: reader.jid("user")?,
                    devices: decode_devices(&reader)?,
                    fetched_at: reader.get("fetched_at")?,
                }))
            })
            .await
    }

    async fn delete_device_list(&self, account: &AccountId, user: &Jid) -> Result<(), StoreError> {
        let account = account.clone();
        let user = user.to_non_ad().to_string();
        self.worker
            .call(move |connection| {
                connection
                    .prepare_cached("DELETE FROM device_lists WHERE account = ?1 AND user = ?2")
                    .map_err(db)?
                    .execute(params![account.as_str(), user])
                    .map_err(db)?;
                Ok(())
            })
            .await
    }

    async fn expire_device_lists(
        &self,
        account: &AccountId,
        before: UnixMillis,
    ) -> Result<u64, StoreError> {
        let account = account.clone();
        self.worker
            .call(move |connection| {
                let removed = connection
                    .prepare_cached(
                        "DELETE FROM device_lists WHERE account = ?1 AND fetched_at < ?2",
                    )
                    .map_err(db)?
                    .execute(params![account.as_str(), before])
                    .map_err(db)?;
                Ok(removed as u64)
            })
            .await
    }
}

fn read_mapping(row: &rusqlite::Row<'_>) -> rusqlite::Result<LidMapping> {
    Ok(LidMapping {
        lid_user: row.get("lid_user")?,
        phone_user: row.get("phone_user")?,
        updated_at: row.get("updated_at")?,
    })
}

impl SqliteStore {
    async fn query_mapping(
        &self,
        account: &AccountId,
        sql: &'static str,
        user: &str,
    ) -> Result<Option<LidMapping>, StoreError> {
        let account = account.clone();
        let user = user.to_owned();
        self.worker
            .call(move |connection| {
                let mut statement = connection.prepare_cached(sql).map_err(db)?;
                let found = statement
                    .query_row(params![account.as_str(), user], read_mapping)
                    .optional();
                found.map_err(|error| read_error(&account, "lid_mappings", &user, error))
            })
            .await
    }
}

#[async_trait]
impl LidStore for SqliteStore {
    async fn put_lid_mapping(
        &self,
        account: &AccountId,
        mapping: &LidMapping,
    ) -> Result<(), StoreError> {
        let account = account.clone();
        let mapping = mapping.clone();
        self.worker
            .call(move |connection| {
                let transaction = connection.transaction().map_err(db)?;
                transaction
                    .execute(
                        "DELETE FROM lid_mappings
                         WHERE account = ?1 AND (lid_user = ?2 OR phone_user = ?3)",
                        params![account.as_str(), mapping.lid_user, mapping.phone_user],
                    )
                    .map_err(db)?;
                transaction
                    .execute(
                        "INSERT INTO lid_mappings (account, lid_user, phone_user, updated_at)
                         VALUES (?1, ?2, ?3, ?4)",
                        params![
                            account.as_str(),
                            mapping.lid_user,
                            mapping.phone_user,
                            mapping.updated_at
                        ],
                    )
                    .map_err(db)?;
                transaction.commit().map_err(db)
            })
            .await
    }

    async fn mapping_for_lid(
        &self,
        account: &AccountId,
        lid_user: &str,
    ) -> Result<Option<LidMapping>, StoreError> {
        self.query_mapping(
            account,
            "SELECT * FROM lid_mappings WHERE account = ?1 AND lid_user = ?2",
            lid_user,
        )
        .await
    }

    async fn mapping_for_phone(
        &self,
        account: &AccountId,
        phone_user: &str,
    ) -> Result<Option<LidMapping>, StoreError> {
        self.query_mapping(
            account,
            "SELECT * FROM lid_mappings WHERE account = ?1 AND phone_user = ?2",
            phone_user,
        )
        .await
    }
}
