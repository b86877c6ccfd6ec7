//! The Signal layer's error type.

/// Why a Signal operation failed. A failed decryption never changes the stored session.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignalError {
    /// The message's version byte is not 0x33 (protocol version 3).
    #[error("unsupported message version byte {0:#04x}")]
    UnknownVersion(u8),
    /// The message is too short or its protobuf does not decode or misses a field.
    #[error("malformed message: {0}")]
    Malformed(&'static str),
    /// The MAC does not match: wrong session, or a tampered or corrupted message.
    #[error("bad MAC")]
    BadMac,
    /// The message key was already used (a replay) or the message is older than the keys kept.
    #[error("duplicate or expired message (chain counter {counter})")]
    DuplicateMessage {
        /// The message counter.
        counter: u32,
    },
    /// The message is further ahead in its chain than the skip limit allows.
    #[error("message counter {counter} is more than {limit} ahead of the chain")]
    TooFarInFuture {
        /// The message counter.
        counter: u32,
        /// The limit.
        limit: u32,
    },
    /// There is no session with this peer.
    #[error("no session")]
    NoSession,
    /// The peer's identity key differs from the trusted one.
    #[error("untrusted identity key for the peer")]
    UntrustedIdentity,
    /// A prekey bundle's signed prekey signature does not verify.
    #[error("signed prekey signature does not verify")]
    InvalidSignature,
    /// The message names a signed prekey this device does not have.
    #[error("unknown signed prekey id {0}")]
    UnknownSignedPreKey(u32),
    /// The message names a one-time prekey this device does not have (already used?).
    #[error("unknown one-time prekey id {0}")]
    UnknownPreKey(u32),
    /// The plaintext's CBC padding is invalid after a good MAC.
    #[error("invalid padding")]
    BadPadding,
    /// A key is malformed.
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// A chain counter would overflow.
    #[error("chain counter exhausted")]
    CounterExhausted,
}
