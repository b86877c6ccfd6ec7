//! The shared store conformance suite, on SQLite in memory, in a file, and under `Encrypted`.

use wacast::store::testkit;
use wacast_store_sqlite::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_sqlite_passes_the_conformance_suite() {
    testkit::run_all(|| async { SqliteStore::open_in_memory().await.unwrap() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_sqlite_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let counter = std::sync::atomic::AtomicUsize::new(0);
    testkit::run_all(|| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.path().join(format!("store-{n}.db"));
        async move { SqliteStore::open(path).await.unwrap() }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_sqlite_passes_the_conformance_suite() {
    testkit::run_encrypted(|| async { SqliteStore::open_in_memory().await.unwrap() }).await;
}
