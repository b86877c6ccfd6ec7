//! Signal state: raw records per account, and real sessions through [`AccountSignalStore`].

use std::sync::Arc;

use super::{account, credentials};
use crate::curve::KeyPair;
use crate::signal::store::{self as signal_store, PreKeyStore, ProtocolAddress};
use crate::signal::{MessageKind, OsKeySource, PreKeyBundle, SenderKeyDistribution, padding};
use crate::store::prelude::*;
use crate::store::{
    AccountSignalStore, CellRef, PREKEYS_TABLE, PRIVATE_KEY_FIELD, RECORD_FIELD, SENDER_KEYS_TABLE,
    SESSIONS_TABLE, SIGNED_PREKEYS_TABLE, Secret,
};

/// Identities, prekeys, sessions and sender keys round-trip, overwrite, delete, stay per
/// account, and are listed as secret cells.
pub async fn check_signal_records(store: Arc<dyn Store>) {
    let (a, b) = (account("acc-a"), account("acc-b"));
    let bob = ProtocolAddress::new("14155550100", 3);
    let carol = ProtocolAddress::new("14155550101", 0);

    assert_eq!(store.get_identity(&a, &bob).await.unwrap(), None);
    assert_eq!(store.put_identity(&a, &bob, &[5; 33]).await.unwrap(), None);
    assert_eq!(
        store.put_identity(&a, &bob, &[6; 33]).await.unwrap(),
        Some(vec![5; 33])
    );
    assert_eq!(
        store.get_identity(&a, &bob).await.unwrap(),
        Some(vec![6; 33])
    );
    assert_eq!(
        store.get_identity(&b, &bob).await.unwrap(),
        None,
        "identities per account"
    );

    assert_eq!(store.prekey_stats(&a).await.unwrap(), (0, 0));
    for id in [3u32, 10, 7] {
        store
            .put_prekey(&a, id, &Secret::from_slice(&[id as u8; 32]))
            .await
            .unwrap();
    }
    assert_eq!(store.prekey_stats(&a).await.unwrap(), (3, 10));
    assert_eq!(
        store.get_prekey(&a, 7).await.unwrap(),
        Some(Secret::from_slice(&[7; 32]))
    );
    assert_eq!(
        store.get_prekey(&b, 7).await.unwrap(),
        None,
        "prekeys per account"
    );
    assert!(store.remove_prekey(&a, 7).await.unwrap());
    assert!(!store.remove_prekey(&a, 7).await.unwrap());
    assert_eq!(store.get_prekey(&a, 7).await.unwrap(), None);
    assert_eq!(store.prekey_stats(&a).await.unwrap(), (2, 10));

    store
        .put_signed_prekey(&a, 1, &Secret::from_slice(&[1; 32]))
        .await
        .unwrap();
    store
        .put_signed_prekey(&a, 1, &Secret::from_slice(&[2; 32]))
        .await
        .unwrap();
    assert_eq!(
        store.get_signed_prekey(&a, 1).await.unwrap(),
        Some(Secret::from_slice(&[2; 32]))
    );

    let record = Secret::from_slice(b"session record bytes");
    store.put_session(&a, &bob, &record).await.unwrap();
    store
        .put_session(&a, &carol, &Secret::from_slice(b"other"))
        .await
        .unwrap();
    store
        .put_session(&a, &bob, &Secret::from_slice(b"newer record"))
        .await
        .unwrap();
    assert_eq!(
        store.get_session(&a, &bob).await.unwrap(),
        Some(Secret::from_slice(b"newer record"))
    );
    assert_eq!(
        store.get_session(&b, &bob).await.unwrap(),
        None,
        "sessions per account"
    );
    assert!(store.delete_session(&a, &bob).await.unwrap());
    assert!(!store.delete_session(&a, &bob).await.unwrap());
    assert_eq!(store.get_session(&a, &bob).await.unwrap(), None);
    assert!(
        store.get_session(&a, &carol).await.unwrap().is_some(),
        "other session kept"
    );

    let (g1, g2) = ("120363000000000001@g.us", "120363000000000002@g.us");
    store
        .put_sender_key(&a, g1, &bob, &Secret::from_slice(b"g1 bob"))
        .await
        .unwrap();
    store
        .put_sender_key(&a, g1, &carol, &Secret::from_slice(b"g1 carol"))
        .await
        .unwrap();
    store
        .put_sender_key(&a, g2, &bob, &Secret::from_slice(b"g2 bob"))
        .await
        .unwrap();
    assert_eq!(
        store.get_sender_key(&a, g1, &carol).await.unwrap(),
        Some(Secret::from_slice(b"g1 carol"))
    );
    assert_eq!(store.get_sender_key(&b, g1, &carol).await.unwrap(), None);
    assert_eq!(store.delete_sender_keys(&a, g1).await.unwrap(), 2);
    assert_eq!(store.get_sender_key(&a, g1, &bob).await.unwrap(), None);
    assert!(
        store.get_sender_key(&a, g2, &bob).await.unwrap().is_some(),
        "other group kept"
    );

    let cells: Vec<CellRef> = store
        .secret_cells(None, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|cell| cell.cell)
        .collect();
    let expected = [
        CellRef::new(PREKEYS_TABLE, &a, "10", PRIVATE_KEY_FIELD),
        CellRef::new(PREKEYS_TABLE, &a, "3", PRIVATE_KEY_FIELD),
        CellRef::new(SENDER_KEYS_TABLE, &a, &format!("{g2}::{bob}"), RECORD_FIELD),
        CellRef::new(SESSIONS_TABLE, &a, &carol.to_string(), RECORD_FIELD),
        CellRef::new(SIGNED_PREKEYS_TABLE, &a, "1", PRIVATE_KEY_FIELD),
    ];
    assert_eq!(cells, expected, "Signal secrets listed as cells, in order");

    store.delete_account(&a).await.unwrap();
    assert_eq!(
        store.get_session(&a, &carol).await.unwrap(),
        None,
        "deleted with the account"
    );
    assert_eq!(store.get_identity(&a, &bob).await.unwrap(), None);
    assert_eq!(store.prekey_stats(&a).await.unwrap(), (0, 0));
    assert!(store.secret_cells(None, 10).await.unwrap().is_empty());
}

/// Two accounts of one store talk through real Signal sessions and a group sender key, each
/// through its [`AccountSignalStore`] view; the state survives across views.
pub async fn check_signal_conversation(store: Arc<dyn Store>) {
    let (alice, bob) = (account("alice"), account("bob"));
    store
        .put_credentials(&alice, &credentials(1))
        .await
        .unwrap();
    let bob_credentials = credentials(2);
    store.put_credentials(&bob, &bob_credentials).await.unwrap();
    let alice_view = AccountSignalStore::open(store.clone(), alice.clone())
        .await
        .unwrap();
    let bob_view = AccountSignalStore::open(store.clone(), bob.clone())
        .await
        .unwrap();
    let to_bob = ProtocolAddress::new("bob", 1);
    let to_alice = ProtocolAddress::new("alice", 1);

    let one_time = KeyPair::generate();
    bob_view.store_pre_key(77, &one_time).await.unwrap();
    let bundle = PreKeyBundle {
        registration_id: bob_credentials.registration_id,
        identity_key: bob_credentials.identity_key_pair(&bob).unwrap().public,
        signed_pre_key_id: bob_credentials.signed_prekey.id,
        signed_pre_key: bob_credentials.signed_prekey_pair(&bob).unwrap().public,
        signed_pre_key_signature: bob_credentials.signed_prekey.signature.clone(),
        pre_key: Some((77, one_time.public)),
    };
    signal_store::process_bundle(&alice_view, &to_bob, &bundle, &mut OsKeySource)
        .await
        .unwrap();

    for round in 0..3u8 {
        for (sender, receiver, to, from) in [
            (&alice_view, &bob_view, &to_bob, &to_alice),
            (&bob_view, &alice_view, &to_alice, &to_bob),
        ] {
            for i in 0..5u8 {
                let text = [round, i];
                let ciphertext = signal_store::encrypt(sender, to, &padding::pad(&text, i))
                    .await
                    .unwrap();
                let padded = signal_store::decrypt(
                    receiver,
                    from,
                    ciphertext.kind,
                    &ciphertext.bytes,
                    &mut OsKeySource,
                )
                .await
                .unwrap_or_else(|error| panic!("round {round} message {i}: {error}"));
                assert_eq!(padding::unpad(&padded).unwrap(), text);
            }
        }
    }
    assert!(
        bob_view.pre_key(77).await.unwrap().is_none(),
        "used prekey removed"
    );
    assert!(
        store.get_identity(&bob, &to_alice).await.unwrap().is_some(),
        "identity saved"
    );

    // A fresh view (a restart) continues the session from the store.
    let alice_again = AccountSignalStore::open(store.clone(), alice.clone())
        .await
        .unwrap();
    let later = signal_store::encrypt(&alice_again, &to_bob, &padding::pad(b"again", 1))
        .await
        .unwrap();
    assert_eq!(later.kind, MessageKind::Whisper, "the session survived");
    let padded = signal_store::decrypt(
        &bob_view,
        &to_alice,
        later.kind,
        &later.bytes,
        &mut OsKeySource,
    )
    .await
    .unwrap();
    assert_eq!(padding::unpad(&padded).unwrap(), b"again");

    // Group: Alice's sender key reaches Bob, then messages decrypt.
    let group = "120363000000000001@g.us";
    let ours = crate::signal::SenderKeyRecord::create(5, [3; 32], KeyPair::generate());
    let distribution = ours.distribution().unwrap().serialize();
    use crate::signal::store::SenderKeyStore;
    alice_view
        .store_sender_key(group, &to_alice, &ours.serialize())
        .await
        .unwrap();
    let skdm = SenderKeyDistribution::parse(&distribution).unwrap();
    signal_store::process_sender_key_distribution(&bob_view, group, &to_alice, &skdm)
        .await
        .unwrap();
    for i in 0..5u8 {
        let ciphertext =
            signal_store::encrypt_group(&alice_view, group, &to_alice, &padding::pad(&[i], i))
                .await
                .unwrap();
        let padded = signal_store::decrypt_group(&bob_view, group, &to_alice, &ciphertext)
            .await
            .unwrap();
        assert_eq!(padding::unpad(&padded).unwrap(), [i]);
    }
    assert!(
        AccountSignalStore::open(store.clone(), account("nobody"))
            .await
            .is_err()
    );
}
