//! Signal session setup, encrypt and decrypt per message, for wacast and for wacore-libsignal
//! (whatsapp-rust's Signal) in the same run, same shapes (ratio in benches/RESULTS.md).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use wacast::curve::KeyPair;
use wacast::signal::{LocalIdentity, OsKeySource, PreKeyBundle, PreKeyLookup, SessionRecord};

#[path = "../../core/tests/interop/wacore_stores.rs"]
mod wacore_stores;

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
    // Decrypt: a fresh message each iteration (a message key can be used once), in the other
    // direction, whose chains the encrypt bench above did not run ahead of the receiver.
    c.bench_function("signal/encrypt_then_decrypt_200B", |b| {
        b.iter(|| {
            let sent = bob_record.encrypt(black_box(&plaintext)).unwrap();
            alice_record
                .decrypt_message(&sent.bytes, &mut OsKeySource)
                .unwrap()
                .len()
        })
    });
}

mod wacore {
    use rand_wacore::SeedableRng;
    use rand_wacore::rngs::StdRng;
    use wacore_libsignal::protocol::{
        CiphertextMessage, GenericSignedPreKey, IdentityKeyPair, KeyPair, PreKeyBundle,
        PreKeyRecord, PreKeySignalMessage, PreKeyStore, ProtocolAddress, SignalMessage,
        SignedPreKeyRecord, SignedPreKeyStore, Timestamp, UsePQRatchet, message_decrypt,
        message_encrypt, process_prekey_bundle,
    };

    use super::wacore_stores::{Sessions, Stores, block_on};

    /// One wacore-libsignal device with a signed and a one-time prekey.
    pub struct Device {
        pub stores: Stores,
        pub address: ProtocolAddress,
        pub rng: StdRng,
        bundle: PreKeyBundle,
    }

    impl Device {
        pub fn new(name: &str, seed: u64) -> Device {
            let mut rng = StdRng::seed_from_u64(seed);
            let identity = IdentityKeyPair::generate(&mut rng);
            let one_time = KeyPair::generate(&mut rng);
            let signed = KeyPair::generate(&mut rng);
            let signature = identity
                .private_key()
                .calculate_signature(&signed.public_key.serialize(), &mut rng)
                .unwrap();
            let mut stores = Stores::new(identity.clone(), 2);
            block_on(async {
                let record = PreKeyRecord::new(1.into(), &one_time);
                stores
                    .pre_keys
                    .save_pre_key(1.into(), &record)
                    .await
                    .unwrap();
                let record = SignedPreKeyRecord::new(
                    1.into(),
                    Timestamp::from_epoch_millis(0),
                    &signed,
                    &signature,
                );
                stores
                    .signed_pre_keys
                    .save_signed_pre_key(1.into(), &record)
                    .await
                    .unwrap();
            });
            let bundle = PreKeyBundle::new(
                2,
                1.into(),
                Some((1.into(), one_time.public_key)),
                1.into(),
                signed.public_key,
                signature.to_vec(),
                *identity.identity_key(),
            )
            .unwrap();
            Device {
                stores,
                address: ProtocolAddress::new(name, 1.into()),
                rng,
                bundle,
            }
        }

        pub fn open_session(&mut self, to: &Device) {
            let mut sessions = Sessions::default();
            self.open_session_in(to, &mut sessions);
            self.stores.sessions = sessions;
        }

        /// X3DH into `sessions` (a fresh store per setup, like wacast's fresh record).
        pub fn open_session_in(&mut self, to: &Device, sessions: &mut Sessions) {
            block_on(process_prekey_bundle(
                &to.address,
                sessions,
                &mut self.stores.identity,
                &to.bundle,
                &mut self.rng,
                UsePQRatchet::No,
            ))
            .unwrap();
        }

        pub fn encrypt(&mut self, to: &ProtocolAddress, plaintext: &[u8]) -> Vec<u8> {
            block_on(message_encrypt(
                plaintext,
                to,
                &mut self.stores.sessions,
                &mut self.stores.identity,
            ))
            .unwrap()
            .serialize()
            .to_vec()
        }

        pub fn decrypt(&mut self, from: &ProtocolAddress, bytes: &[u8], prekey: bool) -> Vec<u8> {
            let message = if prekey {
                CiphertextMessage::PreKeySignalMessage(
                    PreKeySignalMessage::try_from(bytes).unwrap(),
                )
            } else {
                CiphertextMessage::SignalMessage(SignalMessage::try_from(bytes).unwrap())
            };
            block_on(message_decrypt(
                &message,
                from,
                &mut self.stores.sessions,
                &mut self.stores.identity,
                &mut self.stores.pre_keys,
                &self.stores.signed_pre_keys,
                &mut self.rng,
                UsePQRatchet::No,
            ))
            .unwrap()
            .plaintext
        }
    }
}

fn signal_wacore(c: &mut Criterion) {
    let bob = wacore::Device::new("bob", 2);
    let mut setup_alice = wacore::Device::new("alice", 1);
    c.bench_function("signal/wacore_session_setup_x3dh", |b| {
        b.iter(|| {
            let mut sessions = wacore_stores::Sessions::default();
            setup_alice.open_session_in(black_box(&bob), &mut sessions);
            sessions
        })
    });

    let mut alice = wacore::Device::new("alice", 3);
    let mut bob = wacore::Device::new("bob", 4);
    alice.open_session(&bob);
    let first = alice.encrypt(&bob.address, b"hello\x01");
    bob.decrypt(&alice.address, &first, true);
    let reply = bob.encrypt(&alice.address, b"hi\x01");
    alice.decrypt(&bob.address, &reply, false);

    let plaintext = vec![0x42u8; 200];
    c.bench_function("signal/wacore_encrypt_200B", |b| {
        b.iter(|| alice.encrypt(&bob.address, black_box(&plaintext)).len())
    });
    c.bench_function("signal/wacore_encrypt_then_decrypt_200B", |b| {
        b.iter(|| {
            // The other direction, as in the wacast bench above.
            let sent = bob.encrypt(&alice.address, black_box(&plaintext));
            alice.decrypt(&bob.address, &sent, false).len()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = signal, signal_wacore
}
criterion_main!(benches);
