//! The Noise layer's error type.

use super::cert::CertError;

/// Why a handshake or transport step failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoiseError {
    /// A frame is longer than the limit (or than the 24-bit length field allows).
    #[error("frame of {len} bytes exceeds the limit of {limit}")]
    FrameTooLarge {
        /// The frame's length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The connection did not start with the expected header.
    #[error("connection header {found:02x?} is not the expected {expected:02x?}")]
    BadHeader {
        /// What arrived.
        found: Vec<u8>,
        /// What was expected.
        expected: Vec<u8>,
    },
    /// Authenticated decryption failed: wrong key, tampered or corrupted data.
    #[error("bad MAC: {0} failed to decrypt")]
    BadMac(&'static str),
    /// A handshake message is malformed or not the one this step expects.
    #[error("unexpected handshake message: {0}")]
    UnexpectedMessage(&'static str),
    /// The server's certificate chain was refused.
    #[error("server certificate refused: {0}")]
    Certificate(#[from] CertError),
    /// 2^32 frames were sent or received with one key; the connection must be re-established.
    #[error("transport counter exhausted")]
    CounterExhausted,
}
