//! Alerts: what needs doing on an open CAF today, computed from its facts and the injected
//! clock, never stored, so moving the clock (or recording the review) changes them at once.
//! Each says what to do and where on the CAF to do it. Besides the national rules (a review
//! due within 14 days or overdue, an action overdue, no lead professional, consent to share
//! missing or withdrawn, the written follow-up of a telephone referral, a CAF open more than
//! 12 months) an administrator can switch on local rules ([`LocalRules`]).
use crate::caf::closure::is_drifting;
use crate::caf::lifecycle::CafState;
use crate::caf::wording::Wording;
use crate::notification::NotificationKind;
use chrono::{Duration, Months, NaiveDate};
use serde::Serialize;

/// A review is "due soon" this many days ahead (and on the day itself).
pub const REVIEW_DUE_WITHIN_DAYS: i64 = 14;

/// Where the family's consent to store and share stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SharingConsent {
    NotRecorded,
    Given,
    Withdrawn,
}

/// The facts about one open CAF that alerts are computed from, as the store reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CafFacts {
    pub state: CafState,
    pub opened_on: NaiveDate,
    /// The date of version 1: when the assessment was signed off.
    pub signed_off_on: Option<NaiveDate>,
    pub next_review_on: Option<NaiveDate>,
    pub has_lead_professional: bool,
    /// `cafs.lead_status`: `none_needed_yet` means the team decided none is needed for now.
    pub lead_status: String,
    /// Actions due before today and neither done nor not done.
    pub overdue_actions: i64,
    pub sharing_consent: SharingConsent,
    /// The date of the telephone referral, while stepped up.
    pub referred_on: Option<NaiveDate>,
    pub reviews_held: i64,
}

/// The rules an administrator may switch on for the area, each with its threshold; `None` is
/// switched off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LocalRules {
    /// A draft assessment not signed off this many days after the CAF was opened.
    pub draft_unfinished_after_days: Option<i64>,
    /// No review held this many months after sign-off.
    pub no_review_after_months: Option<u32>,
}

/// The kinds of alert, in the order a practitioner should see them (most urgent first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    FollowUpDue,
    ReviewOverdue,
    ConsentWithdrawn,
    ActionsOverdue,
    ReviewDue,
    ConsentMissing,
    NoLeadProfessional,
    Drifting,
    DraftUnfinished,
    NoReviewHeld,
}

impl AlertKind {
    /// The notification that tells its people of it. Both consent alerts are "consent to
    /// share missing"; the local rules share one kind.
    pub fn notification(self) -> NotificationKind {
        match self {
            AlertKind::FollowUpDue => NotificationKind::FollowUpDue,
            AlertKind::ReviewOverdue => NotificationKind::ReviewOverdue,
            AlertKind::ConsentWithdrawn | AlertKind::ConsentMissing => {
                NotificationKind::ConsentMissing
            }
            AlertKind::ActionsOverdue => NotificationKind::ActionOverdue,
            AlertKind::ReviewDue => NotificationKind::ReviewDueSoon,
            AlertKind::NoLeadProfessional => NotificationKind::NoLeadProfessional,
            AlertKind::Drifting => NotificationKind::OpenOverAYear,
            AlertKind::DraftUnfinished | AlertKind::NoReviewHeld => NotificationKind::LocalRule,
        }
    }

    /// Whether the holders' line managers and deputies are mailed too: the alerts oversight
    /// is for (a review overdue, a referral's follow-up due), not every reminder.
    pub fn mails_managers(self) -> bool {
        matches!(self, AlertKind::ReviewOverdue | AlertKind::FollowUpDue)
    }

    pub const ALL: [AlertKind; 10] = [
        AlertKind::FollowUpDue,
        AlertKind::ReviewOverdue,
        AlertKind::ConsentWithdrawn,
        AlertKind::ActionsOverdue,
        AlertKind::ReviewDue,
        AlertKind::ConsentMissing,
        AlertKind::NoLeadProfessional,
        AlertKind::Drifting,
        AlertKind::DraftUnfinished,
        AlertKind::NoReviewHeld,
    ];

    /// The stable code used in the API and in filters.
    pub fn code(self) -> &'static str {
        match self {
            AlertKind::FollowUpDue => "follow_up_due",
            AlertKind::ReviewOverdue => "review_overdue",
            AlertKind::ConsentWithdrawn => "consent_withdrawn",
            AlertKind::ActionsOverdue => "actions_overdue",
            AlertKind::ReviewDue => "review_due",
            AlertKind::ConsentMissing => "consent_missing",
            AlertKind::NoLeadProfessional => "no_lead_professional",
            AlertKind::Drifting => "drifting",
            AlertKind::DraftUnfinished => "draft_unfinished",
            AlertKind::NoReviewHeld => "no_review_held",
        }
    }

    pub fn parse(code: &str) -> Option<AlertKind> {
        AlertKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// A short label, for filters and table cells.
    pub fn label(self, wording: &Wording) -> String {
        match self {
            AlertKind::FollowUpDue => "Written follow-up of referral due".into(),
            AlertKind::ReviewOverdue => "Review overdue".into(),
            AlertKind::ConsentWithdrawn => "Consent withdrawn".into(),
            AlertKind::ActionsOverdue => "Actions overdue".into(),
            AlertKind::ReviewDue => "Review due soon".into(),
            AlertKind::ConsentMissing => "Consent to share missing".into(),
            AlertKind::NoLeadProfessional => format!("No {}", wording.lead),
            AlertKind::Drifting => "Open more than 12 months".into(),
            AlertKind::DraftUnfinished => "Assessment not finished".into(),
            AlertKind::NoReviewHeld => "No review held".into(),
        }
    }

    /// Where on the CAF it is dealt with, after `/cafs/{id}`.
    pub fn path(self) -> &'static str {
        match self {
            AlertKind::FollowUpDue => "/step-up",
            AlertKind::ReviewOverdue | AlertKind::ReviewDue | AlertKind::NoReviewHeld => {
                "/reviews/new"
            }
            AlertKind::ConsentWithdrawn | AlertKind::ConsentMissing => "/consent",
            AlertKind::ActionsOverdue => "/plan",
            AlertKind::NoLeadProfessional => "/team/lead",
            AlertKind::Drifting | AlertKind::DraftUnfinished => "",
        }
    }

    /// Whether the early help team is told as well as the CAF's holders: the things a
    /// coordinator of the area's early help acts on.
    pub fn for_early_help_team(self) -> bool {
        matches!(
            self,
            AlertKind::NoLeadProfessional
                | AlertKind::Drifting
                | AlertKind::FollowUpDue
                | AlertKind::ReviewOverdue
        )
    }
}

/// One alert on one CAF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub kind: AlertKind,
    /// The date it is about: the review's, the follow-up's, the first overdue action's…
    pub on: Option<NaiveDate>,
    /// How many, for overdue actions.
    pub count: i64,
}

impl Alert {
    /// What to do, in the service's words.
    pub fn what_to_do(&self, wording: &Wording) -> String {
        let on = |d: Option<NaiveDate>| d.map(|d| d.format("%-d %B %Y").to_string());
        let caf = &wording.assessment;
        match self.kind {
            AlertKind::FollowUpDue => format!(
                "Send the written follow-up of the telephone referral by {}",
                on(self.on).unwrap_or_default()
            ),
            AlertKind::ReviewOverdue => format!(
                "Hold the review: it was due on {}",
                on(self.on).unwrap_or_default()
            ),
            AlertKind::ConsentWithdrawn => {
                format!("Consent to share was withdrawn: decide what happens to the {caf}")
            }
            AlertKind::ActionsOverdue => format!(
                "Follow up {} overdue action{} on the plan",
                self.count,
                if self.count == 1 { "" } else { "s" }
            ),
            AlertKind::ReviewDue => format!(
                "Arrange the review due on {}",
                on(self.on).unwrap_or_default()
            ),
            AlertKind::ConsentMissing => "Record the family's consent to store and share".into(),
            AlertKind::NoLeadProfessional => format!("Decide who will be {}", wording.lead),
            AlertKind::Drifting => format!(
                "Open since {}: review it towards closure or a step up",
                on(self.on).unwrap_or_default()
            ),
            AlertKind::DraftUnfinished => format!(
                "Finish the assessment started on {}, or close the {caf}",
                on(self.on).unwrap_or_default()
            ),
            AlertKind::NoReviewHeld => format!(
                "Hold the first review: the assessment was signed off on {}",
                on(self.on).unwrap_or_default()
            ),
        }
    }
}

/// Every alert on the CAF today, most urgent first. A closed CAF has none.
pub fn alerts(facts: &CafFacts, rules: &LocalRules, today: NaiveDate) -> Vec<Alert> {
    let mut found = vec![];
    let mut push = |kind, on, count| found.push(Alert { kind, on, count });
    if !facts.state.is_open() {
        return vec![];
    }
    let signed_off = facts.state != CafState::Draft;
    let reviewing = matches!(facts.state, CafState::PlanInPlace | CafState::UnderReview);
    if let (true, Some(review)) = (reviewing, facts.next_review_on) {
        if review < today {
            push(AlertKind::ReviewOverdue, Some(review), 0);
        } else if review - today <= Duration::days(REVIEW_DUE_WITHIN_DAYS) {
            push(AlertKind::ReviewDue, Some(review), 0);
        }
    }
    if facts.state == CafState::SteppedUp {
        if let Some(referred) = facts.referred_on {
            let due = referred + Duration::days(2);
            if today <= due {
                push(AlertKind::FollowUpDue, Some(due), 0);
            }
        }
    }
    if facts.overdue_actions > 0 {
        push(AlertKind::ActionsOverdue, None, facts.overdue_actions);
    }
    match facts.sharing_consent {
        SharingConsent::Withdrawn => push(AlertKind::ConsentWithdrawn, None, 0),
        SharingConsent::NotRecorded if signed_off => push(AlertKind::ConsentMissing, None, 0),
        _ => {}
    }
    if signed_off && !facts.has_lead_professional && facts.lead_status != "none_needed_yet" {
        push(AlertKind::NoLeadProfessional, None, 0);
    }
    if is_drifting(facts.opened_on, today) {
        push(AlertKind::Drifting, Some(facts.opened_on), 0);
    }
    if let (Some(days), CafState::Draft) = (rules.draft_unfinished_after_days, facts.state) {
        if today - facts.opened_on > Duration::days(days) {
            push(AlertKind::DraftUnfinished, Some(facts.opened_on), 0);
        }
    }
    if let (Some(months), Some(signed), 0) = (
        rules.no_review_after_months,
        facts.signed_off_on,
        facts.reviews_held,
    ) {
        if signed
            .checked_add_months(Months::new(months))
            .is_some_and(|due| today > due)
        {
            push(AlertKind::NoReviewHeld, Some(signed), 0);
        }
    }
    found.sort_by_key(|a| a.kind);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use AlertKind::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// 1 December 2026, the fixed "today" of every row.
    fn today() -> NaiveDate {
        day(2026, 12, 1)
    }

    /// A CAF with its plan in place, consent given, a lead professional, a review two
    /// months off and nothing outstanding: no alerts.
    fn quiet() -> CafFacts {
        CafFacts {
            state: CafState::PlanInPlace,
            opened_on: day(2026, 9, 1),
            signed_off_on: Some(day(2026, 9, 20)),
            next_review_on: Some(day(2027, 2, 1)),
            has_lead_professional: true,
            lead_status: "appointed".into(),
            overdue_actions: 0,
            sharing_consent: SharingConsent::Given,
            referred_on: None,
            reviews_held: 1,
        }
    }

    const ALL_RULES: LocalRules = LocalRules {
        draft_unfinished_after_days: Some(30),
        no_review_after_months: Some(3),
    };

    fn kinds(facts: &CafFacts, rules: &LocalRules) -> Vec<AlertKind> {
        alerts(facts, rules, today())
            .into_iter()
            .map(|a| a.kind)
            .collect()
    }

    #[test]
    fn each_rule_starts_exactly_at_its_boundary() {
        type Change = fn(&mut CafFacts);
        let rows: Vec<(&str, Change, LocalRules, Vec<AlertKind>)> = vec![
            ("nothing outstanding", |_| {}, ALL_RULES, vec![]),
            (
                "review in 15 days: not yet",
                |f| f.next_review_on = Some(day(2026, 12, 16)),
                ALL_RULES,
                vec![],
            ),
            (
                "review in exactly 14 days",
                |f| f.next_review_on = Some(day(2026, 12, 15)),
                ALL_RULES,
                vec![ReviewDue],
            ),
            (
                "review today is due, not overdue",
                |f| f.next_review_on = Some(today()),
                ALL_RULES,
                vec![ReviewDue],
            ),
            (
                "review yesterday is overdue",
                |f| f.next_review_on = Some(day(2026, 11, 30)),
                ALL_RULES,
                vec![ReviewOverdue],
            ),
            (
                "a review date before the plan is agreed is not an alert",
                |f| {
                    f.state = CafState::AssessmentSignedOff;
                    f.next_review_on = Some(day(2026, 11, 30));
                },
                LocalRules::default(),
                vec![],
            ),
            (
                "an action overdue",
                |f| f.overdue_actions = 2,
                ALL_RULES,
                vec![ActionsOverdue],
            ),
            (
                "no lead professional once signed off",
                |f| {
                    f.has_lead_professional = false;
                    f.lead_status = "not_decided".into();
                },
                ALL_RULES,
                vec![NoLeadProfessional],
            ),
            (
                "none needed yet is not an alert",
                |f| {
                    f.has_lead_professional = false;
                    f.lead_status = "none_needed_yet".into();
                },
                ALL_RULES,
                vec![],
            ),
            (
                "a draft needs no lead professional or consent yet",
                |f| {
                    f.state = CafState::Draft;
                    f.opened_on = day(2026, 11, 1);
                    f.signed_off_on = None;
                    f.has_lead_professional = false;
                    f.sharing_consent = SharingConsent::NotRecorded;
                },
                ALL_RULES,
                vec![],
            ),
            (
                "consent missing after sign-off",
                |f| f.sharing_consent = SharingConsent::NotRecorded,
                ALL_RULES,
                vec![ConsentMissing],
            ),
            (
                "consent withdrawn",
                |f| f.sharing_consent = SharingConsent::Withdrawn,
                ALL_RULES,
                vec![ConsentWithdrawn],
            ),
            (
                "referral exactly 48 hours ago: follow-up due today",
                |f| {
                    f.state = CafState::SteppedUp;
                    f.referred_on = Some(day(2026, 11, 29));
                },
                ALL_RULES,
                vec![FollowUpDue],
            ),
            (
                "referral three days ago: the window has passed",
                |f| {
                    f.state = CafState::SteppedUp;
                    f.referred_on = Some(day(2026, 11, 28));
                },
                ALL_RULES,
                vec![],
            ),
            (
                "open exactly 12 months: not yet drifting",
                |f| f.opened_on = day(2025, 12, 1),
                ALL_RULES,
                vec![],
            ),
            (
                "open 12 months and a day: drifting",
                |f| f.opened_on = day(2025, 11, 30),
                ALL_RULES,
                vec![Drifting],
            ),
            (
                "a draft of exactly 30 days is not yet unfinished",
                |f| {
                    f.state = CafState::Draft;
                    f.opened_on = day(2026, 11, 1);
                    f.signed_off_on = None;
                },
                ALL_RULES,
                vec![],
            ),
            (
                "a draft of 31 days, with the local rule on",
                |f| {
                    f.state = CafState::Draft;
                    f.opened_on = day(2026, 10, 31);
                    f.signed_off_on = None;
                },
                ALL_RULES,
                vec![DraftUnfinished],
            ),
            (
                "the same draft with the rule off",
                |f| {
                    f.state = CafState::Draft;
                    f.opened_on = day(2026, 10, 31);
                    f.signed_off_on = None;
                },
                LocalRules::default(),
                vec![],
            ),
            (
                "no review exactly 3 months after sign-off: not yet",
                |f| {
                    f.reviews_held = 0;
                    f.signed_off_on = Some(day(2026, 9, 1));
                },
                ALL_RULES,
                vec![],
            ),
            (
                "no review 3 months and a day after sign-off",
                |f| {
                    f.reviews_held = 0;
                    f.signed_off_on = Some(day(2026, 8, 31));
                },
                ALL_RULES,
                vec![NoReviewHeld],
            ),
            (
                "several at once, most urgent first",
                |f| {
                    f.opened_on = day(2025, 6, 1);
                    f.next_review_on = Some(day(2026, 11, 2));
                    f.overdue_actions = 1;
                    f.has_lead_professional = false;
                },
                LocalRules::default(),
                vec![ReviewOverdue, ActionsOverdue, NoLeadProfessional, Drifting],
            ),
        ];
        for (name, change, rules, expected) in rows {
            let mut facts = quiet();
            change(&mut facts);
            assert_eq!(kinds(&facts, &rules), expected, "{name}");
        }
    }

    #[test]
    fn a_closed_caf_has_no_alerts() {
        let facts = CafFacts {
            state: CafState::Closed,
            next_review_on: Some(day(2026, 1, 1)),
            overdue_actions: 3,
            ..quiet()
        };
        assert!(alerts(&facts, &ALL_RULES, today()).is_empty());
    }

    #[test]
    fn each_alert_says_what_to_do_in_the_services_words_and_links_to_it() {
        let wording = Wording {
            assessment: "early help assessment".into(),
            lead: "lead practitioner".into(),
            ..Wording::default()
        };
        let facts = CafFacts {
            next_review_on: Some(day(2026, 11, 30)),
            has_lead_professional: false,
            overdue_actions: 1,
            ..quiet()
        };
        let found = alerts(&facts, &LocalRules::default(), today());
        let said: Vec<String> = found.iter().map(|a| a.what_to_do(&wording)).collect();
        assert_eq!(
            said,
            [
                "Hold the review: it was due on 30 November 2026",
                "Follow up 1 overdue action on the plan",
                "Decide who will be lead practitioner",
            ]
        );
        assert_eq!(found[0].kind.path(), "/reviews/new");
        assert_eq!(NoLeadProfessional.label(&wording), "No lead practitioner");
        for kind in AlertKind::ALL {
            assert_eq!(AlertKind::parse(kind.code()), Some(kind));
        }
    }
}
