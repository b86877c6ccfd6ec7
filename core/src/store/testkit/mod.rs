//! The conformance suite every store adapter runs (cargo feature `testkit`).
//!
//! Adapters differ only in how they store things, never in behaviour: each runs
//! [`run_all`] with a function that makes a fresh, empty store, and [`run_encrypted`] with a
//! function that makes a fresh inner store for [`Encrypted`](super::Encrypted). A check that
//! finds wrong behaviour panics with a message naming it, failing the calling test.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use wacast::store::{MemoryStore, testkit};
//! testkit::run_all(|| async { MemoryStore::new() }).await;
//! # });
//! ```

mod accounts;
mod encrypted;
mod maintenance;
mod outbox;
mod records;
mod signal;

use std::future::Future;
use std::sync::Arc;

pub use accounts::{check_account_isolation, check_credentials, check_delete_account};
pub use encrypted::run_encrypted;
pub use maintenance::{check_meta_and_schema, check_secret_cells};
pub use outbox::{
    check_claim_exactly_once_under_concurrency, check_claim_order_and_leases, check_enqueue,
    check_status_transitions,
};
pub use records::{check_app_state_keys, check_contacts, check_device_lists, check_lid_mappings};
pub use signal::{check_signal_conversation, check_signal_records};

use super::{AccountId, Credentials, MessageId, NewMessage, Secret, Store};
use crate::curve::KeyPair;
use crate::jid::Jid;

/// Runs every check, each on a fresh store from `make`.
pub async fn run_all<S, F, Fut>(make: F)
where
    S: Store + 'static,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let fresh = || async { Arc::new(make().await) as Arc<dyn Store> };
    check_credentials(fresh().await).await;
    check_account_isolation(fresh().await).await;
    check_delete_account(fresh().await).await;
    check_app_state_keys(fresh().await).await;
    check_device_lists(fresh().await).await;
    check_lid_mappings(fresh().await).await;
    check_contacts(fresh().await).await;
    check_enqueue(fresh().await).await;
    check_status_transitions(fresh().await).await;
    check_claim_order_and_leases(fresh().await).await;
    check_claim_exactly_once_under_concurrency(fresh().await).await;
    check_meta_and_schema(fresh().await).await;
    check_secret_cells(fresh().await).await;
    check_signal_records(fresh().await).await;
    check_signal_conversation(fresh().await).await;
}

/// An account id for tests.
pub fn account(name: &str) -> AccountId {
    AccountId::new(name).unwrap_or_else(|error| panic!("test account id {name:?}: {error}"))
}

/// A message id for tests.
pub fn message_id(name: &str) -> MessageId {
    MessageId::new(name).unwrap_or_else(|error| panic!("test message id {name:?}: {error}"))
}

/// Credentials whose keys are all derived from `seed`, so two seeds never share a byte pattern.
pub fn credentials(seed: u8) -> Credentials {
    let pair = |n: u8| KeyPair::from_private_bytes([seed.wrapping_mul(16).wrapping_add(n); 32]);
    let mut credentials = Credentials::new_device(
        1000 + u32::from(seed),
        &pair(1),
        &pair(2),
        u32::from(seed) + 1,
        &pair(3),
        [seed.wrapping_mul(16).wrapping_add(4); 32],
    );
    credentials.platform = "Chrome (Linux)".into();
    credentials
}

/// A phone-number JID for tests.
pub fn user(phone: &str) -> Jid {
    Jid::user_jid(phone)
}

/// A pending message to `phone` with a recognisable payload.
pub fn new_message(id: &str, phone: &str, created_at: i64) -> NewMessage {
    NewMessage {
        id: message_id(id),
        recipient: user(phone),
        payload: Secret::new(format!("payload of {id}").into_bytes()),
        idempotency_key: None,
        created_at,
        not_before: created_at,
    }
}
