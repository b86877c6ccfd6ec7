//! The long-term keys and identity of one linked device.

use crate::curve::KeyPair;
use crate::jid::Jid;

/// A signed prekey: a key pair whose public key the identity key signs.
#[derive(Clone, Debug)]
pub struct SignedPreKey {
    /// Its id (24 bits on the wire).
    pub id: u32,
    /// The key pair.
    pub key_pair: KeyPair,
    /// The identity key's signature of `0x05 ‖ public key`.
    pub signature: [u8; 64],
}

impl SignedPreKey {
    /// A new signed prekey with `id`, signed by `identity`.
    pub fn generate(id: u32, identity: &KeyPair) -> SignedPreKey {
        let key_pair = KeyPair::generate();
        let signature = identity.private.sign(&key_pair.public.serialize());
        SignedPreKey {
            id,
            key_pair,
            signature,
        }
    }
}

/// Everything a device needs to connect: its Noise key, Signal identity, registration id,
/// signed prekey, ADV secret and, once linked, its JID.
///
/// Holds private keys: `Debug` shows public parts only, and stores must encrypt it at rest.
#[derive(Clone)]
pub struct Credentials {
    /// The Noise static key: the server identifies a returning device by it.
    pub noise_key: KeyPair,
    /// The Signal identity key.
    pub identity_key: KeyPair,
    /// The Signal registration id (14 bits of randomness, like the official clients).
    pub registration_id: u32,
    /// The current signed prekey.
    pub signed_prekey: SignedPreKey,
    /// The secret shared with the phone during linking (ADV HMAC key).
    pub adv_secret: [u8; 32],
    /// The device's JID once linked; `None` for a new device.
    pub jid: Option<Jid>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("noise_key", &self.noise_key.public)
            .field("identity_key", &self.identity_key.public)
            .field("registration_id", &self.registration_id)
            .field("signed_prekey_id", &self.signed_prekey.id)
            .field("jid", &self.jid)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// Fresh credentials for a device that has not been linked yet.
    pub fn generate() -> Credentials {
        let identity_key = KeyPair::generate();
        let mut random = [0u8; 36];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut random);
        let mut adv_secret = [0u8; 32];
        adv_secret.copy_from_slice(&random[..32]);
        // 1..=16380, the range libsignal's key helper draws from.
        let registration_id =
            u32::from_be_bytes([random[32], random[33], random[34], random[35]]) % 16380 + 1;
        Credentials {
            noise_key: KeyPair::generate(),
            signed_prekey: SignedPreKey::generate(1, &identity_key),
            identity_key,
            registration_id,
            adv_secret,
            jid: None,
        }
    }
}
