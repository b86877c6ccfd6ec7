//! The outbox: enqueue, idempotency, status transitions, claims.

use std::collections::HashSet;
use std::sync::Arc;

use super::{account, message_id, new_message};
use crate::store::prelude::*;
use crate::store::{Enqueued, MessageStatus, StatusKind, StatusUpdate, Store, StoreError};

/// Enqueue stores a pending record; ids and idempotency keys are never stored twice.
pub async fn check_enqueue(store: Arc<dyn Store>) {
    let acc = account("acc-a");
    let message = new_message("m1", "14155550100", 100);
    assert_eq!(
        store.enqueue(&acc, &message).await.unwrap(),
        Enqueued::Inserted
    );
    let record = store
        .get_message(&acc, &message_id("m1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.id, message.id);
    assert_eq!(record.recipient, message.recipient);
    assert_eq!(record.payload, message.payload, "payload round-trips");
    assert_eq!(record.status, MessageStatus::Pending);
    assert_eq!(
        (record.created_at, record.not_before, record.attempts),
        (100, 100, 0)
    );
    assert_eq!(record.lease_until, None);

    let mut again = new_message("m1", "14155550199", 200);
    again.payload = crate::store::Secret::from_slice(b"other");
    assert_eq!(
        store.enqueue(&acc, &again).await.unwrap(),
        Enqueued::Existing(message_id("m1")),
        "same id"
    );
    let kept = store
        .get_message(&acc, &message_id("m1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.payload, message.payload, "the first write wins");

    let mut campaign = new_message("m2", "14155550101", 100);
    campaign.idempotency_key = Some("campaign-7/+14155550101".into());
    assert_eq!(
        store.enqueue(&acc, &campaign).await.unwrap(),
        Enqueued::Inserted
    );
    let mut resumed = new_message("m3", "14155550101", 300);
    resumed.idempotency_key = campaign.idempotency_key.clone();
    assert_eq!(
        store.enqueue(&acc, &resumed).await.unwrap(),
        Enqueued::Existing(message_id("m2")),
        "same idempotency key"
    );
    assert_eq!(
        store.get_message(&acc, &message_id("m3")).await.unwrap(),
        None
    );
    let found = store
        .find_by_idempotency_key(&acc, "campaign-7/+14155550101")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, message_id("m2"));
    assert_eq!(found.idempotency_key, campaign.idempotency_key);
    assert_eq!(
        store.find_by_idempotency_key(&acc, "nope").await.unwrap(),
        None
    );
    // Idempotency keys are per account.
    assert_eq!(
        store.enqueue(&account("acc-b"), &resumed).await.unwrap(),
        Enqueued::Inserted
    );
}

/// Statuses move forward only, record their first time, and count per kind.
pub async fn check_status_transitions(store: Arc<dyn Store>) {
    let acc = account("acc-a");
    let id = message_id("m1");
    store
        .enqueue(&acc, &new_message("m1", "14155550100", 1))
        .await
        .unwrap();
    let update = |status: MessageStatus, at: i64| {
        let store = store.clone();
        let (acc, id) = (acc.clone(), id.clone());
        async move { store.update_status(&acc, &id, &status, at).await.unwrap() }
    };
    assert_eq!(
        update(MessageStatus::Sent, 10).await,
        StatusUpdate::Applied {
            previous: MessageStatus::Pending
        }
    );
    assert_eq!(
        update(MessageStatus::Read, 30).await,
        StatusUpdate::Applied {
            previous: MessageStatus::Sent
        },
        "skipping delivered is allowed"
    );
    assert_eq!(
        update(MessageStatus::Delivered, 40).await,
        StatusUpdate::Ignored {
            current: MessageStatus::Read
        },
        "a late delivered never overrides read"
    );
    assert_eq!(
        update(
            MessageStatus::Failed {
                reason: "timeout".into()
            },
            50
        )
        .await,
        StatusUpdate::Ignored {
            current: MessageStatus::Read
        },
        "read cannot fail"
    );
    assert_eq!(
        update(MessageStatus::Read, 60).await,
        StatusUpdate::Ignored {
            current: MessageStatus::Read
        },
        "repeats are ignored"
    );
    let record = store.get_message(&acc, &id).await.unwrap().unwrap();
    assert_eq!(record.status, MessageStatus::Read);
    assert_eq!(record.times.sent_at, Some(10));
    assert_eq!(record.times.read_at, Some(30), "the first read time stays");
    assert_eq!(
        record.times.delivered_at, None,
        "ignored updates record no time"
    );
    assert_eq!(record.times.failed_at, None);

    let failing = message_id("m2");
    store
        .enqueue(&acc, &new_message("m2", "14155550101", 1))
        .await
        .unwrap();
    let failed = MessageStatus::Failed {
        reason: "not on WhatsApp".into(),
    };
    store
        .update_status(&acc, &failing, &failed, 5)
        .await
        .unwrap();
    let record = store.get_message(&acc, &failing).await.unwrap().unwrap();
    assert_eq!(record.status, failed, "failure reason round-trips");
    assert_eq!(record.status.failure_reason(), Some("not on WhatsApp"));
    assert_eq!(record.times.failed_at, Some(5));
    assert!(matches!(
        store
            .update_status(&acc, &failing, &MessageStatus::Sent, 6)
            .await
            .unwrap(),
        StatusUpdate::Ignored { .. }
    ));
    assert!(
        matches!(
            store
                .update_status(&acc, &failing, &MessageStatus::Delivered, 7)
                .await
                .unwrap(),
            StatusUpdate::Applied { .. }
        ),
        "a receipt after a failure proves delivery"
    );
    assert!(matches!(
        store
            .update_status(&acc, &message_id("none"), &MessageStatus::Sent, 1)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    store
        .enqueue(&acc, &new_message("m3", "14155550102", 1))
        .await
        .unwrap();
    assert_eq!(
        store.count_by_status(&acc).await.unwrap(),
        vec![
            (StatusKind::Pending, 1),
            (StatusKind::Delivered, 1),
            (StatusKind::Read, 1)
        ]
    );
    assert_eq!(
        store.count_by_status(&account("acc-b")).await.unwrap(),
        vec![]
    );
}

/// Claims take due messages oldest first, hold them for the lease, and expire.
pub async fn check_claim_order_and_leases(store: Arc<dyn Store>) {
    let acc = account("acc-a");
    let mut later = new_message("m-later", "14155550100", 1);
    later.not_before = 500;
    store.enqueue(&acc, &later).await.unwrap();
    store
        .enqueue(&acc, &new_message("m-b", "14155550100", 20))
        .await
        .unwrap();
    store
        .enqueue(&acc, &new_message("m-a", "14155550100", 10))
        .await
        .unwrap();
    store
        .enqueue(&acc, &new_message("m-c", "14155550100", 20))
        .await
        .unwrap();

    let ids = |records: &[crate::store::OutboxRecord]| {
        records
            .iter()
            .map(|r| r.id.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    let first = store.claim_due(&acc, 100, 1_000, 2).await.unwrap();
    assert_eq!(ids(&first), ["m-a", "m-b"], "oldest due first, then id");
    assert_eq!(first[0].attempts, 1);
    assert_eq!(first[0].lease_until, Some(1_100));
    assert_eq!(
        first[0].payload.expose(),
        b"payload of m-a",
        "claims carry the payload"
    );
    let second = store.claim_due(&acc, 100, 1_000, 10).await.unwrap();
    assert_eq!(
        ids(&second),
        ["m-c"],
        "claimed and not-yet-due messages are skipped"
    );

    store
        .update_status(&acc, &message_id("m-a"), &MessageStatus::Sent, 150)
        .await
        .unwrap();
    store.release(&acc, &message_id("m-b"), 200).await.unwrap();
    assert!(
        store
            .claim_due(&acc, 199, 1_000, 10)
            .await
            .unwrap()
            .is_empty(),
        "released to 200"
    );
    let retried = store.claim_due(&acc, 200, 1_000, 10).await.unwrap();
    assert_eq!(ids(&retried), ["m-b"]);
    assert_eq!(retried[0].attempts, 2, "attempts count claims");

    let expired = store.claim_due(&acc, 1_200, 1_000, 10).await.unwrap();
    assert_eq!(
        ids(&expired),
        ["m-c", "m-b", "m-later"],
        "expired claims come back, sent ones never"
    );
    assert!(matches!(
        store.release(&acc, &message_id("none"), 0).await,
        Err(StoreError::NotFound { .. })
    ));
    store.release(&acc, &message_id("m-a"), 0).await.unwrap();
    let after = store
        .get_message(&acc, &message_id("m-a"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after.status,
        MessageStatus::Sent,
        "release leaves sent messages alone"
    );
    assert!(
        store.claim_due(&acc, 5_000, 0, 0).await.unwrap().is_empty(),
        "limit 0"
    );
}

/// Many concurrent senders claim every message exactly once.
pub async fn check_claim_exactly_once_under_concurrency(store: Arc<dyn Store>) {
    const MESSAGES: usize = 200;
    const SENDERS: usize = 8;
    let acc = account("acc-a");
    for n in 0..MESSAGES {
        store
            .enqueue(
                &acc,
                &new_message(&format!("m{n:04}"), "14155550100", n as i64),
            )
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for _ in 0..SENDERS {
        let store = store.clone();
        let acc = acc.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = store.claim_due(&acc, 10_000, 60_000, 3).await.unwrap();
                if batch.is_empty() {
                    break mine;
                }
                for record in batch {
                    store
                        .update_status(&acc, &record.id, &MessageStatus::Sent, 10_001)
                        .await
                        .unwrap();
                    mine.push(record.id);
                }
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    for task in tasks {
        for id in task.await.unwrap() {
            total += 1;
            assert!(seen.insert(id.clone()), "{id} claimed twice");
        }
    }
    assert_eq!(total, MESSAGES, "every message claimed exactly once");
    assert_eq!(
        store.count_by_status(&acc).await.unwrap(),
        vec![(StatusKind::Sent, MESSAGES as u64)]
    );
}
