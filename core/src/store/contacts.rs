//! Contacts for broadcasts: phone number, name, tags, custom fields, opt-out.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::{BookId, StoreError, UnixMillis};

/// A phone number in E.164 form: `+` then 8 to 15 digits, the first not 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

impl E164 {
    /// Checks the canonical form (normalising user input is the broadcast module's job).
    pub fn new(number: impl Into<String>) -> Result<E164, StoreError> {
        let number = number.into();
        let digits = number.strip_prefix('+').unwrap_or("");
        let valid = (8..=15).contains(&digits.len())
            && digits.bytes().all(|byte| byte.is_ascii_digit())
            && !digits.starts_with('0');
        if !valid {
            return Err(StoreError::InvalidInput(format!(
                "{number:?} is not an E.164 number (+ and 8 to 15 digits)"
            )));
        }
        Ok(E164(number))
    }

    /// The number with its `+`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without `+`: the user part of the phone-number JID.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }
}

impl std::fmt::Display for E164 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A contact in a book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    /// The phone number, the contact's key within its book.
    pub phone: E164,
    /// The display name used in templates.
    pub name: String,
    /// Free-form tags for selecting recipients.
    pub tags: Vec<String>,
    /// Custom template fields.
    pub fields: BTreeMap<String, String>,
    /// Whether the contact opted out; campaigns must skip opted-out contacts.
    pub opted_out: bool,
    /// When the record was last changed.
    pub updated_at: UnixMillis,
}

/// Contacts, scoped by book.
#[async_trait]
pub trait ContactStore: Send + Sync {
    /// Creates or replaces a contact (by phone number).
    async fn put_contact(&self, book: &BookId, contact: &Contact) -> Result<(), StoreError>;

    /// A contact by phone number.
    async fn get_contact(&self, book: &BookId, phone: &E164)
    -> Result<Option<Contact>, StoreError>;

    /// Deletes a contact; returns whether it existed.
    async fn delete_contact(&self, book: &BookId, phone: &E164) -> Result<bool, StoreError>;

    /// Up to `limit` contacts with a phone number greater than `after`, in phone order.
    async fn list_contacts(
        &self,
        book: &BookId,
        after: Option<&E164>,
        limit: usize,
    ) -> Result<Vec<Contact>, StoreError>;

    /// Sets the opt-out flag; [`StoreError::NotFound`] for an unknown contact. Opt-outs are
    /// honoured everywhere, so they get their own atomic update.
    async fn set_opted_out(
        &self,
        book: &BookId,
        phone: &E164,
        opted_out: bool,
        at: UnixMillis,
    ) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_accepts_the_canonical_form_only() {
        assert_eq!(E164::new("+14155550100").unwrap().digits(), "14155550100");
        for bad in [
            "14155550100",
            "+0415555",
            "+1415",
            "+1415555010012345",
            "+1415a550100",
            "",
        ] {
            assert!(E164::new(bad).is_err(), "{bad}");
        }
    }
}
