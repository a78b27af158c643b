//! Users: created, edited and deactivated by administrators (never deleted — history refers to
//! them), with roles, line managers and designated deputies.
use crate::audit::{record, AuditEntry};
use crate::{flag, from_ms, unique_violation, Attribution, Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use ecaf_domain::access::{Actor, Grant, ManageUsers, Role};
use ecaf_domain::credentials::hash_password;
use ecaf_domain::organisation::UserDetails;
use serde::Serialize;
use sqlx::Row;

/// A user as shown to administrators and the API (never the password hash).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub agency_id: i64,
    pub agency_name: String,
    pub team_id: Option<i64>,
    pub job_title: String,
    pub telephone: Option<String>,
    pub mobile: Option<String>,
    pub line_manager_id: Option<i64>,
    pub deputy_id: Option<i64>,
    pub roles: Vec<Role>,
    pub active: bool,
    pub is_demo: bool,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            name: self.name.clone(),
            email: self.email.clone(),
            agency_id: self.agency_id,
            roles: self.roles.clone(),
        }
    }
}

const USER_COLUMNS: &str = "u.id, u.email, u.name, u.agency_id, a.name AS agency_name, u.team_id, \
     u.job_title, u.telephone, u.mobile, u.line_manager_id, u.deputy_id, u.active, u.is_demo, \
     u.revision, u.created_at, u.updated_at";

fn user_from_row(row: &crate::Row, roles: Vec<Role>) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        agency_id: row.try_get("agency_id")?,
        agency_name: row.try_get("agency_name")?,
        team_id: row.try_get("team_id")?,
        job_title: row.try_get("job_title")?,
        telephone: row.try_get("telephone")?,
        mobile: row.try_get("mobile")?,
        line_manager_id: row.try_get("line_manager_id")?,
        deputy_id: row.try_get("deputy_id")?,
        roles,
        active: row.try_get::<i64, _>("active")? != 0,
        is_demo: row.try_get::<i64, _>("is_demo")? != 0,
        revision: row.try_get("revision")?,
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
    })
}

/// What sign-in needs: the user and the stored hash.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

impl Store {
    async fn roles_of(&self, user_id: i64) -> Result<Vec<Role>> {
        let rows = sqlx::query("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
            .bind(user_id)
            .fetch_all(self.pool())
            .await?;
        let mut roles: Vec<Role> = rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>("role").ok())
            .filter_map(|code| Role::parse(&code))
            .collect();
        roles.sort();
        Ok(roles)
    }

    /// One user by id.
    pub async fn user(&self, id: i64) -> Result<User> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u JOIN agencies a ON a.id = u.agency_id WHERE u.id = $1"
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let roles = self.roles_of(id).await?;
        user_from_row(&row, roles)
    }

    /// The user and password hash for a sign-in attempt, if the email belongs to anyone.
    pub async fn credentials(&self, email: &str) -> Result<Option<Credentials>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u JOIN agencies a ON a.id = u.agency_id \
             WHERE u.email = $1"
        );
        let Some(row) = sqlx::query(&sql)
            .bind(email)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        let roles = self.roles_of(id).await?;
        Ok(Some(Credentials {
            password_hash: row.try_get("password_hash")?,
            user: user_from_row(&row, roles)?,
        }))
    }

    /// Every user, for administrators, ordered by name.
    pub async fn users(&self, _grant: &Grant<ManageUsers>) -> Result<Vec<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u JOIN agencies a ON a.id = u.agency_id ORDER BY u.name, u.id"
        );
        let rows = sqlx::query(&sql).fetch_all(self.pool()).await?;
        let role_rows = sqlx::query("SELECT user_id, role FROM user_roles")
            .fetch_all(self.pool())
            .await?;
        let mut roles: std::collections::HashMap<i64, Vec<Role>> = Default::default();
        for r in &role_rows {
            let user_id: i64 = r.try_get("user_id")?;
            let code: String = r.try_get("role")?;
            if let Some(role) = Role::parse(&code) {
                roles.entry(user_id).or_default().push(role);
            }
        }
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                let mut r = roles.remove(&id).unwrap_or_default();
                r.sort();
                user_from_row(row, r)
            })
            .collect()
    }

    /// Users with a role and active, for choosing line managers and deputies.
    pub async fn count_users(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Create a user (administrators, or the `ecaf user create` bootstrap via `create_user_tx`).
    pub async fn create_user(
        &self,
        _grant: &Grant<ManageUsers>,
        by: &Attribution,
        details: &UserDetails,
        password: &str,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id = self
            .create_user_tx(&mut tx, by, details, password, false)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Insert a user with roles and its audit row inside a transaction.
    pub async fn create_user_tx(
        &self,
        tx: &mut Tx,
        by: &Attribution,
        details: &UserDetails,
        password: &str,
        is_demo: bool,
    ) -> Result<i64> {
        let now = self.now_ms();
        check_references(tx, details, None).await?;
        let hash = hash_password(password);
        let row = sqlx::query(
            "INSERT INTO users (email, name, agency_id, team_id, job_title, telephone, mobile, \
             line_manager_id, deputy_id, password_hash, active, is_demo, revision, created_at, \
             updated_at, password_changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, 1, $12, $12, $12) RETURNING id",
        )
        .bind(&details.email)
        .bind(&details.name)
        .bind(details.agency_id)
        .bind(details.team_id)
        .bind(&details.job_title)
        .bind(details.telephone.clone())
        .bind(details.mobile.clone())
        .bind(details.line_manager_id)
        .bind(details.deputy_id)
        .bind(hash)
        .bind(flag(is_demo))
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| unique_violation(e, "email"))?;
        let id: i64 = row.try_get("id")?;
        write_roles(tx, id, &details.roles).await?;
        record(
            tx,
            now,
            by,
            AuditEntry::new("user.create")
                .record("user", id)
                .detail(format!("roles: {}", role_codes(&details.roles))),
        )
        .await?;
        Ok(id)
    }

    /// Change a user's details, refusing if someone else saved since `expected_revision`.
    pub async fn update_user(
        &self,
        _grant: &Grant<ManageUsers>,
        by: &Attribution,
        id: i64,
        expected_revision: i64,
        details: &UserDetails,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        self.serialise_administrator_changes(&mut tx).await?;
        check_references(&mut tx, details, Some(id)).await?;
        let now = self.now_ms();
        let updated = sqlx::query(
            "UPDATE users SET email = $1, name = $2, agency_id = $3, team_id = $4, job_title = $5, \
             telephone = $6, mobile = $7, line_manager_id = $8, deputy_id = $9, \
             revision = revision + 1, updated_at = $10 WHERE id = $11 AND revision = $12",
        )
        .bind(&details.email)
        .bind(&details.name)
        .bind(details.agency_id)
        .bind(details.team_id)
        .bind(&details.job_title)
        .bind(details.telephone.clone())
        .bind(details.mobile.clone())
        .bind(details.line_manager_id)
        .bind(details.deputy_id)
        .bind(now)
        .bind(id)
        .bind(expected_revision)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_violation(e, "email"))?;
        if updated.rows_affected() == 0 {
            return Err(conflict_or_missing(&mut tx, id).await);
        }
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        write_roles(&mut tx, id, &details.roles).await?;
        ensure_an_administrator_remains(&mut tx).await?;
        record(
            &mut tx,
            now,
            by,
            AuditEntry::new("user.update")
                .record("user", id)
                .detail(format!("roles: {}", role_codes(&details.roles))),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes that could leave no administrator take turns: on PostgreSQL two of them
    /// running at once would each see the other's administrator still there. (SQLite's
    /// `BEGIN IMMEDIATE` already lets one writer in at a time.)
    async fn serialise_administrator_changes(&self, tx: &mut Tx) -> Result<()> {
        if self.backend() == crate::Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7311001)")
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Deactivate or reactivate a user. Deactivation also ends their sessions and tokens.
    pub async fn set_user_active(
        &self,
        grant: &Grant<ManageUsers>,
        by: &Attribution,
        id: i64,
        expected_revision: i64,
        active: bool,
    ) -> Result<()> {
        if !active && grant.actor_id() == id {
            return Err(StoreError::Refused(
                "You cannot deactivate your own account".into(),
            ));
        }
        let mut tx = self.begin_write().await?;
        self.serialise_administrator_changes(&mut tx).await?;
        let now = self.now_ms();
        let updated = sqlx::query(
            "UPDATE users SET active = $1, revision = revision + 1, updated_at = $2 \
             WHERE id = $3 AND revision = $4",
        )
        .bind(flag(active))
        .bind(now)
        .bind(id)
        .bind(expected_revision)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(conflict_or_missing(&mut tx, id).await);
        }
        if !active {
            ensure_an_administrator_remains(&mut tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        let action = if active {
            "user.reactivate"
        } else {
            "user.deactivate"
        };
        record(&mut tx, now, by, AuditEntry::new(action).record("user", id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Set a user's own password (the caller has checked the current one and the policy).
    /// Other sessions are ended so a leaked session does not outlive the change.
    pub async fn change_password(
        &self,
        by: &Attribution,
        user_id: i64,
        new_password: &str,
        keep_session_digest: Option<&str>,
        revoke_api_tokens: bool,
    ) -> Result<u64> {
        let hash = hash_password(new_password);
        let mut tx = self.begin_write().await?;
        let now = self.now_ms();
        sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_digest <> $2")
            .bind(user_id)
            .bind(keep_session_digest.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        let revoked = if revoke_api_tokens {
            crate::tokens::revoke_all(&mut tx, now, user_id).await?
        } else {
            0
        };
        record(
            &mut tx,
            now,
            by,
            AuditEntry::new("user.change_password")
                .record("user", user_id)
                .detail(format!("{revoked} API tokens revoked")),
        )
        .await?;
        tx.commit().await?;
        Ok(revoked)
    }
}

fn role_codes(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.code())
        .collect::<Vec<_>>()
        .join(", ")
}

async fn write_roles(tx: &mut Tx, user_id: i64, roles: &[Role]) -> Result<()> {
    for role in roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(user_id)
            .bind(role.code())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Referenced agency, team, line manager and deputy must exist (and the team belong to the
/// agency); a user cannot be their own manager or deputy.
async fn check_references(tx: &mut Tx, details: &UserDetails, self_id: Option<i64>) -> Result<()> {
    let agency = sqlx::query("SELECT id FROM agencies WHERE id = $1 AND active = 1")
        .bind(details.agency_id)
        .fetch_optional(&mut **tx)
        .await?;
    if agency.is_none() {
        return Err(StoreError::Refused("Select the user's agency".into()));
    }
    if let Some(team) = details.team_id {
        let ok = sqlx::query("SELECT id FROM teams WHERE id = $1 AND agency_id = $2")
            .bind(team)
            .bind(details.agency_id)
            .fetch_optional(&mut **tx)
            .await?;
        if ok.is_none() {
            return Err(StoreError::Refused(
                "Select a team of the user's agency".into(),
            ));
        }
    }
    for (other, what) in [
        (details.line_manager_id, "line manager"),
        (details.deputy_id, "designated deputy"),
    ] {
        if let Some(other) = other {
            if Some(other) == self_id {
                return Err(StoreError::Refused(format!(
                    "A user cannot be their own {what}"
                )));
            }
            let ok = sqlx::query("SELECT id FROM users WHERE id = $1 AND active = 1")
                .bind(other)
                .fetch_optional(&mut **tx)
                .await?;
            if ok.is_none() {
                return Err(StoreError::Refused(format!(
                    "Select an active user as {what}"
                )));
            }
        }
    }
    Ok(())
}

/// Checked after a change, inside its transaction, so it is the state that would be committed
/// that must still have an active administrator.
async fn ensure_an_administrator_remains(tx: &mut Tx) -> Result<()> {
    let admins = sqlx::query(
        "SELECT COUNT(*) AS n FROM users u JOIN user_roles r ON r.user_id = u.id \
         WHERE u.active = 1 AND r.role = $1",
    )
    .bind(Role::Administrator.code())
    .fetch_one(&mut **tx)
    .await?;
    if admins.try_get::<i64, _>("n")? == 0 {
        return Err(StoreError::Refused(
            "This is the only active administrator: give another user the administrator role first, so that someone can still manage users".into(),
        ));
    }
    Ok(())
}

/// After an optimistic update touched no row: say who changed it when, or that it is gone.
async fn conflict_or_missing(tx: &mut Tx, id: i64) -> StoreError {
    let row = sqlx::query(
        "SELECT e.actor_email, e.at FROM audit_events e WHERE e.record_type = 'user' \
         AND e.record_id = $1 ORDER BY e.id DESC LIMIT 1",
    )
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await;
    match row {
        Ok(Some(row)) => StoreError::Conflict {
            by: row
                .try_get::<Option<String>, _>("actor_email")
                .ok()
                .flatten()
                .unwrap_or_else(|| "another user".into()),
            at: from_ms(row.try_get("at").unwrap_or_default()),
        },
        Ok(None) => StoreError::NotFound,
        Err(e) => StoreError::Database(e),
    }
}
