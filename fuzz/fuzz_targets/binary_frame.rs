//! Whole frames (flags byte, zlib, node) on arbitrary bytes: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wacast::binary;

fuzz_target!(|data: &[u8]| {
    if let Ok(node) = binary::decode_frame(data) {
        let _ = node.to_string();
    }
});
