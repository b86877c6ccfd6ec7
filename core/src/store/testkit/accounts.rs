//! Credentials, account listing, isolation and deletion.

use std::sync::Arc;

use super::{account, credentials, new_message};
use crate::store::prelude::*;
use crate::store::{AppStateSyncKey, Secret, Store, StoreError, fields};

/// Credentials round-trip whole, overwrite replaces, the logged-out flag sticks.
pub async fn check_credentials(store: Arc<dyn Store>) {
    let acc = account("acc-a");
    assert_eq!(
        store.get_credentials(&acc).await.unwrap(),
        None,
        "unknown account"
    );
    assert_eq!(
        store.list_accounts().await.unwrap(),
        vec![],
        "empty store lists accounts"
    );

    let mut first = credentials(1);
    first.jid = Some("14155550100:3@s.whatsapp.net".parse().unwrap());
    first.lid = Some("123456789:3@lid".parse().unwrap());
    first.push_name = "Sales".into();
    first.signed_device_identity = Some(vec![1, 2, 3, 4]);
    store.put_credentials(&acc, &first).await.unwrap();
    assert_eq!(
        store.get_credentials(&acc).await.unwrap().as_ref(),
        Some(&first),
        "credentials round-trip"
    );
    let loaded = store.get_credentials(&acc).await.unwrap().unwrap();
    assert_eq!(
        loaded.identity_key_pair(&acc).unwrap().public,
        first.identity_key_pair(&acc).unwrap().public,
        "identity key survives"
    );

    let second = credentials(2);
    store.put_credentials(&acc, &second).await.unwrap();
    assert_eq!(
        store.get_credentials(&acc).await.unwrap().as_ref(),
        Some(&second),
        "put replaces, including clearing the JID"
    );

    store.set_logged_out(&acc, true).await.unwrap();
    let loaded = store.get_credentials(&acc).await.unwrap().unwrap();
    assert!(loaded.logged_out, "logged-out flag set");
    assert_eq!(
        loaded.noise_key, second.noise_key,
        "flag does not touch keys"
    );
    store.set_logged_out(&acc, false).await.unwrap();
    assert!(
        !store
            .get_credentials(&acc)
            .await
            .unwrap()
            .unwrap()
            .logged_out
    );

    let missing = store.set_logged_out(&account("nobody"), true).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound { .. })),
        "logging out an unknown account: {missing:?}"
    );
    assert_eq!(store.list_accounts().await.unwrap(), vec![acc]);
}

/// Two accounts never see each other's records.
pub async fn check_account_isolation(store: Arc<dyn Store>) {
    let (a, b) = (account("acc-a"), account("acc-b"));
    store.put_credentials(&a, &credentials(1)).await.unwrap();
    store.put_credentials(&b, &credentials(2)).await.unwrap();
    assert_eq!(
        store.get_credentials(&a).await.unwrap(),
        Some(credentials(1))
    );
    assert_eq!(
        store.get_credentials(&b).await.unwrap(),
        Some(credentials(2))
    );
    assert_eq!(
        store.list_accounts().await.unwrap(),
        vec![a.clone(), b.clone()]
    );

    let key = AppStateSyncKey {
        key_id: vec![1],
        key_data: Secret::from_slice(b"sync key of a"),
        fingerprint: vec![],
        timestamp: 1,
    };
    store.put_app_state_key(&a, &key).await.unwrap();
    assert_eq!(
        store.get_app_state_key(&b, &[1]).await.unwrap(),
        None,
        "app-state key leaked"
    );

    store
        .enqueue(&a, &new_message("m1", "111111111", 1))
        .await
        .unwrap();
    assert_eq!(
        store
            .get_message(&b, &super::message_id("m1"))
            .await
            .unwrap(),
        None,
        "outbox leaked"
    );
    assert!(
        store.claim_due(&b, 10, 1000, 10).await.unwrap().is_empty(),
        "claim leaked"
    );
    // The same message id in another account is another message.
    store
        .enqueue(&b, &new_message("m1", "222222222", 1))
        .await
        .unwrap();
    let in_b = store
        .get_message(&b, &super::message_id("m1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(in_b.recipient, super::user("222222222"));

    store.set_logged_out(&a, true).await.unwrap();
    assert!(!store.get_credentials(&b).await.unwrap().unwrap().logged_out);
}

/// Deleting an account removes all of its records and nothing of others.
pub async fn check_delete_account(store: Arc<dyn Store>) {
    let (a, b) = (account("acc-a"), account("acc-b"));
    for (acc, seed) in [(&a, 1), (&b, 2)] {
        store
            .put_credentials(acc, &credentials(seed))
            .await
            .unwrap();
        store
            .put_app_state_key(
                acc,
                &AppStateSyncKey {
                    key_id: vec![seed],
                    key_data: Secret::from_slice(&[seed; 32]),
                    fingerprint: vec![seed],
                    timestamp: 5,
                },
            )
            .await
            .unwrap();
        store
            .enqueue(acc, &new_message("m1", "111111111", 1))
            .await
            .unwrap();
    }
    store.delete_account(&a).await.unwrap();
    assert_eq!(store.get_credentials(&a).await.unwrap(), None);
    assert_eq!(store.get_app_state_key(&a, &[1]).await.unwrap(), None);
    assert_eq!(
        store
            .get_message(&a, &super::message_id("m1"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.list_accounts().await.unwrap(), vec![b.clone()]);
    assert!(store.get_credentials(&b).await.unwrap().is_some());
    assert!(store.get_app_state_key(&b, &[2]).await.unwrap().is_some());
    assert!(
        store
            .get_message(&b, &super::message_id("m1"))
            .await
            .unwrap()
            .is_some()
    );
    let cells = store.secret_cells(None, 1000).await.unwrap();
    assert!(
        cells.iter().all(|cell| cell.cell.account == b),
        "secrets of a deleted account remain"
    );
    assert!(
        cells
            .iter()
            .any(|cell| cell.cell.field == fields::NOISE_KEY)
    );
    store.delete_account(&a).await.unwrap();
}
