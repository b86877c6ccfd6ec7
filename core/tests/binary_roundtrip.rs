//! Property tests: for arbitrary valid nodes, encode → decode → encode is the identity, and
//! the decoder never panics on arbitrary bytes.

use proptest::prelude::*;
use wacast::binary::{self, Content, Node};

/// Strings that exercise every encoding: tokens, packable digits and hex, JIDs, raw text.
fn any_string() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("iq".to_owned()),
        Just("pair-device".to_owned()),
        "[0-9.-]{1,130}",
        "[0-9A-F]{1,130}",
        "[0-9]{1,15}@s\\.whatsapp\\.net",
        "[0-9]{1,15}:[0-9]{1,2}@(s\\.whatsapp\\.net|lid|hosted)",
        "[0-9]{1,15}-[0-9]{10}@g\\.us",
        "[a-z0-9_.:@ ]{0,60}",
        "\\PC{0,300}",
    ]
}

fn any_node() -> impl Strategy<Value = Node> {
    let leaf = (
        "[a-z:]{1,12}",
        prop::collection::vec((any_string(), any_string()), 0..6),
        prop_oneof![
            Just(Content::Empty),
            prop::collection::vec(any::<u8>(), 0..600).prop_map(Content::Bytes),
            any_string().prop_map(Content::Text),
        ],
    )
        .prop_map(|(tag, attrs, content)| Node {
            tag,
            attrs: attrs.into_iter().filter(|(k, _)| !k.is_empty()).collect(),
            content,
        });
    leaf.prop_recursive(4, 64, 8, |inner| {
        ("[a-z]{1,8}", prop::collection::vec(inner, 1..8))
            .prop_map(|(tag, children)| Node::new(tag).children(children))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn encode_decode_encode_is_identity(node in any_node()) {
        let encoded = binary::encode_frame(&node).unwrap();
        let decoded = binary::decode_frame(&encoded).unwrap();
        let again = binary::encode_frame(&decoded).unwrap();
        prop_assert_eq!(again, encoded);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = binary::decode_frame(&bytes);
    }
}
