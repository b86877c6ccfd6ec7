//! Sender keys against the recorded group messages (`sender_key` in every `signal*.json`):
//! the distribution message and the canonical messages (iterations 0, 1, 2) byte for byte;
//! Baileys' own messages (iterations 0, 2, 4) decrypt; the recorded failures are refused and
//! change nothing.

mod common;

use wacast::curve::KeyPair;
use wacast::signal::{SenderKeyDistribution, SenderKeyRecord, SignalError};

fn h(v: &serde_json::Value) -> Vec<u8> {
    common::hex_bytes(v)
}

#[test]
fn sender_key_vectors() {
    let mut checked = 0;
    for (file, json) in common::vector_files("signal") {
        let Some(sk) = json.get("sender_key") else {
            continue;
        };
        let signing =
            KeyPair::from_private_bytes(h(&sk["signing_key"]["private"]).try_into().unwrap());
        assert_eq!(
            signing.public.serialize().to_vec(),
            h(&sk["signing_key"]["public"])
        );
        let key_id = sk["key_id"].as_u64().unwrap() as u32;
        let chain_key: [u8; 32] = h(&sk["chain_key"]).try_into().unwrap();
        let mut ours = SenderKeyRecord::create(key_id, chain_key, signing);
        let distribution = ours.distribution().unwrap();
        assert_eq!(
            distribution.serialize(),
            h(&sk["distribution_message"]["serialized"]),
            "{file}: SKDM"
        );
        let parsed =
            SenderKeyDistribution::parse(&h(&sk["distribution_message"]["serialized"])).unwrap();
        assert_eq!(parsed, distribution);

        let mut theirs = SenderKeyRecord::new();
        theirs.process_distribution(&parsed);
        for message in sk["messages_canonical_libsignal_iterations"]
            .as_array()
            .unwrap()
        {
            let plaintext = h(&message["plaintext"]);
            let sent = ours.encrypt(&plaintext).unwrap();
            assert_eq!(
                sent,
                h(&message["serialized"]),
                "{file}: iteration {}",
                message["iteration"]
            );
            assert_eq!(theirs.decrypt(&sent).unwrap(), plaintext);
            checked += 1;
        }

        let mut baileys_receiver = SenderKeyRecord::new();
        baileys_receiver.process_distribution(&parsed);
        for message in sk["messages_baileys_groupcipher_encrypt"]
            .as_array()
            .unwrap()
        {
            let bytes = h(&message["serialized"]);
            assert_eq!(
                baileys_receiver.decrypt(&bytes).unwrap(),
                h(&message["plaintext"])
            );
            checked += 1;
        }

        // The recorded failures, against the receiver that has seen Baileys' messages.
        let before = baileys_receiver.clone();
        for error in sk["errors"].as_array().unwrap() {
            let case = error["case"].as_str().unwrap();
            let result = baileys_receiver.decrypt(&h(&error["input"]));
            let expected_ok = match case {
                "group_replay_same_message" => {
                    matches!(result, Err(SignalError::DuplicateMessage { .. }))
                }
                "group_truncated_10_bytes" => matches!(result, Err(SignalError::Malformed(_))),
                _ => result == Err(SignalError::InvalidSignature),
            };
            assert!(expected_ok, "{file}: {case}: {result:?}");
            assert_eq!(
                baileys_receiver, before,
                "{file}: {case} changed the record"
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} sender-key vectors");
}

#[test]
fn sender_key_records_round_trip_through_bytes() {
    let signing = KeyPair::from_private_bytes([5; 32]);
    let mut ours = SenderKeyRecord::create(7, [6; 32], signing);
    let mut theirs = SenderKeyRecord::new();
    theirs.process_distribution(&ours.distribution().unwrap());
    let _skipped = ours.encrypt(b"a\x01").unwrap();
    let second = ours.encrypt(b"b\x01").unwrap();
    assert_eq!(theirs.decrypt(&second).unwrap(), b"b\x01");
    for record in [&ours, &theirs] {
        let restored = SenderKeyRecord::deserialize(&record.serialize()).unwrap();
        assert_eq!(&restored, record);
    }
    let bytes = theirs.serialize();
    assert!(SenderKeyRecord::deserialize(&bytes[..bytes.len() - 3]).is_err());
}
