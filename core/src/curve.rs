//! Curve25519 keys and libsignal-style signatures.
//!
//! WhatsApp uses X25519 key pairs everywhere (Noise, Signal identities and prekeys, ADV
//! signatures, the server's certificate chain). Signatures are the scheme libsignal inherited
//! from curve25519-java: an Ed25519-style signature made with the X25519 private key, whose
//! Edwards public key's sign bit travels in the top bit of the signature's last byte. The
//! `xeddsa` crate does not verify these for half of all keys, so this module does it directly on
//! curve25519-dalek.
//!
//! Signing uses the deterministic nonce `r = SHA-512(a ‖ message)`, matching libsignal-node's
//! `calculateSignature` byte for byte; verification accepts the randomized XEdDSA variant too.
//!
//! ```
//! use wacast::curve::KeyPair;
//!
//! let identity = KeyPair::from_private_bytes([7; 32]);
//! let signature = identity.private.sign(b"signed prekey");
//! assert!(identity.public.verify(b"signed prekey", &signature));
//! assert!(!identity.public.verify(b"another message", &signature));
//! ```

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::{Scalar, clamp_integer};
use sha2::{Digest, Sha512};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The type byte libsignal prefixes to serialized Curve25519 public keys.
pub const DJB_TYPE: u8 = 0x05;

/// Length of a signature.
pub const SIGNATURE_LEN: usize = 64;

/// Why bytes are not a public key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Wrong length for a key.
    #[error("public key must be 32 bytes, or 33 with the 0x05 type byte; got {0} bytes")]
    BadLength(usize),
    /// A 33-byte key whose type byte is not 0x05.
    #[error("public key type byte is {0:#04x}, expected 0x05")]
    BadType(u8),
}

/// A Curve25519 private key. Its bytes never appear in `Debug` output and are wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct PrivateKey([u8; 32]);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

impl PartialEq for PrivateKey {
    /// Constant-time comparison.
    fn eq(&self, other: &PrivateKey) -> bool {
        subtle::ConstantTimeEq::ct_eq(&self.0[..], &other.0[..]).into()
    }
}

impl Eq for PrivateKey {}

impl PrivateKey {
    /// Wraps raw private key bytes (clamped or not: every use clamps).
    pub fn from_bytes(bytes: [u8; 32]) -> PrivateKey {
        PrivateKey(bytes)
    }

    /// The raw bytes, for storage (encrypt them at rest).
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(x25519_dalek::x25519(
            self.0,
            x25519_dalek::X25519_BASEPOINT_BYTES,
        ))
    }

    /// X25519 Diffie-Hellman with `their` public key.
    pub fn agree(&self, their: &PublicKey) -> [u8; 32] {
        x25519_dalek::x25519(self.0, their.0)
    }

    /// Signs `message` with libsignal's curve25519 signature and a deterministic nonce.
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        let mut clamped = clamp_integer(self.0);
        let a = Scalar::from_bytes_mod_order(clamped);
        let public = EdwardsPoint::mul_base(&a).compress().to_bytes();
        let r = Scalar::from_hash(Sha512::new().chain_update(clamped).chain_update(message));
        clamped.zeroize();
        let big_r = EdwardsPoint::mul_base(&r).compress().to_bytes();
        let h = Scalar::from_hash(
            Sha512::new()
                .chain_update(big_r)
                .chain_update(public)
                .chain_update(message),
        );
        let s = r + h * a;
        let mut signature = [0u8; SIGNATURE_LEN];
        signature[..32].copy_from_slice(&big_r);
        signature[32..].copy_from_slice(s.as_bytes());
        // The Edwards key's sign bit rides in the (always clear) top bit of `s`.
        signature[63] |= public[31] & 0x80;
        signature
    }
}

/// A Curve25519 public key (the X25519 u-coordinate).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey([u8; 32]);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey(")?;
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))?;
        write!(f, ")")
    }
}

impl PublicKey {
    /// Wraps the raw 32 bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> PublicKey {
        PublicKey(bytes)
    }

    /// Reads 32 raw bytes or 33 bytes with the 0x05 type byte (libsignal's serialized form).
    pub fn from_slice(bytes: &[u8]) -> Result<PublicKey, KeyError> {
        match bytes.len() {
            32 => Ok(PublicKey(
                bytes.try_into().map_err(|_| KeyError::BadLength(32))?,
            )),
            33 if bytes[0] == DJB_TYPE => Ok(PublicKey(
                bytes[1..].try_into().map_err(|_| KeyError::BadLength(33))?,
            )),
            33 => Err(KeyError::BadType(bytes[0])),
            len => Err(KeyError::BadLength(len)),
        }
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// libsignal's serialized form: 0x05 followed by the 32 bytes.
    pub fn serialize(&self) -> [u8; 33] {
        let mut out = [DJB_TYPE; 33];
        out[1..].copy_from_slice(&self.0);
        out
    }

    /// Verifies a libsignal curve25519 signature of `message` by this key.
    ///
    /// Returns `false` for any malformed signature (wrong length, non-canonical scalar, key
    /// without an Edwards form).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = <[u8; SIGNATURE_LEN]>::try_from(signature) else {
            return false;
        };
        let sign_bit = signature[63] >> 7;
        let Some(public) = MontgomeryPoint(self.0).to_edwards(sign_bit) else {
            return false;
        };
        let mut s_bytes = [0u8; 32];
        s_bytes.copy_from_slice(&signature[32..]);
        s_bytes[31] &= 0x7f;
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)) else {
            return false;
        };
        let big_r = &signature[..32];
        let h = Scalar::from_hash(
            Sha512::new()
                .chain_update(big_r)
                .chain_update(public.compress().as_bytes())
                .chain_update(message),
        );
        let expected_r = EdwardsPoint::vartime_double_scalar_mul_basepoint(&-h, &public, &s);
        CompressedEdwardsY(expected_r.compress().to_bytes()).as_bytes() == big_r
    }
}

/// A private key and its public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPair {
    /// The private key.
    pub private: PrivateKey,
    /// The public key.
    pub public: PublicKey,
}

impl KeyPair {
    /// A new random key pair from the operating system's generator.
    pub fn generate() -> KeyPair {
        let mut bytes = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
        let pair = KeyPair::from_private_bytes(clamp_integer(bytes));
        bytes.zeroize();
        pair
    }

    /// The key pair of the given private key bytes.
    pub fn from_private_bytes(bytes: [u8; 32]) -> KeyPair {
        let private = PrivateKey::from_bytes(bytes);
        let public = private.public_key();
        KeyPair { private, public }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_for_both_sign_bits() {
        let mut seen = [false; 2];
        for seed in 0u8..16 {
            let pair = KeyPair::from_private_bytes([seed; 32]);
            let signature = pair.private.sign(&[seed, 1, 2]);
            seen[usize::from(signature[63] >> 7)] = true;
            assert!(pair.public.verify(&[seed, 1, 2], &signature));
            let mut flipped = signature;
            flipped[63] ^= 0x80;
            assert!(!pair.public.verify(&[seed, 1, 2], &flipped));
            assert!(!pair.public.verify(&[seed, 1, 3], &signature));
            assert!(!pair.public.verify(&[seed, 1, 2], &signature[..63]));
        }
        assert_eq!(seen, [true, true], "both sign-bit cases exercised");
    }

    #[test]
    fn parses_serialized_keys() {
        let public = KeyPair::from_private_bytes([1; 32]).public;
        assert_eq!(PublicKey::from_slice(&public.serialize()), Ok(public));
        assert_eq!(PublicKey::from_slice(public.as_bytes()), Ok(public));
        let mut wrong = public.serialize();
        wrong[0] = 6;
        assert_eq!(PublicKey::from_slice(&wrong), Err(KeyError::BadType(6)));
        assert_eq!(PublicKey::from_slice(&[0; 5]), Err(KeyError::BadLength(5)));
        assert_eq!(
            format!("{:?}", KeyPair::from_private_bytes([1; 32]).private),
            "PrivateKey(<redacted>)"
        );
    }
}
