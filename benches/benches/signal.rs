//! Signal session setup, encrypt and decrypt per message (wacast only for now; the
//! wacore-libsignal side of the comparison is not wired up yet, see benches/RESULTS.md).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use wacast::curve::KeyPair;
use wacast::signal::{LocalIdentity, OsKeySource, PreKeyBundle, PreKeyLookup, SessionRecord};

struct BobKeys {
    signed: KeyPair,
    one_time: KeyPair,
}

impl PreKeyLookup for BobKeys {
    fn signed_pre_key(&self, _: u32) -> Option<KeyPair> {
        Some(self.signed.clone())
    }
    fn pre_key(&self, _: u32) -> Option<KeyPair> {
        Some(self.one_time.clone())
    }
}

fn parties() -> (LocalIdentity, LocalIdentity, BobKeys, PreKeyBundle) {
    let alice = LocalIdentity {
        identity: KeyPair::generate(),
        registration_id: 1,
    };
    let bob = LocalIdentity {
        identity: KeyPair::generate(),
        registration_id: 2,
    };
    let keys = BobKeys {
        signed: KeyPair::generate(),
        one_time: KeyPair::generate(),
    };
    let bundle = PreKeyBundle {
        registration_id: 2,
        identity_key: bob.identity.public,
        signed_pre_key_id: 1,
        signed_pre_key: keys.signed.public,
        signed_pre_key_signature: bob
            .identity
            .private
            .sign(&keys.signed.public.serialize())
            .to_vec(),
        pre_key: Some((1, keys.one_time.public)),
    };
    (alice, bob, keys, bundle)
}

fn signal(c: &mut Criterion) {
    let (alice, bob, keys, bundle) = parties();
    c.bench_function("signal/session_setup_x3dh", |b| {
        b.iter(|| {
            let mut record = SessionRecord::new();
            record
                .initiate(&alice, black_box(&bundle), &mut OsKeySource)
                .map(|_| record)
        })
    });

    // An established session in both directions.
    let mut alice_record = SessionRecord::new();
    alice_record
        .initiate(&alice, &bundle, &mut OsKeySource)
        .unwrap();
    let first = alice_record.encrypt(b"hello\x01").unwrap();
    let mut bob_record = SessionRecord::new();
    bob_record
        .decrypt_prekey_message(&first.bytes, &bob, &keys, None, &mut OsKeySource)
        .unwrap();
    let reply = bob_record.encrypt(b"hi\x01").unwrap();
    alice_record
        .decrypt_message(&reply.bytes, &mut OsKeySource)
        .unwrap();

    let plaintext = vec![0x42u8; 200];
    c.bench_function("signal/encrypt_200B", |b| {
        b.iter(|| {
            alice_record
                .encrypt(black_box(&plaintext))
                .map(|c| c.bytes.len())
        })
    });
    // Decrypt: a fresh message each iteration (a message key can be used once).
    c.bench_function("signal/encrypt_then_decrypt_200B", |b| {
        b.iter(|| {
            let sent = alice_record.encrypt(black_box(&plaintext)).unwrap();
            bob_record
                .decrypt_message(&sent.bytes, &mut OsKeySource)
                .map(|p| p.len())
        })
    });
}

criterion_group!(benches, signal);
criterion_main!(benches);
