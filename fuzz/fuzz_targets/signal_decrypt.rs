//! Signal decryption on arbitrary bytes against fixed sessions: `msg`, `pkmsg` and `skmsg`
//! parsing and decryption never panic, and a refused input never changes the record.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use wacast::curve::KeyPair;
use wacast::signal::{
    KeySource, LocalIdentity, PreKeyBundle, PreKeyLookup, SenderKeyRecord, SessionRecord,
};

struct Fixed(u8);

impl KeySource for Fixed {
    fn key_pair(&mut self) -> KeyPair {
        self.0 = self.0.wrapping_add(1);
        KeyPair::from_private_bytes([self.0; 32])
    }
}

struct BobKeys;

impl PreKeyLookup for BobKeys {
    fn signed_pre_key(&self, id: u32) -> Option<KeyPair> {
        (id == 1).then(|| KeyPair::from_private_bytes([21; 32]))
    }
    fn pre_key(&self, id: u32) -> Option<KeyPair> {
        (id == 2).then(|| KeyPair::from_private_bytes([22; 32]))
    }
}

struct Fixtures {
    bob: LocalIdentity,
    /// Bob's record after reading Alice's first message.
    bob_record: SessionRecord,
    /// A peer's sender key as a group member holds it.
    group: SenderKeyRecord,
}

static FIXTURES: LazyLock<Fixtures> = LazyLock::new(|| {
    let alice = LocalIdentity { identity: KeyPair::from_private_bytes([10; 32]), registration_id: 1 };
    let bob = LocalIdentity { identity: KeyPair::from_private_bytes([20; 32]), registration_id: 2 };
    let signed = KeyPair::from_private_bytes([21; 32]);
    let bundle = PreKeyBundle {
        registration_id: 2,
        identity_key: bob.identity.public,
        signed_pre_key_id: 1,
        signed_pre_key: signed.public,
        signed_pre_key_signature: bob.identity.private.sign(&signed.public.serialize()).to_vec(),
        pre_key: Some((2, KeyPair::from_private_bytes([22; 32]).public)),
    };
    let mut alice_record = SessionRecord::new();
    alice_record.initiate(&alice, &bundle, &mut Fixed(100)).expect("fixture session");
    let first = alice_record.encrypt(b"hello\x01").expect("fixture message");
    let mut bob_record = SessionRecord::new();
    bob_record
        .decrypt_prekey_message(&first.bytes, &bob, &BobKeys, None, &mut Fixed(200))
        .expect("fixture decrypt");
    let sender = SenderKeyRecord::create(9, [4; 32], KeyPair::from_private_bytes([30; 32]));
    let mut group = SenderKeyRecord::new();
    group.process_distribution(&sender.distribution().expect("fixture distribution"));
    Fixtures { bob, bob_record, group }
});

fuzz_target!(|data: &[u8]| {
    let fixtures = &*FIXTURES;
    let mut record = fixtures.bob_record.clone();
    if record.decrypt_message(data, &mut Fixed(50)).is_err() {
        assert_eq!(record, fixtures.bob_record);
    }
    let mut record = fixtures.bob_record.clone();
    if record
        .decrypt_prekey_message(data, &fixtures.bob, &BobKeys, None, &mut Fixed(60))
        .is_err()
    {
        assert_eq!(record, fixtures.bob_record);
    }
    let mut group = fixtures.group.clone();
    if group.decrypt(data).is_err() {
        assert_eq!(group, fixtures.group);
    }
    let _ = SessionRecord::deserialize(data);
    let _ = SenderKeyRecord::deserialize(data);
});
