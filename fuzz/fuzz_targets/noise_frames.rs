//! The frame reader (with the server's header check) and transport decryption on arbitrary
//! byte streams split at arbitrary points: never panics, never holds a frame over the limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wacast::noise::{FrameReader, TransportCipher, WA_CONN_HEADER};

fuzz_target!(|data: &[u8]| {
    let Some((&split, stream)) = data.split_first() else {
        return;
    };
    let mut reader = FrameReader::expecting_header(4096, &WA_CONN_HEADER);
    let mut cipher = TransportCipher::new(&[7; 32], &[8; 32]);
    let chunk = usize::from(split).max(1);
    for piece in stream.chunks(chunk) {
        reader.push(piece);
        loop {
            match reader.next_frame() {
                Ok(Some(frame)) => {
                    assert!(frame.len() <= 4096);
                    let _ = cipher.decrypt(&frame);
                }
                Ok(None) | Err(_) => break,
            }
        }
    }
});
