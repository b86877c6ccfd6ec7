//! Frames: a 3-byte big-endian length followed by the payload.
//!
//! A WebSocket message may carry several frames or part of one, so [`FrameReader`] buffers
//! bytes across messages and hands out complete frames. The first message a client sends is
//! prefixed with the connection header ([`super::WA_CONN_HEADER`]).

use super::NoiseError;

/// The largest payload the 3-byte length field can describe.
pub const MAX_FRAME_LEN: usize = (1 << 24) - 1;

/// Appends one frame (length prefix + payload) to `out`.
pub fn write_frame(payload: &[u8], out: &mut Vec<u8>) -> Result<(), NoiseError> {
    let len = payload.len();
    if len > MAX_FRAME_LEN {
        return Err(NoiseError::FrameTooLarge {
            len,
            limit: MAX_FRAME_LEN,
        });
    }
    out.extend_from_slice(&[(len >> 16) as u8, (len >> 8) as u8, len as u8]);
    out.extend_from_slice(payload);
    Ok(())
}

/// Splits a byte stream into frames, enforcing a size limit.
#[derive(Debug)]
pub struct FrameReader {
    buffer: Vec<u8>,
    start: usize,
    max_frame_len: usize,
    header: Option<Vec<u8>>,
}

impl FrameReader {
    /// A reader accepting frames up to `max_frame_len` bytes (capped at [`MAX_FRAME_LEN`]).
    pub fn new(max_frame_len: usize) -> FrameReader {
        FrameReader {
            buffer: Vec::new(),
            start: 0,
            max_frame_len: max_frame_len.min(MAX_FRAME_LEN),
            header: None,
        }
    }

    /// A server-side reader: the stream must start with `header`, which is checked and removed.
    pub fn expecting_header(max_frame_len: usize, header: &[u8]) -> FrameReader {
        FrameReader {
            header: Some(header.to_vec()),
            ..FrameReader::new(max_frame_len)
        }
    }

    /// Adds received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buffer.len() {
            self.buffer.clear();
            self.start = 0;
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete frame's payload, `None` when more bytes are needed.
    ///
    /// A frame over the limit is an error as soon as its length is known, before its bytes
    /// are buffered, so a peer cannot make the reader hold more than the limit.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, NoiseError> {
        let available = &self.buffer[self.start..];
        if let Some(header) = &self.header {
            if available.len() < header.len() {
                if !header.starts_with(available) {
                    return Err(self.bad_header(available));
                }
                return Ok(None);
            }
            if &available[..header.len()] != header.as_slice() {
                return Err(self.bad_header(&available[..header.len()]));
            }
            self.start += header.len();
            self.header = None;
            return self.next_frame();
        }
        if available.len() < 3 {
            return Ok(None);
        }
        let len = (usize::from(available[0]) << 16)
            | (usize::from(available[1]) << 8)
            | usize::from(available[2]);
        if len > self.max_frame_len {
            return Err(NoiseError::FrameTooLarge {
                len,
                limit: self.max_frame_len,
            });
        }
        if available.len() < 3 + len {
            return Ok(None);
        }
        let frame = available[3..3 + len].to_vec();
        self.start += 3 + len;
        if self.start == self.buffer.len() {
            self.buffer.clear();
            self.start = 0;
        } else if self.start > 64 * 1024 {
            self.buffer.drain(..self.start);
            self.start = 0;
        }
        Ok(Some(frame))
    }

    fn bad_header(&self, found: &[u8]) -> NoiseError {
        NoiseError::BadHeader {
            found: found.to_vec(),
            expected: self.header.clone().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_frames_across_and_within_chunks() {
        let mut stream = Vec::new();
        write_frame(b"hello", &mut stream).unwrap();
        write_frame(b"", &mut stream).unwrap();
        write_frame(&[7; 300], &mut stream).unwrap();
        let mut reader = FrameReader::new(1024);
        let mut frames = Vec::new();
        for chunk in stream.chunks(4) {
            reader.push(chunk);
            while let Some(frame) = reader.next_frame().unwrap() {
                frames.push(frame);
            }
        }
        assert_eq!(frames, vec![b"hello".to_vec(), vec![], vec![7; 300]]);
    }

    #[test]
    fn refuses_oversized_frames_before_buffering_them() {
        let mut reader = FrameReader::new(10);
        reader.push(&[0, 0, 11]);
        assert_eq!(
            reader.next_frame(),
            Err(NoiseError::FrameTooLarge { len: 11, limit: 10 })
        );
        assert!(write_frame(&vec![0; MAX_FRAME_LEN + 1], &mut Vec::new()).is_err());
    }

    #[test]
    fn checks_and_strips_the_header() {
        let mut reader = FrameReader::expecting_header(100, b"WA\x06\x03");
        reader.push(b"WA");
        assert_eq!(reader.next_frame(), Ok(None));
        reader.push(b"\x06\x03\x00\x00\x01x");
        assert_eq!(reader.next_frame(), Ok(Some(b"x".to_vec())));
        let mut wrong = FrameReader::expecting_header(100, b"WA\x06\x03");
        wrong.push(b"GET ");
        assert!(matches!(
            wrong.next_frame(),
            Err(NoiseError::BadHeader { .. })
        ));
    }
}
