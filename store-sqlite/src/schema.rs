//! Embedded migrations and the schema version table.

use rusqlite::{Connection, OptionalExtension};
use wacast::store::StoreError;

use crate::worker::db;

/// The migrations, in order: migration `n` (1-based) brings the schema to version `n`.
/// Never edit a released migration; append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: every table of the first store.
    "
    CREATE TABLE meta (
        name TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) STRICT;
    CREATE TABLE credentials (
        account TEXT PRIMARY KEY,
        registration_id INTEGER NOT NULL,
        noise_key BLOB NOT NULL,
        identity_key BLOB NOT NULL,
        signed_prekey_id INTEGER NOT NULL,
        signed_prekey BLOB NOT NULL,
        signed_prekey_signature BLOB NOT NULL,
        adv_secret BLOB NOT NULL,
        jid TEXT,
        lid TEXT,
        platform TEXT NOT NULL,
        push_name TEXT NOT NULL,
        signed_device_identity BLOB,
        logged_out INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE app_state_keys (
        account TEXT NOT NULL,
        key_name TEXT NOT NULL,
        key_id BLOB NOT NULL,
        key_data BLOB NOT NULL,
        fingerprint BLOB NOT NULL,
        timestamp INTEGER NOT NULL,
        PRIMARY KEY (account, key_name)
    ) STRICT;
    CREATE TABLE device_lists (
        account TEXT NOT NULL,
        user TEXT NOT NULL,
        devices BLOB NOT NULL,
        fetched_at INTEGER NOT NULL,
        PRIMARY KEY (account, user)
    ) STRICT;
    CREATE TABLE lid_mappings (
        account TEXT NOT NULL,
        lid_user TEXT NOT NULL,
        phone_user TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (account, lid_user),
        UNIQUE (account, phone_user)
    ) STRICT;
    CREATE TABLE contacts (
        book TEXT NOT NULL,
        phone TEXT NOT NULL,
        name TEXT NOT NULL,
        tags TEXT NOT NULL,
        fields TEXT NOT NULL,
        opted_out INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (book, phone)
    ) STRICT;
    CREATE TABLE outbox (
        account TEXT NOT NULL,
        id TEXT NOT NULL,
        recipient TEXT NOT NULL,
        payload BLOB NOT NULL,
        idempotency_key TEXT,
        status TEXT NOT NULL,
        failure_reason TEXT,
        sent_at INTEGER,
        delivered_at INTEGER,
        read_at INTEGER,
        played_at INTEGER,
        failed_at INTEGER,
        created_at INTEGER NOT NULL,
        not_before INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        lease_until INTEGER,
        PRIMARY KEY (account, id)
    ) STRICT;
    CREATE UNIQUE INDEX outbox_idempotency ON outbox (account, idempotency_key)
        WHERE idempotency_key IS NOT NULL;
    CREATE INDEX outbox_due ON outbox (account, status, not_before, created_at, id);
    ",
    // 2: Signal state.
    "
    CREATE TABLE identities (
        account TEXT NOT NULL,
        address TEXT NOT NULL,
        identity BLOB NOT NULL,
        PRIMARY KEY (account, address)
    ) STRICT;
    CREATE TABLE prekeys (
        account TEXT NOT NULL,
        id INTEGER NOT NULL,
        key_name TEXT NOT NULL,
        private_key BLOB NOT NULL,
        PRIMARY KEY (account, id)
    ) STRICT;
    CREATE TABLE signed_prekeys (
        account TEXT NOT NULL,
        id INTEGER NOT NULL,
        key_name TEXT NOT NULL,
        private_key BLOB NOT NULL,
        PRIMARY KEY (account, id)
    ) STRICT;
    CREATE TABLE sessions (
        account TEXT NOT NULL,
        address TEXT NOT NULL,
        record BLOB NOT NULL,
        PRIMARY KEY (account, address)
    ) STRICT;
    CREATE TABLE sender_keys (
        account TEXT NOT NULL,
        key_name TEXT NOT NULL,
        group_id TEXT NOT NULL,
        record BLOB NOT NULL,
        PRIMARY KEY (account, key_name)
    ) STRICT;
    CREATE INDEX sender_keys_group ON sender_keys (account, group_id);
    ",
];

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The version recorded in the database (0 for a new file).
pub(crate) fn current_version(connection: &Connection) -> Result<u32, StoreError> {
    connection
        .execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        .map_err(db)?;
    let version: Option<i64> = connection
        .query_row("SELECT max(version) FROM schema_version", [], |row| {
            row.get(0)
        })
        .optional()
        .map_err(db)?
        .flatten();
    u32::try_from(version.unwrap_or(0))
        .map_err(|_| StoreError::backend("schema_version holds a negative version"))
}

/// Applies every pending migration, each in its own transaction with its version row.
pub(crate) fn migrate(connection: &mut Connection) -> Result<u32, StoreError> {
    let mut version = current_version(connection)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let next = index as u32 + 1;
        let transaction = connection.transaction().map_err(db)?;
        transaction.execute_batch(sql).map_err(db)?;
        transaction
            .execute("INSERT INTO schema_version (version) VALUES (?1)", [next])
            .map_err(db)?;
        transaction.commit().map_err(db)?;
        version = next;
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_and_refuse_a_newer_database() {
        let mut connection = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut connection).unwrap(), SCHEMA_VERSION);
        assert_eq!(migrate(&mut connection).unwrap(), SCHEMA_VERSION);
        let rows: i64 = connection
            .query_row("SELECT count(*) FROM schema_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(rows, i64::from(SCHEMA_VERSION));
        connection
            .execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                [SCHEMA_VERSION + 1],
            )
            .unwrap();
        assert!(matches!(
            migrate(&mut connection),
            Err(StoreError::SchemaTooNew { .. })
        ));
    }
}
