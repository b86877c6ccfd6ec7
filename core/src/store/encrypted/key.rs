//! Master keys, the AES-256-GCM keys derived from them, and the sealed envelope format.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::store::{CellRef, Secret, StoreError};

/// The first byte of every sealed value: envelope format 1.
const ENVELOPE_VERSION: u8 = 1;
const KEY_ID_LEN: usize = 4;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Bytes an envelope adds to the plaintext.
pub const ENVELOPE_OVERHEAD: usize = 1 + KEY_ID_LEN + NONCE_LEN + TAG_LEN;

const HKDF_SALT: &[u8] = b"wacast-store-v1";
const AAD_LABEL: &[u8] = b"wacast-store-v1 cell";

/// The application's master key: 32 random bytes the application keeps outside the store
/// (a secrets manager, the OS keychain, an environment variable).
///
/// The store never uses it directly: an AES-256-GCM key and a public key id are derived from
/// it with HKDF-SHA256. Its bytes never appear in `Debug` output.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    /// A master key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> MasterKey {
        MasterKey(Zeroizing::new(bytes))
    }

    /// A new random master key from the operating system's generator.
    pub fn generate() -> MasterKey {
        let mut bytes = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(bytes.as_mut());
        MasterKey(bytes)
    }

    /// The public id of this key, stored beside every ciphertext sealed under it.
    pub fn key_id(&self) -> u32 {
        SealingKey::derive(self).id
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey(id {:08x}, <redacted>)", self.key_id())
    }
}

/// The AES-256-GCM key and key id derived from one master key.
pub(super) struct SealingKey {
    pub(super) id: u32,
    cipher: Aes256Gcm,
}

impl SealingKey {
    pub(super) fn derive(master: &MasterKey) -> SealingKey {
        let hkdf = Hkdf::<Sha256>::new(Some(HKDF_SALT), master.0.as_ref());
        let mut key = Zeroizing::new([0u8; 32]);
        let mut id = [0u8; KEY_ID_LEN];
        // ok: HKDF-SHA256 can expand up to 8160 bytes; 32 and 4 always fit.
        let _ = hkdf.expand(b"aes-256-gcm key", key.as_mut());
        let _ = hkdf.expand(b"key id", &mut id);
        SealingKey {
            id: u32::from_be_bytes(id),
            cipher: Aes256Gcm::new(key.as_ref().into()),
        }
    }

    /// Seals `plaintext` for `cell`: version, key id, random nonce, ciphertext and tag.
    pub(super) fn seal(&self, cell: &CellRef, plaintext: &[u8]) -> Result<Secret, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let aad = associated_data(cell);
        let ciphertext = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| {
                StoreError::InvalidInput(format!("{} is too large to seal", cell.record_name()))
            })?;
        let mut envelope = Vec::with_capacity(ENVELOPE_OVERHEAD + plaintext.len());
        envelope.push(ENVELOPE_VERSION);
        envelope.extend_from_slice(&self.id.to_be_bytes());
        envelope.extend_from_slice(&nonce);
        envelope.extend_from_slice(&ciphertext);
        Ok(Secret::new(envelope))
    }

    /// Opens an envelope sealed for `cell` under this key.
    pub(super) fn open(
        &self,
        cell: &CellRef,
        envelope: &Envelope<'_>,
    ) -> Result<Secret, StoreError> {
        let aad = associated_data(cell);
        self.cipher
            .decrypt(
                Nonce::from_slice(envelope.nonce),
                Payload {
                    msg: envelope.ciphertext,
                    aad: &aad,
                },
            )
            .map(Secret::new)
            .map_err(|_| StoreError::Decrypt {
                account: cell.account.clone(),
                record: cell.record_name(),
            })
    }
}

/// The parts of a sealed value.
pub(super) struct Envelope<'a> {
    pub(super) key_id: u32,
    nonce: &'a [u8],
    ciphertext: &'a [u8],
}

impl<'a> Envelope<'a> {
    /// Splits a stored value; errors name the cell.
    pub(super) fn parse(cell: &CellRef, stored: &'a [u8]) -> Result<Envelope<'a>, StoreError> {
        match stored.first() {
            Some(&ENVELOPE_VERSION) => {}
            _ => {
                return Err(StoreError::NotEncrypted {
                    account: cell.account.clone(),
                    record: cell.record_name(),
                });
            }
        }
        if stored.len() < ENVELOPE_OVERHEAD {
            return Err(StoreError::Decrypt {
                account: cell.account.clone(),
                record: cell.record_name(),
            });
        }
        let (key_id, rest) = stored[1..].split_at(KEY_ID_LEN);
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(key_id);
        Ok(Envelope {
            key_id: u32::from_be_bytes(id),
            nonce,
            ciphertext,
        })
    }
}

/// Binds a ciphertext to its account, table, record key and field: each length-prefixed, so
/// no two cells share associated data.
fn associated_data(cell: &CellRef) -> Vec<u8> {
    let parts = [
        cell.account.as_str().as_bytes(),
        cell.table.as_bytes(),
        cell.key.as_bytes(),
        cell.field.as_bytes(),
    ];
    let mut aad =
        Vec::with_capacity(AAD_LABEL.len() + parts.iter().map(|p| p.len() + 4).sum::<usize>());
    aad.extend_from_slice(AAD_LABEL);
    for part in parts {
        // ok: every part is an id of at most a few hundred bytes, far below u32::MAX.
        aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
        aad.extend_from_slice(part);
    }
    aad
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::AccountId;

    fn cell(key: &str) -> CellRef {
        CellRef::new("outbox", &AccountId::new("acc").unwrap(), key, "payload")
    }

    #[test]
    fn seal_then_open_round_trips_and_hides_the_plaintext() {
        let key = SealingKey::derive(&MasterKey::from_bytes([1; 32]));
        let sealed = key.seal(&cell("m1"), b"private key bytes").unwrap();
        assert_eq!(sealed.len(), ENVELOPE_OVERHEAD + 17);
        assert!(!sealed.expose().windows(7).any(|w| w == b"private"));
        let envelope = Envelope::parse(&cell("m1"), sealed.expose()).unwrap();
        assert_eq!(envelope.key_id, key.id);
        assert_eq!(
            key.open(&cell("m1"), &envelope).unwrap().expose(),
            b"private key bytes"
        );
    }

    #[test]
    fn a_value_moved_to_another_cell_does_not_open() {
        let key = SealingKey::derive(&MasterKey::from_bytes([1; 32]));
        let sealed = key.seal(&cell("m1"), b"secret").unwrap();
        let envelope = Envelope::parse(&cell("m2"), sealed.expose()).unwrap();
        assert!(matches!(
            key.open(&cell("m2"), &envelope),
            Err(StoreError::Decrypt { .. })
        ));
    }

    #[test]
    fn different_master_keys_have_different_ids_and_keys() {
        let one = MasterKey::from_bytes([1; 32]);
        let two = MasterKey::from_bytes([2; 32]);
        assert_ne!(one.key_id(), two.key_id());
        assert_eq!(one.key_id(), MasterKey::from_bytes([1; 32]).key_id());
        assert!(!format!("{one:?}").contains("1, 1"));
    }

    #[test]
    fn short_or_unversioned_values_are_refused() {
        assert!(matches!(
            Envelope::parse(&cell("m"), &[0u8; 40]),
            Err(StoreError::NotEncrypted { .. })
        ));
        assert!(matches!(
            Envelope::parse(&cell("m"), &[ENVELOPE_VERSION; 20]),
            Err(StoreError::Decrypt { .. })
        ));
        assert!(matches!(
            Envelope::parse(&cell("m"), &[]),
            Err(StoreError::NotEncrypted { .. })
        ));
    }
}
