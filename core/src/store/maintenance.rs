//! Schema versions, store metadata, and the secret-cell walk used to rotate master keys.

use async_trait::async_trait;

use super::{AccountId, Secret, StoreError};

/// Where one secret value lives: account, table, record key and field.
///
/// [`Encrypted`](super::Encrypted) binds these four into each ciphertext, so a sealed value
/// moved to another row or field no longer opens. Every adapter must name a cell the same way
/// in [`StoreMaintenance::secret_cells`] as its typed methods do (see each table's constants).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellRef {
    /// The table (e.g. [`OUTBOX_TABLE`](super::OUTBOX_TABLE)).
    pub table: String,
    /// The account owning the record.
    pub account: AccountId,
    /// The record key within the account (empty for one-per-account records).
    pub key: String,
    /// The secret field within the record.
    pub field: String,
}

impl CellRef {
    /// A cell reference.
    pub fn new(table: &str, account: &AccountId, key: &str, field: &str) -> CellRef {
        CellRef {
            table: table.to_owned(),
            account: account.clone(),
            key: key.to_owned(),
            field: field.to_owned(),
        }
    }

    /// `table/key/field`, how errors name the cell.
    pub fn record_name(&self) -> String {
        if self.key.is_empty() {
            format!("{}/{}", self.table, self.field)
        } else {
            format!("{}/{}/{}", self.table, self.key, self.field)
        }
    }
}

/// One stored secret value and where it lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretCell {
    /// Where it lives.
    pub cell: CellRef,
    /// The stored bytes (a sealed envelope under [`Encrypted`](super::Encrypted)).
    pub value: Secret,
}

/// Schema management, metadata and the secret walk.
#[async_trait]
pub trait StoreMaintenance: Send + Sync {
    /// The schema version the stored data is at.
    async fn schema_version(&self) -> Result<u32, StoreError>;

    /// Applies every pending migration, each in its own transaction, and returns the new
    /// version. Idempotent. [`StoreError::SchemaTooNew`] when the data is newer than this
    /// build. Adapters run it when opened; calling it again is harmless.
    async fn migrate(&self) -> Result<u32, StoreError>;

    /// A store-wide metadata value (not tied to an account).
    async fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Sets a store-wide metadata value.
    async fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError>;

    /// Up to `limit` secret values with a [`CellRef`] greater than `after`, in `CellRef`
    /// order (table, account, key, field): every secret of every table, for key rotation.
    async fn secret_cells(
        &self,
        after: Option<&CellRef>,
        limit: usize,
    ) -> Result<Vec<SecretCell>, StoreError>;

    /// Replaces one secret value if it still equals `expected` (so a concurrent write is not
    /// lost); returns whether it was replaced. `false` also when the cell no longer exists.
    async fn replace_secret_cell(
        &self,
        cell: &CellRef,
        expected: &Secret,
        new: &Secret,
    ) -> Result<bool, StoreError>;
}
