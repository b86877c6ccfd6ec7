//! Protobuf types against messages encoded by an independent implementation (waproto):
//! every `proto*.json` file. Each vector is decoded through the descriptors our `.proto` files
//! compile to and compared field by field **by number**, then re-encoded byte for byte.

mod common;

use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, FieldDescriptor, Kind, ReflectMessage, Value};
use serde_json::Value as Json;

fn pool() -> DescriptorPool {
    DescriptorPool::decode(wacast::proto::FILE_DESCRIPTOR_SET).expect("descriptor set")
}

/// Splits `"name(12)"` into 12.
fn field_number(key: &str) -> Option<u32> {
    let open = key.rfind('(')?;
    key[open + 1..].strip_suffix(')')?.parse().ok()
}

fn assert_value(field: &FieldDescriptor, actual: &Value, expected: &Json, path: &str) {
    match (actual, field.kind()) {
        (Value::Message(message), _) => assert_message(message, expected, path),
        (Value::EnumNumber(n), Kind::Enum(_)) => {
            let text = expected.as_str().expect("enum as NAME=number");
            let number: i32 = text
                .rsplit_once('=')
                .and_then(|(_, n)| n.parse().ok())
                .unwrap();
            assert_eq!(*n, number, "{path}");
        }
        (Value::Bytes(bytes), _) => {
            assert_eq!(hex::encode(bytes), expected.as_str().unwrap(), "{path}")
        }
        (Value::String(s), _) => assert_eq!(s, expected.as_str().unwrap(), "{path}"),
        (Value::Bool(b), _) => assert_eq!(*b, expected.as_bool().unwrap(), "{path}"),
        (Value::U32(n), _) => assert_eq!(u64::from(*n), expected.as_u64().unwrap(), "{path}"),
        (Value::U64(n), _) => assert_eq!(*n, expected.as_u64().unwrap(), "{path}"),
        (Value::I32(n), _) => assert_eq!(i64::from(*n), expected.as_i64().unwrap(), "{path}"),
        (Value::I64(n), _) => assert_eq!(*n, expected.as_i64().unwrap(), "{path}"),
        (Value::List(items), _) => {
            let expected = expected.as_array().expect("list");
            assert_eq!(items.len(), expected.len(), "{path}: list length");
            for (item, expected) in items.iter().zip(expected) {
                assert_value(field, item, expected, path);
            }
        }
        (other, _) => panic!("{path}: unexpected value {other:?}"),
    }
}

fn assert_message(message: &DynamicMessage, expected: &Json, path: &str) {
    let expected = expected.as_object().expect("message fields");
    let mut expected_numbers = Vec::new();
    for (key, value) in expected {
        let Some(number) = field_number(key) else {
            continue; // comments such as "note"
        };
        expected_numbers.push(number);
        let field = message
            .descriptor()
            .get_field(number)
            .unwrap_or_else(|| panic!("{path}: our schema has no field {number} ({key})"));
        assert!(
            message.has_field(&field),
            "{path}.{key}: not set after decoding"
        );
        let actual = message.get_field(&field);
        assert_value(&field, &actual, value, &format!("{path}.{key}"));
    }
    for (field, _) in message.fields() {
        assert!(
            expected_numbers.contains(&field.number()),
            "{path}: field {} ({}) decoded but not in the vector",
            field.number(),
            field.name()
        );
    }
}

#[test]
fn proto_vectors_match_field_numbers_and_bytes() {
    let pool = pool();
    let mut checked = 0;
    for (file, json) in common::vector_files("proto") {
        for vector in json["vectors"].as_array().expect("vectors[]") {
            let name = vector["name"].as_str().unwrap();
            // "whatsapp.ClientPayload (...)" names the message; our package is `wa`.
            let type_name = vector["type"].as_str().unwrap();
            let short = type_name
                .split_whitespace()
                .next()
                .and_then(|t| t.rsplit('.').next())
                .unwrap();
            let descriptor = pool
                .get_message_by_name(&format!("wa.{short}"))
                .unwrap_or_else(|| panic!("{file}/{name}: no message wa.{short} in our schema"));
            let encoded = common::hex_bytes(&vector["encoded_hex"]);
            let message = DynamicMessage::decode(descriptor, encoded.as_slice())
                .unwrap_or_else(|e| panic!("{file}/{name}: {e}"));
            assert_message(&message, &vector["fields"], &format!("{file}/{name}"));
            assert_eq!(
                message.encode_to_vec(),
                encoded,
                "{file}/{name}: re-encoding"
            );
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} proto vectors");
}

#[test]
fn generated_types_round_trip_the_vectors() {
    use wacast::proto::wa;
    for (_, json) in common::vector_files("proto") {
        for vector in json["vectors"].as_array().unwrap() {
            let encoded = common::hex_bytes(&vector["encoded_hex"]);
            let type_name = vector["type"].as_str().unwrap();
            let again = match type_name.split_whitespace().next().unwrap() {
                "whatsapp.ClientPayload" => wa::ClientPayload::decode(&*encoded)
                    .unwrap()
                    .encode_to_vec(),
                "whatsapp.ADVDeviceIdentity" => wa::AdvDeviceIdentity::decode(&*encoded)
                    .unwrap()
                    .encode_to_vec(),
                "whatsapp.ADVSignedDeviceIdentity" => {
                    wa::AdvSignedDeviceIdentity::decode(&*encoded)
                        .unwrap()
                        .encode_to_vec()
                }
                "whatsapp.Message" => wa::Message::decode(&*encoded).unwrap().encode_to_vec(),
                // Types without a typed check here are still covered by the reflective test.
                _ => continue,
            };
            assert_eq!(again, encoded, "{}", vector["name"]);
        }
    }
}
