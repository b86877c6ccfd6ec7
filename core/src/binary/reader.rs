//! A bounded cursor over a byte slice: the only way the decoder reads input.

use super::BinaryError;

/// Reads big-endian integers and slices from a borrowed buffer, failing with
/// [`BinaryError::UnexpectedEof`] instead of reading past its end.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Offset of the next byte to read.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Takes the next `n` bytes.
    #[inline]
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], BinaryError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.buf.len())
            .ok_or_else(|| BinaryError::UnexpectedEof {
                at: self.pos,
                needed: n - self.remaining().min(n),
            })?;
        let bytes = &self.buf[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    #[inline]
    pub(crate) fn u8(&mut self) -> Result<u8, BinaryError> {
        match self.buf.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(BinaryError::UnexpectedEof {
                at: self.pos,
                needed: 1,
            }),
        }
    }

    #[inline]
    pub(crate) fn u16(&mut self) -> Result<u16, BinaryError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// The 20-bit length of `BINARY_20`: three bytes, top nibble ignored.
    #[inline]
    pub(crate) fn u20(&mut self) -> Result<usize, BinaryError> {
        let b = self.take(3)?;
        Ok((((b[0] & 0x0f) as usize) << 16) | ((b[1] as usize) << 8) | b[2] as usize)
    }

    #[inline]
    pub(crate) fn u32(&mut self) -> Result<u32, BinaryError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_reads_past_the_end() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.u16().unwrap(), 0x0102);
        assert_eq!(
            r.u16(),
            Err(BinaryError::UnexpectedEof { at: 2, needed: 1 })
        );
        assert_eq!(r.u8().unwrap(), 3);
        assert!(r.take(usize::MAX).is_err());
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn reads_twenty_bit_lengths() {
        assert_eq!(Reader::new(&[0xf1, 0x00, 0x01]).u20().unwrap(), 0x10001);
    }
}
