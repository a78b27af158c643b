//! The lists on each role's home page: the CAFs a practitioner holds, those of the people a
//! line manager manages or deputises for, every open CAF in the area for the early help team,
//! a practitioner's actions on other people's CAFs, and a service manager's figures. Each CAF
//! comes with the actor's relationship to it (for the area, from the process's copy of it,
//! `area`; otherwise from one set-based read of the actor's own), and goes through
//! `domain::caf::access::decide` like any other read: one that may only be known to exist
//! is listed without its children's names or actions; one the actor may not know of is not
//! listed at all. Each showing is audited with the CAFs it showed.
use super::alerts::{read, FACTS};
use super::area::{AreaCaf, People};
use crate::audit::{self, AuditEntry};
use crate::{Attribution, Result, Store};
use chrono::{Datelike, Months, NaiveDate};
use ecaf_domain::access::Actor;
use ecaf_domain::caf::access::{decide, CafAction, CafStanding, Decision, Relationship};
use ecaf_domain::caf::alerts::{alerts, Alert, AlertKind, LocalRules};
use ecaf_domain::caf::lifecycle::CafState;
use ecaf_domain::caf::plan::ActionStatus;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// Whose CAFs a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HomeScope {
    /// Those the actor is assessor or lead professional of.
    Mine,
    /// Those held by the people the actor line-manages or deputises for.
    Managed,
    /// Every open CAF in the area (the early help team).
    Area,
}

impl HomeScope {
    pub fn code(self) -> &'static str {
        match self {
            HomeScope::Mine => "mine",
            HomeScope::Managed => "managed",
            HomeScope::Area => "area",
        }
    }
}

/// What a list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HomeSort {
    /// The most urgent alert first (those with none last), then the oldest.
    #[default]
    NextStep,
    Reference,
    State,
    Opened,
    NextReview,
    Holder,
}

impl HomeSort {
    pub const ALL: [HomeSort; 6] = [
        HomeSort::NextStep,
        HomeSort::Reference,
        HomeSort::State,
        HomeSort::Opened,
        HomeSort::NextReview,
        HomeSort::Holder,
    ];

    pub fn code(self) -> &'static str {
        match self {
            HomeSort::NextStep => "next_step",
            HomeSort::Reference => "reference",
            HomeSort::State => "state",
            HomeSort::Opened => "opened",
            HomeSort::NextReview => "next_review",
            HomeSort::Holder => "holder",
        }
    }

    pub fn parse(code: &str) -> Option<HomeSort> {
        HomeSort::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Which page of which CAFs, filtered and sorted.
#[derive(Debug, Clone)]
pub struct HomeQuery {
    pub scope: HomeScope,
    pub state: Option<CafState>,
    pub alert: Option<AlertKind>,
    /// Only those this user is assessor or lead professional of.
    pub holder: Option<i64>,
    /// Only those without a lead professional.
    pub no_lead: bool,
    pub sort: HomeSort,
    pub descending: bool,
    /// From 1.
    pub page: usize,
    pub per_page: usize,
}

/// One CAF on a home page.
#[derive(Debug, Clone, Serialize)]
pub struct HomeCaf {
    pub id: i64,
    pub reference: String,
    /// The state's code.
    pub state: &'static str,
    pub state_label: &'static str,
    pub opened_on: NaiveDate,
    pub next_review_on: Option<NaiveDate>,
    pub agency: String,
    pub assessor_id: Option<i64>,
    pub assessor: Option<String>,
    pub lead_professional_id: Option<i64>,
    pub lead_professional: Option<String>,
    /// The actor may read its content; otherwise only that it exists is listed.
    pub shared: bool,
    /// The children's names, when shared.
    pub children: String,
    pub alerts: Vec<Alert>,
}

/// A holder's CAFs in number, for a line manager.
#[derive(Debug, Clone, Serialize)]
pub struct HolderCount {
    pub user_id: i64,
    pub name: String,
    pub open: usize,
    pub reviews_due: usize,
    pub reviews_overdue: usize,
    pub actions_overdue: usize,
}

/// One page of a list, with counts over the whole (unfiltered) list.
#[derive(Debug, Clone, Serialize)]
pub struct HomeList {
    pub rows: Vec<HomeCaf>,
    /// How many match the filters.
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    /// Open CAFs by state (code, label, count), in the lifecycle's order.
    pub by_state: Vec<(&'static str, &'static str, usize)>,
    /// CAFs with each kind of alert.
    pub by_alert: Vec<(AlertKind, usize)>,
    pub without_lead: usize,
    /// For the managed scope: each person managed who holds a CAF.
    pub holders: Vec<HolderCount>,
}

/// An action a practitioner owns, as a team member, on someone else's CAF.
#[derive(Debug, Clone, Serialize)]
pub struct MyAction {
    pub action_id: i64,
    pub caf_id: i64,
    pub reference: String,
    /// What is to be done, when the actor may read the CAF.
    pub what: Option<String>,
    pub due_on: NaiveDate,
    pub status: &'static str,
    pub overdue: bool,
}

/// Opened and closed in one month.
#[derive(Debug, Clone, Serialize)]
pub struct MonthCount {
    /// `2026-11`.
    pub month: String,
    /// `November 2026`.
    pub label: String,
    pub opened: i64,
    pub closed: i64,
}

/// Open CAFs of one agency (or one team of it) by state.
#[derive(Debug, Clone, Serialize)]
pub struct OpenCount {
    pub agency: String,
    /// Empty for the agency's own row.
    pub team: String,
    /// In the order of `CafState::ALL` without `Closed`.
    pub by_state: Vec<i64>,
    pub total: i64,
}

/// A service manager's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceFigures {
    /// The last six months, oldest first.
    pub months: Vec<MonthCount>,
    pub by_agency: Vec<OpenCount>,
    pub by_team: Vec<OpenCount>,
    pub states: Vec<&'static str>,
}

/// The actor's relationship to CAF `c` ($2 the actor, $3 their agency), as `access::open`
/// reads it for one CAF.
const RELATIONSHIP: &str = "\
     (SELECT COUNT(*) FROM caf_team_members m WHERE m.caf_id = c.id AND m.user_id = $2 AND m.left_on IS NULL) AS team, \
     (SELECT COUNT(*) FROM users u WHERE u.id = c.assessor_id AND (u.line_manager_id = $2 OR u.deputy_id = $2)) AS manages_assessor, \
     (SELECT COUNT(*) FROM users u WHERE u.id = c.lead_professional_id AND (u.line_manager_id = $2 OR u.deputy_id = $2)) AS manages_lead, \
     (SELECT COUNT(*) FROM caf_consents k JOIN caf_consent_agencies a ON a.consent_id = k.id \
        WHERE k.caf_id = c.id AND k.stage = 'sharing' AND k.withdrawn_on IS NULL AND a.agency_id = $3 \
        AND k.id = (SELECT MAX(id) FROM caf_consents WHERE caf_id = c.id AND stage = 'sharing')) AS consented_agency, \
     (SELECT COUNT(*) FROM caf_sharing_decisions d JOIN caf_sharing_decision_agencies a ON a.decision_id = d.id \
        WHERE d.caf_id = c.id AND d.shared = 1 AND a.agency_id = $3) AS shared_agency";

fn decision(actor: &Actor, row: &AnyRow, caf: &super::alerts::Read) -> Result<Decision> {
    let yes = |c: &str| -> Result<bool> { Ok(row.try_get::<i64, _>(c)? > 0) };
    let relationship = Relationship {
        is_assessor: caf.assessor_id == Some(actor.user_id),
        is_lead_professional: caf.lead_professional_id == Some(actor.user_id),
        is_team_member: yes("team")?,
        agency_may_receive: yes("consented_agency")?,
        agency_shared_with: yes("shared_agency")?,
        manages_assessor: yes("manages_assessor")?,
        manages_lead_professional: yes("manages_lead")?,
    };
    Ok(decide_read(actor, &relationship, caf))
}

fn decide_read(actor: &Actor, relationship: &Relationship, caf: &super::alerts::Read) -> Decision {
    let standing = CafStanding {
        sharing_consented: caf.ever_shared,
        consent_withdrawn: caf.ever_withdrawn,
        closed: caf.facts.state == CafState::Closed,
    };
    decide(actor, relationship, &standing, CafAction::Read).0
}

/// Someone who may only know a CAF exists is told only what the early help team acts on, not
/// how its plan or consent stands.
fn shown_to(alert: &Alert, shared: bool) -> bool {
    shared || alert.kind.for_early_help_team()
}

const OPEN_STATES: [CafState; 5] = [
    CafState::Draft,
    CafState::AssessmentSignedOff,
    CafState::PlanInPlace,
    CafState::UnderReview,
    CafState::SteppedUp,
];

/// What a list counts, filters and sorts each CAF by before the page shown is built: a
/// [`HomeCaf`] for the lists read from the database (a hundred-odd CAFs), a reference into the
/// process's copy of the area for the early help team's (20,000), so that only a page of those
/// become `HomeCaf`s.
trait Listed {
    fn id(&self) -> i64;
    fn reference(&self) -> &str;
    fn state(&self) -> &'static str;
    fn opened_on(&self) -> NaiveDate;
    fn next_review_on(&self) -> Option<NaiveDate>;
    fn assessor_id(&self) -> Option<i64>;
    fn lead_professional_id(&self) -> Option<i64>;
    /// The lead professional's name, or the assessor's.
    fn holder(&self) -> &str;
    /// The alerts shown to the actor, most urgent first.
    fn alerts(&self) -> impl Iterator<Item = &Alert>;
    fn into_home_caf(self) -> HomeCaf;

    fn has_alert(&self, kind: AlertKind) -> bool {
        self.alerts().any(|a| a.kind == kind)
    }

    fn held_by(&self, user: i64) -> bool {
        self.assessor_id() == Some(user) || self.lead_professional_id() == Some(user)
    }
}

impl Listed for HomeCaf {
    fn id(&self) -> i64 {
        self.id
    }
    fn reference(&self) -> &str {
        &self.reference
    }
    fn state(&self) -> &'static str {
        self.state
    }
    fn opened_on(&self) -> NaiveDate {
        self.opened_on
    }
    fn next_review_on(&self) -> Option<NaiveDate> {
        self.next_review_on
    }
    fn assessor_id(&self) -> Option<i64> {
        self.assessor_id
    }
    fn lead_professional_id(&self) -> Option<i64> {
        self.lead_professional_id
    }
    fn holder(&self) -> &str {
        self.lead_professional
            .as_deref()
            .or(self.assessor.as_deref())
            .unwrap_or_default()
    }
    fn alerts(&self) -> impl Iterator<Item = &Alert> {
        self.alerts.iter()
    }
    fn into_home_caf(self) -> HomeCaf {
        self
    }
}

/// An open CAF of the area's copy, as one actor may know of it.
struct AreaRow<'a> {
    held: &'a AreaCaf,
    people: &'a People,
    shared: bool,
}

impl Listed for AreaRow<'_> {
    fn id(&self) -> i64 {
        self.held.caf.id
    }
    fn reference(&self) -> &str {
        &self.held.caf.reference
    }
    fn state(&self) -> &'static str {
        self.held.caf.facts.state.code()
    }
    fn opened_on(&self) -> NaiveDate {
        self.held.caf.facts.opened_on
    }
    fn next_review_on(&self) -> Option<NaiveDate> {
        self.held.caf.facts.next_review_on
    }
    fn assessor_id(&self) -> Option<i64> {
        self.held.caf.assessor_id
    }
    fn lead_professional_id(&self) -> Option<i64> {
        self.held.caf.lead_professional_id
    }
    fn holder(&self) -> &str {
        let name = |id: Option<i64>| {
            id.and_then(|id| self.people.users.get(&id))
                .map(|u| u.name.as_str())
        };
        name(self.lead_professional_id())
            .or_else(|| name(self.assessor_id()))
            .unwrap_or_default()
    }
    fn alerts(&self) -> impl Iterator<Item = &Alert> {
        let shared = self.shared;
        self.held.alerts.iter().filter(move |a| shown_to(a, shared))
    }
    fn into_home_caf(self) -> HomeCaf {
        let caf = &self.held.caf;
        HomeCaf {
            id: caf.id,
            reference: caf.reference.clone(),
            state: caf.facts.state.code(),
            state_label: caf.facts.state.label(),
            opened_on: caf.facts.opened_on,
            next_review_on: caf.facts.next_review_on,
            agency: self
                .people
                .agencies
                .get(&self.held.agency_id)
                .cloned()
                .unwrap_or_default(),
            assessor_id: caf.assessor_id,
            assessor: self.people.user_name(caf.assessor_id),
            lead_professional_id: caf.lead_professional_id,
            lead_professional: self.people.user_name(caf.lead_professional_id),
            shared: self.shared,
            children: String::new(),
            alerts: self.alerts().cloned().collect(),
        }
    }
}

fn sort_rows<T: Listed>(rows: &mut [T], sort: HomeSort, descending: bool) {
    rows.sort_by(|a, b| {
        let order = match sort {
            HomeSort::NextStep => {
                let first = |c: &T| c.alerts().next().map_or(usize::MAX, |a| a.kind as usize);
                first(a)
                    .cmp(&first(b))
                    .then(a.opened_on().cmp(&b.opened_on()))
            }
            HomeSort::Reference => a.reference().cmp(b.reference()),
            HomeSort::State => {
                let at = |c: &T| OPEN_STATES.iter().position(|s| s.code() == c.state());
                at(a).cmp(&at(b))
            }
            HomeSort::Opened => a.opened_on().cmp(&b.opened_on()),
            // Those without a review date after those with one.
            HomeSort::NextReview => a
                .next_review_on()
                .unwrap_or(NaiveDate::MAX)
                .cmp(&b.next_review_on().unwrap_or(NaiveDate::MAX)),
            HomeSort::Holder => a.holder().cmp(b.holder()),
        }
        .then(a.id().cmp(&b.id()));
        if descending {
            order.reverse()
        } else {
            order
        }
    });
}

impl Store {
    /// One page of the open CAFs in `query.scope` that `actor` may know of, filtered and
    /// sorted, with counts; the showing audited with the references shown.
    pub async fn home_cafs(
        &self,
        actor: &Actor,
        by: &Attribution,
        query: &HomeQuery,
    ) -> Result<HomeList> {
        let today = self.clock().now().date_naive();
        let rules = self.local_rules().await?;
        match query.scope {
            HomeScope::Area => {
                let area = self.area(today, rules).await?;
                let mut all = Vec::with_capacity(area.cafs.len());
                for held in area.cafs.values() {
                    let relationship = held.relationship(actor, &area.people);
                    let shared = match decide_read(actor, &relationship, &held.caf) {
                        Decision::Allowed => true,
                        Decision::ExistenceOnly => false,
                        Decision::Refused => continue,
                    };
                    all.push(AreaRow {
                        held,
                        people: &area.people,
                        shared,
                    });
                }
                self.list(actor, by, query, all).await
            }
            HomeScope::Mine | HomeScope::Managed => {
                let all = self.holders_cafs(actor, query.scope, today, rules).await?;
                self.list(actor, by, query, all).await
            }
        }
    }

    /// One page of `all`, filtered and sorted, with counts over the whole; the showing audited.
    async fn list<T: Listed>(
        &self,
        actor: &Actor,
        by: &Attribution,
        query: &HomeQuery,
        all: Vec<T>,
    ) -> Result<HomeList> {
        let by_state = OPEN_STATES
            .iter()
            .map(|s| {
                (
                    s.code(),
                    s.label(),
                    all.iter().filter(|c| c.state() == s.code()).count(),
                )
            })
            .collect();
        let by_alert = AlertKind::ALL
            .iter()
            .map(|k| (*k, all.iter().filter(|c| c.has_alert(*k)).count()))
            .filter(|(_, n)| *n > 0)
            .collect();
        let without_lead = all
            .iter()
            .filter(|c| c.lead_professional_id().is_none())
            .count();
        let holders = if query.scope == HomeScope::Managed {
            self.holder_counts(actor, &all).await?
        } else {
            vec![]
        };
        let mut chosen: Vec<T> = all
            .into_iter()
            .filter(|c| query.state.is_none_or(|s| s.code() == c.state()))
            .filter(|c| query.alert.is_none_or(|k| c.has_alert(k)))
            .filter(|c| query.holder.is_none_or(|h| c.held_by(h)))
            .filter(|c| !query.no_lead || c.lead_professional_id().is_none())
            .collect();
        sort_rows(&mut chosen, query.sort, query.descending);
        let total = chosen.len();
        let per_page = query.per_page.max(1);
        let pages = total.div_ceil(per_page).max(1);
        let page = query.page.clamp(1, pages);
        let mut shown: Vec<HomeCaf> = chosen
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(Listed::into_home_caf)
            .collect();
        let shared: Vec<i64> = shown.iter().filter(|c| c.shared).map(|c| c.id).collect();
        let mut children = self.children_named(&shared).await?;
        for caf in &mut shown {
            caf.children = children.remove(&caf.id).unwrap_or_default();
        }
        let references: Vec<&str> = shown.iter().map(|c| c.reference.as_str()).collect();
        self.audit_listing(
            by,
            actor,
            "caf.list",
            format!(
                "home page ({}): {total} CAFs, page {page} shows {}",
                query.scope.code(),
                references.join(", ")
            ),
        )
        .await?;
        Ok(HomeList {
            rows: shown,
            total,
            page,
            pages,
            by_state,
            by_alert,
            without_lead,
            holders,
        })
    }

    /// The open CAFs `actor` holds, or the people they manage hold, that they may know of: a
    /// hundred-odd each, read through the indexes.
    async fn holders_cafs(
        &self,
        actor: &Actor,
        scope: HomeScope,
        today: NaiveDate,
        rules: LocalRules,
    ) -> Result<Vec<HomeCaf>> {
        let sql = format!(
            "SELECT {FACTS}, {RELATIONSHIP}, ag.name AS agency, ua.name AS assessor_name, ul.name AS lead_name \
             FROM cafs c JOIN agencies ag ON ag.id = c.owning_agency_id \
             LEFT JOIN users ua ON ua.id = c.assessor_id LEFT JOIN users ul ON ul.id = c.lead_professional_id \
             WHERE c.state <> 'closed' AND c.imported = 0 AND {}",
            if scope == HomeScope::Mine {
                "(c.assessor_id = $2 OR c.lead_professional_id = $2)"
            } else {
                "(c.assessor_id IN (SELECT u.id FROM users u WHERE u.line_manager_id = $2 OR u.deputy_id = $2) \
                 OR c.lead_professional_id IN (SELECT u.id FROM users u WHERE u.line_manager_id = $2 OR u.deputy_id = $2))"
            }
        );
        let rows = sqlx::query(&sql)
            .bind(today.to_string())
            .bind(actor.user_id)
            .bind(actor.agency_id)
            .fetch_all(self.pool())
            .await?;
        let mut all = Vec::with_capacity(rows.len());
        for row in &rows {
            let caf = read(row)?;
            let shared = match decision(actor, row, &caf)? {
                Decision::Allowed => true,
                Decision::ExistenceOnly => false,
                Decision::Refused => continue,
            };
            all.push(HomeCaf {
                id: caf.id,
                reference: caf.reference,
                state: caf.facts.state.code(),
                state_label: caf.facts.state.label(),
                opened_on: caf.facts.opened_on,
                next_review_on: caf.facts.next_review_on,
                agency: row.try_get("agency")?,
                assessor_id: caf.assessor_id,
                assessor: row.try_get("assessor_name")?,
                lead_professional_id: caf.lead_professional_id,
                lead_professional: row.try_get("lead_name")?,
                shared,
                children: String::new(),
                alerts: alerts(&caf.facts, &rules, today)
                    .into_iter()
                    .filter(|a| shown_to(a, shared))
                    .collect(),
            });
        }
        Ok(all)
    }

    async fn audit_listing(
        &self,
        by: &Attribution,
        actor: &Actor,
        action: &str,
        detail: String,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        audit::record(
            &mut tx,
            self.now_ms(),
            by,
            AuditEntry::new(action)
                .record("user", actor.user_id)
                .detail(detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The children's names of each of `cafs`, joined with "and".
    async fn children_named(&self, cafs: &[i64]) -> Result<HashMap<i64, String>> {
        if cafs.is_empty() {
            return Ok(HashMap::new());
        }
        let mut named: HashMap<i64, Vec<String>> = HashMap::new();
        let placeholders: Vec<String> = (1..=cafs.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT k.caf_id, p.given_name, p.family_name FROM caf_children k JOIN people p ON p.id = k.person_id \
             WHERE k.caf_id IN ({}) ORDER BY k.caf_id, p.id",
            placeholders.join(", ")
        );
        let mut select = sqlx::query(&sql);
        for caf in cafs {
            select = select.bind(caf);
        }
        for p in select.fetch_all(self.pool()).await? {
            named.entry(p.try_get("caf_id")?).or_default().push(format!(
                "{} {}",
                p.try_get::<String, _>("given_name")?,
                p.try_get::<String, _>("family_name")?
            ));
        }
        Ok(named
            .into_iter()
            .map(|(caf, names)| (caf, names.join(" and ")))
            .collect())
    }

    async fn holder_counts<T: Listed>(
        &self,
        actor: &Actor,
        cafs: &[T],
    ) -> Result<Vec<HolderCount>> {
        let people = sqlx::query(
            "SELECT id, name FROM users WHERE (line_manager_id = $1 OR deputy_id = $1) AND id <> $1 ORDER BY name, id",
        )
        .bind(actor.user_id)
        .fetch_all(self.pool())
        .await?;
        let mut counts = vec![];
        for p in people {
            let id: i64 = p.try_get("id")?;
            let theirs: Vec<&T> = cafs.iter().filter(|c| c.held_by(id)).collect();
            let with = |k: AlertKind| theirs.iter().filter(|c| c.has_alert(k)).count();
            counts.push(HolderCount {
                user_id: id,
                name: p.try_get("name")?,
                open: theirs.len(),
                reviews_due: with(AlertKind::ReviewDue),
                reviews_overdue: with(AlertKind::ReviewOverdue),
                actions_overdue: with(AlertKind::ActionsOverdue),
            });
        }
        Ok(counts)
    }

    /// The open actions `actor` owns as a member of the team around the family on CAFs they
    /// do not hold, soonest first; what each is only where they may read the CAF.
    pub async fn my_actions(&self, actor: &Actor, by: &Attribution) -> Result<Vec<MyAction>> {
        let today = self.clock().now().date_naive();
        let rows = sqlx::query(&format!(
            "SELECT x.id AS action_id, x.what, x.due_on, x.status, {FACTS}, {RELATIONSHIP} \
             FROM caf_actions x JOIN caf_team_members tm ON tm.id = x.owner_member_id JOIN cafs c ON c.id = x.caf_id \
             WHERE tm.user_id = $2 AND x.owner_kind = 'team_member' AND x.status NOT IN ('done', 'not_done') \
             AND c.state <> 'closed' AND COALESCE(c.assessor_id, 0) <> $2 AND COALESCE(c.lead_professional_id, 0) <> $2 \
             ORDER BY x.due_on, x.id"
        ))
        .bind(today.to_string())
        .bind(actor.user_id)
        .bind(actor.agency_id)
        .fetch_all(self.pool())
        .await?;
        let mut actions = vec![];
        for row in &rows {
            let caf = read(row)?;
            let shared = match decision(actor, row, &caf)? {
                Decision::Allowed => true,
                Decision::ExistenceOnly => false,
                Decision::Refused => continue,
            };
            let due_on: NaiveDate = row
                .try_get::<String, _>("due_on")?
                .parse()
                .unwrap_or_default();
            let status = ActionStatus::parse(&row.try_get::<String, _>("status")?)
                .unwrap_or(ActionStatus::NotStarted);
            actions.push(MyAction {
                action_id: row.try_get("action_id")?,
                caf_id: caf.id,
                reference: caf.reference,
                what: shared
                    .then(|| row.try_get::<String, _>("what"))
                    .transpose()?,
                due_on,
                status: status.label(),
                overdue: ecaf_domain::caf::plan::is_overdue(due_on, status, today),
            });
        }
        if !actions.is_empty() {
            self.audit_listing(
                by,
                actor,
                "caf.list",
                format!("home page: {} actions on other CAFs", actions.len()),
            )
            .await?;
        }
        Ok(actions)
    }

    /// Counts and trends for a service manager: CAFs opened and closed in each of the last
    /// six months, and open CAFs by state for each agency and each team (the assessor's).
    /// Figures only: no CAF is named.
    pub async fn service_figures(&self) -> Result<ServiceFigures> {
        let today = self.clock().now().date_naive();
        let first = today
            .with_day(1)
            .and_then(|d| d.checked_sub_months(Months::new(5)))
            .unwrap_or(today);
        let mut months: BTreeMap<String, MonthCount> = BTreeMap::new();
        for n in 0..6 {
            if let Some(m) = first.checked_add_months(Months::new(n)) {
                let key = m.format("%Y-%m").to_string();
                months.insert(
                    key.clone(),
                    MonthCount {
                        label: m.format("%B %Y").to_string(),
                        month: key,
                        opened: 0,
                        closed: 0,
                    },
                );
            }
        }
        let since = first.to_string();
        for (column, opened) in [("opened_on", true), ("closed_on", false)] {
            let rows = sqlx::query(&format!(
                "SELECT SUBSTR({column}, 1, 7) AS month, COUNT(*) AS n FROM cafs \
                 WHERE {column} >= $1 AND imported = 0 GROUP BY SUBSTR({column}, 1, 7)"
            ))
            .bind(&since)
            .fetch_all(self.pool())
            .await?;
            for r in rows {
                let month: String = r.try_get("month")?;
                if let Some(m) = months.get_mut(&month) {
                    if opened {
                        m.opened = r.try_get("n")?;
                    } else {
                        m.closed = r.try_get("n")?;
                    }
                }
            }
        }
        let rows = sqlx::query(
            "SELECT ag.name AS agency, COALESCE(t.name, '') AS team, c.state, COUNT(*) AS n \
             FROM cafs c JOIN agencies ag ON ag.id = c.owning_agency_id \
             LEFT JOIN users u ON u.id = c.assessor_id LEFT JOIN teams t ON t.id = u.team_id \
             WHERE c.state <> 'closed' AND c.imported = 0 \
             GROUP BY ag.name, COALESCE(t.name, ''), c.state",
        )
        .fetch_all(self.pool())
        .await?;
        let mut by_agency: BTreeMap<String, OpenCount> = BTreeMap::new();
        let mut by_team: BTreeMap<(String, String), OpenCount> = BTreeMap::new();
        let blank = |agency: &str, team: &str| OpenCount {
            agency: agency.into(),
            team: team.into(),
            by_state: vec![0; OPEN_STATES.len()],
            total: 0,
        };
        for r in rows {
            let agency: String = r.try_get("agency")?;
            let team: String = r.try_get("team")?;
            let state: String = r.try_get("state")?;
            let n: i64 = r.try_get("n")?;
            let Some(at) = OPEN_STATES.iter().position(|s| s.code() == state) else {
                continue;
            };
            let a = by_agency
                .entry(agency.clone())
                .or_insert_with(|| blank(&agency, ""));
            a.by_state[at] += n;
            a.total += n;
            if !team.is_empty() {
                let t = by_team
                    .entry((agency.clone(), team.clone()))
                    .or_insert_with(|| blank(&agency, &team));
                t.by_state[at] += n;
                t.total += n;
            }
        }
        Ok(ServiceFigures {
            months: months.into_values().collect(),
            by_agency: by_agency.into_values().collect(),
            by_team: by_team.into_values().collect(),
            states: OPEN_STATES.iter().map(|s| s.label()).collect(),
        })
    }
}
