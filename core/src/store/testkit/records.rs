//! App-state keys, device lists, LID mappings and contacts.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{account, user};
use crate::store::prelude::*;
use crate::store::{
    AppStateSyncKey, BookId, Contact, DeviceList, E164, LidMapping, Secret, Store, StoreError,
};

fn sync_key(id: u8, timestamp: i64) -> AppStateSyncKey {
    AppStateSyncKey {
        key_id: vec![0, id],
        key_data: Secret::from_slice(&[id; 32]),
        fingerprint: vec![id, id],
        timestamp,
    }
}

/// App-state keys round-trip, overwrite by id, and the latest is the newest.
pub async fn check_app_state_keys(store: Arc<dyn Store>) {
    let acc = account("acc-a");
    assert_eq!(store.latest_app_state_key(&acc).await.unwrap(), None);
    store
        .put_app_state_key(&acc, &sync_key(1, 100))
        .await
        .unwrap();
    store
        .put_app_state_key(&acc, &sync_key(2, 300))
        .await
        .unwrap();
    store
        .put_app_state_key(&acc, &sync_key(3, 200))
        .await
        .unwrap();
    assert_eq!(
        store.get_app_state_key(&acc, &[0, 1]).await.unwrap(),
        Some(sync_key(1, 100))
    );
    assert_eq!(store.get_app_state_key(&acc, &[0, 9]).await.unwrap(), None);
    assert_eq!(
        store.latest_app_state_key(&acc).await.unwrap(),
        Some(sync_key(2, 300)),
        "latest is the greatest timestamp"
    );
    let mut replaced = sync_key(2, 50);
    replaced.key_data = Secret::from_slice(b"replaced");
    store.put_app_state_key(&acc, &replaced).await.unwrap();
    assert_eq!(
        store.get_app_state_key(&acc, &[0, 2]).await.unwrap(),
        Some(replaced)
    );
    assert_eq!(
        store.latest_app_state_key(&acc).await.unwrap(),
        Some(sync_key(3, 200)),
        "overwrite changed the timestamp"
    );
}

/// Device lists are keyed by user (device part ignored), replace, delete and expire.
pub async fn check_device_lists(store: Arc<dyn Store>) {
    let acc = account("acc-a");
    let alice = user("14155550100");
    let bob = user("14155550101");
    let list = DeviceList {
        user: alice.clone(),
        devices: vec![0, 3, 7],
        fetched_at: 1_000,
    };
    store.put_device_list(&acc, &list).await.unwrap();
    assert_eq!(
        store.get_device_list(&acc, &alice).await.unwrap(),
        Some(list.clone())
    );
    assert_eq!(
        store
            .get_device_list(&acc, &alice.with_device(3))
            .await
            .unwrap(),
        Some(list),
        "a device JID finds its user's list"
    );
    let newer = DeviceList {
        user: alice.with_device(7),
        devices: vec![0],
        fetched_at: 2_000,
    };
    store.put_device_list(&acc, &newer).await.unwrap();
    let loaded = store.get_device_list(&acc, &alice).await.unwrap().unwrap();
    assert_eq!(
        (loaded.user, loaded.devices, loaded.fetched_at),
        (alice.clone(), vec![0], 2_000)
    );

    store
        .put_device_list(
            &acc,
            &DeviceList {
                user: bob.clone(),
                devices: vec![],
                fetched_at: 500,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store.expire_device_lists(&acc, 1_000).await.unwrap(),
        1,
        "expired count"
    );
    assert_eq!(
        store.get_device_list(&acc, &bob).await.unwrap(),
        None,
        "old list expired"
    );
    assert!(
        store.get_device_list(&acc, &alice).await.unwrap().is_some(),
        "fresh list kept"
    );
    store.delete_device_list(&acc, &alice).await.unwrap();
    assert_eq!(
        store.get_device_list(&acc, &alice).await.unwrap(),
        None,
        "invalidated"
    );
    store.delete_device_list(&acc, &alice).await.unwrap();
}

fn mapping(lid: &str, phone: &str, at: i64) -> LidMapping {
    LidMapping {
        lid_user: lid.into(),
        phone_user: phone.into(),
        updated_at: at,
    }
}

/// LID mappings resolve both ways and a new pair replaces pairs sharing either side.
pub async fn check_lid_mappings(store: Arc<dyn Store>) {
    let acc = account("acc-a");
    store
        .put_lid_mapping(&acc, &mapping("111", "14155550100", 1))
        .await
        .unwrap();
    assert_eq!(
        store.mapping_for_lid(&acc, "111").await.unwrap(),
        Some(mapping("111", "14155550100", 1))
    );
    assert_eq!(
        store.mapping_for_phone(&acc, "14155550100").await.unwrap(),
        Some(mapping("111", "14155550100", 1))
    );
    // The contact moved to a new LID: the old LID no longer maps.
    store
        .put_lid_mapping(&acc, &mapping("222", "14155550100", 2))
        .await
        .unwrap();
    assert_eq!(
        store.mapping_for_lid(&acc, "111").await.unwrap(),
        None,
        "stale LID"
    );
    assert_eq!(
        store.mapping_for_phone(&acc, "14155550100").await.unwrap(),
        Some(mapping("222", "14155550100", 2))
    );
    // The LID now names another number: the old number no longer maps.
    store
        .put_lid_mapping(&acc, &mapping("222", "14155550199", 3))
        .await
        .unwrap();
    assert_eq!(
        store.mapping_for_phone(&acc, "14155550100").await.unwrap(),
        None,
        "stale phone"
    );
    assert_eq!(
        store.mapping_for_lid(&acc, "222").await.unwrap(),
        Some(mapping("222", "14155550199", 3))
    );
    assert_eq!(
        store
            .mapping_for_lid(&account("acc-b"), "222")
            .await
            .unwrap(),
        None
    );
}

fn contact(phone: &str, name: &str) -> Contact {
    Contact {
        phone: E164::new(phone).unwrap(),
        name: name.into(),
        tags: vec!["vip".into(), "de".into()],
        fields: BTreeMap::from([("city".to_owned(), "Berlin".to_owned())]),
        opted_out: false,
        updated_at: 10,
    }
}

/// Contacts round-trip, list in phone order with paging, opt out, delete, stay in their book.
pub async fn check_contacts(store: Arc<dyn Store>) {
    let book = BookId::new("tenant-1").unwrap();
    let other = BookId::new("tenant-2").unwrap();
    for (phone, name) in [
        ("+4915100000003", "C"),
        ("+4915100000001", "A"),
        ("+4915100000002", "B"),
    ] {
        store
            .put_contact(&book, &contact(phone, name))
            .await
            .unwrap();
    }
    let a = E164::new("+4915100000001").unwrap();
    assert_eq!(
        store.get_contact(&book, &a).await.unwrap(),
        Some(contact("+4915100000001", "A"))
    );
    assert_eq!(
        store.get_contact(&other, &a).await.unwrap(),
        None,
        "books are separate"
    );

    let mut renamed = contact("+4915100000001", "Anna");
    renamed.tags = vec![];
    renamed.fields.clear();
    store.put_contact(&book, &renamed).await.unwrap();
    assert_eq!(store.get_contact(&book, &a).await.unwrap(), Some(renamed));

    let first = store.list_contacts(&book, None, 2).await.unwrap();
    let names: Vec<&str> = first.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Anna", "B"], "phone order, limited");
    let rest = store
        .list_contacts(&book, Some(&first[1].phone), 10)
        .await
        .unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].name, "C");

    store.set_opted_out(&book, &a, true, 99).await.unwrap();
    let opted = store.get_contact(&book, &a).await.unwrap().unwrap();
    assert!(
        opted.opted_out && opted.updated_at == 99,
        "opt-out recorded"
    );
    let unknown = E164::new("+4915100000009").unwrap();
    assert!(matches!(
        store.set_opted_out(&book, &unknown, true, 1).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.delete_contact(&book, &a).await.unwrap());
    assert!(!store.delete_contact(&book, &a).await.unwrap());
    assert_eq!(store.list_contacts(&book, None, 10).await.unwrap().len(), 2);
}
