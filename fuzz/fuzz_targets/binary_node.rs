//! The node decoder on arbitrary bytes: never panics, and whatever it accepts re-encodes to
//! bytes that decode and re-encode to themselves (the encoding is canonical after one pass).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wacast::binary::NodeTree;

fuzz_target!(|data: &[u8]| {
    if let Ok(tree) = NodeTree::decode(data) {
        let node = tree.root();
        let _ = node.to_string();
        let mut encoded = Vec::new();
        node.to_owned_node()
            .encode(&mut encoded)
            .expect("a decoded node always encodes");
        let again = NodeTree::decode(&encoded).expect("our own encoding decodes");
        let mut reencoded = Vec::new();
        again
            .root()
            .to_owned_node()
            .encode(&mut reencoded)
            .expect("a decoded node always encodes");
        assert_eq!(reencoded, encoded);
    }
});
