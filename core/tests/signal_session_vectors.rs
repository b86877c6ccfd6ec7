//! A whole 1:1 Signal session against libsignal-node's recorded one (`session` in every
//! `signal*.json`): from the recorded keys, every message's wire bytes are reproduced and
//! decrypt on the other side; tampered, replayed and malformed messages are refused with their
//! own errors and leave the session unchanged.

mod common;

use std::collections::{HashMap, VecDeque};

use serde_json::Value;
use wacast::curve::{KeyPair, PublicKey};
use wacast::signal::{
    Ciphertext, KeySource, LocalIdentity, MessageKind, PreKeyBundle, PreKeyLookup, SessionRecord,
    SignalError,
};

fn h(v: &Value) -> Vec<u8> {
    common::hex_bytes(v)
}

fn pair(private: &Value, public: &Value) -> KeyPair {
    let pair = KeyPair::from_private_bytes(h(private).try_into().expect("32-byte key"));
    assert_eq!(
        pair.public.serialize().to_vec(),
        h(public),
        "recorded public key"
    );
    pair
}

/// Hands out the key pairs the recording generated, in order.
struct Recorded(VecDeque<KeyPair>);

impl KeySource for Recorded {
    fn key_pair(&mut self) -> KeyPair {
        self.0
            .pop_front()
            .expect("the recording has a key pair for this step")
    }
}

struct BobPreKeys {
    signed: HashMap<u32, KeyPair>,
    one_time: HashMap<u32, KeyPair>,
}

impl PreKeyLookup for BobPreKeys {
    fn signed_pre_key(&self, id: u32) -> Option<KeyPair> {
        self.signed.get(&id).cloned()
    }
    fn pre_key(&self, id: u32) -> Option<KeyPair> {
        self.one_time.get(&id).cloned()
    }
}

struct Parties {
    alice: LocalIdentity,
    bob: LocalIdentity,
    bob_prekeys: BobPreKeys,
    bundle: PreKeyBundle,
    alice_keys: Recorded,
    bob_keys: Recorded,
}

fn parties(session: &Value) -> Parties {
    let identity = |who: &Value| LocalIdentity {
        identity: pair(&who["identity_private"], &who["identity_public"]),
        registration_id: who["registration_id"].as_u64().unwrap() as u32,
    };
    let bob_json = &session["bob"];
    let spk = &bob_json["signed_prekey"];
    let spk_id = spk["key_id"].as_u64().unwrap() as u32;
    let spk_pair = pair(&spk["private"], &spk["public"]);
    let mut one_time = HashMap::new();
    let mut bundle_pre_key = None;
    if let Some(opk) = bob_json.get("one_time_prekey") {
        let id = opk["key_id"].as_u64().unwrap() as u32;
        let opk_pair = pair(&opk["private"], &opk["public"]);
        bundle_pre_key = Some((id, opk_pair.public));
        one_time.insert(id, opk_pair);
    }
    let bob = identity(bob_json);
    let bundle = PreKeyBundle {
        registration_id: bob.registration_id,
        identity_key: bob.identity.public,
        signed_pre_key_id: spk_id,
        signed_pre_key: spk_pair.public,
        signed_pre_key_signature: h(&spk["signature"]),
        pre_key: bundle_pre_key,
    };
    let mut alice_keys = VecDeque::new();
    let mut bob_keys = VecDeque::new();
    for generated in session["generated_key_pairs"].as_array().unwrap() {
        let key = pair(&generated["private"], &generated["public"]);
        if generated["label"].as_str().unwrap().contains(".alice.") {
            alice_keys.push_back(key);
        } else {
            bob_keys.push_back(key);
        }
    }
    Parties {
        alice: identity(&session["alice"]),
        bob,
        bob_prekeys: BobPreKeys {
            signed: HashMap::from([(spk_id, spk_pair)]),
            one_time,
        },
        bundle,
        alice_keys: Recorded(alice_keys),
        bob_keys: Recorded(bob_keys),
    }
}

fn sessions() -> Vec<(String, Value)> {
    let mut all = Vec::new();
    for (file, json) in common::vector_files("signal") {
        for session in json["session"].as_array().into_iter().flatten() {
            all.push((
                format!("{file}/{}", session["name"].as_str().unwrap()),
                session.clone(),
            ));
        }
    }
    assert!(!all.is_empty(), "no recorded sessions");
    all
}

#[test]
fn recorded_sessions_are_reproduced_byte_for_byte() {
    for (name, session) in sessions() {
        let mut p = parties(&session);
        let mut alice = SessionRecord::new();
        let mut bob = SessionRecord::new();
        alice
            .initiate(&p.alice, &p.bundle, &mut p.alice_keys)
            .unwrap();
        for message in session["messages"].as_array().unwrap() {
            let index = message["index"].as_u64().unwrap();
            let plaintext = h(&message["plaintext"]);
            let expected = h(&message["ciphertext"]);
            let from_alice = message["from"] == "alice";
            let (sender, receiver) = if from_alice {
                (&mut alice, &mut bob)
            } else {
                (&mut bob, &mut alice)
            };
            let sent = sender.encrypt(&plaintext).unwrap();
            assert_eq!(sent.bytes, expected, "{name}: message {index} wire bytes");
            let kind = if message["type"] == 3 {
                MessageKind::PreKey
            } else {
                MessageKind::Whisper
            };
            assert_eq!(sent.kind, kind, "{name}: message {index} type");
            let decrypted = match kind {
                MessageKind::PreKey => {
                    let (plain, used) = receiver
                        .decrypt_prekey_message(
                            &expected,
                            &p.bob,
                            &p.bob_prekeys,
                            None,
                            &mut p.bob_keys,
                        )
                        .unwrap_or_else(|e| panic!("{name}: message {index}: {e}"));
                    assert_eq!(used, p.bundle.pre_key.map(|(id, _)| id));
                    plain
                }
                _ => {
                    let keys = if from_alice {
                        &mut p.bob_keys
                    } else {
                        &mut p.alice_keys
                    };
                    receiver
                        .decrypt_message(&expected, keys)
                        .unwrap_or_else(|e| panic!("{name}: message {index}: {e}"))
                }
            };
            assert_eq!(decrypted, plaintext, "{name}: message {index} plaintext");
        }
    }
}

/// Alice opens a session to Bob and Bob reads her first `pkmsg`.
fn established(session: &Value) -> (Parties, SessionRecord, SessionRecord, Ciphertext) {
    let mut p = parties(session);
    let mut alice = SessionRecord::new();
    let mut bob = SessionRecord::new();
    alice
        .initiate(&p.alice, &p.bundle, &mut p.alice_keys)
        .unwrap();
    let first = alice.encrypt(b"first\x01").unwrap();
    bob.decrypt_prekey_message(&first.bytes, &p.bob, &p.bob_prekeys, None, &mut p.bob_keys)
        .unwrap();
    (p, alice, bob, first)
}

/// Every bad input gets its own error and leaves the receiving record exactly as it was.
#[test]
fn bad_messages_are_refused_and_change_nothing() {
    let (name, session) = sessions().remove(0);
    let (p, mut alice, mut bob, first) = established(&session);
    let reply = bob.encrypt(b"reply\x01").unwrap();
    assert_eq!(reply.kind, MessageKind::Whisper);

    let before = alice.serialize();
    let mut refuse = |bytes: &[u8], expected: SignalError| {
        let mut none = Recorded(VecDeque::from([KeyPair::from_private_bytes([42; 32])]));
        assert_eq!(
            alice.decrypt_message(bytes, &mut none).err(),
            Some(expected),
            "{name}"
        );
        assert_eq!(
            alice.serialize(),
            before,
            "{name}: the session bytes changed after a refused message"
        );
    };
    let good = reply.bytes.clone();
    let mut bad_mac = good.clone();
    let last = bad_mac.len() - 1;
    bad_mac[last] ^= 1;
    refuse(&bad_mac, SignalError::BadMac);
    let mut bad_ciphertext = good.clone();
    bad_ciphertext[last - 10] ^= 1;
    refuse(&bad_ciphertext, SignalError::BadMac);
    for version in [0x23u8, 0x34, 0x43] {
        let mut wrong = good.clone();
        wrong[0] = version;
        refuse(&wrong, SignalError::UnknownVersion(version));
    }
    refuse(
        &good[..20],
        SignalError::Malformed("SignalMessage protobuf"),
    );
    refuse(
        &good[..5],
        SignalError::Malformed("message shorter than its MAC"),
    );
    refuse(
        &good[..1],
        SignalError::Malformed("message shorter than its MAC"),
    );

    // A good message decrypts once; its replay is refused and changes nothing.
    let mut keys = p.alice_keys;
    assert_eq!(
        alice.decrypt_message(&good, &mut keys).unwrap(),
        b"reply\x01"
    );
    let after = alice.serialize();
    let mut none = Recorded(VecDeque::new());
    assert_eq!(
        alice.decrypt_message(&good, &mut none).err(),
        Some(SignalError::DuplicateMessage { counter: 0 })
    );
    assert_eq!(alice.serialize(), after);

    // A message far beyond the skip limit.
    for _ in 0..2002 {
        bob.encrypt(b"x\x01").unwrap();
    }
    let far = bob.encrypt(b"far\x01").unwrap();
    assert!(matches!(
        alice.decrypt_message(&far.bytes, &mut none),
        Err(SignalError::TooFarInFuture { .. })
    ));
    assert_eq!(alice.serialize(), after);

    // An untrusted identity on a prekey message.
    let mut fresh = SessionRecord::new();
    let stranger = PublicKey::from_bytes([9; 32]);
    assert_eq!(
        fresh
            .decrypt_prekey_message(
                &first.bytes,
                &p.bob,
                &p.bob_prekeys,
                Some(&stranger),
                &mut none
            )
            .err(),
        Some(SignalError::UntrustedIdentity)
    );
    assert_eq!(fresh, SessionRecord::new());
    // Unknown prekeys.
    let empty = BobPreKeys {
        signed: HashMap::new(),
        one_time: HashMap::new(),
    };
    assert_eq!(
        fresh
            .decrypt_prekey_message(&first.bytes, &p.bob, &empty, None, &mut none)
            .err(),
        Some(SignalError::UnknownSignedPreKey(p.bundle.signed_pre_key_id))
    );
    // A bundle whose signed prekey signature is wrong is refused before any key is drawn.
    let mut forged = p.bundle.clone();
    forged.signed_pre_key_signature[0] ^= 1;
    assert_eq!(
        SessionRecord::new()
            .initiate(&p.alice, &forged, &mut none)
            .err(),
        Some(SignalError::InvalidSignature)
    );
}

/// Records survive a trip through bytes (what stores keep) and the session continues; a
/// corrupted or truncated record is refused with an error, never a panic.
#[test]
fn records_round_trip_through_bytes() {
    let (_, session) = sessions().remove(0);
    let (mut p, mut alice, bob, _) = established(&session);
    let bytes = bob.serialize();
    let mut restored = SessionRecord::deserialize(&bytes).unwrap();
    assert_eq!(restored, bob);
    let reply = restored.encrypt(b"two\x01").unwrap();
    assert_eq!(
        alice
            .decrypt_message(&reply.bytes, &mut p.alice_keys)
            .unwrap(),
        b"two\x01"
    );

    // Empty (no version), one byte, and the last length-delimited field cut short.
    for cut in [0, 1, bytes.len() - 1] {
        assert!(
            SessionRecord::deserialize(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    let mut flipped = bytes.clone();
    flipped[0] ^= 0xff;
    assert!(matches!(
        SessionRecord::deserialize(&flipped),
        Err(SignalError::Malformed(_))
    ));
}
