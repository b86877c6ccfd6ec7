//! Identifiers the store keys records by.

use super::StoreError;

/// Milliseconds since the Unix epoch. The store never reads a clock: callers pass `now`.
pub type UnixMillis = i64;

/// The longest identifier the store accepts, in bytes.
pub const MAX_ID_LEN: usize = 256;

fn check_id(kind: &str, id: &str) -> Result<(), StoreError> {
    if id.is_empty() || id.len() > MAX_ID_LEN || id.chars().any(char::is_control) {
        return Err(StoreError::InvalidInput(format!(
            "{kind} must be 1 to {MAX_ID_LEN} bytes without control characters"
        )));
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("A ", $kind, ": 1 to 256 bytes, no control characters.")]
            pub fn new(id: impl Into<String>) -> Result<$name, StoreError> {
                let id = id.into();
                check_id($kind, &id)?;
                Ok($name(id))
            }

            /// The identifier as a string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = StoreError;

            fn from_str(id: &str) -> Result<$name, StoreError> {
                $name::new(id)
            }
        }
    };
}

string_id!(
    /// The application's name for one linked WhatsApp account (its device), e.g. `"sales-1"`.
    ///
    /// Every record except contacts belongs to exactly one account; accounts never see each
    /// other's records.
    AccountId,
    "account id"
);

string_id!(
    /// A message id, assigned before the message touches the network (e.g. `3EB0C431...`).
    MessageId,
    "message id"
);

string_id!(
    /// A contact book: the scope contacts live in (one per tenant of an application).
    BookId,
    "contact book id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_refuse_empty_long_and_control_characters() {
        assert!(AccountId::new("").is_err());
        assert!(AccountId::new("a\0b").is_err());
        assert!(AccountId::new("x".repeat(MAX_ID_LEN + 1)).is_err());
        assert_eq!(AccountId::new("sales-1").unwrap().as_str(), "sales-1");
        assert_eq!("3EB0".parse::<MessageId>().unwrap().to_string(), "3EB0");
    }
}
