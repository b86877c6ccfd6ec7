//! The Signal key schedule, byte-compatible with libsignal.
//!
//! - [`derive_secrets`]: HKDF-SHA256 giving one to three 32-byte blocks.
//! - X3DH: `HKDF(0xFF×32 ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4], salt 0×32, "WhisperText")` → root key,
//!   chain key ([`x3dh_master_secret`]).
//! - DH ratchet: `HKDF(DH(our ratchet, their ratchet), salt = root key, "WhisperRatchet")` →
//!   next root key, chain key ([`RootKey::create_chain`]).
//! - Symmetric ratchet: `seed = HMAC(CK, 0x01)`, `CK' = HMAC(CK, 0x02)`; message keys are
//!   `HKDF(seed, salt 0×32, "WhisperMessageKeys")` → cipher key, MAC key, IV
//!   ([`ChainKey::message_keys`]).
//! - Sender keys: the same chain step; `HKDF(seed, salt 0×32, "WhisperGroup")` → IV is block 0's
//!   first half, cipher key is block 0's second half ‖ block 1's first half.

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::curve::{PrivateKey, PublicKey};

const WHISPER_TEXT: &[u8] = b"WhisperText";
const WHISPER_RATCHET: &[u8] = b"WhisperRatchet";
const WHISPER_MESSAGE_KEYS: &[u8] = b"WhisperMessageKeys";
const WHISPER_GROUP: &[u8] = b"WhisperGroup";

/// HKDF-SHA256 of `ikm` with a 32-byte `salt` and `info`, as `N` 32-byte blocks (N ≤ 255).
pub fn derive_secrets<const N: usize>(ikm: &[u8], salt: &[u8; 32], info: &[u8]) -> [[u8; 32]; N] {
    let mut okm = vec![0u8; 32 * N];
    // ok: HKDF-SHA256 refuses only outputs over 255 blocks; callers use at most 3.
    if Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, &mut okm)
        .is_err()
    {
        unreachable!("HKDF output of {N} blocks is within the limit");
    }
    let mut blocks = [[0u8; 32]; N];
    for (block, chunk) in blocks.iter_mut().zip(okm.chunks_exact(32)) {
        block.copy_from_slice(chunk);
    }
    okm.zeroize();
    blocks
}

fn hmac(key: &[u8; 32], data: &[u8]) -> [u8; 32] {
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        // ok: HMAC accepts keys of any length.
        Err(_) => unreachable!("HMAC-SHA256 takes any key length"),
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The X3DH master secret's root key and chain key from the DH outputs, in libsignal's
/// order: `DH(IK_A, SPK_B)`, `DH(EK_A, IK_B)`, `DH(EK_A, SPK_B)` and, with a one-time prekey,
/// `DH(EK_A, OPK_B)`.
pub fn x3dh_master_secret(dh_outputs: &[[u8; 32]]) -> (RootKey, ChainKey) {
    let mut input = Vec::with_capacity(32 * (1 + dh_outputs.len()));
    input.extend_from_slice(&[0xff; 32]);
    for dh in dh_outputs {
        input.extend_from_slice(dh);
    }
    let [root, chain, mut unused] = derive_secrets::<3>(&input, &[0; 32], WHISPER_TEXT);
    input.zeroize();
    unused.zeroize();
    (
        RootKey(root),
        ChainKey {
            key: chain,
            index: 0,
        },
    )
}

/// A root key of the double ratchet.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct RootKey(pub(crate) [u8; 32]);

impl std::fmt::Debug for RootKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RootKey(<redacted>)")
    }
}

impl RootKey {
    /// Wraps stored root key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> RootKey {
        RootKey(bytes)
    }

    /// The raw bytes, for storage (encrypt them at rest).
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// A DH ratchet step: the next root key and a fresh chain key from
    /// `DH(our_ratchet, their_ratchet)`.
    pub fn create_chain(
        &self,
        their_ratchet: &PublicKey,
        our_ratchet: &PrivateKey,
    ) -> (RootKey, ChainKey) {
        let mut shared = our_ratchet.agree(their_ratchet);
        let [root, chain] = derive_secrets::<2>(&shared, &self.0, WHISPER_RATCHET);
        shared.zeroize();
        (
            RootKey(root),
            ChainKey {
                key: chain,
                index: 0,
            },
        )
    }
}

/// A sending or receiving chain key and the counter of the next message it will key.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct ChainKey {
    key: [u8; 32],
    index: u32,
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChainKey(index {}, <redacted>)", self.index)
    }
}

impl ChainKey {
    /// A chain key at `index`.
    pub fn new(key: [u8; 32], index: u32) -> ChainKey {
        ChainKey { key, index }
    }

    /// The raw key, for storage.
    pub fn key(&self) -> [u8; 32] {
        self.key
    }

    /// The counter of the message this key will produce keys for.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// `HMAC(CK, 0x01)`: the seed of this step's message keys.
    pub fn message_key_seed(&self) -> [u8; 32] {
        hmac(&self.key, &[0x01])
    }

    /// The next chain key, `HMAC(CK, 0x02)`; `None` when the counter would overflow.
    pub fn next(&self) -> Option<ChainKey> {
        Some(ChainKey {
            key: hmac(&self.key, &[0x02]),
            index: self.index.checked_add(1)?,
        })
    }

    /// This step's message keys.
    pub fn message_keys(&self) -> MessageKeys {
        let mut seed = self.message_key_seed();
        let [cipher_key, mac_key, iv_block] =
            derive_secrets::<3>(&seed, &[0; 32], WHISPER_MESSAGE_KEYS);
        seed.zeroize();
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&iv_block[..16]);
        MessageKeys {
            cipher_key,
            mac_key,
            iv,
            counter: self.index,
        }
    }
}

/// The keys of one 1:1 message: AES-256-CBC key and IV, HMAC-SHA256 key.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct MessageKeys {
    /// AES-256-CBC key.
    pub cipher_key: [u8; 32],
    /// HMAC-SHA256 key for the 8-byte MAC.
    pub mac_key: [u8; 32],
    /// AES-CBC IV.
    pub iv: [u8; 16],
    /// The message counter these keys belong to.
    pub counter: u32,
}

impl std::fmt::Debug for MessageKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MessageKeys(counter {}, <redacted>)", self.counter)
    }
}

/// A sender-key chain (groups): the chain key and its iteration.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SenderChainKey {
    iteration: u32,
    seed: [u8; 32],
}

impl std::fmt::Debug for SenderChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SenderChainKey(iteration {}, <redacted>)",
            self.iteration
        )
    }
}

impl SenderChainKey {
    /// A sender chain key at `iteration`.
    pub fn new(iteration: u32, seed: [u8; 32]) -> SenderChainKey {
        SenderChainKey { iteration, seed }
    }

    /// The iteration.
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// The raw chain key, for storage and distribution messages.
    pub fn seed(&self) -> [u8; 32] {
        self.seed
    }

    /// The message key for this iteration.
    pub fn message_key(&self) -> SenderMessageKey {
        let mut seed = hmac(&self.seed, &[0x01]);
        let [block0, block1] = derive_secrets::<2>(&seed, &[0; 32], WHISPER_GROUP);
        seed.zeroize();
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&block0[..16]);
        let mut cipher_key = [0u8; 32];
        cipher_key[..16].copy_from_slice(&block0[16..]);
        cipher_key[16..].copy_from_slice(&block1[..16]);
        SenderMessageKey {
            iteration: self.iteration,
            iv,
            cipher_key,
        }
    }

    /// The next iteration's chain key; `None` when the iteration would overflow.
    pub fn next(&self) -> Option<SenderChainKey> {
        Some(SenderChainKey {
            iteration: self.iteration.checked_add(1)?,
            seed: hmac(&self.seed, &[0x02]),
        })
    }
}

/// The key of one group message.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SenderMessageKey {
    /// The iteration it belongs to.
    pub iteration: u32,
    /// AES-256-CBC IV.
    pub iv: [u8; 16],
    /// AES-256-CBC key.
    pub cipher_key: [u8; 32],
}

impl std::fmt::Debug for SenderMessageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SenderMessageKey(iteration {}, <redacted>)",
            self.iteration
        )
    }
}
