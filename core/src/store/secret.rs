//! Secret byte strings: redacted in `Debug`, wiped on drop.

use zeroize::{Zeroize, ZeroizeOnDrop};

/// Secret bytes held by a store record: a private key, a session, a message payload.
///
/// Its contents never appear in `Debug` output and are wiped from memory on drop. Adapters
/// store the bytes as they are; [`Encrypted`](super::Encrypted) replaces them with a sealed
/// envelope before they reach the adapter.
#[derive(Clone, PartialEq, Eq, Default, Zeroize, ZeroizeOnDrop)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps secret bytes.
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret(bytes)
    }

    /// Copies secret bytes.
    pub fn from_slice(bytes: &[u8]) -> Secret {
        Secret(bytes.to_vec())
    }

    /// The bytes. Do not log them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The bytes as a fixed-size array, or `None` when the length differs.
    pub fn to_array<const N: usize>(&self) -> Option<[u8; N]> {
        <[u8; N]>::try_from(self.0.as_slice()).ok()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret(<redacted {} bytes>)", self.0.len())
    }
}

impl From<Vec<u8>> for Secret {
    fn from(bytes: Vec<u8>) -> Secret {
        Secret(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_bytes() {
        let secret = Secret::from_slice(&[0xAB; 4]);
        let shown = format!("{secret:?}");
        assert_eq!(shown, "Secret(<redacted 4 bytes>)");
        assert!(!shown.to_lowercase().contains("ab"));
    }

    #[test]
    fn to_array_checks_the_length() {
        let secret = Secret::from_slice(&[1, 2, 3]);
        assert_eq!(secret.to_array::<3>(), Some([1, 2, 3]));
        assert_eq!(secret.to_array::<4>(), None);
    }
}
