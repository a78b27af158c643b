//! The one access check for case content: the CAF and the actor's relationship to it are
//! read in the caller's transaction, `domain::caf::access::decide` answers, and the answer —
//! allowed or not — is audited in that same transaction.
use crate::audit::{self, AuditEntry};
use crate::{Attribution, Result, StoreError, Tx};
use ecaf_domain::access::{authorise, Actor, UseRegister};
use ecaf_domain::caf::access::{decide, CafAction, CafStanding, Decision, Relationship};
use ecaf_domain::caf::lifecycle::CafState;
use sqlx::Row;

/// A CAF's own row.
#[derive(Debug, Clone)]
pub(crate) struct CafRow {
    pub id: i64,
    pub reference: String,
    pub kind: String,
    pub state: CafState,
    pub owning_agency_id: i64,
    pub assessor_id: Option<i64>,
    pub lead_professional_id: Option<i64>,
    pub revision: i64,
    pub wording_version: i64,
    /// Recorded in the previous system and imported from its index (existence only).
    pub imported: bool,
}

/// The CAF and the decision for `action` on it, audited. A CAF that does not exist is "not
/// found" (and that is audited too). The outer error is the database's; the inner one a
/// refusal, whose audit row the caller commits (see [`refused`]). `changes` is whether the
/// caller means to change something, for the audit log, which may differ from `action`: the
/// owner of an action updates it with only a reader's access.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn open(
    tx: &mut Tx,
    now_ms: i64,
    actor: &Actor,
    by: &Attribution,
    caf_id: i64,
    action: CafAction,
    changes: bool,
    what: &str,
) -> Result<Result<(CafRow, Decision, &'static str), StoreError>> {
    let row = sqlx::query(
        "SELECT id, reference, kind, state, owning_agency_id, assessor_id, lead_professional_id, revision, \
         wording_version, imported FROM cafs WHERE id = $1",
    )
    .bind(caf_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        audit::record(
            tx,
            now_ms,
            by,
            AuditEntry::new("caf.refused")
                .record("caf", caf_id)
                .detail("no such CAF"),
        )
        .await?;
        return Ok(Err(StoreError::NotFound));
    };
    let state: String = row.try_get("state")?;
    let caf = CafRow {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        kind: row.try_get("kind")?,
        state: CafState::parse(&state)
            .ok_or_else(|| StoreError::Refused(format!("unknown CAF state {state}")))?,
        owning_agency_id: row.try_get("owning_agency_id")?,
        assessor_id: row.try_get("assessor_id")?,
        lead_professional_id: row.try_get("lead_professional_id")?,
        revision: row.try_get("revision")?,
        wording_version: row.try_get("wording_version")?,
        imported: row.try_get::<i64, _>("imported")? != 0,
    };
    let facts = sqlx::query(
        "SELECT \
         (SELECT COUNT(*) FROM caf_team_members WHERE caf_id = $1 AND user_id = $2 AND left_on IS NULL) AS team, \
         (SELECT COUNT(*) FROM users WHERE id = $3 AND (line_manager_id = $2 OR deputy_id = $2)) AS manages_assessor, \
         (SELECT COUNT(*) FROM users WHERE id = $4 AND (line_manager_id = $2 OR deputy_id = $2)) AS manages_lead, \
         (SELECT COUNT(*) FROM caf_consents WHERE caf_id = $1 AND stage = 'sharing') AS sharing, \
         (SELECT COUNT(*) FROM caf_consents WHERE caf_id = $1 AND withdrawn_on IS NOT NULL) AS withdrawn, \
         (SELECT COUNT(*) FROM caf_consents k JOIN caf_consent_agencies a ON a.consent_id = k.id \
            WHERE k.caf_id = $1 AND k.stage = 'sharing' AND k.withdrawn_on IS NULL AND a.agency_id = $5 \
            AND k.id = (SELECT MAX(id) FROM caf_consents WHERE caf_id = $1 AND stage = 'sharing')) AS consented_agency, \
         (SELECT COUNT(*) FROM caf_sharing_decisions d JOIN caf_sharing_decision_agencies a ON a.decision_id = d.id \
            WHERE d.caf_id = $1 AND d.shared = 1 AND a.agency_id = $5) AS shared_agency",
    )
    .bind(caf.id)
    .bind(actor.user_id)
    .bind(caf.assessor_id.unwrap_or(0))
    .bind(caf.lead_professional_id.unwrap_or(0))
    .bind(actor.agency_id)
    .fetch_one(&mut **tx)
    .await?;
    let yes = |name: &str| -> Result<bool> { Ok(facts.try_get::<i64, _>(name)? > 0) };
    let relationship = Relationship {
        is_assessor: caf.assessor_id == Some(actor.user_id),
        is_lead_professional: caf.lead_professional_id == Some(actor.user_id),
        is_team_member: yes("team")?,
        agency_may_receive: yes("consented_agency")?,
        agency_shared_with: yes("shared_agency")?,
        manages_assessor: yes("manages_assessor")?,
        manages_lead_professional: yes("manages_lead")?,
    };
    let standing = CafStanding {
        sharing_consented: yes("sharing")?,
        consent_withdrawn: yes("withdrawn")?,
        closed: caf.state == CafState::Closed,
    };
    // A CAF from a previous system's index has no content here to need to know about: its
    // existence is all anyone is given, whatever their relationship to the child.
    let (decision, why) = if caf.imported {
        if authorise::<UseRegister>(actor).is_ok() {
            (
                Decision::ExistenceOnly,
                "recorded in the previous system: existence only",
            )
        } else {
            (Decision::Refused, "no access to the register")
        }
    } else {
        decide(actor, &relationship, &standing, action)
    };
    let verb = if changes { "change" } else { "read" };
    let audited = match decision {
        Decision::Allowed => AuditEntry::new(if changes { "caf.change" } else { "caf.view" }),
        Decision::ExistenceOnly | Decision::Refused => AuditEntry::new("caf.refused"),
    };
    audit::record(
        tx,
        now_ms,
        by,
        audited
            .record("caf", caf.id)
            .detail(format!("{verb} {what}: {why}")),
    )
    .await?;
    Ok(Ok((caf, decision, why)))
}

/// Open for reading: the content may be shown, or only that it exists; someone who may not
/// even know that gets "not found".
pub(crate) async fn open_to_read(
    tx: &mut Tx,
    now_ms: i64,
    actor: &Actor,
    by: &Attribution,
    caf_id: i64,
    what: &str,
) -> Result<Result<(CafRow, bool), StoreError>> {
    Ok(
        match open(tx, now_ms, actor, by, caf_id, CafAction::Read, false, what).await? {
            Ok((caf, Decision::Allowed, _)) => Ok((caf, true)),
            Ok((caf, Decision::ExistenceOnly, _)) => Ok((caf, false)),
            Ok((_, Decision::Refused, _)) => Err(StoreError::NotFound),
            Err(refused) => Err(refused),
        },
    )
}

/// Open for a change: allowed, or refused with the reason (to someone who may know the CAF
/// exists), or "not found".
pub(crate) async fn open_to_write(
    tx: &mut Tx,
    now_ms: i64,
    actor: &Actor,
    by: &Attribution,
    caf_id: i64,
    what: &str,
) -> Result<Result<CafRow, StoreError>> {
    Ok(
        match open(tx, now_ms, actor, by, caf_id, CafAction::Write, true, what).await? {
            Ok((caf, Decision::Allowed, _)) => Ok(caf),
            Ok((_, _, why)) if authorise::<UseRegister>(actor).is_ok() => {
                Err(StoreError::Denied(why))
            }
            Ok(_) => Err(StoreError::NotFound),
            Err(refused) => Err(refused),
        },
    )
}

/// Open for the owner of an action to update it: the owner needs only to be able to read the
/// CAF (a member of the team around the family from another agency usually can only read),
/// and the CAF must still be open. The caller has checked that the actor owns the action.
pub(crate) async fn open_to_update_own(
    tx: &mut Tx,
    now_ms: i64,
    actor: &Actor,
    by: &Attribution,
    caf_id: i64,
    what: &str,
) -> Result<Result<CafRow, StoreError>> {
    Ok(
        match open(tx, now_ms, actor, by, caf_id, CafAction::Read, true, what).await? {
            Ok((caf, Decision::Allowed, _)) if caf.state.is_open() => Ok(caf),
            Ok((_, Decision::Allowed, _)) => {
                Err(StoreError::Denied("the CAF is closed and read-only"))
            }
            Ok((_, Decision::ExistenceOnly, why)) => Err(StoreError::Denied(why)),
            Ok((_, Decision::Refused, _)) => Err(StoreError::NotFound),
            Err(refused) => Err(refused),
        },
    )
}

/// Commit the refusal's audit row, then refuse: a refusal is recorded even though nothing
/// else is written.
pub(crate) async fn refused<T>(tx: Tx, refusal: StoreError) -> Result<T> {
    tx.commit().await?;
    Err(refusal)
}

/// The conflict for a refused stale change to the CAF itself: who changed it last, and when.
pub(crate) async fn stale_caf(tx: &mut Tx, caf_id: i64) -> StoreError {
    stale(
        tx,
        "SELECT c.updated_at, u.name AS by_name FROM cafs c LEFT JOIN users u ON u.id = c.updated_by WHERE c.id = $1",
        caf_id,
    )
    .await
}

/// The conflict for a refused stale change: who changed the row last, and when. `sql` selects
/// `updated_at` and `by_name` for the row with id `$1`.
pub(crate) async fn stale(tx: &mut Tx, sql: &str, id: i64) -> StoreError {
    match sqlx::query(sql).bind(id).fetch_one(&mut **tx).await {
        Ok(row) => StoreError::Conflict {
            by: row
                .try_get::<Option<String>, _>("by_name")
                .ok()
                .flatten()
                .unwrap_or_else(|| "someone else".into()),
            at: crate::from_ms(row.try_get("updated_at").unwrap_or_default()),
        },
        Err(err) => StoreError::Database(err),
    }
}
