//! The codec's error type.

/// Why a frame or node could not be decoded or encoded.
///
/// Every malformed input maps to one of these; the decoder never panics.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BinaryError {
    /// The frame is empty: not even a flags byte.
    #[error("empty frame: no flags byte")]
    EmptyFrame,
    /// The input ended before a value it declares was complete.
    #[error("unexpected end of data at byte {at}: {needed} more byte(s) needed")]
    UnexpectedEof {
        /// Offset where the missing value starts.
        at: usize,
        /// How many bytes were missing.
        needed: usize,
    },
    /// A byte is neither a token nor a marker valid at this position.
    #[error("invalid token {byte:#04x} at byte {at}")]
    InvalidToken {
        /// The byte.
        byte: u8,
        /// Its offset.
        at: usize,
    },
    /// The structure of a node is invalid (empty list, missing tag, bad JID server marker...).
    #[error("invalid node at byte {at}: {reason}")]
    InvalidNode {
        /// What is wrong.
        reason: &'static str,
        /// Offset of the offending byte.
        at: usize,
    },
    /// An attribute key is not a string.
    #[error("attribute key at byte {at} is not a string")]
    NonStringKey {
        /// Offset of the key.
        at: usize,
    },
    /// Bytes remain after the top-level node.
    #[error("{remaining} byte(s) left over after the node")]
    LeftoverData {
        /// How many bytes remain.
        remaining: usize,
    },
    /// A tag, key or attribute value is not valid UTF-8.
    #[error("string at byte {at} is not valid UTF-8")]
    InvalidUtf8 {
        /// Offset of the string's bytes.
        at: usize,
    },
    /// A JID on the wire names an unknown server or is otherwise unusable.
    #[error("invalid JID at byte {at}: {reason}")]
    InvalidJid {
        /// What is wrong.
        reason: &'static str,
        /// Offset of the JID.
        at: usize,
    },
    /// Nodes are nested deeper than [`super::MAX_DEPTH`].
    #[error("nodes nested deeper than {limit} levels")]
    MaxDepthExceeded {
        /// The limit.
        limit: usize,
    },
    /// The zlib payload of a compressed frame is invalid.
    #[error("invalid zlib payload: {0}")]
    Zlib(String),
    /// A value is larger than the codec allows.
    #[error("{what} is too large: {len} (limit {limit})")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        len: usize,
        /// The limit.
        limit: usize,
    },
}
