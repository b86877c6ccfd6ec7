//! Nibble- and hex-packed strings: two characters per byte.
//!
//! The length byte holds ceil(len / 2), with bit 7 set when the string has an odd length (the
//! last byte is then padded with nibble 0xF).

use super::BinaryError;

/// The alphabet of a packed string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackKind {
    /// `0-9`, `-`, `.` (NIBBLE_8).
    Nibble,
    /// `0-9`, `A-F` (HEX_8).
    Hex,
}

/// Longest string the encoder packs (the length byte holds at most 127 / 2 bytes + the odd bit).
pub(crate) const MAX_PACKED_LEN: usize = 127;

impl PackKind {
    /// The character for a nibble, or `None` when the nibble is not in this alphabet.
    #[inline]
    pub(crate) fn char_of(self, nibble: u8) -> Option<u8> {
        match (self, nibble) {
            (_, 0..=9) => Some(b'0' + nibble),
            (PackKind::Nibble, 10) => Some(b'-'),
            (PackKind::Nibble, 11) => Some(b'.'),
            (PackKind::Hex, 10..=15) => Some(b'A' + nibble - 10),
            _ => None,
        }
    }

    #[inline]
    fn nibble_of(self, c: u8) -> Option<u8> {
        match (self, c) {
            (_, b'0'..=b'9') => Some(c - b'0'),
            (PackKind::Nibble, b'-') => Some(10),
            (PackKind::Nibble, b'.') => Some(11),
            (PackKind::Hex, b'A'..=b'F') => Some(c - b'A' + 10),
            _ => None,
        }
    }

    /// The packing the encoder uses for `s`, if any: nibble first, then upper-case hex.
    pub(crate) fn for_str(s: &str) -> Option<PackKind> {
        if s.is_empty() || s.len() > MAX_PACKED_LEN {
            return None;
        }
        // One pass: AND together the alphabets each byte belongs to.
        let classes = s
            .as_bytes()
            .iter()
            .fold(NIBBLE_CLASS | HEX_CLASS, |acc, &c| {
                acc & CLASSES[c as usize]
            });
        if classes & NIBBLE_CLASS != 0 {
            Some(PackKind::Nibble)
        } else if classes & HEX_CLASS != 0 {
            Some(PackKind::Hex)
        } else {
            None
        }
    }

    /// Appends the packed form of `s` (length byte and data, no marker). `s` must be in this
    /// alphabet and at most [`MAX_PACKED_LEN`] long, as [`PackKind::for_str`] checks.
    pub(crate) fn pack(self, s: &str, out: &mut Vec<u8>) {
        let bytes = s.as_bytes();
        let odd = bytes.len() % 2;
        debug_assert!(bytes.iter().all(|&c| self.nibble_of(c).is_some()));
        out.reserve(1 + bytes.len().div_ceil(2));
        out.push(((bytes.len().div_ceil(2)) as u8) | ((odd as u8) << 7)); // ok: len <= 127
        let pairs = bytes.chunks_exact(2);
        let last = pairs.remainder().first();
        out.extend(pairs.map(|pair| (NIBBLES[pair[0] as usize] << 4) | NIBBLES[pair[1] as usize]));
        if let Some(&c) = last {
            out.push((NIBBLES[c as usize] << 4) | 15);
        }
    }
}

const NIBBLE_CLASS: u8 = 1;
const HEX_CLASS: u8 = 2;

/// For every byte, the alphabets it belongs to.
static CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let byte = c as u8;
        if byte.is_ascii_digit() {
            table[c] = NIBBLE_CLASS | HEX_CLASS;
        } else if byte == b'-' || byte == b'.' {
            table[c] = NIBBLE_CLASS;
        } else if byte >= b'A' && byte <= b'F' {
            table[c] = HEX_CLASS;
        }
        c += 1;
    }
    table
};

/// For every byte of either alphabet, its nibble (the alphabets share only the digits, which
/// have the same nibble in both); 15 for the rest, which [`PackKind::for_str`] has excluded.
static NIBBLES: [u8; 256] = {
    let mut table = [15u8; 256];
    let mut c = 0;
    while c < 256 {
        let byte = c as u8;
        table[c] = match byte {
            b'0'..=b'9' => byte - b'0',
            b'-' => 10,
            b'.' => 11,
            b'A'..=b'F' => byte - b'A' + 10,
            _ => 15,
        };
        c += 1;
    }
    table
};

/// A packed string as it is on the wire, validated, not yet unpacked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packed<'a> {
    kind: PackKind,
    data: &'a [u8],
    odd: bool,
}

impl<'a> Packed<'a> {
    /// Validates `data` (the bytes after the length byte) as a packed string.
    pub(crate) fn new(
        kind: PackKind,
        data: &'a [u8],
        odd: bool,
        at: usize,
    ) -> Result<Self, BinaryError> {
        let last = data.len().wrapping_sub(1);
        for (i, &byte) in data.iter().enumerate() {
            let hi_ok = kind.char_of(byte >> 4).is_some();
            let lo = byte & 0x0f;
            let lo_ok = kind.char_of(lo).is_some() || (odd && i == last && lo == 15);
            if !hi_ok || !lo_ok {
                return Err(BinaryError::InvalidToken { byte, at: at + i });
            }
        }
        Ok(Packed { kind, data, odd })
    }

    /// The alphabet.
    pub fn kind(&self) -> PackKind {
        self.kind
    }

    /// Number of characters.
    pub fn len(&self) -> usize {
        self.data.len() * 2 - usize::from(self.odd)
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The characters, in order (ASCII).
    pub fn chars(&self) -> impl Iterator<Item = u8> + '_ {
        let len = self.len();
        self.data
            .iter()
            .flat_map(|&b| [b >> 4, b & 0x0f])
            .take(len)
            // Validated in `new`; the fallback is never taken.
            .map(|n| self.kind.char_of(n).unwrap_or(b'?'))
    }

    /// Compares with a string without allocating.
    pub fn eq_str(&self, s: &str) -> bool {
        s.len() == self.len() && self.chars().eq(s.bytes())
    }

    /// Appends the unpacked string to `out`.
    pub fn push_to(&self, out: &mut String) {
        out.extend(self.chars().map(char::from));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(s: &str) -> String {
        let kind = PackKind::for_str(s).unwrap();
        let mut out = Vec::new();
        kind.pack(s, &mut out);
        let packed = Packed::new(kind, &out[1..], out[0] & 0x80 != 0, 1).unwrap();
        let mut text = String::new();
        packed.push_to(&mut text);
        assert!(packed.eq_str(s));
        text
    }

    #[test]
    fn packs_and_unpacks() {
        for s in ["123", "1234", "12-3.4", "3EB0ABCDEF", "ABC", "0"] {
            assert_eq!(round_trip(s), s);
        }
    }

    #[test]
    fn chooses_nibble_before_hex_and_rejects_lowercase() {
        assert_eq!(PackKind::for_str("123"), Some(PackKind::Nibble));
        assert_eq!(PackKind::for_str("12A"), Some(PackKind::Hex));
        assert_eq!(PackKind::for_str("12a"), None);
        assert_eq!(PackKind::for_str(&"1".repeat(128)), None);
    }

    #[test]
    fn rejects_invalid_nibbles() {
        assert!(Packed::new(PackKind::Nibble, &[0x1c], false, 0).is_err());
        assert!(Packed::new(PackKind::Nibble, &[0xf1], true, 0).is_err());
        assert!(Packed::new(PackKind::Nibble, &[0x1f], false, 0).is_err());
        assert!(Packed::new(PackKind::Nibble, &[0x1f], true, 0).is_ok());
    }
}
