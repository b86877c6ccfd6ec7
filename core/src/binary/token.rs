//! Token dictionaries and the wire markers.

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

/// Bits of the encoder's token lookup table: 4096 slots for 1259 tokens, so probes are short.
const LOOKUP_BITS: u32 = 12;

/// Longest token in the dictionary; longer strings skip the lookup.
const MAX_TOKEN_LEN: usize = 48;

/// The encoder's token lookup: an open-addressing table built once from the dictionary.
///
/// A slot holds 0 (empty), `1..=235` for a single-byte token, or `256 + dict * 256 + index`
/// for a double-byte one. The hash reads at most 16 bytes of the string (its first and last
/// eight) and its length, so a lookup costs one multiply and, on average, about one string
/// comparison; no hashing of long strings, no per-lookup allocation.
static LOOKUP: LazyLock<Box<[u16]>> = LazyLock::new(|| {
    let mut table = vec![0u16; 1 << LOOKUP_BITS].into_boxed_slice();
    // Single-byte tokens first: they win over an equal double-byte one (none exists in v3).
    let singles = SINGLE_BYTE.iter().enumerate().skip(1).map(|(i, &t)| (t, i));
    let doubles = DOUBLE_BYTE.iter().enumerate().flat_map(|(dict, entries)| {
        entries
            .iter()
            .enumerate()
            .map(move |(index, &t)| (t, 256 + dict * 256 + index))
    });
    for (token, code) in singles.chain(doubles) {
        let mut slot = lookup_hash(token.as_bytes());
        loop {
            match table[slot] {
                0 => {
                    table[slot] = code as u16; // ok: code < 256 + 4 * 256
                    break;
                }
                taken if token_str(taken) == Some(token) => break,
                _ => slot = (slot + 1) & ((1 << LOOKUP_BITS) - 1),
            }
        }
    }
    table
});

/// A hash of the string's length and of up to 16 of its bytes (its first and last eight),
/// read with plain loads (no copy through a buffer, which would stall store forwarding).
#[inline(always)]
fn lookup_hash(s: &[u8]) -> usize {
    let n = s.len();
    let (head, tail) = match (s.first_chunk::<8>(), s.last_chunk::<8>()) {
        (Some(head), Some(tail)) => (u64::from_le_bytes(*head), u64::from_le_bytes(*tail)),
        _ => match (s.first_chunk::<4>(), s.last_chunk::<4>()) {
            (Some(head), Some(tail)) => (
                u64::from(u32::from_le_bytes(*head)),
                u64::from(u32::from_le_bytes(*tail)),
            ),
            // 0 to 3 bytes: first, middle and last.
            _ => {
                let byte = |i: usize| s.get(i).copied().map_or(0, u64::from);
                (
                    byte(0) | byte(n / 2) << 8 | byte(n.wrapping_sub(1)) << 16,
                    0,
                )
            }
        },
    };
    let mixed = (head ^ tail.rotate_left(29) ^ (n as u64).rotate_left(53))
        .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (mixed >> (64 - LOOKUP_BITS)) as usize
}

/// The string of a lookup table code.
#[inline(always)]
fn token_str(code: u16) -> Option<&'static str> {
    match code {
        1..=235 => single(code as u8),
        256..=1279 => double(((code - 256) >> 8) as u8, code as u8),
        _ => None,
    }
}

/// The token for `s`, if it is in the dictionary.
#[inline]
pub(crate) fn lookup(s: &str) -> Option<Token> {
    if s.is_empty() || s.len() > MAX_TOKEN_LEN {
        return None;
    }
    let table = &**LOOKUP;
    let mut slot = lookup_hash(s.as_bytes());
    loop {
        let code = *table.get(slot)?;
        match code {
            0 => return None,
            1..=235 if single(code as u8) == Some(s) => return Some(Token::Single(code as u8)),
            256..=1279 if token_str(code) == Some(s) => {
                return Some(Token::Double(((code - 256) >> 8) as u8, code as u8));
            }
            _ => slot = (slot + 1) & ((1 << LOOKUP_BITS) - 1),
        }
    }
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
    fn every_token_looks_itself_up_and_others_miss() {
        for (index, &token) in SINGLE_BYTE.iter().enumerate().skip(1) {
            assert_eq!(lookup(token), Some(Token::Single(index as u8)), "{token}");
        }
        for (dict, entries) in DOUBLE_BYTE.iter().enumerate() {
            for (index, &token) in entries.iter().enumerate() {
                assert_eq!(
                    lookup(token),
                    Some(Token::Double(dict as u8, index as u8)),
                    "{token}"
                );
            }
        }
        assert_eq!(MAX_TOKEN_LEN, {
            let all = SINGLE_BYTE.iter().chain(DOUBLE_BYTE.iter().flatten());
            all.map(|t| t.len()).max().unwrap()
        });
        for miss in [
            "15551234567",
            "3EB0C1DF74739DAB646C7B",
            "iqq",
            "i",
            "s.whatsapp.ne",
            "x".repeat(49).as_str(),
        ] {
            assert_eq!(lookup(miss), None, "{miss}");
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
