//! The outbox: enqueue, claims and status updates, each one transaction.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use wacast::store::{
    AccountId, Enqueued, MessageId, MessageStatus, NewMessage, OUTBOX_TABLE, OutboxRecord,
    OutboxStore, StatusKind, StatusTimes, StatusUpdate, StoreError, UnixMillis,
};

use crate::SqliteStore;
use crate::row::RowReader;
use crate::worker::db;

fn read_record(row: &rusqlite::Row<'_>, account: &AccountId) -> Result<OutboxRecord, StoreError> {
    let id: String = row.get("id").map_err(db)?;
    let reader = RowReader {
        row,
        account,
        table: OUTBOX_TABLE,
        key: id.clone(),
    };
    let status_name: String = reader.get("status")?;
    let kind = StatusKind::from_name(&status_name)
        .ok_or_else(|| reader.corrupt(format!("unknown status {status_name:?}")))?;
    Ok(OutboxRecord {
        id: MessageId::new(id).map_err(|error| reader.corrupt(error.to_string()))?,
        recipient: reader.jid("recipient")?,
        payload: reader.secret("payload")?,
        idempotency_key: reader.get("idempotency_key")?,
        status: MessageStatus::from_parts(kind, reader.get("failure_reason")?),
        times: StatusTimes {
            sent_at: reader.get("sent_at")?,
            delivered_at: reader.get("delivered_at")?,
            read_at: reader.get("read_at")?,
            played_at: reader.get("played_at")?,
            failed_at: reader.get("failed_at")?,
        },
        created_at: reader.get("created_at")?,
        not_before: reader.get("not_before")?,
        attempts: reader.u32("attempts")?,
        lease_until: reader.get("lease_until")?,
    })
}

fn load(
    connection: &Connection,
    account: &AccountId,
    id: &str,
) -> Result<Option<OutboxRecord>, StoreError> {
    let mut statement = connection
        .prepare_cached("SELECT * FROM outbox WHERE account = ?1 AND id = ?2")
        .map_err(db)?;
    let mut rows = statement.query(params![account.as_str(), id]).map_err(db)?;
    match rows.next().map_err(db)? {
        Some(row) => read_record(row, account).map(Some),
        None => Ok(None),
    }
}

fn not_found(account: &AccountId, id: &MessageId) -> StoreError {
    StoreError::NotFound {
        account: account.clone(),
        record: format!("{OUTBOX_TABLE}/{id}"),
    }
}

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn enqueue(
        &self,
        account: &AccountId,
        message: &NewMessage,
    ) -> Result<Enqueued, StoreError> {
        let account = account.clone();
        let message = message.clone();
        self.worker
            .call(move |connection| {
                let transaction = connection
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(db)?;
                let same_id: Option<i64> = transaction
                    .query_row(
                        "SELECT 1 FROM outbox WHERE account = ?1 AND id = ?2",
                        params![account.as_str(), message.id.as_str()],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(db)?;
                if same_id.is_some() {
                    return Ok(Enqueued::Existing(message.id));
                }
                if let Some(key) = &message.idempotency_key {
                    let existing: Option<String> = transaction
                        .query_row(
                            "SELECT id FROM outbox WHERE account = ?1 AND idempotency_key = ?2",
                            params![account.as_str(), key],
                            |row| row.get(0),
                        )
                        .optional()
                        .map_err(db)?;
                    if let Some(id) = existing {
                        return MessageId::new(id).map(Enqueued::Existing);
                    }
                }
                transaction
                    .execute(
                        "INSERT INTO outbox (account, id, recipient, payload, idempotency_key,
                            status, created_at, not_before, attempts)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)",
                        params![
                            account.as_str(),
                            message.id.as_str(),
                            message.recipient.to_string(),
                            message.payload.expose(),
                            message.idempotency_key,
                            StatusKind::Pending.as_str(),
                            message.created_at,
                            message.not_before,
                        ],
                    )
                    .map_err(db)?;
                transaction.commit().map_err(db)?;
                Ok(Enqueued::Inserted)
            })
            .await
    }

    async fn get_message(
        &self,
        account: &AccountId,
        id: &MessageId,
    ) -> Result<Option<OutboxRecord>, StoreError> {
        let account = account.clone();
        let id = id.clone();
        self.worker
            .call(move |connection| load(connection, &account, id.as_str()))
            .await
    }

    async fn find_by_idempotency_key(
        &self,
        account: &AccountId,
        key: &str,
    ) -> Result<Option<OutboxRecord>, StoreError> {
        let account = account.clone();
        let key = key.to_owned();
        self.worker
            .call(move |connection| {
                let mut statement = connection
                    .prepare_cached(
                        "SELECT * FROM outbox WHERE account = ?1 AND idempotency_key = ?2",
                    )
                    .map_err(db)?;
                let mut rows = statement
                    .query(params![account.as_str(), key])
                    .map_err(db)?;
                match rows.next().map_err(db)? {
                    Some(row) => read_record(row, &account).map(Some),
                    None => Ok(None),
                }
            })
            .await
    }

    async fn claim_due(
        &self,
        account: &AccountId,
        now: UnixMillis,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<OutboxRecord>, StoreError> {
        let account = account.clone();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.worker
            .call(move |connection| {
                let transaction = connection
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(db)?;
                let ids: Vec<String> = {
                    let mut statement = transaction
                        .prepare_cached(
                            "SELECT id FROM outbox
                             WHERE account = ?1 AND status = 'pending' AND not_before <= ?2
                               AND (lease_until IS NULL OR lease_until <= ?2)
                             ORDER BY not_before, created_at, id LIMIT ?3",
                        )
                        .map_err(db)?;
                    statement
                        .query_map(params![account.as_str(), now, limit], |row| row.get(0))
                        .map_err(db)?
                        .collect::<Result<_, _>>()
                        .map_err(db)?
                };
                let mut claimed = Vec::with_capacity(ids.len());
                for id in &ids {
                    transaction
                        .execute(
                            "UPDATE outbox SET lease_until = ?3, attempts = attempts + 1
                             WHERE account = ?1 AND id = ?2",
                            params![account.as_str(), id, now.saturating_add(lease_ms)],
                        )
                        .map_err(db)?;
                    if let Some(record) = load(&transaction, &account, id)? {
                        claimed.push(record);
                    }
                }
                transaction.commit().map_err(db)?;
                Ok(claimed)
            })
            .await
    }

    async fn release(
        &self,
        account: &AccountId,
        id: &MessageId,
        not_before: UnixMillis,
    ) -> Result<(), StoreError> {
        let account = account.clone();
        let id = id.clone();
        self.worker
            .call(move |connection| {
                let transaction = connection.transaction().map_err(db)?;
                let exists: Option<i64> = transaction
                    .query_row(
                        "SELECT 1 FROM outbox WHERE account = ?1 AND id = ?2",
                        params![account.as_str(), id.as_str()],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(db)?;
                if exists.is_none() {
                    return Err(not_found(&account, &id));
                }
                transaction
                    .execute(
                        "UPDATE outbox SET lease_until = NULL, not_before = ?3
                         WHERE account = ?1 AND id = ?2 AND status = 'pending'",
                        params![account.as_str(), id.as_str(), not_before],
                    )
                    .map_err(db)?;
                transaction.commit().map_err(db)
            })
            .await
    }

    async fn update_status(
        &self,
        account: &AccountId,
        id: &MessageId,
        status: &MessageStatus,
        at: UnixMillis,
    ) -> Result<StatusUpdate, StoreError> {
        let account = account.clone();
        let id = id.clone();
        let status = status.clone();
        self.worker
            .call(move |connection| {
                let transaction = connection
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(db)?;
                let mut record = load(&transaction, &account, id.as_str())?
                    .ok_or_else(|| not_found(&account, &id))?;
                let update = record.apply_status(&status, at);
                if matches!(update, StatusUpdate::Applied { .. }) {
                    let times = &record.times;
                    transaction
                        .execute(
                            "UPDATE outbox SET status = ?3, failure_reason = ?4, sent_at = ?5,
                                delivered_at = ?6, read_at = ?7, played_at = ?8, failed_at = ?9
                             WHERE account = ?1 AND id = ?2",
                            params![
                                account.as_str(),
                                id.as_str(),
                                record.status.kind().as_str(),
                                record.status.failure_reason(),
                                times.sent_at,
                                times.delivered_at,
                                times.read_at,
                                times.played_at,
                                times.failed_at,
                            ],
                        )
                        .map_err(db)?;
                }
                transaction.commit().map_err(db)?;
                Ok(update)
            })
            .await
    }

    async fn count_by_status(
        &self,
        account: &AccountId,
    ) -> Result<Vec<(StatusKind, u64)>, StoreError> {
        let account = account.clone();
        self.worker
            .call(move |connection| {
                let mut statement = connection
                    .prepare_cached(
                        "SELECT status, count(*) FROM outbox WHERE account = ?1 GROUP BY status",
                    )
                    .map_err(db)?;
                let rows: Vec<(String, i64)> = statement
                    .query_map([account.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))
                    .map_err(db)?
                    .collect::<Result<_, _>>()
                    .map_err(db)?;
                let mut counts = Vec::with_capacity(rows.len());
                for (name, count) in rows {
                    let kind = StatusKind::from_name(&name).ok_or_else(|| {
                        StoreError::corrupt(
                            &account,
                            OUTBOX_TABLE,
                            "",
                            format!("unknown status {name:?}"),
                        )
                    })?;
                    counts.push((kind, count.max(0) as u64));
                }
                counts.sort();
                Ok(counts)
            })
            .await
    }
}
