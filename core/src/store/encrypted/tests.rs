use super::*;
use crate::store::testkit;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_memory_store_passes_the_conformance_suite() {
    testkit::run_encrypted(|| async { MemoryStore::new() }).await;
}

#[tokio::test]
async fn debug_shows_key_ids_only() {
    let store = Encrypted::open(MemoryStore::new(), MasterKey::from_bytes([3; 32]))
        .await
        .unwrap();
    let shown = format!("{store:?}");
    assert!(
        shown.contains(&format!("{:08x}", store.key_id())),
        "{shown}"
    );
    assert!(!shown.contains("3, 3"), "{shown}");
}

#[tokio::test]
async fn arc_dyn_store_can_be_wrapped() {
    let shared: std::sync::Arc<dyn Store> = std::sync::Arc::new(MemoryStore::new());
    let store = Encrypted::open(shared.clone(), MasterKey::from_bytes([4; 32]))
        .await
        .unwrap();
    let account = testkit::account("acc");
    store
        .put_credentials(&account, &testkit::credentials(9))
        .await
        .unwrap();
    let raw = shared.get_credentials(&account).await.unwrap().unwrap();
    assert_ne!(raw.noise_key, testkit::credentials(9).noise_key);
}
