//! The mapping between a contact's LID and its phone number.

use async_trait::async_trait;

use super::{AccountId, StoreError, UnixMillis};

/// One LID ↔ phone-number pair, by user parts (`"123456789"` ↔ `"14155550100"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LidMapping {
    /// The LID user (the part before `@lid`).
    pub lid_user: String,
    /// The phone-number user (the part before `@s.whatsapp.net`).
    pub phone_user: String,
    /// When the mapping was learned.
    pub updated_at: UnixMillis,
}

/// LID ↔ phone-number mappings per account. Each LID maps to one phone number and each phone
/// number to one LID: storing a pair replaces any older pair that shares either side.
#[async_trait]
pub trait LidStore: Send + Sync {
    /// Stores a mapping, replacing older mappings of the same LID or the same phone number.
    async fn put_lid_mapping(
        &self,
        account: &AccountId,
        mapping: &LidMapping,
    ) -> Result<(), StoreError>;

    /// The mapping of a LID user, if known.
    async fn mapping_for_lid(
        &self,
        account: &AccountId,
        lid_user: &str,
    ) -> Result<Option<LidMapping>, StoreError>;

    /// The mapping of a phone-number user, if known.
    async fn mapping_for_phone(
        &self,
        account: &AccountId,
        phone_user: &str,
    ) -> Result<Option<LidMapping>, StoreError>;
}
