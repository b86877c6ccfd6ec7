//! Schema version, metadata and the secret-cell walk for key rotation.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use wacast::store::{
    APP_STATE_KEY_DATA, APP_STATE_KEYS_TABLE, AccountId, CREDENTIALS_TABLE, CellRef,
    OUTBOX_PAYLOAD, OUTBOX_TABLE, PREKEYS_TABLE, PRIVATE_KEY_FIELD, RECORD_FIELD,
    SENDER_KEYS_TABLE, SESSIONS_TABLE, SIGNED_PREKEYS_TABLE, Secret, SecretCell, StoreError,
    StoreMaintenance, fields,
};

use crate::SqliteStore;
use crate::schema;
use crate::worker::db;

/// A table with secret columns: how its cells are named and where they are stored.
struct SecretTable {
    /// The table name in [`CellRef`]s (also the SQL table name).
    table: &'static str,
    /// The SQL expression of the record key (`''` for one record per account).
    key: &'static str,
    /// `(field, column)` pairs, sorted by field.
    fields: &'static [(&'static str, &'static str)],
}

/// Every table with secrets, sorted by table name (the order of [`CellRef`]).
const SECRET_TABLES: &[SecretTable] = &[
    SecretTable {
        table: APP_STATE_KEYS_TABLE,
        key: "key_name",
        fields: &[(APP_STATE_KEY_DATA, "key_data")],
    },
    SecretTable {
        table: CREDENTIALS_TABLE,
        key: "''",
        fields: &[
            (fields::ADV_SECRET, "adv_secret"),
            (fields::IDENTITY_KEY, "identity_key"),
            (fields::NOISE_KEY, "noise_key"),
            (fields::SIGNED_PREKEY, "signed_prekey"),
        ],
    },
    SecretTable {
        table: OUTBOX_TABLE,
        key: "id",
        fields: &[(OUTBOX_PAYLOAD, "payload")],
    },
    SecretTable {
        table: PREKEYS_TABLE,
        key: "key_name",
        fields: &[(PRIVATE_KEY_FIELD, "private_key")],
    },
    SecretTable {
        table: SENDER_KEYS_TABLE,
        key: "key_name",
        fields: &[(RECORD_FIELD, "record")],
    },
    SecretTable {
        table: SESSIONS_TABLE,
        key: "address",
        fields: &[(RECORD_FIELD, "record")],
    },
    SecretTable {
        table: SIGNED_PREKEYS_TABLE,
        key: "key_name",
        fields: &[(PRIVATE_KEY_FIELD, "private_key")],
    },
];

fn table_cells(
    connection: &rusqlite::Connection,
    spec: &SecretTable,
    after: Option<&CellRef>,
    limit: usize,
) -> Result<Vec<SecretCell>, StoreError> {
    let (from_account, from_key) = match after {
        Some(after) if after.table.as_str() == spec.table => {
            (after.account.as_str().to_owned(), after.key.clone())
        }
        _ => (String::new(), String::new()),
    };
    let columns: Vec<&str> = spec.fields.iter().map(|(_, column)| *column).collect();
    let sql = format!(
        "SELECT account, {key} AS record_key, {columns} FROM {table}
         WHERE (account, {key}) >= (?1, ?2) ORDER BY account, record_key LIMIT ?3",
        key = spec.key,
        columns = columns.join(", "),
        table = spec.table,
    );
    let mut statement = connection.prepare_cached(&sql).map_err(db)?;
    let row_limit = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
    let mut rows = statement
        .query(params![from_account, from_key, row_limit])
        .map_err(db)?;
    let mut cells = Vec::new();
    while let Some(row) = rows.next().map_err(db)? {
        let account = AccountId::new(row.get::<_, String>(0).map_err(db)?)?;
        let key: String = row.get(1).map_err(db)?;
        for (index, (field, _)) in spec.fields.iter().enumerate() {
            let cell = CellRef::new(spec.table, &account, &key, field);
            if after.is_some_and(|after| &cell <= after) {
                continue;
            }
            let value: Vec<u8> = row.get(index + 2).map_err(|error| {
                StoreError::corrupt(&account, spec.table, &key, format!("{field}: {error}"))
            })?;
            cells.push(SecretCell {
                cell,
                value: Secret::new(value),
            });
            if cells.len() == limit {
                return Ok(cells);
            }
        }
    }
    Ok(cells)
}

#[async_trait]
impl StoreMaintenance for SqliteStore {
    async fn schema_version(&self) -> Result<u32, StoreError> {
        self.worker
            .call(|connection| schema::current_version(connection))
            .await
    }

    async fn migrate(&self) -> Result<u32, StoreError> {
        self.worker.call(schema::migrate).await
    }

    async fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let name = name.to_owned();
        self.worker
            .call(move |connection| {
                connection
                    .query_row("SELECT value FROM meta WHERE name = ?1", [name], |row| {
                        row.get(0)
                    })
                    .optional()
                    .map_err(db)
            })
            .await
    }

    async fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        let name = name.to_owned();
        let value = value.to_vec();
        self.worker
            .call(move |connection| {
                connection
                    .execute(
                        "INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2)",
                        params![name, value],
                    )
                    .map_err(db)?;
                Ok(())
            })
            .await
    }

    async fn secret_cells(
        &self,
        after: Option<&CellRef>,
        limit: usize,
    ) -> Result<Vec<SecretCell>, StoreError> {
        let after = after.cloned();
        self.worker
            .call(move |connection| {
                let mut cells = Vec::new();
                for spec in SECRET_TABLES {
                    if cells.len() >= limit {
                        break;
                    }
                    if after
                        .as_ref()
                        .is_some_and(|after| after.table.as_str() > spec.table)
                    {
                        continue;
                    }
                    let more = table_cells(connection, spec, after.as_ref(), limit - cells.len())?;
                    cells.extend(more);
                }
                Ok(cells)
            })
            .await
    }

    async fn replace_secret_cell(
        &self,
        cell: &CellRef,
        expected: &Secret,
        new: &Secret,
    ) -> Result<bool, StoreError> {
        let Some(spec) = SECRET_TABLES.iter().find(|spec| spec.table == cell.table) else {
            return Ok(false);
        };
        let Some((_, column)) = spec.fields.iter().find(|(field, _)| *field == cell.field) else {
            return Ok(false);
        };
        let sql = format!(
            "UPDATE {table} SET {column} = ?1
             WHERE account = ?2 AND {key} = ?3 AND {column} = ?4",
            table = spec.table,
            key = spec.key,
        );
        let (account, key) = (cell.account.as_str().to_owned(), cell.key.clone());
        let (expected, new) = (expected.clone(), new.clone());
        self.worker
            .call(move |connection| {
                let changed = connection
                    .execute(&sql, params![new.expose(), account, key, expected.expose()])
                    .map_err(db)?;
                Ok(changed == 1)
            })
            .await
    }
}
