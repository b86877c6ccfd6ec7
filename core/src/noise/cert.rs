//! The server's certificate chain: verification and (for the sandbox) minting.
//!
//! The server proves its static Noise key with a two-level chain sent inside the ServerHello:
//! an intermediate certificate signed by a root key the client trusts, and a leaf signed by the
//! intermediate whose key must equal the server's static key. The intermediate's issuer serial
//! is the root's serial, 0.
//!
//! WhatsApp signs with libsignal-style curve25519 signatures ([`crate::curve`]); its root key is
//! [`WHATSAPP_ROOT_KEY`]. Plain Ed25519 roots are supported too (test vectors use one).

use ed25519_dalek::{Signer, Verifier};
use prost::Message;

use crate::curve::{KeyPair, PublicKey};
use crate::proto::wa::CertChain;
use crate::proto::wa::cert_chain::NoiseCertificate;
use crate::proto::wa::cert_chain::noise_certificate::Details;

/// WhatsApp's root certificate key (a Curve25519 key, libsignal signatures).
pub const WHATSAPP_ROOT_KEY: RootKey = RootKey::Curve25519(PublicKey::from_bytes([
    0x14, 0x23, 0x75, 0x57, 0x4d, 0x0a, 0x58, 0x71, 0x66, 0xaa, 0xe7, 0x1e, 0xbe, 0x51, 0x64, 0x37,
    0xc4, 0xa2, 0x8b, 0x73, 0xe3, 0x69, 0x5c, 0x6c, 0xe1, 0xf7, 0xf9, 0x54, 0x5d, 0xa8, 0xee, 0x6b,
]));

/// The serial of the root certificate, which the intermediate names as its issuer.
pub const ROOT_SERIAL: u32 = 0;

/// Why a certificate chain was refused. Each check has its own variant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// The chain or a certificate is missing a part or does not decode.
    #[error("malformed certificate chain: {0}")]
    Malformed(&'static str),
    /// The intermediate certificate's signature does not verify under the root key.
    #[error("intermediate certificate signature does not verify under the root key")]
    BadIntermediateSignature,
    /// The leaf certificate's signature does not verify under the intermediate's key.
    #[error("leaf certificate signature does not verify under the intermediate key")]
    BadLeafSignature,
    /// The intermediate does not name the root as its issuer.
    #[error("intermediate issuer serial {found} is not the root's serial {expected}")]
    WrongIntermediateIssuer {
        /// The root's serial.
        expected: u32,
        /// The intermediate's issuer serial.
        found: u32,
    },
    /// The leaf does not name the intermediate as its issuer.
    #[error("leaf issuer serial {found} is not the intermediate's serial {expected}")]
    WrongLeafIssuer {
        /// The intermediate's serial.
        expected: u32,
        /// The leaf's issuer serial.
        found: u32,
    },
    /// The leaf's key is not the server's static Noise key.
    #[error("leaf certificate key is not the server's static key")]
    WrongLeafKey,
    /// A certificate's validity starts later than now.
    #[error("{0} certificate is not valid yet")]
    NotYetValid(&'static str),
    /// A certificate's validity ended.
    #[error("{0} certificate has expired")]
    Expired(&'static str),
}

/// A key that signs certificates, and how its signatures are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootKey {
    /// A Curve25519 key with libsignal-style signatures (what WhatsApp uses).
    Curve25519(PublicKey),
    /// An Ed25519 key with plain Ed25519 signatures.
    Ed25519([u8; 32]),
}

impl RootKey {
    /// The raw 32 key bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        match self {
            RootKey::Curve25519(key) => *key.as_bytes(),
            RootKey::Ed25519(key) => *key,
        }
    }

    /// The same kind of key, with other bytes (the intermediate certificate's key is of the
    /// root's kind).
    fn with_bytes(&self, bytes: [u8; 32]) -> RootKey {
        match self {
            RootKey::Curve25519(_) => RootKey::Curve25519(PublicKey::from_bytes(bytes)),
            RootKey::Ed25519(_) => RootKey::Ed25519(bytes),
        }
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            RootKey::Curve25519(key) => key.verify(message, signature),
            RootKey::Ed25519(key) => {
                let (Ok(key), Ok(signature)) = (
                    ed25519_dalek::VerifyingKey::from_bytes(key),
                    ed25519_dalek::Signature::from_slice(signature),
                ) else {
                    return false;
                };
                key.verify(message, &signature).is_ok()
            }
        }
    }
}

/// Checks a server's certificate chain against a trusted root key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertVerifier {
    root: RootKey,
}

impl Default for CertVerifier {
    /// Trusts WhatsApp's real root key.
    fn default() -> Self {
        CertVerifier {
            root: WHATSAPP_ROOT_KEY,
        }
    }
}

fn decode_details(cert: &NoiseCertificate, which: &'static str) -> Result<Details, CertError> {
    let raw = cert.details.as_deref().ok_or(CertError::Malformed(which))?;
    Details::decode(raw).map_err(|_| CertError::Malformed(which))
}

fn check_validity(details: &Details, now: u64, which: &'static str) -> Result<(), CertError> {
    if details
        .not_before
        .is_some_and(|not_before| now < not_before)
    {
        return Err(CertError::NotYetValid(which));
    }
    if details.not_after.is_some_and(|not_after| now > not_after) {
        return Err(CertError::Expired(which));
    }
    Ok(())
}

impl CertVerifier {
    /// A verifier trusting `root`.
    pub fn new(root: RootKey) -> CertVerifier {
        CertVerifier { root }
    }

    /// The trusted root key.
    pub fn root(&self) -> RootKey {
        self.root
    }

    /// Verifies an encoded `CertChain` for a server whose static key is `server_static`, at
    /// `now` (Unix seconds).
    pub fn verify(
        &self,
        chain: &[u8],
        server_static: &PublicKey,
        now: u64,
    ) -> Result<(), CertError> {
        let chain = CertChain::decode(chain).map_err(|_| CertError::Malformed("chain"))?;
        let intermediate = chain
            .intermediate
            .ok_or(CertError::Malformed("no intermediate certificate"))?;
        let leaf = chain
            .leaf
            .ok_or(CertError::Malformed("no leaf certificate"))?;
        let (Some(intermediate_raw), Some(intermediate_sig)) =
            (&intermediate.details, &intermediate.signature)
        else {
            return Err(CertError::Malformed("intermediate certificate"));
        };
        let (Some(leaf_raw), Some(leaf_sig)) = (&leaf.details, &leaf.signature) else {
            return Err(CertError::Malformed("leaf certificate"));
        };

        if !self.root.verify(intermediate_raw, intermediate_sig) {
            return Err(CertError::BadIntermediateSignature);
        }
        let intermediate_details = decode_details(&intermediate, "intermediate details")?;
        let issuer = intermediate_details.issuer_serial.unwrap_or(0);
        if issuer != ROOT_SERIAL {
            return Err(CertError::WrongIntermediateIssuer {
                expected: ROOT_SERIAL,
                found: issuer,
            });
        }
        let intermediate_key: [u8; 32] = intermediate_details
            .key
            .as_deref()
            .and_then(|k| k.try_into().ok())
            .ok_or(CertError::Malformed("intermediate key is not 32 bytes"))?;
        if !self
            .root
            .with_bytes(intermediate_key)
            .verify(leaf_raw, leaf_sig)
        {
            return Err(CertError::BadLeafSignature);
        }
        check_validity(&intermediate_details, now, "intermediate")?;

        let leaf_details = decode_details(&leaf, "leaf details")?;
        let expected_issuer = intermediate_details.serial.unwrap_or(0);
        let leaf_issuer = leaf_details.issuer_serial.unwrap_or(0);
        if leaf_issuer != expected_issuer {
            return Err(CertError::WrongLeafIssuer {
                expected: expected_issuer,
                found: leaf_issuer,
            });
        }
        if leaf_details.key.as_deref() != Some(server_static.as_bytes().as_slice()) {
            return Err(CertError::WrongLeafKey);
        }
        check_validity(&leaf_details, now, "leaf")
    }
}

/// A signing key for minting certificates.
#[derive(Clone)]
pub enum SigningKey {
    /// A Curve25519 key pair signing libsignal-style (like WhatsApp's).
    Curve25519(KeyPair),
    /// An Ed25519 key.
    Ed25519(ed25519_dalek::SigningKey),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({:?})", self.public())
    }
}

impl SigningKey {
    /// The verifying side of this key.
    pub fn public(&self) -> RootKey {
        match self {
            SigningKey::Curve25519(pair) => RootKey::Curve25519(pair.public),
            SigningKey::Ed25519(key) => RootKey::Ed25519(key.verifying_key().to_bytes()),
        }
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            SigningKey::Curve25519(pair) => pair.private.sign(message).to_vec(),
            SigningKey::Ed25519(key) => key.sign(message).to_bytes().to_vec(),
        }
    }
}

/// Mints certificate chains with the structure of WhatsApp's: a root (serial 0) signs an
/// intermediate, which signs a leaf for the server's static key.
#[derive(Clone, Debug)]
pub struct CertificateAuthority {
    /// The root key; clients trust `root.public()`.
    pub root: SigningKey,
    /// The intermediate key.
    pub intermediate: SigningKey,
    /// The intermediate certificate's serial (the leaf's issuer serial).
    pub intermediate_serial: u32,
    /// The leaf certificate's serial.
    pub leaf_serial: u32,
}

impl CertificateAuthority {
    /// A new authority with fresh Curve25519 keys, as WhatsApp's.
    pub fn generate() -> CertificateAuthority {
        CertificateAuthority {
            root: SigningKey::Curve25519(KeyPair::generate()),
            intermediate: SigningKey::Curve25519(KeyPair::generate()),
            intermediate_serial: 1,
            leaf_serial: 2,
        }
    }

    /// The verifier a client uses to trust this authority.
    pub fn verifier(&self) -> CertVerifier {
        CertVerifier::new(self.root.public())
    }

    /// An encoded `CertChain` for a server with static key `server_static`, valid from
    /// `not_before` to `not_after` (Unix seconds).
    pub fn issue(&self, server_static: &PublicKey, not_before: u64, not_after: u64) -> Vec<u8> {
        let intermediate = Details {
            serial: Some(self.intermediate_serial),
            issuer_serial: Some(ROOT_SERIAL),
            key: Some(self.intermediate.public().to_bytes().to_vec()),
            not_before: Some(not_before),
            not_after: Some(not_after),
        }
        .encode_to_vec();
        let leaf = Details {
            serial: Some(self.leaf_serial),
            issuer_serial: Some(self.intermediate_serial),
            key: Some(server_static.as_bytes().to_vec()),
            not_before: Some(not_before),
            not_after: Some(not_after),
        }
        .encode_to_vec();
        CertChain {
            leaf: Some(NoiseCertificate {
                signature: Some(self.intermediate.sign(&leaf)),
                details: Some(leaf),
            }),
            intermediate: Some(NoiseCertificate {
                signature: Some(self.root.sign(&intermediate)),
                details: Some(intermediate),
            }),
        }
        .encode_to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_chains_verify_and_each_fault_has_its_error() {
        let ca = CertificateAuthority::generate();
        let server = KeyPair::generate().public;
        let chain = ca.issue(&server, 100, 200);
        let verifier = ca.verifier();
        assert_eq!(verifier.verify(&chain, &server, 150), Ok(()));
        assert_eq!(
            verifier.verify(&chain, &KeyPair::generate().public, 150),
            Err(CertError::WrongLeafKey)
        );
        assert_eq!(
            verifier.verify(&chain, &server, 99),
            Err(CertError::NotYetValid("intermediate"))
        );
        assert_eq!(
            verifier.verify(&chain, &server, 201),
            Err(CertError::Expired("intermediate"))
        );
        assert_eq!(
            CertificateAuthority::generate()
                .verifier()
                .verify(&chain, &server, 150),
            Err(CertError::BadIntermediateSignature)
        );
        assert_eq!(
            CertVerifier::default().verify(&chain, &server, 150),
            Err(CertError::BadIntermediateSignature)
        );
        assert!(matches!(
            verifier.verify(b"\xff\xff", &server, 150),
            Err(CertError::Malformed(_))
        ));
        let mut tampered = CertChain::decode(chain.as_slice()).unwrap();
        if let Some(leaf) = tampered.leaf.as_mut() {
            if let Some(details) = leaf.details.as_mut() {
                details[3] ^= 1;
            }
        }
        assert_eq!(
            verifier.verify(&tampered.encode_to_vec(), &server, 150),
            Err(CertError::BadLeafSignature)
        );
    }
}
