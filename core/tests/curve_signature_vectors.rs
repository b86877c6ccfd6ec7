//! libsignal-style curve25519 signatures against libsignal-node's vectors
//! (`curve_signature` in every `signal*.json`): deterministic signatures byte for byte, every
//! valid one verifies, every tampered one is refused.

mod common;

use wacast::curve::{KeyPair, PublicKey};

fn key(json: &serde_json::Value) -> PublicKey {
    PublicKey::from_slice(&common::hex_bytes(json)).expect("vector public key")
}

#[test]
fn curve_signature_vectors() {
    let mut deterministic = 0;
    let mut verified = 0;
    for (file, json) in common::vector_files("signal") {
        let Some(section) = json.get("curve_signature") else {
            continue;
        };
        let valid = section["valid"].as_array().unwrap().iter();
        let unclamped = section["unclamped_private_keys"].as_array().unwrap().iter();
        for vector in valid.chain(unclamped) {
            let message = common::hex_bytes(&vector["message"]);
            let signature = common::hex_bytes(&vector["signature"]);
            let public = key(&vector["public_key"]);
            assert!(public.verify(&message, &signature), "{file}: {vector}");
            assert_eq!(
                signature[63] >> 7,
                vector["sign_bit"].as_u64().unwrap() as u8
            );
            let private = vector
                .get("private_key")
                .or_else(|| vector.get("private_key_unclamped"))
                .unwrap();
            let pair = KeyPair::from_private_bytes(
                common::hex_bytes(private).try_into().expect("32-byte key"),
            );
            assert_eq!(pair.public, public, "{file}: public key of {private}");
            if vector["variant"] == "deterministic" {
                assert_eq!(
                    pair.private.sign(&message).to_vec(),
                    signature,
                    "{file}: {vector}"
                );
                deterministic += 1;
            }
            verified += 1;
        }
        for vector in section["invalid"].as_array().unwrap() {
            let message = common::hex_bytes(&vector["message"]);
            let signature = common::hex_bytes(&vector["signature"]);
            assert!(
                !key(&vector["public_key"]).verify(&message, &signature),
                "{file}: accepted {}",
                vector["case"]
            );
        }
        // libsignal-node's `isInit` quirk accepts an all-zero signature; wacast never does.
        for vector in section["quirks"].as_array().unwrap() {
            let message = common::hex_bytes(&vector["message"]);
            let signature = common::hex_bytes(&vector["signature"]);
            assert!(!key(&vector["public_key"]).verify(&message, &signature));
        }
        let public = KeyPair::from_private_bytes([3; 32]).public;
        assert!(!public.verify(b"m", &[0u8; 63]), "63-byte signature");
        let mut wrong_prefix = public.serialize();
        wrong_prefix[0] = 0x06;
        assert!(PublicKey::from_slice(&wrong_prefix).is_err());
    }
    assert!(
        deterministic >= 2,
        "only {deterministic} deterministic vectors"
    );
    assert!(verified >= 5, "only {verified} valid signatures");
}
