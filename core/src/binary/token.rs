//! Token dictionaries and the wire markers.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

pub(crate) use super::token_table::{DOUBLE_BYTE, SINGLE_BYTE};

/// Wire markers (bytes 236..=255 and 0) that are not single-byte tokens.
pub(crate) mod marker {
    pub const LIST_EMPTY: u8 = 0;
    pub const DICTIONARY_0: u8 = 236;
    pub const DICTIONARY_3: u8 = 239;
    pub const INTEROP_JID: u8 = 245;
    pub const FB_JID: u8 = 246;
    pub const AD_JID: u8 = 247;
    pub const LIST_8: u8 = 248;
    pub const LIST_16: u8 = 249;
    pub const JID_PAIR: u8 = 250;
    pub const HEX_8: u8 = 251;
    pub const BINARY_8: u8 = 252;
    pub const BINARY_20: u8 = 253;
    pub const BINARY_32: u8 = 254;
    pub const NIBBLE_8: u8 = 255;
}

/// How a string is written when it is in the dictionary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// One byte, 1..=235.
    Single(u8),
    /// `DICTIONARY_n` followed by an index.
    Double(u8, u8),
}

/// FNV-1a: the token table is fixed and public, so a keyed hash buys nothing here, and
/// short tokens hash several times faster than with SipHash.
#[derive(Default)]
struct Fnv1a(u64);

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type TokenMap = HashMap<&'static str, Token, BuildHasherDefault<Fnv1a>>;

static LOOKUP: LazyLock<TokenMap> = LazyLock::new(|| {
    let mut map =
        TokenMap::with_capacity_and_hasher(SINGLE_BYTE.len() + 4 * 256, Default::default());
    for (dict, entries) in DOUBLE_BYTE.iter().enumerate() {
        for (index, &token) in entries.iter().enumerate() {
            // ok: dict < 4 and index < 256 by the table's type.
            map.insert(token, Token::Double(dict as u8, index as u8));
        }
    }
    // Single-byte tokens win over double-byte ones; index 0 ("") is the LIST_EMPTY marker.
    for (index, &token) in SINGLE_BYTE.iter().enumerate().skip(1) {
        map.insert(token, Token::Single(index as u8)); // ok: SINGLE_BYTE has 236 entries
    }
    map
});

/// The token for `s`, if it is in the dictionary.
#[inline]
pub(crate) fn lookup(s: &str) -> Option<Token> {
    LOOKUP.get(s).copied()
}

/// The string of a single-byte token (1..=235).
#[inline]
pub(crate) fn single(byte: u8) -> Option<&'static str> {
    match byte {
        1..=235 => SINGLE_BYTE.get(byte as usize).copied(),
        _ => None,
    }
}

/// The string at `index` of double-byte dictionary `dict` (0..=3).
#[inline]
pub(crate) fn double(dict: u8, index: u8) -> Option<&'static str> {
    DOUBLE_BYTE
        .get(dict as usize)
        .map(|entries| entries[index as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_matches_the_shared_vector_file() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/vectors/tokens-v3.json"
        );
        let text = std::fs::read_to_string(path).expect("tokens-v3.json must be present");
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let single: Vec<&str> = json["single_byte"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(single, SINGLE_BYTE.to_vec());
        let double = json["double_byte"].as_array().unwrap();
        assert_eq!(double.len(), 4);
        for (dict, entries) in double.iter().enumerate() {
            let entries: Vec<&str> = entries
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(entries, DOUBLE_BYTE[dict].to_vec());
        }
    }

    #[test]
    fn looks_tokens_up_both_ways() {
        assert_eq!(lookup("iq"), Some(Token::Single(25)));
        assert_eq!(single(25), Some("iq"));
        assert_eq!(lookup("pair-device"), Some(Token::Double(1, 238)));
        assert_eq!(double(1, 238), Some("pair-device"));
        assert_eq!(lookup(""), None);
        assert_eq!(single(0), None);
        assert_eq!(single(236), None);
    }
}
