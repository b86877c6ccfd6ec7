//! Store-driven Signal between two devices in memory: a session from a prekey bundle, many
//! messages both ways with reordering and losses, a ratchet on every direction change, group
//! messages with sender keys, and the failure paths (corrupt stored record, changed identity).

use wacast::curve::KeyPair;
use wacast::signal::store::{
    self, InMemorySignalStore, PreKeyStore, ProtocolAddress, SessionStore, SignalStoreError,
};
use wacast::signal::{
    LocalIdentity, MessageKind, OsKeySource, PreKeyBundle, SenderKeyDistribution, SignalError,
    padding,
};

fn device(registration_id: u32) -> (InMemorySignalStore, LocalIdentity) {
    let local = LocalIdentity {
        identity: KeyPair::generate(),
        registration_id,
    };
    (InMemorySignalStore::new(local.clone()), local)
}

async fn bundle(store: &InMemorySignalStore, local: &LocalIdentity) -> PreKeyBundle {
    let signed = KeyPair::generate();
    let one_time = KeyPair::generate();
    store.store_signed_pre_key(1, &signed).await.unwrap();
    store.store_pre_key(77, &one_time).await.unwrap();
    PreKeyBundle {
        registration_id: local.registration_id,
        identity_key: local.identity.public,
        signed_pre_key_id: 1,
        signed_pre_key: signed.public,
        signed_pre_key_signature: local
            .identity
            .private
            .sign(&signed.public.serialize())
            .to_vec(),
        pre_key: Some((77, one_time.public)),
    }
}

/// A deterministic shuffle: every tenth message is delivered after the next one.
fn reorder<T>(mut items: Vec<T>) -> Vec<T> {
    for i in (0..items.len().saturating_sub(1)).step_by(10) {
        items.swap(i, i + 1);
    }
    items
}

#[tokio::test]
async fn two_devices_talk_through_their_stores() {
    let (alice_store, _alice) = device(11);
    let (bob_store, bob) = device(22);
    let to_bob = ProtocolAddress::new("bob", 1);
    let to_alice = ProtocolAddress::new("alice", 1);
    let bob_bundle = bundle(&bob_store, &bob).await;
    store::process_bundle(&alice_store, &to_bob, &bob_bundle, &mut OsKeySource)
        .await
        .unwrap();

    for round in 0..10 {
        // A burst each way: the direction change forces a ratchet step every round.
        for (sender, receiver, to, from) in [
            (&alice_store, &bob_store, &to_bob, &to_alice),
            (&bob_store, &alice_store, &to_alice, &to_bob),
        ] {
            let mut sent = Vec::new();
            for i in 0..50 {
                let text = format!("round {round} message {i}");
                let ciphertext = store::encrypt(sender, to, &padding::pad(text.as_bytes(), i))
                    .await
                    .unwrap();
                sent.push((text, ciphertext));
            }
            let delivered = reorder(sent);
            for (index, (text, ciphertext)) in delivered.into_iter().enumerate() {
                if index % 23 == 22 {
                    continue; // lost in transit
                }
                let padded = store::decrypt(
                    receiver,
                    from,
                    ciphertext.kind,
                    &ciphertext.bytes,
                    &mut OsKeySource,
                )
                .await
                .unwrap_or_else(|e| panic!("round {round}, {text}: {e}"));
                assert_eq!(padding::unpad(&padded).unwrap(), text.as_bytes());
            }
        }
    }
    // The one-time prekey was used once and deleted.
    assert!(bob_store.pre_key(77).await.unwrap().is_none());
    // After Bob answered, Alice no longer sends pkmsg.
    let later = store::encrypt(&alice_store, &to_bob, b"x\x01")
        .await
        .unwrap();
    assert_eq!(later.kind, MessageKind::Whisper);
}

#[tokio::test]
async fn group_messages_with_sender_keys() {
    let (alice_store, _) = device(11);
    let (bob_store, _) = device(22);
    let group = "120363000000000001@g.us";
    let alice = ProtocolAddress::new("alice", 1);
    // Alice's first group message creates her sender key; its distribution goes to Bob.
    let ours = wacast::signal::SenderKeyRecord::create(5, [3; 32], KeyPair::generate());
    let distribution = ours.distribution().unwrap().serialize();
    use wacast::signal::store::SenderKeyStore;
    alice_store
        .store_sender_key(group, &alice, &ours.serialize())
        .await
        .unwrap();
    let skdm = SenderKeyDistribution::parse(&distribution).unwrap();
    store::process_sender_key_distribution(&bob_store, group, &alice, &skdm)
        .await
        .unwrap();
    let mut sent = Vec::new();
    for i in 0..100u8 {
        sent.push((
            i,
            store::encrypt_group(&alice_store, group, &alice, &padding::pad(&[i], i))
                .await
                .unwrap(),
        ));
    }
    for (i, ciphertext) in reorder(sent) {
        let padded = store::decrypt_group(&bob_store, group, &alice, &ciphertext)
            .await
            .unwrap();
        assert_eq!(padding::unpad(&padded).unwrap(), [i]);
    }
}

#[tokio::test]
async fn corrupt_records_and_changed_identities_are_refused() {
    let (alice_store, _) = device(11);
    let (bob_store, bob) = device(22);
    let to_bob = ProtocolAddress::new("bob", 1);
    let bob_bundle = bundle(&bob_store, &bob).await;
    store::process_bundle(&alice_store, &to_bob, &bob_bundle, &mut OsKeySource)
        .await
        .unwrap();

    // A corrupted row names the address; another address keeps working.
    let carol = ProtocolAddress::new("carol", 2);
    alice_store
        .store_session(&carol, b"\xff\xff garbage")
        .await
        .unwrap();
    match store::encrypt(&alice_store, &carol, b"x\x01").await {
        Err(SignalStoreError::CorruptRecord { address, .. }) => assert_eq!(address, "carol.2"),
        other => panic!("expected a corrupt-record error, got {other:?}"),
    }
    assert!(
        store::encrypt(&alice_store, &to_bob, b"x\x01")
            .await
            .is_ok()
    );

    // A strict store refuses a peer whose identity changed.
    let strict = InMemorySignalStore::new(LocalIdentity {
        identity: KeyPair::generate(),
        registration_id: 33,
    })
    .with_strict_identities();
    store::process_bundle(&strict, &to_bob, &bob_bundle, &mut OsKeySource)
        .await
        .unwrap();
    let (_, impostor) = device(22);
    let mut forged = bundle(&bob_store, &impostor).await;
    forged.registration_id = 22;
    assert_eq!(
        store::process_bundle(&strict, &to_bob, &forged, &mut OsKeySource).await,
        Err(SignalStoreError::Protocol(SignalError::UntrustedIdentity))
    );
}
