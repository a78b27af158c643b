//! Every open CAF in the area as the early help team's list needs it, held in the process and
//! kept current from the `caf_changes` feed instead of read whole on every request
//! (docs/PERFORMANCE.md). Triggers on every table the list reads write the feed (migration
//! 0031), so no write, bulk or not, can leave it out. Each request first catches up with every
//! change it can see, so an instance never answers from stale data whichever instance wrote.
//! The facts held do not depend on who asks or on the day: the actor's relationship to each
//! CAF is decided per request from them, and the alerts, which depend on the day and the local
//! rules, are computed again only when either changes.
use super::alerts::{read, Read};
use crate::{Backend, Result, Store};
use chrono::NaiveDate;
use ecaf_domain::access::Actor;
use ecaf_domain::caf::access::Relationship;
use ecaf_domain::caf::alerts::{alerts, Alert, LocalRules};
use ecaf_domain::caf::lifecycle::CafState;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// More CAFs changed than this since the last request are read by rebuilding the whole in a
/// few set-based queries (a fraction of a second at 20,000 CAFs) rather than one by one.
const REBUILD_OVER: usize = 500;

/// The columns of a CAF `c` itself. `overdue_actions` is counted for the day from the due
/// dates held, so that what is held does not depend on the day.
const CAF_COLUMNS: &str =
    "c.id, c.reference, c.state, c.opened_on, c.next_review_on, c.lead_status, \
     c.assessor_id, c.lead_professional_id, c.step_up, c.owning_agency_id, c.imported, \
     CAST(0 AS BIGINT) AS overdue_actions";

/// Every open CAF's facts, on joins of grouped counts (one pass over each table rather than a
/// subquery per CAF).
const EVERY_OPEN_CAF: &str = "COALESCE(sc.n, 0) AS sharing, COALESCE(wc.n, 0) AS withdrawn, \
     CAST(CASE WHEN lk.withdrawn_on IS NOT NULL THEN 1 ELSE 0 END AS BIGINT) AS latest_withdrawn, \
     v.at AS signed_off_at, COALESCE(rv.n, 0) AS reviews_held FROM cafs c \
     LEFT JOIN (SELECT caf_id, COUNT(*) AS n, MAX(id) AS latest FROM caf_consents WHERE stage = 'sharing' \
        GROUP BY caf_id) sc ON sc.caf_id = c.id \
     LEFT JOIN caf_consents lk ON lk.id = sc.latest \
     LEFT JOIN (SELECT caf_id, COUNT(*) AS n FROM caf_consents WHERE withdrawn_on IS NOT NULL GROUP BY caf_id) wc \
        ON wc.caf_id = c.id \
     LEFT JOIN caf_versions v ON v.caf_id = c.id AND v.number = 1 \
     LEFT JOIN (SELECT caf_id, COUNT(*) AS n FROM caf_reviews GROUP BY caf_id) rv ON rv.caf_id = c.id \
     WHERE c.state <> 'closed' AND c.imported = 0";

/// One CAF's facts ($1 the CAF), whatever its state, each through its index.
const ONE_CAF: &str = "\
     (SELECT COUNT(*) FROM caf_consents k WHERE k.caf_id = c.id AND k.stage = 'sharing') AS sharing, \
     (SELECT COUNT(*) FROM caf_consents k WHERE k.caf_id = c.id AND k.withdrawn_on IS NOT NULL) AS withdrawn, \
     (SELECT COUNT(*) FROM caf_consents k WHERE k.caf_id = c.id AND k.stage = 'sharing' AND k.withdrawn_on IS NOT NULL \
        AND k.id = (SELECT MAX(id) FROM caf_consents WHERE caf_id = c.id AND stage = 'sharing')) AS latest_withdrawn, \
     (SELECT v.at FROM caf_versions v WHERE v.caf_id = c.id AND v.number = 1) AS signed_off_at, \
     (SELECT COUNT(*) FROM caf_reviews r WHERE r.caf_id = c.id) AS reviews_held \
     FROM cafs c WHERE c.id = $1";

/// The rows of a CAF's child tables the list needs.
#[derive(Clone, Copy)]
enum List {
    OpenActionDues,
    TeamUsers,
    /// The agencies named in the latest consent to share, unless it is withdrawn.
    ConsentedAgencies,
    /// The agencies shared with, without consent, under a recorded exception.
    SharedAgencies,
}

impl List {
    const ALL: [List; 4] = [
        List::OpenActionDues,
        List::TeamUsers,
        List::ConsentedAgencies,
        List::SharedAgencies,
    ];

    /// As (`caf_id`, `value`), and the column that narrows it to one CAF.
    fn sql(self) -> (&'static str, &'static str) {
        match self {
            List::OpenActionDues => (
                "SELECT x.caf_id, x.due_on AS value FROM caf_actions x WHERE x.status NOT IN ('done', 'not_done')",
                "x.caf_id",
            ),
            List::TeamUsers => (
                "SELECT m.caf_id, m.user_id AS value FROM caf_team_members m \
                 WHERE m.left_on IS NULL AND m.user_id IS NOT NULL",
                "m.caf_id",
            ),
            List::ConsentedAgencies => (
                "SELECT k.caf_id, a.agency_id AS value FROM caf_consents k \
                 JOIN caf_consent_agencies a ON a.consent_id = k.id \
                 WHERE k.stage = 'sharing' AND k.withdrawn_on IS NULL \
                 AND k.id = (SELECT MAX(l.id) FROM caf_consents l WHERE l.caf_id = k.caf_id AND l.stage = 'sharing')",
                "k.caf_id",
            ),
            List::SharedAgencies => (
                "SELECT DISTINCT d.caf_id, a.agency_id AS value FROM caf_sharing_decisions d \
                 JOIN caf_sharing_decision_agencies a ON a.decision_id = d.id WHERE d.shared = 1",
                "d.caf_id",
            ),
        }
    }

    fn add(self, caf: &mut AreaCaf, row: &AnyRow) -> Result<()> {
        match self {
            List::OpenActionDues => {
                if let Ok(due) = row.try_get::<String, _>("value")?.parse() {
                    caf.open_action_dues.push(due);
                }
            }
            List::TeamUsers => caf.team_users.push(row.try_get("value")?),
            List::ConsentedAgencies => caf.consented_agencies.push(row.try_get("value")?),
            List::SharedAgencies => caf.shared_agencies.push(row.try_get("value")?),
        }
        Ok(())
    }
}

/// One open CAF as held.
#[derive(Clone)]
pub(super) struct AreaCaf {
    pub caf: Read,
    pub agency_id: i64,
    open_action_dues: Vec<NaiveDate>,
    team_users: Vec<i64>,
    consented_agencies: Vec<i64>,
    shared_agencies: Vec<i64>,
    /// For the day and rules the area's alerts are for.
    pub alerts: Vec<Alert>,
}

impl AreaCaf {
    fn new(caf: Read, agency_id: i64) -> AreaCaf {
        AreaCaf {
            caf,
            agency_id,
            open_action_dues: vec![],
            team_users: vec![],
            consented_agencies: vec![],
            shared_agencies: vec![],
            alerts: vec![],
        }
    }

    fn compute_alerts(&mut self, (today, rules): (NaiveDate, LocalRules)) {
        self.caf.facts.overdue_actions =
            self.open_action_dues.iter().filter(|d| **d < today).count() as i64;
        self.alerts = alerts(&self.caf.facts, &rules, today);
    }

    /// The actor's relationship to it, as `access::open` reads it for one CAF.
    pub fn relationship(&self, actor: &Actor, people: &People) -> Relationship {
        let manages = |user: Option<i64>| {
            user.and_then(|u| people.users.get(&u)).is_some_and(|u| {
                u.line_manager_id == Some(actor.user_id) || u.deputy_id == Some(actor.user_id)
            })
        };
        Relationship {
            is_assessor: self.caf.assessor_id == Some(actor.user_id),
            is_lead_professional: self.caf.lead_professional_id == Some(actor.user_id),
            is_team_member: self.team_users.contains(&actor.user_id),
            agency_may_receive: self.consented_agencies.contains(&actor.agency_id),
            agency_shared_with: self.shared_agencies.contains(&actor.agency_id),
            manages_assessor: manages(self.caf.assessor_id),
            manages_lead_professional: manages(self.caf.lead_professional_id),
        }
    }
}

pub(super) struct User {
    pub name: String,
    pub line_manager_id: Option<i64>,
    pub deputy_id: Option<i64>,
}

/// Every user's name and managers and every agency's name: few beside the CAFs, so read
/// again whole whenever one changes.
#[derive(Default)]
pub(super) struct People {
    pub users: HashMap<i64, User>,
    pub agencies: HashMap<i64, String>,
}

impl People {
    pub fn user_name(&self, id: Option<i64>) -> Option<String> {
        id.and_then(|id| self.users.get(&id))
            .map(|u| u.name.clone())
    }
}

/// Where this process is in the change feed.
#[derive(Default)]
struct Feed {
    /// SQLite (one writer at a time, so ids are in commit order): the last change read.
    /// PostgreSQL: the oldest transaction still running when the feed was last read, so that
    /// every change not read yet is of it or of a later one, whatever its id.
    from: i64,
    /// PostgreSQL: the changes of those transactions already applied.
    applied: HashSet<i64>,
}

struct Area {
    cafs: Arc<HashMap<i64, AreaCaf>>,
    people: Arc<People>,
    alerts_for: (NaiveDate, LocalRules),
    feed: Feed,
}

/// The area as a request reads it: every open CAF, caught up with the latest change the
/// request could see.
pub(super) struct AreaView {
    pub cafs: Arc<HashMap<i64, AreaCaf>>,
    pub people: Arc<People>,
}

/// The process's copy of the area, built at the first request that needs it. The mutex makes
/// catching up single-flight; requests read the copy they were given while the next catches up.
#[derive(Default)]
pub(crate) struct AreaCache {
    area: tokio::sync::Mutex<Option<Area>>,
}

impl Store {
    /// Every open CAF in the area with its alerts for `today` under `rules`, as of the latest
    /// change this instance can see.
    pub(super) async fn area(&self, today: NaiveDate, rules: LocalRules) -> Result<AreaView> {
        let mut slot = self.area_cache().area.lock().await;
        let caught_up = match slot.as_mut() {
            Some(area) => self.catch_up_area(area).await?,
            None => false,
        };
        let area = match slot.as_mut() {
            Some(area) if caught_up => area,
            _ => slot.insert(self.build_area((today, rules)).await?),
        };
        if area.alerts_for != (today, rules) {
            area.alerts_for = (today, rules);
            for caf in Arc::make_mut(&mut area.cafs).values_mut() {
                caf.compute_alerts((today, rules));
            }
        }
        Ok(AreaView {
            cafs: Arc::clone(&area.cafs),
            people: Arc::clone(&area.people),
        })
    }

    /// Where the feed is now, read before the area so that a change committed while it is
    /// read is applied again afterwards (which is harmless).
    async fn feed_position(&self) -> Result<Feed> {
        let from = match self.backend() {
            Backend::Sqlite => {
                sqlx::query("SELECT COALESCE(MAX(id), 0) AS at FROM caf_changes")
                    .fetch_one(self.pool())
                    .await?
            }
            Backend::Postgres => {
                sqlx::query("SELECT pg_snapshot_xmin(pg_current_snapshot())::TEXT::BIGINT AS at")
                    .fetch_one(self.pool())
                    .await?
            }
        }
        .try_get("at")?;
        Ok(Feed {
            from,
            applied: HashSet::new(),
        })
    }

    async fn build_area(&self, alerts_for: (NaiveDate, LocalRules)) -> Result<Area> {
        let feed = self.feed_position().await?;
        let people = self.people().await?;
        let mut cafs = HashMap::new();
        for row in sqlx::query(&format!("SELECT {CAF_COLUMNS}, {EVERY_OPEN_CAF}"))
            .fetch_all(self.pool())
            .await?
        {
            let caf = read(&row)?;
            cafs.insert(caf.id, AreaCaf::new(caf, row.try_get("owning_agency_id")?));
        }
        for list in List::ALL {
            for row in sqlx::query(list.sql().0).fetch_all(self.pool()).await? {
                if let Some(caf) = cafs.get_mut(&row.try_get::<i64, _>("caf_id")?) {
                    list.add(caf, &row)?;
                }
            }
        }
        for caf in cafs.values_mut() {
            caf.compute_alerts(alerts_for);
        }
        Ok(Area {
            cafs: Arc::new(cafs),
            people: Arc::new(people),
            alerts_for,
            feed,
        })
    }

    /// Apply the changes since the area was last caught up; false if there are so many that
    /// it is better rebuilt.
    async fn catch_up_area(&self, area: &mut Area) -> Result<bool> {
        let (feed, changed) = match self.backend() {
            Backend::Sqlite => {
                let rows =
                    sqlx::query("SELECT id, caf_id FROM caf_changes WHERE id > $1 ORDER BY id")
                        .bind(area.feed.from)
                        .fetch_all(self.pool())
                        .await?;
                let from = match rows.last() {
                    Some(last) => last.try_get("id")?,
                    None => area.feed.from,
                };
                let changed = rows
                    .iter()
                    .map(|r| r.try_get::<Option<i64>, _>("caf_id"))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                (
                    Feed {
                        from,
                        applied: HashSet::new(),
                    },
                    changed,
                )
            }
            Backend::Postgres => {
                // Every transaction older than the horizon has ended, so the read after it
                // sees all of their changes; any not visible yet are of transactions from the
                // horizon on, read again next time.
                let mut next = self.feed_position().await?;
                let rows = sqlx::query("SELECT id, caf_id FROM caf_changes WHERE xact >= $1")
                    .bind(area.feed.from)
                    .fetch_all(self.pool())
                    .await?;
                let mut changed = vec![];
                for row in rows {
                    let id: i64 = row.try_get("id")?;
                    if !area.feed.applied.contains(&id) {
                        changed.push(row.try_get::<Option<i64>, _>("caf_id")?);
                    }
                    next.applied.insert(id);
                }
                (next, changed)
            }
        };
        let people = if changed.contains(&None) {
            Some(self.people().await?)
        } else {
            None
        };
        let ids: HashSet<i64> = changed.into_iter().flatten().collect();
        if ids.len() > REBUILD_OVER {
            return Ok(false);
        }
        let mut read = Vec::with_capacity(ids.len());
        for id in ids {
            read.push((id, self.area_caf(id).await?));
        }
        // Nothing is applied until everything is read, so a failure leaves the area as it
        // was, to be caught up by the next request.
        if let Some(people) = people {
            area.people = Arc::new(people);
        }
        if !read.is_empty() {
            let cafs = Arc::make_mut(&mut area.cafs);
            for (id, caf) in read {
                match caf {
                    Some(mut caf) => {
                        caf.compute_alerts(area.alerts_for);
                        cafs.insert(id, caf);
                    }
                    None => {
                        cafs.remove(&id);
                    }
                }
            }
        }
        area.feed = feed;
        Ok(true)
    }

    /// One CAF as held, or `None` if it is not (or no longer) an open CAF of the area's.
    async fn area_caf(&self, id: i64) -> Result<Option<AreaCaf>> {
        let Some(row) = sqlx::query(&format!("SELECT {CAF_COLUMNS}, {ONE_CAF}"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let caf = read(&row)?;
        if caf.facts.state == CafState::Closed || row.try_get::<i64, _>("imported")? != 0 {
            return Ok(None);
        }
        let mut caf = AreaCaf::new(caf, row.try_get("owning_agency_id")?);
        for list in List::ALL {
            let (sql, column) = list.sql();
            for row in sqlx::query(&format!("{sql} AND {column} = $1"))
                .bind(id)
                .fetch_all(self.pool())
                .await?
            {
                list.add(&mut caf, &row)?;
            }
        }
        Ok(Some(caf))
    }

    async fn people(&self) -> Result<People> {
        let mut people = People::default();
        for row in sqlx::query("SELECT id, name, line_manager_id, deputy_id FROM users")
            .fetch_all(self.pool())
            .await?
        {
            people.users.insert(
                row.try_get("id")?,
                User {
                    name: row.try_get("name")?,
                    line_manager_id: row.try_get("line_manager_id")?,
                    deputy_id: row.try_get("deputy_id")?,
                },
            );
        }
        for row in sqlx::query("SELECT id, name FROM agencies")
            .fetch_all(self.pool())
            .await?
        {
            people
                .agencies
                .insert(row.try_get("id")?, row.try_get("name")?);
        }
        Ok(people)
    }
}
