//! Signal state: identities, prekeys, signed prekeys, sessions and sender keys.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use wacast::signal::store::ProtocolAddress;
use wacast::store::{
    AccountId, Secret, SignalRecordStore, StoreError, prekey_name, sender_key_name,
};

use crate::SqliteStore;
use crate::row::read_error;
use crate::worker::db;

impl SqliteStore {
    /// Reads one blob column of one row, as a secret.
    async fn blob(
        &self,
        account: &AccountId,
        table: &'static str,
        sql: &'static str,
        key: String,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let account = account.clone();
        self.worker
            .call(move |connection| {
                connection
                    .query_row(sql, params![account.as_str(), key], |row| {
                        row.get::<_, Vec<u8>>(0)
                    })
                    .optional()
                    .map_err(|error| read_error(&account, table, &key, error))
            })
            .await
    }

    /// Runs one statement with the account and up to three more values; returns the change count.
    async fn write(
        &self,
        account: &AccountId,
        sql: &'static str,
        values: Vec<rusqlite::types::Value>,
    ) -> Result<usize, StoreError> {
        let account = account.clone();
        self.worker
            .call(move |connection| {
                let mut statement = connection.prepare_cached(sql).map_err(db)?;
                let mut all = vec![rusqlite::types::Value::Text(account.as_str().to_owned())];
                all.extend(values);
                statement
                    .execute(rusqlite::params_from_iter(all))
                    .map_err(db)
            })
            .await
    }
}

fn text(value: impl Into<String>) -> rusqlite::types::Value {
    rusqlite::types::Value::Text(value.into())
}

fn blob(value: &[u8]) -> rusqlite::types::Value {
    rusqlite::types::Value::Blob(value.to_vec())
}

fn integer(value: u32) -> rusqlite::types::Value {
    rusqlite::types::Value::Integer(i64::from(value))
}

#[async_trait]
impl SignalRecordStore for SqliteStore {
    async fn get_identity(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.blob(
            account,
            "identities",
            "SELECT identity FROM identities WHERE account = ?1 AND address = ?2",
            address.to_string(),
        )
        .await
    }

    async fn put_identity(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
        identity: &[u8],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let account = account.clone();
        let address = address.to_string();
        let identity = identity.to_vec();
        self.worker
            .call(move |connection| {
                let transaction = connection.transaction().map_err(db)?;
                let previous: Option<Vec<u8>> = transaction
                    .query_row(
                        "SELECT identity FROM identities WHERE account = ?1 AND address = ?2",
                        params![account.as_str(), address],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(|error| read_error(&account, "identities", &address, error))?;
                transaction
                    .execute(
                        "INSERT OR REPLACE INTO identities (account, address, identity)
                         VALUES (?1, ?2, ?3)",
                        params![account.as_str(), address, identity],
                    )
                    .map_err(db)?;
                transaction.commit().map_err(db)?;
                Ok(previous)
            })
            .await
    }

    async fn get_prekey(&self, account: &AccountId, id: u32) -> Result<Option<Secret>, StoreError> {
        let found = self
            .blob(
                account,
                "prekeys",
                "SELECT private_key FROM prekeys WHERE account = ?1 AND key_name = ?2",
                prekey_name(id),
            )
            .await?;
        Ok(found.map(Secret::new))
    }

    async fn put_prekey(
        &self,
        account: &AccountId,
        id: u32,
        private_key: &Secret,
    ) -> Result<(), StoreError> {
        self.write(
            account,
            "INSERT OR REPLACE INTO prekeys (account, id, key_name, private_key)
             VALUES (?1, ?2, ?3, ?4)",
            vec![
                integer(id),
                text(prekey_name(id)),
                blob(private_key.expose()),
            ],
        )
        .await
        .map(|_| ())
    }

    async fn remove_prekey(&self, account: &AccountId, id: u32) -> Result<bool, StoreError> {
        self.write(
            account,
            "DELETE FROM prekeys WHERE account = ?1 AND id = ?2",
            vec![integer(id)],
        )
        .await
        .map(|removed| removed > 0)
    }

    async fn prekey_stats(&self, account: &AccountId) -> Result<(u64, u32), StoreError> {
        let account = account.clone();
        self.worker
            .call(move |connection| {
                let (count, max): (i64, Option<i64>) = connection
                    .query_row(
                        "SELECT count(*), max(id) FROM prekeys WHERE account = ?1",
                        [account.as_str()],
                        |row| Ok((row.get(0)?, row.get(1)?)),
                    )
                    .map_err(db)?;
                let max = u32::try_from(max.unwrap_or(0)).map_err(|_| {
                    StoreError::corrupt(&account, "prekeys", "", "prekey id out of range")
                })?;
                Ok((count.max(0) as u64, max))
            })
            .await
    }

    async fn get_signed_prekey(
        &self,
        account: &AccountId,
        id: u32,
    ) -> Result<Option<Secret>, StoreError> {
        let found = self
            .blob(
                account,
                "signed_prekeys",
                "SELECT private_key FROM signed_prekeys WHERE account = ?1 AND key_name = ?2",
                prekey_name(id),
            )
            .await?;
        Ok(found.map(Secret::new))
    }

    async fn put_signed_prekey(
        &self,
        account: &AccountId,
        id: u32,
        private_key: &Secret,
    ) -> Result<(), StoreError> {
        self.write(
            account,
            "INSERT OR REPLACE INTO signed_prekeys (account, id, key_name, private_key)
             VALUES (?1, ?2, ?3, ?4)",
            vec![
                integer(id),
                text(prekey_name(id)),
                blob(private_key.expose()),
            ],
        )
        .await
        .map(|_| ())
    }

    async fn get_session(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
    ) -> Result<Option<Secret>, StoreError> {
        let found = self
            .blob(
                account,
                "sessions",
                "SELECT record FROM sessions WHERE account = ?1 AND address = ?2",
                address.to_string(),
            )
            .await?;
        Ok(found.map(Secret::new))
    }

    async fn put_session(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
        record: &Secret,
    ) -> Result<(), StoreError> {
        self.write(
            account,
            "INSERT OR REPLACE INTO sessions (account, address, record) VALUES (?1, ?2, ?3)",
            vec![text(address.to_string()), blob(record.expose())],
        )
        .await
        .map(|_| ())
    }

    async fn delete_session(
        &self,
        account: &AccountId,
        address: &ProtocolAddress,
    ) -> Result<bool, StoreError> {
        self.write(
            account,
            "DELETE FROM sessions WHERE account = ?1 AND address = ?2",
            vec![text(address.to_string())],
        )
        .await
        .map(|removed| removed > 0)
    }

    async fn get_sender_key(
        &self,
        account: &AccountId,
        group: &str,
        sender: &ProtocolAddress,
    ) -> Result<Option<Secret>, StoreError> {
        let found = self
            .blob(
                account,
                "sender_keys",
                "SELECT record FROM sender_keys WHERE account = ?1 AND key_name = ?2",
                sender_key_name(group, sender),
            )
            .await?;
        Ok(found.map(Secret::new))
    }

    async fn put_sender_key(
        &self,
        account: &AccountId,
        group: &str,
        sender: &ProtocolAddress,
        record: &Secret,
    ) -> Result<(), StoreError> {
        self.write(
            account,
            "INSERT OR REPLACE INTO sender_keys (account, key_name, group_id, record)
             VALUES (?1, ?2, ?3, ?4)",
            vec![
                text(sender_key_name(group, sender)),
                text(group),
                blob(record.expose()),
            ],
        )
        .await
        .map(|_| ())
    }

    async fn delete_sender_keys(
        &self,
        account: &AccountId,
        group: &str,
    ) -> Result<u64, StoreError> {
        self.write(
            account,
            "DELETE FROM sender_keys WHERE account = ?1 AND group_id = ?2",
            vec![text(group)],
        )
        .await
        .map(|removed| removed as u64)
    }
}
