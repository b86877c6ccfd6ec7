//! The durable outbox: every message gets its id and its row before it touches the network,
//! then moves through its delivery status.

use async_trait::async_trait;

use super::{AccountId, MessageId, Secret, StoreError, UnixMillis};
use crate::jid::Jid;

/// The table outbox records are stored under (also bound into their ciphertexts).
pub const OUTBOX_TABLE: &str = "outbox";

/// The secret field of an outbox record.
pub const OUTBOX_PAYLOAD: &str = "payload";

/// The delivery status of an outgoing message.
///
/// Statuses only move forward: pending → sent → delivered → read → played, skipping allowed;
/// `Failed` can replace pending or sent; a delivery receipt after a failure (the message did
/// arrive) moves it on to delivered, read or played. See [`MessageStatus::can_become`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageStatus {
    /// Stored, not yet acknowledged by the server.
    Pending,
    /// The server acknowledged it.
    Sent,
    /// A recipient device received it.
    Delivered,
    /// The recipient read it.
    Read,
    /// The recipient played it (voice and video notes).
    Played,
    /// It will not be delivered, for the given reason (`"not on WhatsApp"`, a server nack, ...).
    Failed {
        /// Why it failed.
        reason: String,
    },
}

/// A [`MessageStatus`] without its data, for queries and columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusKind {
    /// See [`MessageStatus::Pending`].
    Pending,
    /// See [`MessageStatus::Sent`].
    Sent,
    /// See [`MessageStatus::Delivered`].
    Delivered,
    /// See [`MessageStatus::Read`].
    Read,
    /// See [`MessageStatus::Played`].
    Played,
    /// See [`MessageStatus::Failed`].
    Failed,
}

impl StatusKind {
    /// Every kind, in order.
    pub const ALL: [StatusKind; 6] = [
        StatusKind::Pending,
        StatusKind::Sent,
        StatusKind::Delivered,
        StatusKind::Read,
        StatusKind::Played,
        StatusKind::Failed,
    ];

    /// The lowercase name stored in databases.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusKind::Pending => "pending",
            StatusKind::Sent => "sent",
            StatusKind::Delivered => "delivered",
            StatusKind::Read => "read",
            StatusKind::Played => "played",
            StatusKind::Failed => "failed",
        }
    }

    /// The kind of a stored name.
    pub fn from_name(name: &str) -> Option<StatusKind> {
        StatusKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

impl MessageStatus {
    /// The kind of this status.
    pub fn kind(&self) -> StatusKind {
        match self {
            MessageStatus::Pending => StatusKind::Pending,
            MessageStatus::Sent => StatusKind::Sent,
            MessageStatus::Delivered => StatusKind::Delivered,
            MessageStatus::Read => StatusKind::Read,
            MessageStatus::Played => StatusKind::Played,
            MessageStatus::Failed { .. } => StatusKind::Failed,
        }
    }

    /// Rebuilds a status from its stored kind and failure reason.
    pub fn from_parts(kind: StatusKind, reason: Option<String>) -> MessageStatus {
        match kind {
            StatusKind::Pending => MessageStatus::Pending,
            StatusKind::Sent => MessageStatus::Sent,
            StatusKind::Delivered => MessageStatus::Delivered,
            StatusKind::Read => MessageStatus::Read,
            StatusKind::Played => MessageStatus::Played,
            StatusKind::Failed => MessageStatus::Failed {
                reason: reason.unwrap_or_default(),
            },
        }
    }

    /// The failure reason, for failed messages.
    pub fn failure_reason(&self) -> Option<&str> {
        match self {
            MessageStatus::Failed { reason } => Some(reason),
            _ => None,
        }
    }

    fn progress(kind: StatusKind) -> Option<u8> {
        match kind {
            StatusKind::Pending => Some(0),
            StatusKind::Sent => Some(1),
            StatusKind::Delivered => Some(2),
            StatusKind::Read => Some(3),
            StatusKind::Played => Some(4),
            StatusKind::Failed => None,
        }
    }

    /// Whether a message in this status may move to `next`: forward only, so a late
    /// `delivered` never overrides `read`; `failed` only from pending or sent; out of `failed`
    /// only to delivered, read or played (a receipt proves the message arrived after all).
    pub fn can_become(&self, next: &MessageStatus) -> bool {
        let (from, to) = (self.kind(), next.kind());
        match (Self::progress(from), Self::progress(to)) {
            (Some(from), Some(to)) => to > from,
            (Some(from), None) => from <= 1,
            (None, Some(to)) => to >= 2,
            (None, None) => false,
        }
    }
}

/// When a message reached each status (the first time).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusTimes {
    /// When the server acknowledged it.
    pub sent_at: Option<UnixMillis>,
    /// When the first delivery receipt arrived.
    pub delivered_at: Option<UnixMillis>,
    /// When the first read receipt arrived.
    pub read_at: Option<UnixMillis>,
    /// When the first played receipt arrived.
    pub played_at: Option<UnixMillis>,
    /// When it failed.
    pub failed_at: Option<UnixMillis>,
}

impl StatusTimes {
    /// Records that `kind` was reached at `at`, keeping an earlier time.
    pub fn record(&mut self, kind: StatusKind, at: UnixMillis) {
        let slot = match kind {
            StatusKind::Pending => return,
            StatusKind::Sent => &mut self.sent_at,
            StatusKind::Delivered => &mut self.delivered_at,
            StatusKind::Read => &mut self.read_at,
            StatusKind::Played => &mut self.played_at,
            StatusKind::Failed => &mut self.failed_at,
        };
        slot.get_or_insert(at);
    }
}

/// A message to put in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage {
    /// The message id, generated before anything is sent.
    pub id: MessageId,
    /// The recipient (user, group or broadcast JID).
    pub recipient: Jid,
    /// The encoded message (a `wa.Message` protobuf); sealed at rest.
    pub payload: Secret,
    /// For campaigns: one key per (campaign, recipient), so a recipient never gets the same
    /// campaign message twice even when the campaign is resumed after a crash.
    pub idempotency_key: Option<String>,
    /// When it was created.
    pub created_at: UnixMillis,
    /// Not to be sent before this time (throttling, schedules).
    pub not_before: UnixMillis,
}

/// A message in the outbox with its status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRecord {
    /// The message id.
    pub id: MessageId,
    /// The recipient.
    pub recipient: Jid,
    /// The encoded message.
    pub payload: Secret,
    /// The campaign idempotency key, if any.
    pub idempotency_key: Option<String>,
    /// The current status.
    pub status: MessageStatus,
    /// When each status was reached.
    pub times: StatusTimes,
    /// When it was created.
    pub created_at: UnixMillis,
    /// Not to be sent before this time.
    pub not_before: UnixMillis,
    /// How many times a sender claimed it.
    pub attempts: u32,
    /// Until when the last claim holds; another sender may claim it after that.
    pub lease_until: Option<UnixMillis>,
}

impl OutboxRecord {
    /// The record a [`NewMessage`] starts as: pending, never claimed.
    pub fn from_new(message: &NewMessage) -> OutboxRecord {
        OutboxRecord {
            id: message.id.clone(),
            recipient: message.recipient.clone(),
            payload: message.payload.clone(),
            idempotency_key: message.idempotency_key.clone(),
            status: MessageStatus::Pending,
            times: StatusTimes::default(),
            created_at: message.created_at,
            not_before: message.not_before,
            attempts: 0,
            lease_until: None,
        }
    }

    /// Whether a sender may claim it at `now`: pending, due, and not held by a live claim.
    pub fn is_claimable(&self, now: UnixMillis) -> bool {
        self.status == MessageStatus::Pending
            && self.not_before <= now
            && self.lease_until.is_none_or(|until| until <= now)
    }

    /// Applies a status change if allowed (see [`MessageStatus::can_become`]).
    pub fn apply_status(&mut self, status: &MessageStatus, at: UnixMillis) -> StatusUpdate {
        if !self.status.can_become(status) {
            return StatusUpdate::Ignored {
                current: self.status.clone(),
            };
        }
        let previous = std::mem::replace(&mut self.status, status.clone());
        self.times.record(status.kind(), at);
        StatusUpdate::Applied { previous }
    }
}

/// What [`OutboxStore::enqueue`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Enqueued {
    /// The message was stored.
    Inserted,
    /// A message with the same id or idempotency key already exists; nothing was stored.
    Existing(MessageId),
}

/// What [`OutboxStore::update_status`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusUpdate {
    /// The status changed from `previous`.
    Applied {
        /// The status before.
        previous: MessageStatus,
    },
    /// The change would move backwards (or repeat); the status stays `current`.
    Ignored {
        /// The status kept.
        current: MessageStatus,
    },
}

/// The outbox of each account.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Stores a pending message. A second message with the same id, or with the same
    /// idempotency key, is not stored: the existing one's id is returned.
    async fn enqueue(
        &self,
        account: &AccountId,
        message: &NewMessage,
    ) -> Result<Enqueued, StoreError>;

    /// A message by id.
    async fn get_message(
        &self,
        account: &AccountId,
        id: &MessageId,
    ) -> Result<Option<OutboxRecord>, StoreError>;

    /// A message by campaign idempotency key.
    async fn find_by_idempotency_key(
        &self,
        account: &AccountId,
        key: &str,
    ) -> Result<Option<OutboxRecord>, StoreError>;

    /// Atomically claims up to `limit` claimable messages (pending, `not_before <= now`, no
    /// live claim), oldest `not_before` first (then creation time, then id): each gets
    /// `lease_until = now + lease_ms` and one more attempt. Concurrent callers never get the
    /// same message while its claim lives; a crashed sender's claims expire.
    async fn claim_due(
        &self,
        account: &AccountId,
        now: UnixMillis,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<OutboxRecord>, StoreError>;

    /// Gives a claimed, still pending message back for another try at `not_before`.
    /// [`StoreError::NotFound`] for an unknown message; a no-op if it is no longer pending.
    async fn release(
        &self,
        account: &AccountId,
        id: &MessageId,
        not_before: UnixMillis,
    ) -> Result<(), StoreError>;

    /// Moves a message to `status` if [`MessageStatus::can_become`] allows it, recording the
    /// time. [`StoreError::NotFound`] for an unknown message.
    async fn update_status(
        &self,
        account: &AccountId,
        id: &MessageId,
        status: &MessageStatus,
        at: UnixMillis,
    ) -> Result<StatusUpdate, StoreError>;

    /// How many messages the account has in each status (kinds with none are left out).
    async fn count_by_status(
        &self,
        account: &AccountId,
    ) -> Result<Vec<(StatusKind, u64)>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed() -> MessageStatus {
        MessageStatus::Failed {
            reason: "timeout".into(),
        }
    }

    #[test]
    fn statuses_only_move_forward() {
        use MessageStatus::*;
        assert!(Pending.can_become(&Sent));
        assert!(Sent.can_become(&Read));
        assert!(!Read.can_become(&Delivered));
        assert!(!Delivered.can_become(&Delivered));
        assert!(!Sent.can_become(&Pending));
        assert!(Pending.can_become(&failed()));
        assert!(Sent.can_become(&failed()));
        assert!(!Delivered.can_become(&failed()));
        assert!(failed().can_become(&Delivered));
        assert!(!failed().can_become(&Sent));
        assert!(!failed().can_become(&failed()));
    }

    #[test]
    fn status_kind_names_round_trip() {
        for kind in StatusKind::ALL {
            assert_eq!(StatusKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(StatusKind::from_name("bogus"), None);
    }

    #[test]
    fn times_keep_the_first_arrival() {
        let mut times = StatusTimes::default();
        times.record(StatusKind::Delivered, 5);
        times.record(StatusKind::Delivered, 9);
        assert_eq!(times.delivered_at, Some(5));
    }
}
