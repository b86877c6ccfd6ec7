//! The binary node codec against vectors produced by independent implementations
//! (whatsapp-rust's wacore-binary and Baileys): every `binary-node*.json` file.

mod common;

use serde_json::Value;
use wacast::binary::{self, BinaryError, Content, Node, NodeTree};

/// Builds the input node of an `encode[]` vector.
fn node_from_json(json: &Value) -> Node {
    let tag = json["tag"].as_str().expect("tag").to_owned();
    let attrs = json["attrs"]
        .as_array()
        .expect("attrs")
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().expect("key").to_owned(),
                pair[1].as_str().expect("value").to_owned(),
            )
        })
        .collect();
    let content = match &json["content"] {
        Value::Null => Content::Empty,
        c if c.get("nodes").is_some() => Content::Nodes(
            c["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(node_from_json)
                .collect(),
        ),
        c if c.get("bytes_hex").is_some() => Content::Bytes(common::hex_bytes(&c["bytes_hex"])),
        c if c.get("string").is_some() => Content::Text(c["string"].as_str().expect("s").into()),
        c if c.get("bytes_repeat").is_some() => {
            let spec = &c["bytes_repeat"];
            let byte = common::hex_bytes(&spec["byte_hex"])[0];
            let len = spec["len"].as_u64().expect("len") as usize;
            Content::Bytes(vec![byte; len])
        }
        other => panic!("unknown content form {other}"),
    };
    Node {
        tag,
        attrs,
        content,
    }
}

/// Checks a decoded node against a `decoded` description: content compared as bytes.
fn assert_decoded(node: &Node, expected: &Value, name: &str) {
    assert_eq!(node.tag, expected["tag"].as_str().unwrap(), "{name}: tag");
    let attrs: Vec<(String, String)> = expected["attrs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
        .collect();
    assert_eq!(node.attrs, attrs, "{name}: attrs");
    let content = &expected["content"];
    match (&node.content, content) {
        (Content::Empty, Value::Null) => {}
        (Content::Nodes(children), c) if c.get("nodes").is_some() => {
            let expected_children = c["nodes"].as_array().unwrap();
            assert_eq!(children.len(), expected_children.len(), "{name}: children");
            for (child, expected) in children.iter().zip(expected_children) {
                assert_decoded(child, expected, name);
            }
        }
        (_, c) => {
            let actual = node
                .content_bytes()
                .unwrap_or_else(|| panic!("{name}: expected content {c}, got none"));
            let expected = if let Some(hex) = c.get("bytes_hex") {
                common::hex_bytes(hex)
            } else if let Some(s) = c.get("string") {
                s.as_str().unwrap().as_bytes().to_vec()
            } else if let Some(spec) = c.get("bytes_repeat") {
                vec![
                    common::hex_bytes(&spec["byte_hex"])[0];
                    spec["len"].as_u64().unwrap() as usize
                ]
            } else {
                panic!("{name}: unexpected content {c} for {:?}", node.content)
            };
            assert!(actual == expected.as_slice(), "{name}: content differs");
        }
    }
}

fn assert_encoding(encoded: &[u8], vector: &Value, name: &str) {
    if let Some(hex) = vector.get("encoded_hex") {
        assert_eq!(
            hex::encode(encoded),
            hex.as_str().unwrap(),
            "{name}: encoding"
        );
        return;
    }
    use sha2_check::sha256_hex;
    assert_eq!(
        encoded.len() as u64,
        vector["encoded_len"].as_u64().unwrap(),
        "{name}: len"
    );
    let prefix = common::hex_bytes(&vector["encoded_prefix_hex"]);
    let suffix = common::hex_bytes(&vector["encoded_suffix_hex"]);
    assert_eq!(
        &encoded[..prefix.len()],
        prefix.as_slice(),
        "{name}: prefix"
    );
    assert_eq!(
        &encoded[encoded.len() - suffix.len()..],
        suffix.as_slice(),
        "{name}: suffix"
    );
    assert_eq!(
        sha256_hex(encoded),
        vector["encoded_sha256"].as_str().unwrap(),
        "{name}: sha256"
    );
}

mod sha2_check {
    use sha2::{Digest, Sha256};
    pub fn sha256_hex(data: &[u8]) -> String {
        hex::encode(Sha256::digest(data))
    }
}

/// The vector's error kind for a wacast error.
fn error_kind(error: &BinaryError) -> &'static str {
    match error {
        BinaryError::EmptyFrame => "EmptyData",
        BinaryError::UnexpectedEof { .. } => "UnexpectedEof",
        BinaryError::InvalidToken { .. } => "InvalidToken",
        BinaryError::InvalidNode { .. } => "InvalidNode",
        BinaryError::NonStringKey { .. } => "NonStringKey",
        BinaryError::LeftoverData { .. } => "LeftoverData",
        BinaryError::InvalidUtf8 { .. } => "InvalidUtf8",
        BinaryError::InvalidJid { .. } => "AttrParse",
        BinaryError::MaxDepthExceeded { .. } => "MaxDepthExceeded",
        BinaryError::Zlib(_) => "Zlib",
        _ => "Other",
    }
}

#[test]
fn encode_vectors_encode_exactly_and_decode_back() {
    let mut checked = 0;
    for (file, json) in common::vector_files("binary-node") {
        for vector in json["encode"].as_array().into_iter().flatten() {
            let name = format!("{file}/{}", vector["name"].as_str().unwrap());
            let node = node_from_json(&vector["node"]);
            let encoded = binary::encode_frame(&node).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_encoding(&encoded, vector, &name);
            let decoded = binary::decode_frame(&encoded).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_decoded(&decoded, &vector["decoded"], &name);
            // What we decode encodes to the same bytes again (wacast keeps `:0` devices etc.).
            let again = binary::encode_frame(&decoded).unwrap();
            assert_eq!(again, encoded, "{name}: re-encoding the decoded node");
            checked += 1;
        }
    }
    eprintln!("{checked} encode vectors");
    assert!(checked > 50, "only {checked} encode vectors found");
}

#[test]
fn decode_vectors_decode_or_fail_as_recorded() {
    let mut checked = 0;
    for (file, json) in common::vector_files("binary-node") {
        for vector in json["decode"].as_array().into_iter().flatten() {
            let name = format!("{file}/{}", vector["name"].as_str().unwrap());
            let frame = common::hex_bytes(&vector["frame_hex"]);
            let result = binary::decode_frame(&frame);
            match vector.get("error") {
                Some(kind) => {
                    let error = match result {
                        Ok(node) => panic!("{name}: accepted a malformed frame as {node:?}"),
                        Err(error) => error,
                    };
                    assert_eq!(
                        error_kind(&error),
                        kind.as_str().unwrap(),
                        "{name}: {error}"
                    );
                }
                None => {
                    let node = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert_decoded(&node, &vector["decoded"], &name);
                }
            }
            // The borrowed decoder agrees with the owned one.
            if let Ok(body) = binary::unpack_frame(&frame) {
                let borrowed = NodeTree::decode(&body).map(|t| t.root().to_owned_node());
                assert_eq!(borrowed, binary::decode_frame(&frame), "{name}: NodeRef");
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} decode vectors found");
}
