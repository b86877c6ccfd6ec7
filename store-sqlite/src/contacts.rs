//! Contacts, scoped by book. Tags and custom fields are stored as JSON text.

use std::collections::BTreeMap;

use async_trait::async_trait;
use rusqlite::params;
use wacast::store::{AccountId, BookId, Contact, ContactStore, E164, StoreError, UnixMillis};

use crate::SqliteStore;
use crate::row::RowReader;
use crate::worker::db;

const CONTACTS_TABLE: &str = "contacts";

/// Errors about contacts name the book where other errors name the account.
fn book_scope(book: &BookId) -> Result<AccountId, StoreError> {
    AccountId::new(book.as_str())
}

fn read_contact(row: &rusqlite::Row<'_>, scope: &AccountId) -> Result<Contact, StoreError> {
    let phone: String = row.get("phone").map_err(db)?;
    let reader = RowReader {
        row,
        account: scope,
        table: CONTACTS_TABLE,
        key: phone.clone(),
    };
    let tags: String = reader.get("tags")?;
    let fields: String = reader.get("fields")?;
    Ok(Contact {
        phone: E164::new(phone).map_err(|error| reader.corrupt(error.to_string()))?,
        name: reader.get("name")?,
        tags: serde_json::from_str::<Vec<String>>(&tags)
            .map_err(|error| reader.corrupt(format!("tags: {error}")))?,
        fields: serde_json::from_str::<BTreeMap<String, String>>(&fields)
            .map_err(|error| reader.corrupt(format!("fields: {error}")))?,
        opted_out: reader.bool("opted_out")?,
        updated_at: reader.get("updated_at")?,
    })
}

#[async_trait]
impl ContactStore for SqliteStore {
    async fn put_contact(&self, book: &BookId, contact: &Contact) -> Result<(), StoreError> {
        let book = book.clone();
        let contact = contact.clone();
        let tags = serde_json::to_string(&contact.tags).map_err(StoreError::backend)?;
        let fields = serde_json::to_string(&contact.fields).map_err(StoreError::backend)?;
        self.worker
            .call(move |connection| {
                connection
                    .prepare_cached(
                        "INSERT OR REPLACE INTO contacts
                            (book, phone, name, tags, fields, opted_out, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )
                    .map_err(db)?
                    .execute(params![
                        book.as_str(),
                        contact.phone.as_str(),
                        contact.name,
                        tags,
                        fields,
                        contact.opted_out,
                        contact.updated_at,
                    ])
                    .map_err(db)?;
                Ok(())
            })
            .await
    }

    async fn get_contact(
        &self,
        book: &BookId,
        phone: &E164,
    ) -> Result<Option<Contact>, StoreError> {
        let scope = book_scope(book)?;
        let phone = phone.clone();
        self.worker
            .call(move |connection| {
                let mut statement = connection
                    .prepare_cached("SELECT * FROM contacts WHERE book = ?1 AND phone = ?2")
                    .map_err(db)?;
                let mut rows = statement
                    .query(params![scope.as_str(), phone.as_str()])
                    .map_err(db)?;
                match rows.next().map_err(db)? {
                    Some(row) => read_contact(row, &scope).map(Some),
                    None => Ok(None),
                }
            })
            .await
    }

    async fn delete_contact(&self, book: &BookId, phone: &E164) -> Result<bool, StoreError> {
        let book = book.clone();
        let phone = phone.clone();
        self.worker
            .call(move |connection| {
                let removed = connection
                    .prepare_cached("DELETE FROM contacts WHERE book = ?1 AND phone = ?2")
                    .map_err(db)?
                    .execute(params![book.as_str(), phone.as_str()])
                    .map_err(db)?;
                Ok(removed > 0)
            })
            .await
    }

    async fn list_contacts(
        &self,
        book: &BookId,
        after: Option<&E164>,
        limit: usize,
    ) -> Result<Vec<Contact>, StoreError> {
        let scope = book_scope(book)?;
        let after = after
            .map(|phone| phone.as_str().to_owned())
            .unwrap_or_default();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.worker
            .call(move |connection| {
                let mut statement = connection
                    .prepare_cached(
                        "SELECT * FROM contacts WHERE book = ?1 AND phone > ?2
                         ORDER BY phone LIMIT ?3",
                    )
                    .map_err(db)?;
                let mut rows = statement
                    .query(params![scope.as_str(), after, limit])
                    .map_err(db)?;
                let mut contacts = Vec::new();
                while let Some(row) = rows.next().map_err(db)? {
                    contacts.push(read_contact(row, &scope)?);
                }
                Ok(contacts)
            })
            .await
    }

    async fn set_opted_out(
        &self,
        book: &BookId,
        phone: &E164,
        opted_out: bool,
        at: UnixMillis,
    ) -> Result<(), StoreError> {
        let scope = book_scope(book)?;
        let phone = phone.clone();
        self.worker
            .call(move |connection| {
                let changed = connection
                    .prepare_cached(
                        "UPDATE contacts SET opted_out = ?3, updated_at = ?4
                         WHERE book = ?1 AND phone = ?2",
                    )
                    .map_err(db)?
                    .execute(params![scope.as_str(), phone.as_str(), opted_out, at])
                    .map_err(db)?;
                if changed == 0 {
                    return Err(StoreError::NotFound {
                        account: scope,
                        record: format!("{CONTACTS_TABLE}/{phone}"),
                    });
                }
                Ok(())
            })
            .await
    }
}
