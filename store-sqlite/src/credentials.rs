//! Credentials and accounts.

use async_trait::async_trait;
use rusqlite::params;
use wacast::store::{
    AccountId, CREDENTIALS_TABLE, CredentialStore, Credentials, SignedPreKey, StoreError,
};

use crate::SqliteStore;
use crate::row::RowReader;
use crate::worker::db;

/// Every table holding per-account rows, for [`CredentialStore::delete_account`].
pub(crate) const ACCOUNT_TABLES: &[&str] = &[
    "credentials",
    "app_state_keys",
    "device_lists",
    "lid_mappings",
    "outbox",
    "identities",
    "prekeys",
    "signed_prekeys",
    "sessions",
    "sender_keys",
];

fn read_credentials(reader: &RowReader<'_, '_>) -> Result<Credentials, StoreError> {
    let signature: Vec<u8> = reader.get("signed_prekey_signature")?;
    if signature.len() != 64 {
        return Err(reader.corrupt(format!(
            "signed prekey signature is {} bytes, expected 64",
            signature.len()
        )));
    }
    Ok(Credentials {
        registration_id: reader.u32("registration_id")?,
        noise_key: reader.secret("noise_key")?,
        identity_key: reader.secret("identity_key")?,
        signed_prekey: SignedPreKey {
            id: reader.u32("signed_prekey_id")?,
            private_key: reader.secret("signed_prekey")?,
            signature,
        },
        adv_secret: reader.secret("adv_secret")?,
        jid: reader.optional_jid("jid")?,
        lid: reader.optional_jid("lid")?,
        platform: reader.get("platform")?,
        push_name: reader.get("push_name")?,
        signed_device_identity: reader.get("signed_device_identity")?,
        logged_out: reader.bool("logged_out")?,
    })
}

#[async_trait]
impl CredentialStore for SqliteStore {
    async fn list_accounts(&self) -> Result<Vec<AccountId>, StoreError> {
        self.worker
            .call(|connection| {
                let mut statement = connection
                    .prepare_cached("SELECT account FROM credentials ORDER BY account")
                    .map_err(db)?;
                let names = statement
                    .query_map([], |row| row.get::<_, String>(0))
                    .map_err(db)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(db)?;
                names.into_iter().map(AccountId::new).collect()
            })
            .await
    }

    async fn get_credentials(
        &self,
        account: &AccountId,
    ) -> Result<Option<Credentials>, StoreError> {
        let account = account.clone();
        self.worker
            .call(move |connection| {
                let mut statement = connection
                    .prepare_cached("SELECT * FROM credentials WHERE account = ?1")
                    .map_err(db)?;
                let mut rows = statement.query([account.as_str()]).map_err(db)?;
                let Some(row) = rows.next().map_err(db)? else {
                    return Ok(None);
                };
                let reader = RowReader {
                    row,
                    account: &account,
                    table: CREDENTIALS_TABLE,
                    key: String::new(),
                };
                read_credentials(&reader).map(Some)
            })
            .await
    }

    async fn put_credentials(
        &self,
        account: &AccountId,
        credentials: &Credentials,
    ) -> Result<(), StoreError> {
        let account = account.clone();
        let c = credentials.clone();
        self.worker
            .call(move |connection| {
                connection
                    .prepare_cached(
                        "INSERT OR REPLACE INTO credentials (account, registration_id, noise_key,
                            identity_key, signed_prekey_id, signed_prekey, signed_prekey_signature,
                            adv_secret, jid, lid, platform, push_name, signed_device_identity,
                            logged_out)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                    )
                    .map_err(db)?
                    .execute(params![
                        account.as_str(),
                        c.registration_id,
                        c.noise_key.expose(),
                        c.identity_key.expose(),
                        c.signed_prekey.id,
                        c.signed_prekey.private_key.expose(),
                        c.signed_prekey.signature,
                        c.adv_secret.expose(),
                        c.jid.as_ref().map(ToString::to_string),
                        c.lid.as_ref().map(ToString::to_string),
                        c.platform,
                        c.push_name,
                        c.signed_device_identity,
                        c.logged_out,
                    ])
                    .map_err(db)?;
                Ok(())
            })
            .await
    }

    async fn set_logged_out(
        &self,
        account: &AccountId,
        logged_out: bool,
    ) -> Result<(), StoreError> {
        let account = account.clone();
        self.worker
            .call(move |connection| {
                let changed = connection
                    .prepare_cached("UPDATE credentials SET logged_out = ?2 WHERE account = ?1")
                    .map_err(db)?
                    .execute(params![account.as_str(), logged_out])
                    .map_err(db)?;
                if changed == 0 {
                    return Err(StoreError::NotFound {
                        account,
                        record: CREDENTIALS_TABLE.to_owned(),
                    });
                }
                Ok(())
            })
            .await
    }

    async fn delete_account(&self, account: &AccountId) -> Result<(), StoreError> {
        let account = account.clone();
        self.worker
            .call(move |connection| {
                let transaction = connection.transaction().map_err(db)?;
                for table in ACCOUNT_TABLES {
                    transaction
                        .execute(
                            &format!("DELETE FROM {table} WHERE account = ?1"),
                            [account.as_str()],
                        )
                        .map_err(db)?;
                }
                transaction.commit().map_err(db)
            })
            .await
    }
}
