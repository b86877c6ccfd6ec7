//! What [`Encrypted`] adds on top of any inner store.

use std::future::Future;
use std::sync::Arc;

use super::{account, credentials, message_id, new_message, run_all};
use crate::store::prelude::*;
use crate::store::{
    AppStateSyncKey, CREDENTIALS_TABLE, CellRef, Encrypted, MasterKey, Secret, Store, StoreError,
    fields,
};

fn master(n: u8) -> MasterKey {
    MasterKey::from_bytes([n; 32])
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Runs the whole suite on `Encrypted<inner>`, then the checks only encryption has: no secret
/// reaches the inner store in clear, a wrong key is refused, rows cannot be swapped, rotation.
pub async fn run_encrypted<S, F, Fut>(make_inner: F)
where
    S: Store + 'static,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    run_all(|| async {
        Encrypted::open(make_inner().await, master(1))
            .await
            .unwrap_or_else(|error| panic!("open Encrypted: {error}"))
    })
    .await;
    check_inner_sees_only_ciphertext(make_inner().await).await;
    check_wrong_key_is_refused(make_inner().await).await;
    check_swapped_rows_are_refused(make_inner().await).await;
    check_rotation(make_inner().await).await;
}

/// Every secret written through `Encrypted` is sealed in the inner store.
pub async fn check_inner_sees_only_ciphertext<S: Store + 'static>(inner: S) {
    let store = Encrypted::open(inner, master(1)).await.unwrap();
    let acc = account("acc-a");
    let creds = credentials(1);
    store.put_credentials(&acc, &creds).await.unwrap();
    let key = AppStateSyncKey {
        key_id: vec![1],
        key_data: Secret::from_slice(&[0xC3; 32]),
        fingerprint: vec![],
        timestamp: 1,
    };
    store.put_app_state_key(&acc, &key).await.unwrap();
    store
        .enqueue(&acc, &new_message("m1", "14155550100", 1))
        .await
        .unwrap();

    let plaintexts = [
        creds.noise_key.expose().to_vec(),
        creds.identity_key.expose().to_vec(),
        creds.signed_prekey.private_key.expose().to_vec(),
        creds.adv_secret.expose().to_vec(),
        key.key_data.expose().to_vec(),
        b"payload of m1".to_vec(),
    ];
    let cells = store.inner().secret_cells(None, 1000).await.unwrap();
    assert_eq!(cells.len(), plaintexts.len(), "one cell per secret");
    for cell in &cells {
        for plain in &plaintexts {
            assert!(
                !contains(cell.value.expose(), &plain[..plain.len().min(16)]),
                "{} holds a secret in clear",
                cell.cell.record_name()
            );
        }
    }
    let raw = store.inner().get_credentials(&acc).await.unwrap().unwrap();
    assert_ne!(
        raw.noise_key, creds.noise_key,
        "inner credentials are sealed"
    );
    assert_eq!(
        raw.registration_id, creds.registration_id,
        "public fields stay readable"
    );
    assert_eq!(store.get_credentials(&acc).await.unwrap(), Some(creds));
}

/// Opening with another master key fails with a typed error, never garbage.
pub async fn check_wrong_key_is_refused<S: Store + 'static>(inner: S) {
    let inner = Arc::new(inner);
    let store = Encrypted::open(inner.clone(), master(1)).await.unwrap();
    store
        .put_credentials(&account("acc-a"), &credentials(1))
        .await
        .unwrap();
    let result = Encrypted::open(inner, master(2)).await;
    match result {
        Err(StoreError::WrongMasterKey { stored, .. }) => {
            assert_eq!(
                stored,
                master(1).key_id(),
                "the error names the stored key id"
            )
        }
        other => panic!("wrong master key gave {:?}", other.map(|_| ())),
    }
}

/// A sealed value copied into another account or field does not open.
pub async fn check_swapped_rows_are_refused<S: Store + 'static>(inner: S) {
    let store = Encrypted::open(inner, master(1)).await.unwrap();
    let (a, b) = (account("acc-a"), account("acc-b"));
    store.put_credentials(&a, &credentials(1)).await.unwrap();
    store.put_credentials(&b, &credentials(2)).await.unwrap();
    store
        .enqueue(&a, &new_message("m1", "14155550100", 1))
        .await
        .unwrap();
    store
        .enqueue(&a, &new_message("m2", "14155550100", 1))
        .await
        .unwrap();

    // a's noise key sealed into b's identity key slot.
    let mut b_raw = store.inner().get_credentials(&b).await.unwrap().unwrap();
    let a_raw = store.inner().get_credentials(&a).await.unwrap().unwrap();
    b_raw.identity_key = a_raw.noise_key.clone();
    store.inner().put_credentials(&b, &b_raw).await.unwrap();
    match store.get_credentials(&b).await {
        Err(StoreError::Decrypt { account, record }) => {
            assert_eq!(account, b, "the error names the account");
            assert!(record.contains(fields::IDENTITY_KEY), "{record}");
        }
        other => panic!("swapped credential gave {other:?}"),
    }
    assert!(
        store.get_credentials(&a).await.unwrap().is_some(),
        "other accounts still load"
    );

    // m1's payload copied over m2's.
    let m1 = store
        .inner()
        .get_message(&a, &message_id("m1"))
        .await
        .unwrap()
        .unwrap();
    let m2 = store
        .inner()
        .get_message(&a, &message_id("m2"))
        .await
        .unwrap()
        .unwrap();
    let cell = CellRef::new(
        crate::store::OUTBOX_TABLE,
        &a,
        "m2",
        crate::store::OUTBOX_PAYLOAD,
    );
    assert!(
        store
            .inner()
            .replace_secret_cell(&cell, &m2.payload, &m1.payload)
            .await
            .unwrap()
    );
    assert!(matches!(
        store.get_message(&a, &message_id("m2")).await,
        Err(StoreError::Decrypt { .. })
    ));

    // A truncated envelope and a value in clear are refused too.
    let noise = CellRef::new(CREDENTIALS_TABLE, &a, "", fields::NOISE_KEY);
    let truncated = Secret::from_slice(&a_raw.noise_key.expose()[..20]);
    assert!(
        store
            .inner()
            .replace_secret_cell(&noise, &a_raw.noise_key, &truncated)
            .await
            .unwrap()
    );
    assert!(matches!(
        store.get_credentials(&a).await,
        Err(StoreError::Decrypt { .. })
    ));
    let clear = Secret::from_slice(&[0; 32]);
    assert!(
        store
            .inner()
            .replace_secret_cell(&noise, &truncated, &clear)
            .await
            .unwrap()
    );
    assert!(matches!(
        store.get_credentials(&a).await,
        Err(StoreError::NotEncrypted { .. })
    ));
}

/// Rotation re-seals everything under the new key; then only the new key opens the store.
pub async fn check_rotation<S: Store + 'static>(inner: S) {
    let shared = Arc::new(inner);
    let old = Encrypted::open(shared.clone(), master(1)).await.unwrap();
    let acc = account("acc-a");
    for n in 0..5u8 {
        old.put_credentials(&account(&format!("acc-{n}")), &credentials(n))
            .await
            .unwrap();
    }
    old.enqueue(&acc, &new_message("m1", "14155550100", 1))
        .await
        .unwrap();

    let rotating = Encrypted::open_with_previous(shared.clone(), master(2), &[master(1)])
        .await
        .unwrap();
    assert_eq!(
        rotating.get_credentials(&account("acc-3")).await.unwrap(),
        Some(credentials(3)),
        "old values open before rotation"
    );
    // A write under the new key before rotation is kept.
    rotating
        .put_credentials(&account("acc-4"), &credentials(44))
        .await
        .unwrap();
    let report = rotating.rotate().await.unwrap();
    assert_eq!(report.resealed, 4 * 4 + 1, "{report:?}");
    assert_eq!(report.unchanged, 4, "{report:?}");
    assert_eq!(
        rotating.rotate().await.unwrap().resealed,
        0,
        "rotation is idempotent"
    );

    let only_new = Encrypted::open(shared.clone(), master(2)).await.unwrap();
    assert_eq!(
        only_new.get_credentials(&account("acc-2")).await.unwrap(),
        Some(credentials(2))
    );
    assert_eq!(
        only_new.get_credentials(&account("acc-4")).await.unwrap(),
        Some(credentials(44))
    );
    let message = only_new
        .get_message(&acc, &message_id("m1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message.payload.expose(), b"payload of m1");
    assert!(matches!(
        Encrypted::open(shared, master(1)).await,
        Err(StoreError::WrongMasterKey { .. })
    ));
}
