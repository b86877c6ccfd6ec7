//! Account credentials: the device identity a linked account logs in with.

use async_trait::async_trait;

use super::{AccountId, Secret, StoreError};
use crate::curve::KeyPair;
use crate::jid::Jid;

/// The table name credentials are stored under (also bound into their ciphertexts).
pub const CREDENTIALS_TABLE: &str = "credentials";

/// The secret fields of [`Credentials`], by the names bound into their ciphertexts.
pub mod fields {
    /// The Noise static private key.
    pub const NOISE_KEY: &str = "noise_key";
    /// The Signal identity private key.
    pub const IDENTITY_KEY: &str = "identity_key";
    /// The signed prekey's private key.
    pub const SIGNED_PREKEY: &str = "signed_prekey";
    /// The ADV secret shared with the phone at pairing.
    pub const ADV_SECRET: &str = "adv_secret";
}

/// The signed prekey a device publishes with its identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedPreKey {
    /// The prekey id.
    pub id: u32,
    /// The 32-byte private key.
    pub private_key: Secret,
    /// The identity key's signature over the public key (64 bytes).
    pub signature: Vec<u8>,
}

/// One linked device's credentials: everything it needs to log in again after a restart.
///
/// Private keys are [`Secret`]s: redacted in `Debug`, sealed at rest by
/// [`Encrypted`](super::Encrypted). The typed accessors (`noise_key_pair`, ...) check lengths
/// and name the account in their error, so a corrupt row never turns into a wrong key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The Signal registration id (14 bits in practice).
    pub registration_id: u32,
    /// The Noise static private key (32 bytes).
    pub noise_key: Secret,
    /// The Signal identity private key (32 bytes).
    pub identity_key: Secret,
    /// The current signed prekey.
    pub signed_prekey: SignedPreKey,
    /// The ADV secret (32 bytes) shown in the QR code and used to check the pairing HMAC.
    pub adv_secret: Secret,
    /// The device's phone-number JID, once paired.
    pub jid: Option<Jid>,
    /// The device's LID, once paired.
    pub lid: Option<Jid>,
    /// The platform the device registered as (e.g. `"Chrome (Linux)"`).
    pub platform: String,
    /// The account's display name, once known.
    pub push_name: String,
    /// The encoded `ADVSignedDeviceIdentity` received and signed at pairing.
    pub signed_device_identity: Option<Vec<u8>>,
    /// Whether the server logged this device out (401); a logged-out account must not reconnect.
    pub logged_out: bool,
}

impl Credentials {
    /// Credentials of a freshly registered, not yet paired device.
    pub fn new_device(
        registration_id: u32,
        noise_key: &KeyPair,
        identity_key: &KeyPair,
        signed_prekey_id: u32,
        signed_prekey: &KeyPair,
        adv_secret: [u8; 32],
    ) -> Credentials {
        let signature = identity_key
            .private
            .sign(&signed_prekey.public.serialize())
            .to_vec();
        Credentials {
            registration_id,
            noise_key: Secret::from_slice(&noise_key.private.to_bytes()),
            identity_key: Secret::from_slice(&identity_key.private.to_bytes()),
            signed_prekey: SignedPreKey {
                id: signed_prekey_id,
                private_key: Secret::from_slice(&signed_prekey.private.to_bytes()),
                signature,
            },
            adv_secret: Secret::from_slice(&adv_secret),
            jid: None,
            lid: None,
            platform: String::new(),
            push_name: String::new(),
            signed_device_identity: None,
            logged_out: false,
        }
    }

    /// The Noise static key pair.
    pub fn noise_key_pair(&self, account: &AccountId) -> Result<KeyPair, StoreError> {
        key_pair(account, fields::NOISE_KEY, &self.noise_key)
    }

    /// The Signal identity key pair.
    pub fn identity_key_pair(&self, account: &AccountId) -> Result<KeyPair, StoreError> {
        key_pair(account, fields::IDENTITY_KEY, &self.identity_key)
    }

    /// The signed prekey pair.
    pub fn signed_prekey_pair(&self, account: &AccountId) -> Result<KeyPair, StoreError> {
        key_pair(
            account,
            fields::SIGNED_PREKEY,
            &self.signed_prekey.private_key,
        )
    }

    /// The 32-byte ADV secret.
    pub fn adv_secret(&self, account: &AccountId) -> Result<Secret, StoreError> {
        fixed_32(account, fields::ADV_SECRET, &self.adv_secret)?;
        Ok(self.adv_secret.clone())
    }

    /// Checks every secret has its length and the signature 64 bytes.
    pub fn validate(&self, account: &AccountId) -> Result<(), StoreError> {
        fixed_32(account, fields::NOISE_KEY, &self.noise_key)?;
        fixed_32(account, fields::IDENTITY_KEY, &self.identity_key)?;
        fixed_32(
            account,
            fields::SIGNED_PREKEY,
            &self.signed_prekey.private_key,
        )?;
        fixed_32(account, fields::ADV_SECRET, &self.adv_secret)?;
        if self.signed_prekey.signature.len() != crate::curve::SIGNATURE_LEN {
            return Err(StoreError::corrupt(
                account,
                CREDENTIALS_TABLE,
                "signed_prekey_signature",
                format!("{} bytes, expected 64", self.signed_prekey.signature.len()),
            ));
        }
        Ok(())
    }
}

fn fixed_32(account: &AccountId, field: &str, secret: &Secret) -> Result<[u8; 32], StoreError> {
    secret.to_array::<32>().ok_or_else(|| {
        StoreError::corrupt(
            account,
            CREDENTIALS_TABLE,
            field,
            format!("{} bytes, expected 32", secret.len()),
        )
    })
}

fn key_pair(account: &AccountId, field: &str, secret: &Secret) -> Result<KeyPair, StoreError> {
    let mut bytes = fixed_32(account, field, secret)?;
    let pair = KeyPair::from_private_bytes(bytes);
    zeroize::Zeroize::zeroize(&mut bytes);
    Ok(pair)
}

/// Accounts and their credentials.
#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// Every account that has credentials, in id order.
    async fn list_accounts(&self) -> Result<Vec<AccountId>, StoreError>;

    /// The account's credentials, or `None` for an unknown account.
    async fn get_credentials(&self, account: &AccountId)
    -> Result<Option<Credentials>, StoreError>;

    /// Creates or replaces the account's credentials.
    async fn put_credentials(
        &self,
        account: &AccountId,
        credentials: &Credentials,
    ) -> Result<(), StoreError>;

    /// Sets the logged-out flag; [`StoreError::NotFound`] for an unknown account.
    async fn set_logged_out(&self, account: &AccountId, logged_out: bool)
    -> Result<(), StoreError>;

    /// Deletes every record of the account (credentials, keys, Signal state, caches, outbox),
    /// atomically. Contacts live in books, not accounts, and stay. Unknown accounts are a no-op.
    async fn delete_account(&self, account: &AccountId) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_refuse_wrong_lengths_naming_the_account() {
        let pair = KeyPair::from_private_bytes([7; 32]);
        let mut credentials = Credentials::new_device(42, &pair, &pair, 1, &pair, [9; 32]);
        let account = AccountId::new("acc-1").unwrap();
        credentials.validate(&account).unwrap();
        assert_eq!(
            credentials.noise_key_pair(&account).unwrap().public,
            pair.public
        );
        credentials.identity_key = Secret::from_slice(&[1; 31]);
        let error = credentials.identity_key_pair(&account).unwrap_err();
        assert!(matches!(error, StoreError::Corrupt { .. }));
        assert!(error.to_string().contains("acc-1"));
        assert!(credentials.validate(&account).is_err());
    }

    #[test]
    fn debug_redacts_private_keys() {
        let pair = KeyPair::from_private_bytes([0x5A; 32]);
        let credentials = Credentials::new_device(1, &pair, &pair, 1, &pair, [0x5A; 32]);
        let shown = format!("{credentials:?}");
        assert!(!shown.contains("90, 90"), "{shown}");
        assert!(shown.contains("redacted"));
    }
}
