//! Metadata, schema versions and the secret-cell walk.

use std::sync::Arc;

use super::{account, credentials, new_message};
use crate::store::prelude::*;
use crate::store::{
    APP_STATE_KEY_DATA, APP_STATE_KEYS_TABLE, AppStateSyncKey, CREDENTIALS_TABLE, CellRef,
    OUTBOX_PAYLOAD, OUTBOX_TABLE, Secret, Store, fields,
};

/// Metadata round-trips and overwrites; migrating is idempotent and reports the version.
pub async fn check_meta_and_schema(store: Arc<dyn Store>) {
    assert_eq!(store.get_meta("x").await.unwrap(), None);
    store.put_meta("x", b"one").await.unwrap();
    store.put_meta("x", b"two").await.unwrap();
    assert_eq!(store.get_meta("x").await.unwrap(), Some(b"two".to_vec()));
    let version = store.migrate().await.unwrap();
    assert!(version >= 1, "schema versions start at 1");
    assert_eq!(
        store.migrate().await.unwrap(),
        version,
        "migrate is idempotent"
    );
    assert_eq!(store.schema_version().await.unwrap(), version);
}

/// Every secret is listed once, in `CellRef` order, with paging; replacing is compare-and-swap.
pub async fn check_secret_cells(store: Arc<dyn Store>) {
    let (a, b) = (account("acc-a"), account("acc-b"));
    store.put_credentials(&a, &credentials(1)).await.unwrap();
    store.put_credentials(&b, &credentials(2)).await.unwrap();
    let key = AppStateSyncKey {
        key_id: vec![0xAB, 0x01],
        key_data: Secret::from_slice(b"sync"),
        fingerprint: vec![],
        timestamp: 1,
    };
    store.put_app_state_key(&b, &key).await.unwrap();
    store
        .enqueue(&a, &new_message("m1", "111111111", 1))
        .await
        .unwrap();

    let all = store.secret_cells(None, 1000).await.unwrap();
    let mut expected = vec![
        CellRef::new(APP_STATE_KEYS_TABLE, &b, "ab01", APP_STATE_KEY_DATA),
        CellRef::new(OUTBOX_TABLE, &a, "m1", OUTBOX_PAYLOAD),
    ];
    for acc in [&a, &b] {
        for field in [
            fields::ADV_SECRET,
            fields::IDENTITY_KEY,
            fields::NOISE_KEY,
            fields::SIGNED_PREKEY,
        ] {
            expected.push(CellRef::new(CREDENTIALS_TABLE, acc, "", field));
        }
    }
    expected.sort();
    let listed: Vec<CellRef> = all.iter().map(|cell| cell.cell.clone()).collect();
    assert_eq!(listed, expected, "cells listed once each, in order");

    let mut paged = Vec::new();
    let mut after: Option<CellRef> = None;
    loop {
        let page = store.secret_cells(after.as_ref(), 3).await.unwrap();
        assert!(page.len() <= 3, "page limit");
        let Some(last) = page.last() else { break };
        after = Some(last.cell.clone());
        paged.extend(page);
    }
    assert_eq!(paged, all, "paging visits the same cells");

    // Values are what the typed methods return (for a plain store) or their envelopes.
    let outbox_cell = CellRef::new(OUTBOX_TABLE, &a, "m1", OUTBOX_PAYLOAD);
    let stored = all
        .iter()
        .find(|cell| cell.cell == outbox_cell)
        .map(|cell| cell.value.clone())
        .unwrap();
    let replacement = Secret::from_slice(b"replacement");
    assert!(
        !store
            .replace_secret_cell(&outbox_cell, &Secret::from_slice(b"stale"), &replacement)
            .await
            .unwrap(),
        "a stale expected value must not replace"
    );
    assert!(
        store
            .replace_secret_cell(&outbox_cell, &stored, &replacement)
            .await
            .unwrap()
    );
    let after_replace = store.secret_cells(None, 1000).await.unwrap();
    let now = after_replace
        .iter()
        .find(|cell| cell.cell == outbox_cell)
        .unwrap();
    assert_eq!(now.value, replacement);
    let missing = CellRef::new(OUTBOX_TABLE, &a, "nope", OUTBOX_PAYLOAD);
    assert!(
        !store
            .replace_secret_cell(&missing, &stored, &replacement)
            .await
            .unwrap()
    );

    let noise = CellRef::new(CREDENTIALS_TABLE, &b, "", fields::NOISE_KEY);
    let noise_value = after_replace
        .iter()
        .find(|cell| cell.cell == noise)
        .unwrap()
        .value
        .clone();
    let new_noise = Secret::from_slice(&[0x42; 32]);
    assert!(
        store
            .replace_secret_cell(&noise, &noise_value, &new_noise)
            .await
            .unwrap()
    );
    let listed = store
        .secret_cells(
            Some(&CellRef::new(
                CREDENTIALS_TABLE,
                &b,
                "",
                fields::IDENTITY_KEY,
            )),
            1,
        )
        .await
        .unwrap();
    assert_eq!(listed[0].cell, noise);
    assert_eq!(listed[0].value, new_noise);
}
