//! The service's own secrets, made at random on first use and kept in the database so that
//! every instance behind a load balancer holds the same ones. They are read once, when the
//! store opens, so no request waits on them.
use crate::{Result, Store};
use ecaf_domain::credentials::random_secret;
use sqlx::Row;

/// The key that binds pre-sign-in form tokens to the browser's form cookie.
const FORM_TOKEN_KEY: &str = "form_token_key";

impl Store {
    /// The form-token key.
    pub fn form_token_key(&self) -> &[u8] {
        &self.form_key
    }

    /// Read the form-token key, making it if no instance has yet.
    pub(crate) async fn load_form_token_key(&self) -> Result<Vec<u8>> {
        // Whichever instance inserts first wins; the others read its key.
        sqlx::query(
            "INSERT INTO service_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(FORM_TOKEN_KEY)
        .bind(random_secret())
        .execute(self.pool())
        .await?;
        let row = sqlx::query("SELECT value FROM service_secrets WHERE name = $1")
            .bind(FORM_TOKEN_KEY)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get::<String, _>("value")?.into_bytes())
    }
}
