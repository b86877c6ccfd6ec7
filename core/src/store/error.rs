//! The one error type every store adapter returns.

use super::AccountId;

/// A boxed error from a storage backend (SQLite, Postgres, ...).
pub type BackendError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a store operation failed.
///
/// Errors about stored data name the account and the record (`table/key`) they concern, so an
/// application can quarantine one broken account while the others keep working.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A stored record could not be decoded: truncated, wrong length, unparsable field.
    #[error("record {record} of account {account} is corrupt: {reason}")]
    Corrupt {
        /// The account the record belongs to.
        account: AccountId,
        /// The record, as `table/key`.
        record: String,
        /// What was wrong with it.
        reason: String,
    },
    /// A stored secret failed authentication: tampered, truncated, moved to another row, or
    /// sealed under a master key with the same id but different bytes.
    #[error("cannot decrypt {record} of account {account}: the ciphertext was altered or moved")]
    Decrypt {
        /// The account the record belongs to.
        account: AccountId,
        /// The record, as `table/key/field`.
        record: String,
    },
    /// A stored secret was sealed under a master key this store was not given.
    #[error(
        "{record} of account {account} is sealed under master key id {key_id:08x}, which was not configured"
    )]
    UnknownKey {
        /// The account the record belongs to.
        account: AccountId,
        /// The record, as `table/key/field`.
        record: String,
        /// The key id stored with the ciphertext.
        key_id: u32,
    },
    /// A secret is stored in clear although the store has a master key.
    #[error("{record} of account {account} is stored unencrypted but a master key is configured")]
    NotEncrypted {
        /// The account the record belongs to.
        account: AccountId,
        /// The record, as `table/key/field`.
        record: String,
    },
    /// The store was sealed under another master key than the one given when opening it.
    #[error(
        "wrong master key: the store is sealed under key id {stored:08x}, the configured keys are {configured}"
    )]
    WrongMasterKey {
        /// The key id the store was sealed under.
        stored: u32,
        /// The configured key ids, comma separated, in hex.
        configured: String,
    },
    /// An update named a record that does not exist.
    #[error("record {record} of account {account} does not exist")]
    NotFound {
        /// The account.
        account: AccountId,
        /// The record, as `table/key`.
        record: String,
    },
    /// A write conflicts with an existing record (for example an outbox id used twice).
    #[error("record {record} of account {account} conflicts: {reason}")]
    Conflict {
        /// The account.
        account: AccountId,
        /// The record, as `table/key`.
        record: String,
        /// What conflicts.
        reason: String,
    },
    /// The caller passed a value the store refuses (empty id, malformed phone number, ...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The database was written by a newer wacast with a schema this build does not know.
    #[error("store schema version {found} is newer than the newest this build knows ({supported})")]
    SchemaTooNew {
        /// The version found in the database.
        found: u32,
        /// The newest version this build can migrate to.
        supported: u32,
    },
    /// The storage backend failed (I/O, database error, closed connection).
    #[error("storage backend failed: {0}")]
    Backend(#[source] BackendError),
}

impl StoreError {
    /// The account an error about stored data names, if any.
    pub fn account(&self) -> Option<&AccountId> {
        match self {
            StoreError::Corrupt { account, .. }
            | StoreError::Decrypt { account, .. }
            | StoreError::UnknownKey { account, .. }
            | StoreError::NotEncrypted { account, .. }
            | StoreError::NotFound { account, .. }
            | StoreError::Conflict { account, .. } => Some(account),
            _ => None,
        }
    }

    /// A [`StoreError::Corrupt`] for `table/key` of `account`.
    pub fn corrupt(
        account: &AccountId,
        table: &str,
        key: &str,
        reason: impl Into<String>,
    ) -> StoreError {
        StoreError::Corrupt {
            account: account.clone(),
            record: record_name(table, key),
            reason: reason.into(),
        }
    }

    /// A [`StoreError::Backend`] wrapping any error.
    pub fn backend(error: impl Into<BackendError>) -> StoreError {
        StoreError::Backend(error.into())
    }
}

/// `table/key`, or `table` alone when the key is empty: how errors name a record.
pub fn record_name(table: &str, key: &str) -> String {
    if key.is_empty() {
        table.to_owned()
    } else {
        format!("{table}/{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_error_names_account_and_record() {
        let account = AccountId::new("acc-7").unwrap();
        let error = StoreError::corrupt(&account, "outbox", "3EB0AA", "payload truncated");
        let text = error.to_string();
        assert!(
            text.contains("acc-7") && text.contains("outbox/3EB0AA"),
            "{text}"
        );
        assert_eq!(error.account(), Some(&account));
    }
}
