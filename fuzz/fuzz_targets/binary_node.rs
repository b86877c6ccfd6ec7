//! The node decoder on arbitrary bytes: never panics, and whatever it accepts re-encodes and
//! decodes to the same node.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wacast::binary::NodeTree;

fuzz_target!(|data: &[u8]| {
    if let Ok(tree) = NodeTree::decode(data) {
        let node = tree.root();
        let owned = node.to_owned_node();
        let _ = node.to_string();
        let mut encoded = Vec::new();
        owned.encode(&mut encoded).expect("a decoded node always encodes");
        let again = NodeTree::decode(&encoded).expect("our own encoding decodes");
        assert_eq!(again.root().to_owned_node(), owned);
    }
});
