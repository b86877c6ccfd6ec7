//! WhatsApp's plaintext padding, applied to the `Message` protobuf before Signal encryption:
//! `n` bytes of value `n`, with `n` random in 1..=16.

use super::SignalError;

/// Appends WhatsApp padding to `plaintext`; `random` picks the length (`random % 16 + 1`).
pub fn pad(plaintext: &[u8], random: u8) -> Vec<u8> {
    let n = (random & 0x0f) + 1;
    let mut out = Vec::with_capacity(plaintext.len() + usize::from(n));
    out.extend_from_slice(plaintext);
    out.extend(std::iter::repeat_n(n, usize::from(n)));
    out
}

/// Appends WhatsApp padding of a random length.
pub fn pad_random(plaintext: &[u8]) -> Vec<u8> {
    let mut byte = [0u8; 1];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut byte);
    pad(plaintext, byte[0])
}

/// Removes WhatsApp padding, checking every padding byte.
pub fn unpad(padded: &[u8]) -> Result<&[u8], SignalError> {
    let n = usize::from(*padded.last().ok_or(SignalError::BadPadding)?);
    if n == 0 || n > 16 || n > padded.len() {
        return Err(SignalError::BadPadding);
    }
    let (body, padding) = padded.split_at(padded.len() - n);
    if padding.iter().any(|&b| usize::from(b) != n) {
        return Err(SignalError::BadPadding);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_and_unpads() {
        assert_eq!(pad(b"ab", 0), b"ab\x01");
        assert_eq!(pad(b"ab", 0xff), [b"ab".as_slice(), &[16; 16]].concat());
        for random in 0..=255u8 {
            assert_eq!(unpad(&pad(b"hello", random)).unwrap(), b"hello");
        }
        assert_eq!(unpad(b""), Err(SignalError::BadPadding));
        assert_eq!(unpad(b"ab\x00"), Err(SignalError::BadPadding));
        assert_eq!(unpad(b"a\x02\x03"), Err(SignalError::BadPadding));
        assert_eq!(unpad(b"\x05"), Err(SignalError::BadPadding));
    }

    #[test]
    fn matches_the_recorded_padding() {
        // Message 0 of the recorded session: pad byte 120 -> 9 bytes of 0x09.
        assert_eq!(pad(b"x", 120), [b"x".as_slice(), &[9; 9]].concat());
    }
}
