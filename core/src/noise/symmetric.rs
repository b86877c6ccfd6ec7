//! The Noise symmetric state: handshake hash `h`, chaining key `ck`, cipher key `k`, nonce `n`.
//!
//! WhatsApp's protocol name is exactly 32 bytes, so it is used directly as the initial `h`
//! (and `ck`, and `k`) instead of being hashed. AES-256-GCM nonces are 8 zero bytes followed by
//! the 32-bit big-endian counter; the associated data during the handshake is `h`.

use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use super::transport::aead::{Aad, LessSafeKey, Nonce};
use super::transport::aes_256_gcm;
use super::{NOISE_MODE, NoiseError};

/// The 12-byte AES-GCM nonce for counter `n`.
pub(crate) fn nonce(n: u32) -> [u8; 12] {
    let mut iv = [0u8; 12];
    iv[8..].copy_from_slice(&n.to_be_bytes());
    iv
}

/// HKDF-SHA256 with `salt`, empty info, 64 bytes out, split in two keys.
pub(crate) fn hkdf_pair(salt: &[u8; 32], ikm: &[u8]) -> ([u8; 32], [u8; 32]) {
    let mut okm = [0u8; 64];
    // ok: HKDF-SHA256 refuses only outputs over 8160 bytes.
    if Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(&[], &mut okm)
        .is_err()
    {
        unreachable!("64 bytes is a valid HKDF-SHA256 output length");
    }
    let mut first = [0u8; 32];
    let mut second = [0u8; 32];
    first.copy_from_slice(&okm[..32]);
    second.copy_from_slice(&okm[32..]);
    okm.zeroize();
    (first, second)
}

/// The handshake's symmetric state. Holds secrets: its `Debug` shows only the hash.
pub struct SymmetricState {
    h: [u8; 32],
    ck: [u8; 32],
    k: [u8; 32],
    cipher: LessSafeKey,
    n: u32,
}

impl std::fmt::Debug for SymmetricState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SymmetricState")
            .field("handshake_hash", &self.h)
            .field("nonce", &self.n)
            .finish_non_exhaustive()
    }
}

impl Drop for SymmetricState {
    fn drop(&mut self) {
        self.ck.zeroize();
        self.k.zeroize();
    }
}

impl SymmetricState {
    /// The initial state: `h = ck = k = NOISE_MODE`, `n = 0`.
    pub fn new() -> SymmetricState {
        SymmetricState {
            h: *NOISE_MODE,
            ck: *NOISE_MODE,
            k: *NOISE_MODE,
            cipher: aes_256_gcm(NOISE_MODE),
            n: 0,
        }
    }

    /// The handshake hash `h`.
    pub fn handshake_hash(&self) -> [u8; 32] {
        self.h
    }

    /// The chaining key `ck`. Secret: for diagnostics and test vectors only.
    pub fn chaining_key(&self) -> [u8; 32] {
        self.ck
    }

    /// The cipher key `k`. Secret: for diagnostics and test vectors only.
    pub fn cipher_key(&self) -> [u8; 32] {
        self.k
    }

    /// The nonce counter `n`.
    pub fn nonce(&self) -> u32 {
        self.n
    }

    /// `h = SHA-256(h ‖ data)`.
    pub fn mix_hash(&mut self, data: &[u8]) {
        self.h = Sha256::new()
            .chain_update(self.h)
            .chain_update(data)
            .finalize()
            .into();
    }

    /// `ck, k = HKDF(salt = ck, ikm)`; `n = 0`.
    pub fn mix_key(&mut self, ikm: &[u8]) {
        let (ck, k) = hkdf_pair(&self.ck, ikm);
        self.ck = ck;
        self.k = k;
        self.cipher = aes_256_gcm(&self.k);
        self.n = 0;
    }

    fn next_nonce(&mut self) -> Result<[u8; 12], NoiseError> {
        let iv = nonce(self.n);
        self.n = self.n.checked_add(1).ok_or(NoiseError::CounterExhausted)?;
        Ok(iv)
    }

    /// Encrypts with `h` as associated data, then mixes the ciphertext into `h`.
    pub fn encrypt_and_hash(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, NoiseError> {
        let iv = self.next_nonce()?;
        let mut ciphertext = plaintext.to_vec();
        self.cipher
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(iv),
                Aad::from(self.h),
                &mut ciphertext,
            )
            .map_err(|_| NoiseError::UnexpectedMessage("plaintext too long to encrypt"))?;
        self.mix_hash(&ciphertext);
        Ok(ciphertext)
    }

    /// Decrypts with `h` as associated data, then mixes the ciphertext into `h`. On failure
    /// the state is unchanged.
    pub fn decrypt_and_hash(
        &mut self,
        ciphertext: &[u8],
        what: &'static str,
    ) -> Result<Vec<u8>, NoiseError> {
        let iv = nonce(self.n);
        let mut plaintext = ciphertext.to_vec();
        let len = self
            .cipher
            .open_in_place(
                Nonce::assume_unique_for_key(iv),
                Aad::from(self.h),
                &mut plaintext,
            )
            .map_err(|_| NoiseError::BadMac(what))?
            .len();
        plaintext.truncate(len);
        self.n = self.n.checked_add(1).ok_or(NoiseError::CounterExhausted)?;
        self.mix_hash(ciphertext);
        Ok(plaintext)
    }

    /// The two transport keys: `HKDF(salt = ck, ikm = "")`. The initiator sends with the
    /// first and receives with the second.
    pub fn split(&self) -> ([u8; 32], [u8; 32]) {
        hkdf_pair(&self.ck, &[])
    }
}

impl Default for SymmetricState {
    fn default() -> Self {
        SymmetricState::new()
    }
}
