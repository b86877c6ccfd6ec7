//! Reading columns of a stored row, with every failure a typed error naming the record.

use rusqlite::Row;
use rusqlite::types::FromSql;
use wacast::jid::Jid;
use wacast::store::{AccountId, Secret, StoreError};

/// One row of one record, read column by column; errors name account, table and key.
pub(crate) struct RowReader<'a, 'r> {
    pub(crate) row: &'a Row<'r>,
    pub(crate) account: &'a AccountId,
    pub(crate) table: &'static str,
    pub(crate) key: String,
}

impl RowReader<'_, '_> {
    pub(crate) fn corrupt(&self, reason: impl Into<String>) -> StoreError {
        StoreError::corrupt(self.account, self.table, &self.key, reason)
    }

    pub(crate) fn get<T: FromSql>(&self, column: &str) -> Result<T, StoreError> {
        self.row
            .get::<_, T>(column)
            .map_err(|error| self.corrupt(format!("column {column}: {error}")))
    }

    pub(crate) fn secret(&self, column: &str) -> Result<Secret, StoreError> {
        self.get::<Vec<u8>>(column).map(Secret::new)
    }

    pub(crate) fn u32(&self, column: &str) -> Result<u32, StoreError> {
        let value: i64 = self.get(column)?;
        u32::try_from(value)
            .map_err(|_| self.corrupt(format!("column {column}: {value} out of range")))
    }

    pub(crate) fn bool(&self, column: &str) -> Result<bool, StoreError> {
        match self.get::<i64>(column)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(self.corrupt(format!("column {column}: {other} is not a flag"))),
        }
    }

    pub(crate) fn jid(&self, column: &str) -> Result<Jid, StoreError> {
        let text: String = self.get(column)?;
        text.parse()
            .map_err(|error| self.corrupt(format!("column {column}: {error}")))
    }

    pub(crate) fn optional_jid(&self, column: &str) -> Result<Option<Jid>, StoreError> {
        match self.get::<Option<String>>(column)? {
            None => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|error| self.corrupt(format!("column {column}: {error}"))),
        }
    }
}

/// A rusqlite error met while reading a record: a value of the wrong type or range is a
/// corrupt record, anything else a backend failure.
pub(crate) fn read_error(
    account: &AccountId,
    table: &str,
    key: &str,
    error: rusqlite::Error,
) -> StoreError {
    match error {
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => {
            StoreError::corrupt(account, table, key, error.to_string())
        }
        other => crate::worker::db(other),
    }
}
