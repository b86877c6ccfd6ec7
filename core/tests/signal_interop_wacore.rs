//! Interop with wacore-libsignal (crates.io, the Signal implementation of whatsapp-rust):
//! the 1:1 scenario with either side opening the session, and group sender-key messages from
//! each side to the other with out-of-order delivery and losses.

#[path = "interop/scenario.rs"]
mod scenario;

use rand_wacore::SeedableRng;
use rand_wacore::rngs::StdRng;
use scenario::{Lcg, Peer, WacastPeer, delivery_plan, run_conversation};
use wacast::curve::{KeyPair as WacastKeyPair, PublicKey};
use wacast::signal::padding::pad;
use wacast::signal::{MessageKind, PreKeyBundle, SenderKeyDistribution, SenderKeyRecord};
use wacore_libsignal::protocol::{
    self as ws, CiphertextMessage, CiphertextMessageType, GenericSignedPreKey, IdentityKey,
    IdentityKeyPair, KeyPair, PreKeyRecord, PreKeyStore, ProtocolAddress, SignedPreKeyRecord,
    SignedPreKeyStore, Timestamp, UsePQRatchet,
};
use wacore_libsignal::store::sender_key_name::SenderKeyName;

#[path = "interop/wacore_stores.rs"]
mod wacore_stores;
use wacore_stores::{Stores, block_on};

struct WacorePeer {
    stores: Stores,
    rng: StdRng,
    registration_id: u32,
    identity: IdentityKeyPair,
    pre_key: KeyPair,
    signed: KeyPair,
    signature: Vec<u8>,
    /// Who wacore talks to.
    remote: ProtocolAddress,
}

impl WacorePeer {
    fn new(seed: u64, registration_id: u32) -> WacorePeer {
        let mut rng = StdRng::seed_from_u64(seed);
        let identity = IdentityKeyPair::generate(&mut rng);
        let pre_key = KeyPair::generate(&mut rng);
        let signed = KeyPair::generate(&mut rng);
        let signature = identity
            .private_key()
            .calculate_signature(&signed.public_key.serialize(), &mut rng)
            .expect("wacore signs")
            .to_vec();
        let mut stores = Stores::new(identity.clone(), registration_id);
        block_on(async {
            stores
                .pre_keys
                .save_pre_key(77.into(), &PreKeyRecord::new(77.into(), &pre_key))
                .await
                .unwrap();
            stores
                .signed_pre_keys
                .save_signed_pre_key(
                    1.into(),
                    &SignedPreKeyRecord::new(
                        1.into(),
                        Timestamp::from_epoch_millis(0),
                        &signed,
                        &signature,
                    ),
                )
                .await
                .unwrap();
        });
        WacorePeer {
            stores,
            rng,
            registration_id,
            identity,
            pre_key,
            signed,
            signature,
            remote: ProtocolAddress::new("wacast", 1.into()),
        }
    }
}

fn to_wacast(key: &ws::PublicKey) -> PublicKey {
    PublicKey::from_slice(&key.serialize()).expect("33-byte key")
}

fn to_wacore(key: &PublicKey) -> ws::PublicKey {
    ws::PublicKey::deserialize(&key.serialize()).expect("33-byte key")
}

impl Peer for WacorePeer {
    fn name(&self) -> &'static str {
        "wacore-libsignal"
    }
    fn bundle(&mut self) -> PreKeyBundle {
        PreKeyBundle {
            registration_id: self.registration_id,
            identity_key: to_wacast(self.identity.identity_key().public_key()),
            signed_pre_key_id: 1,
            signed_pre_key: to_wacast(&self.signed.public_key),
            signed_pre_key_signature: self.signature.clone(),
            pre_key: Some((77, to_wacast(&self.pre_key.public_key))),
        }
    }
    fn process_bundle(&mut self, bundle: &PreKeyBundle) {
        let theirs = ws::PreKeyBundle::new(
            bundle.registration_id,
            1.into(),
            bundle.pre_key.map(|(id, key)| (id.into(), to_wacore(&key))),
            bundle.signed_pre_key_id.into(),
            to_wacore(&bundle.signed_pre_key),
            bundle.signed_pre_key_signature.clone(),
            IdentityKey::new(to_wacore(&bundle.identity_key)),
        )
        .expect("valid bundle");
        block_on(ws::process_prekey_bundle(
            &self.remote,
            &mut self.stores.sessions,
            &mut self.stores.identity,
            &theirs,
            &mut self.rng,
            UsePQRatchet::No,
        ))
        .expect("wacore accepts the bundle");
    }
    fn encrypt(&mut self, plaintext: &[u8]) -> (MessageKind, Vec<u8>) {
        let out = block_on(ws::message_encrypt(
            plaintext,
            &self.remote,
            &mut self.stores.sessions,
            &mut self.stores.identity,
        ))
        .expect("wacore encrypts");
        let kind = match out.message_type() {
            CiphertextMessageType::PreKey => MessageKind::PreKey,
            CiphertextMessageType::Whisper => MessageKind::Whisper,
            other => panic!("unexpected {other:?}"),
        };
        (kind, out.serialize().to_vec())
    }
    fn decrypt(&mut self, kind: MessageKind, bytes: &[u8]) -> Result<Vec<u8>, String> {
        let message = match kind {
            MessageKind::PreKey => CiphertextMessage::PreKeySignalMessage(
                ws::PreKeySignalMessage::try_from(bytes).map_err(|e| e.to_string())?,
            ),
            _ => CiphertextMessage::SignalMessage(
                ws::SignalMessage::try_from(bytes).map_err(|e| e.to_string())?,
            ),
        };
        block_on(ws::message_decrypt(
            &message,
            &self.remote,
            &mut self.stores.sessions,
            &mut self.stores.identity,
            &mut self.stores.pre_keys,
            &self.stores.signed_pre_keys,
            &mut self.rng,
            UsePQRatchet::No,
        ))
        .map(|result| result.plaintext)
        .map_err(|e| e.to_string())
    }
}

#[test]
fn wacast_opens_the_session_with_wacore() {
    let mut wacast = WacastPeer::new(1111);
    let mut wacore = WacorePeer::new(5, 2222);
    run_conversation(&mut wacast, &mut wacore, 3);
}

#[test]
fn wacore_opens_the_session_with_wacast() {
    let mut wacast = WacastPeer::new(1111);
    let mut wacore = WacorePeer::new(6, 2222);
    run_conversation(&mut wacore, &mut wacast, 4);
}

const GROUP: &str = "120363000000000001@g.us";
const GROUP_MESSAGES: usize = 500;

/// Delivers `messages` in a shuffled order with some lost; returns how many arrived.
fn deliver(
    messages: &[(Vec<u8>, Vec<u8>)],
    seed: u64,
    mut decrypt: impl FnMut(&[u8]) -> Vec<u8>,
) -> usize {
    let plan = delivery_plan(&mut Lcg(seed), messages.len(), true);
    for &i in &plan {
        assert_eq!(decrypt(&messages[i].0), messages[i].1, "group message {i}");
    }
    plan.len()
}

#[test]
fn group_messages_from_wacast_to_wacore() {
    let mut wacore = WacorePeer::new(7, 2222);
    let signing = WacastKeyPair::generate();
    let mut sender = SenderKeyRecord::create(0x1234_5678, [9; 32], signing);
    let skdm = sender.distribution().expect("own key").serialize();
    let name = SenderKeyName::new(GROUP.to_owned(), "wacast".to_owned());
    block_on(ws::process_sender_key_distribution_message(
        &name,
        &ws::SenderKeyDistributionMessage::try_from(skdm.as_slice())
            .expect("wacore parses our SKDM"),
        &mut wacore.stores.sender_keys,
    ))
    .expect("wacore accepts our SKDM");
    let messages: Vec<_> = (0..GROUP_MESSAGES)
        .map(|i| {
            let plaintext = pad(format!("group {i}").as_bytes(), i as u8);
            (sender.encrypt(&plaintext).expect("encrypts"), plaintext)
        })
        .collect();
    let delivered = deliver(&messages, 8, |bytes| {
        block_on(ws::group_decrypt(
            bytes,
            &mut wacore.stores.sender_keys,
            &name,
        ))
        .expect("wacore decrypts")
    });
    assert!(delivered < GROUP_MESSAGES && delivered > GROUP_MESSAGES * 9 / 10);
}

#[test]
fn group_messages_from_wacore_to_wacast() {
    let mut wacore = WacorePeer::new(9, 2222);
    let name = SenderKeyName::new(GROUP.to_owned(), "wacore".to_owned());
    let skdm = block_on(ws::create_sender_key_distribution_message(
        &name,
        &mut wacore.stores.sender_keys,
        &mut wacore.rng,
    ))
    .expect("wacore makes an SKDM");
    let mut receiver = SenderKeyRecord::new();
    receiver.process_distribution(
        &SenderKeyDistribution::parse(skdm.serialized()).expect("we parse wacore's SKDM"),
    );
    let messages: Vec<_> = (0..GROUP_MESSAGES)
        .map(|i| {
            let plaintext = pad(format!("group {i}").as_bytes(), i as u8);
            let sent = block_on(ws::group_encrypt(
                &mut wacore.stores.sender_keys,
                &name,
                &plaintext,
                &mut wacore.rng,
            ))
            .expect("wacore encrypts");
            (sent.serialized().to_vec(), plaintext)
        })
        .collect();
    let before_replay = {
        let delivered = deliver(&messages, 10, |bytes| {
            receiver.decrypt(bytes).expect("wacast decrypts")
        });
        assert!(delivered < GROUP_MESSAGES && delivered > GROUP_MESSAGES * 9 / 10);
        receiver.serialize()
    };
    assert!(receiver.decrypt(&messages[0].0).is_err(), "replay refused");
    assert_eq!(receiver.serialize(), before_replay);
}
