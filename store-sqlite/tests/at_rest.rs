//! What is on disk: no secret in clear under a master key, a wrong key refused, corrupt rows
//! reported per account while other accounts keep working.

use std::path::Path;

use wacast::store::prelude::*;
use wacast::store::testkit::{account, credentials, message_id, new_message};
use wacast::store::{AppStateSyncKey, Encrypted, MasterKey, Secret, StoreError};
use wacast_store_sqlite::SqliteStore;

fn master(n: u8) -> MasterKey {
    MasterKey::from_bytes([n; 32])
}

/// The database file and its WAL, as they are on disk.
fn disk_bytes(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap();
    let wal = path.with_file_name(format!(
        "{}-wal",
        path.file_name().unwrap().to_string_lossy()
    ));
    if let Ok(more) = std::fs::read(wal) {
        bytes.extend(more);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Writes two accounts' secrets; returns every secret byte string written.
async fn write_secrets(store: &dyn Store) -> Vec<Vec<u8>> {
    let mut secrets = Vec::new();
    for (name, seed) in [("acc-a", 1u8), ("acc-b", 2u8)] {
        let acc = account(name);
        let creds = credentials(seed);
        store.put_credentials(&acc, &creds).await.unwrap();
        let sync_key = Secret::new((0..32).map(|n| n * 7 + seed).collect());
        store
            .put_app_state_key(
                &acc,
                &AppStateSyncKey {
                    key_id: vec![seed],
                    key_data: sync_key.clone(),
                    fingerprint: vec![],
                    timestamp: 1,
                },
            )
            .await
            .unwrap();
        store
            .enqueue(&acc, &new_message("m1", "14155550100", 1))
            .await
            .unwrap();
        secrets.extend([
            creds.noise_key.expose().to_vec(),
            creds.identity_key.expose().to_vec(),
            creds.signed_prekey.private_key.expose().to_vec(),
            creds.adv_secret.expose().to_vec(),
            sync_key.expose().to_vec(),
        ]);
    }
    secrets.push(b"payload of m1".to_vec());
    secrets
}

#[tokio::test]
async fn without_a_master_key_the_scan_finds_the_secrets() {
    // The control for the test below: the scan does see secrets stored in clear.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let secrets = write_secrets(&store).await;
    drop(store);
    let bytes = disk_bytes(&path);
    for secret in &secrets {
        assert!(
            contains(&bytes, secret),
            "a clear secret was not found by the scan"
        );
    }
}

#[tokio::test]
async fn with_a_master_key_no_secret_is_on_disk_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sealed.db");
    let store = Encrypted::open(SqliteStore::open(&path).await.unwrap(), master(1))
        .await
        .unwrap();
    let secrets = write_secrets(&store).await;
    // Scan while the store is open (data in the WAL) and after it closed (checkpointed).
    let open_bytes = disk_bytes(&path);
    drop(store);
    let closed_bytes = disk_bytes(&path);
    for secret in &secrets {
        for bytes in [&open_bytes, &closed_bytes] {
            assert!(
                !contains(bytes, &secret[..secret.len().min(16)]),
                "secret in clear on disk"
            );
        }
    }

    // The same file opens again with the right key.
    let store = Encrypted::open(SqliteStore::open(&path).await.unwrap(), master(1))
        .await
        .unwrap();
    assert_eq!(
        store.get_credentials(&account("acc-a")).await.unwrap(),
        Some(credentials(1))
    );
}

#[tokio::test]
async fn a_wrong_master_key_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sealed.db");
    let store = Encrypted::open(SqliteStore::open(&path).await.unwrap(), master(1))
        .await
        .unwrap();
    write_secrets(&store).await;
    drop(store);
    let reopened = Encrypted::open(SqliteStore::open(&path).await.unwrap(), master(9)).await;
    match reopened {
        Err(error @ StoreError::WrongMasterKey { .. }) => {
            assert!(error.to_string().contains("wrong master key"), "{error}")
        }
        other => panic!("wrong key gave {:?}", other.map(|_| ())),
    }
}

fn raw_sql(path: &Path, sql: &str) {
    let connection = rusqlite::Connection::open(path).unwrap();
    let changed = connection.execute(sql, []).unwrap();
    assert_eq!(changed, 1, "{sql}");
}

#[tokio::test]
async fn corrupt_rows_name_their_account_and_others_keep_working() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sealed.db");
    let store = Encrypted::open(SqliteStore::open(&path).await.unwrap(), master(1))
        .await
        .unwrap();
    write_secrets(&store).await;
    let (a, b) = (account("acc-a"), account("acc-b"));

    // A truncated secret: the ciphertext no longer authenticates.
    raw_sql(
        &path,
        "UPDATE credentials SET noise_key = substr(noise_key, 1, 20) WHERE account = 'acc-a'",
    );
    match store.get_credentials(&a).await {
        Err(error @ StoreError::Decrypt { .. }) => {
            assert_eq!(error.account(), Some(&a));
            assert!(
                error.to_string().contains("credentials/noise_key"),
                "{error}"
            );
        }
        other => panic!("truncated secret gave {other:?}"),
    }
    assert_eq!(
        store.get_credentials(&b).await.unwrap(),
        Some(credentials(2))
    );
    assert_eq!(
        store.list_accounts().await.unwrap(),
        vec![a.clone(), b.clone()]
    );

    // A damaged public column: a JID that does not parse, a truncated signature.
    raw_sql(
        &path,
        "UPDATE credentials SET jid = 'x@nowhere' WHERE account = 'acc-b'",
    );
    let error = store.get_credentials(&b).await.unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    assert_eq!(error.account(), Some(&b));

    // An outbox row with an unknown status and one with a payload of the wrong type.
    raw_sql(
        &path,
        "UPDATE outbox SET status = 'lost' WHERE account = 'acc-a'",
    );
    let error = store.get_message(&a, &message_id("m1")).await.unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    assert!(error.to_string().contains("acc-a") && error.to_string().contains("outbox/m1"));
    let other = store
        .get_message(&b, &message_id("m1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        other.payload.expose(),
        b"payload of m1",
        "the other account's outbox loads"
    );
    raw_sql(
        &path,
        "UPDATE app_state_keys SET key_data = x'00' WHERE account = 'acc-b'",
    );
    let error = store.get_app_state_key(&b, &[2]).await.unwrap_err();
    assert_eq!(error.account(), Some(&b), "{error}");
    assert!(store.get_app_state_key(&a, &[1]).await.unwrap().is_some());
}

#[tokio::test]
async fn rotation_reseals_the_file_under_the_new_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sealed.db");
    let store = Encrypted::open(SqliteStore::open(&path).await.unwrap(), master(1))
        .await
        .unwrap();
    write_secrets(&store).await;
    drop(store);

    let rotating = Encrypted::open_with_previous(
        SqliteStore::open(&path).await.unwrap(),
        master(2),
        &[master(1)],
    )
    .await
    .unwrap();
    let report = rotating.rotate().await.unwrap();
    assert_eq!(report.resealed, 2 * (4 + 1 + 1), "{report:?}");
    drop(rotating);

    assert!(matches!(
        Encrypted::open(SqliteStore::open(&path).await.unwrap(), master(1)).await,
        Err(StoreError::WrongMasterKey { .. })
    ));
    let store = Encrypted::open(SqliteStore::open(&path).await.unwrap(), master(2))
        .await
        .unwrap();
    assert_eq!(
        store.get_credentials(&account("acc-b")).await.unwrap(),
        Some(credentials(2))
    );
}

#[tokio::test]
async fn signal_sessions_and_prekeys_are_sealed_on_disk() {
    use std::sync::Arc;
    use wacast::curve::KeyPair;
    use wacast::signal::store::{self as signal_store, PreKeyStore, ProtocolAddress};
    use wacast::signal::{OsKeySource, PreKeyBundle, padding};
    use wacast::store::AccountSignalStore;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sealed.db");
    let store: Arc<dyn Store> = Arc::new(
        Encrypted::open(SqliteStore::open(&path).await.unwrap(), master(1))
            .await
            .unwrap(),
    );
    let (alice, bob) = (account("alice"), account("bob"));
    let (alice_creds, bob_creds) = (credentials(3), credentials(4));
    store.put_credentials(&alice, &alice_creds).await.unwrap();
    store.put_credentials(&bob, &bob_creds).await.unwrap();
    let alice_view = AccountSignalStore::open(store.clone(), alice.clone())
        .await
        .unwrap();
    let bob_view = AccountSignalStore::open(store.clone(), bob.clone())
        .await
        .unwrap();
    let (to_bob, to_alice) = (
        ProtocolAddress::new("bob", 1),
        ProtocolAddress::new("alice", 1),
    );
    let one_time = KeyPair::generate();
    let spare = KeyPair::generate();
    bob_view.store_pre_key(77, &one_time).await.unwrap();
    bob_view.store_pre_key(78, &spare).await.unwrap();
    let bundle = PreKeyBundle {
        registration_id: bob_creds.registration_id,
        identity_key: bob_creds.identity_key_pair(&bob).unwrap().public,
        signed_pre_key_id: bob_creds.signed_prekey.id,
        signed_pre_key: bob_creds.signed_prekey_pair(&bob).unwrap().public,
        signed_pre_key_signature: bob_creds.signed_prekey.signature.clone(),
        pre_key: Some((77, one_time.public)),
    };
    signal_store::process_bundle(&alice_view, &to_bob, &bundle, &mut OsKeySource)
        .await
        .unwrap();
    for i in 0..4u8 {
        let message = signal_store::encrypt(&alice_view, &to_bob, &padding::pad(&[i], 1))
            .await
            .unwrap();
        signal_store::decrypt(
            &bob_view,
            &to_alice,
            message.kind,
            &message.bytes,
            &mut OsKeySource,
        )
        .await
        .unwrap();
        let reply = signal_store::encrypt(&bob_view, &to_alice, &padding::pad(&[i], 1))
            .await
            .unwrap();
        signal_store::decrypt(
            &alice_view,
            &to_bob,
            reply.kind,
            &reply.bytes,
            &mut OsKeySource,
        )
        .await
        .unwrap();
    }
    let sessions = [
        store.get_session(&alice, &to_bob).await.unwrap().unwrap(),
        store.get_session(&bob, &to_alice).await.unwrap().unwrap(),
    ];
    // Public keys also live in clear (peer identities): windows inside them are allowed.
    let public: Vec<[u8; 33]> = [&alice_creds, &bob_creds]
        .iter()
        .zip([&alice, &bob])
        .map(|(creds, acc)| creds.identity_key_pair(acc).unwrap().public.serialize())
        .collect();
    for bytes in [disk_bytes(&path), {
        drop((alice_view, bob_view, store));
        disk_bytes(&path)
    }] {
        for session in &sessions {
            assert!(session.len() > 64, "a real session record");
            for window in session.expose().windows(16).step_by(4) {
                if public.iter().any(|key| contains(key, window)) {
                    continue;
                }
                assert!(!contains(&bytes, window), "session bytes in clear on disk");
            }
        }
        assert!(
            !contains(&bytes, &spare.private.to_bytes()),
            "prekey in clear on disk"
        );
        for creds in [&alice_creds, &bob_creds] {
            assert!(
                !contains(&bytes, creds.identity_key.expose()),
                "identity key in clear"
            );
        }
    }
}
