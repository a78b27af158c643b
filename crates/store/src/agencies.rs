//! Agencies (schools, health visiting, GP practices, …) and their teams.
use crate::audit::{record, AuditEntry};
use crate::{flag, from_ms, unique_violation, Attribution, Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use ecaf_domain::access::{Grant, ManageUsers};
use ecaf_domain::organisation::{AgencyDetails, AgencyType, Sector};
use serde::Serialize;
use sqlx::Row;

/// An agency as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Agency {
    pub id: i64,
    pub name: String,
    pub sector: Sector,
    pub agency_type: AgencyType,
    pub address: String,
    pub telephone: Option<String>,
    pub active: bool,
    pub revision: i64,
    pub user_count: i64,
    pub updated_at: DateTime<Utc>,
}

/// A team within an agency.
#[derive(Debug, Clone, Serialize)]
pub struct Team {
    pub id: i64,
    pub agency_id: i64,
    pub name: String,
}

fn agency_from_row(row: &crate::Row) -> Result<Agency> {
    let sector: String = row.try_get("sector")?;
    let agency_type: String = row.try_get("agency_type")?;
    Ok(Agency {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        // Codes are only ever written from the enums, so an unknown one is a corrupted row.
        sector: Sector::from_code(&sector)
            .ok_or_else(|| StoreError::Refused(format!("unknown sector {sector}")))?,
        agency_type: AgencyType::from_code(&agency_type)
            .ok_or_else(|| StoreError::Refused(format!("unknown agency type {agency_type}")))?,
        address: row.try_get("address")?,
        telephone: row.try_get("telephone")?,
        active: row.try_get::<i64, _>("active")? != 0,
        revision: row.try_get("revision")?,
        user_count: row.try_get("user_count")?,
        updated_at: from_ms(row.try_get("updated_at")?),
    })
}

const AGENCY_SELECT: &str =
    "SELECT a.id, a.name, a.sector, a.agency_type, a.address, a.telephone, \
    a.active, a.revision, a.updated_at, \
    (SELECT COUNT(*) FROM users u WHERE u.agency_id = a.id) AS user_count FROM agencies a";

impl Store {
    /// Every agency, by name.
    pub async fn agencies(&self) -> Result<Vec<Agency>> {
        let sql = format!("{AGENCY_SELECT} ORDER BY a.name");
        let rows = sqlx::query(&sql).fetch_all(self.pool()).await?;
        rows.iter().map(agency_from_row).collect()
    }

    pub async fn agency(&self, id: i64) -> Result<Agency> {
        let sql = format!("{AGENCY_SELECT} WHERE a.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        agency_from_row(&row)
    }

    /// Create an agency with its audit row.
    pub async fn create_agency(
        &self,
        _grant: &Grant<ManageUsers>,
        by: &Attribution,
        details: &AgencyDetails,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id = self.create_agency_tx(&mut tx, by, details, false).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn create_agency_tx(
        &self,
        tx: &mut Tx,
        by: &Attribution,
        details: &AgencyDetails,
        is_demo: bool,
    ) -> Result<i64> {
        let now = self.now_ms();
        let row = sqlx::query(
            "INSERT INTO agencies (name, sector, agency_type, address, telephone, active, is_demo, \
             revision, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, 1, $7, $7) RETURNING id",
        )
        .bind(&details.name)
        .bind(details.sector.code())
        .bind(details.agency_type.code())
        .bind(&details.address)
        .bind(details.telephone.clone())
        .bind(flag(is_demo))
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| unique_violation(e, "name"))?;
        let id: i64 = row.try_get("id")?;
        record(
            tx,
            now,
            by,
            AuditEntry::new("agency.create").record("agency", id),
        )
        .await?;
        Ok(id)
    }

    /// Change an agency's details, refusing a stale revision.
    pub async fn update_agency(
        &self,
        _grant: &Grant<ManageUsers>,
        by: &Attribution,
        id: i64,
        expected_revision: i64,
        details: &AgencyDetails,
        active: bool,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let now = self.now_ms();
        let updated = sqlx::query(
            "UPDATE agencies SET name = $1, sector = $2, agency_type = $3, address = $4, telephone = $5, \
             active = $6, revision = revision + 1, updated_at = $7 WHERE id = $8 AND revision = $9",
        )
        .bind(&details.name)
        .bind(details.sector.code())
        .bind(details.agency_type.code())
        .bind(&details.address)
        .bind(details.telephone.clone())
        .bind(flag(active))
        .bind(now)
        .bind(id)
        .bind(expected_revision)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_violation(e, "name"))?;
        if updated.rows_affected() == 0 {
            let row = sqlx::query(
                "SELECT actor_email, at FROM audit_events WHERE record_type = 'agency' AND record_id = $1 \
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            return Err(match row {
                Some(row) => StoreError::Conflict {
                    by: row
                        .try_get::<Option<String>, _>("actor_email")?
                        .unwrap_or_else(|| "another user".into()),
                    at: from_ms(row.try_get("at")?),
                },
                None => StoreError::NotFound,
            });
        }
        record(
            &mut tx,
            now,
            by,
            AuditEntry::new("agency.update").record("agency", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Teams of an agency (or all teams), by name.
    pub async fn teams(&self, agency_id: Option<i64>) -> Result<Vec<Team>> {
        let rows = sqlx::query(
            "SELECT id, agency_id, name FROM teams WHERE ($1 IS NULL OR agency_id = $1) ORDER BY name",
        )
        .bind(agency_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Team {
                    id: r.try_get("id")?,
                    agency_id: r.try_get("agency_id")?,
                    name: r.try_get("name")?,
                })
            })
            .collect()
    }

    /// Add a team to an agency.
    pub async fn create_team(
        &self,
        _grant: &Grant<ManageUsers>,
        by: &Attribution,
        agency_id: i64,
        name: &str,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id = self.create_team_tx(&mut tx, by, agency_id, name).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn create_team_tx(
        &self,
        tx: &mut Tx,
        by: &Attribution,
        agency_id: i64,
        name: &str,
    ) -> Result<i64> {
        let now = self.now_ms();
        let row = sqlx::query(
            "INSERT INTO teams (agency_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(agency_id)
        .bind(name)
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| unique_violation(e, "team name"))?;
        let id: i64 = row.try_get("id")?;
        record(
            tx,
            now,
            by,
            AuditEntry::new("team.create")
                .record("team", id)
                .detail(format!("agency {agency_id}")),
        )
        .await?;
        Ok(id)
    }
}
