//! Recording a review of the plan on one page (who took part, each action's progress, the
//! indicators scored again, consent re-sought, the views, the decision), and a recorded
//! review read back with the version it froze.
use super::meetings::{rows, shown};
use super::{children_names, dates, open, today, Problem};
use crate::error::PageError;
use crate::pages::{render, Choice};
use crate::visitor::SignedIn;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use ecaf_domain::caf::consent::ConsentStatus;
use ecaf_domain::caf::lifecycle::CafState;
use ecaf_domain::caf::meeting::Attendee;
use ecaf_domain::caf::plan::{default_review_date, MAX_REVIEW_WEEKS};
use ecaf_domain::caf::review::{
    ActionProgress, ConsentCheck, Decision, Rescore, Review, SETTINGS, UNDERTAKEN,
};
use ecaf_store::caf::CafContent;
use ecaf_store::StoreError;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};

type Values = HashMap<String, String>;

/// Blank rows for indicators scored for the first time at this review.
const BLANK_INDICATORS: usize = 2;

/// Why the review cannot be recorded now (or by this person), if it cannot, in the service's
/// own words.
fn blocked(state: &AppState, caf: &CafContent, signed_in: &SignedIn) -> Option<String> {
    let wording = state.wording.get().1;
    let (term, lead) = (&wording.assessment, &wording.lead);
    if caf.state.is_open() && !super::plan::writes(signed_in, caf) {
        return Some(format!(
            "Only the {lead} or the assessor records a review. Tell them what you know before it is held, or send a written report."
        ));
    }
    match caf.state {
        CafState::PlanInPlace => None,
        CafState::Draft | CafState::AssessmentSignedOff => Some(
            "A review needs an agreed plan to review: agree the plan with the family first.".into(),
        ),
        CafState::UnderReview => Some(
            "The last review decided to step up or close: record that before holding another review.".into(),
        ),
        CafState::SteppedUp => Some(format!(
            "The {term} has been stepped up: it is not reviewed while the receiving service decides."
        )),
        CafState::Closed => Some(format!("The {term} is closed: it can no longer be reviewed.")),
    }
}

fn choices(list: &[(&str, &str)]) -> Vec<Choice> {
    list.iter().map(|(c, l)| Choice::new(c, *l)).collect()
}

fn consented(caf: &CafContent) -> Vec<String> {
    match &caf.consent {
        ConsentStatus::Sharing(agencies) => agencies.iter().map(|a| a.to_string()).collect(),
        _ => vec![],
    }
}

/// The form's values with the rows renumbered as they will be shown; `indicators` are the
/// indicator rows as typed (need, score).
fn kept(values: &Values, present: &[Attendee], indicators: &[Vec<String>]) -> Values {
    let mut kept: Values = shown(values, present, &[])
        .into_iter()
        .filter(|(k, _)| !k.starts_with("pci_"))
        .collect();
    for (i, row) in indicators.iter().enumerate() {
        kept.insert(format!("pci_need-{}", i + 1), row[0].clone());
        kept.insert(format!("pci_score-{}", i + 1), row[1].clone());
    }
    kept
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    caf: &CafContent,
    values: &Values,
    chosen: &[String],
    (attendee_rows, indicator_rows): (usize, usize),
    errors: Vec<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let agencies: Vec<Choice> = state
        .store
        .agencies()
        .await?
        .into_iter()
        .filter(|a| a.active)
        .map(|a| Choice::new(a.id, a.name))
        .collect();
    let last: HashMap<String, i64> = caf
        .current_indicators()
        .into_iter()
        .map(|(need, score)| (need.to_lowercase(), score))
        .collect();
    let indicators: Vec<_> = (1..=indicator_rows + BLANK_INDICATORS)
        .map(|n| {
            let need = values
                .get(&format!("pci_need-{n}"))
                .cloned()
                .unwrap_or_default();
            let previous = last.get(&need.trim().to_lowercase()).copied();
            minijinja::context! { number => n, need => need, previous => previous }
        })
        .collect();
    let actions: Vec<_> = caf
        .actions
        .iter()
        .map(|a| {
            minijinja::context! {
                id => a.id,
                what => a.what,
                who => a.owner_label,
                status => a.status.label(),
                due_on => a.due_on.format("%-d %B %Y").to_string(),
            }
        })
        .collect();
    let html = render(
        state,
        &signed_in.visitor,
        "/people",
        "caf/review.html",
        &format!("Record a review: {}", caf.reference),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(caf),
            blocked => blocked(state, caf, signed_in),
            number => caf.reviews.len() + 1,
            settings => choices(SETTINGS),
            undertaken => choices(UNDERTAKEN),
            decisions => Decision::ALL.iter().map(|d| Choice::new(d.code(), d.label())).collect::<Vec<_>>(),
            attendees => (1..=attendee_rows + 3).collect::<Vec<_>>(),
            actions => actions,
            indicators => indicators,
            agencies => agencies,
            chosen => chosen,
            max_weeks => MAX_REVIEW_WEEKS,
            values => values,
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn form(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    // The team's present members usually take part: their rows start filled in.
    let present: Vec<Attendee> = caf
        .team
        .iter()
        .filter(|m| m.left_on.is_none())
        .map(|m| Attendee {
            name: m.name.clone(),
            agency: m.agency_name.clone(),
        })
        .collect();
    let indicators = caf.current_indicators();
    let mut values = shown(&Values::new(), &present, &[]);
    for (i, (need, _)) in indicators.iter().enumerate() {
        values.insert(format!("pci_need-{}", i + 1), need.clone());
    }
    let today = today(&state);
    dates::fill(&mut values, "held_on", &today.to_string());
    dates::fill(
        &mut values,
        "next_review_on",
        &default_review_date(today).to_string(),
    );
    values.insert(
        "chair".into(),
        caf.lead_professional
            .clone()
            .unwrap_or_else(|| signed_in.user.name.clone()),
    );
    values.insert("revision".into(), caf.revision.to_string());
    page(
        &state,
        &signed_in,
        &caf,
        &values,
        &consented(&caf),
        (present.len(), indicators.len()),
        vec![],
        StatusCode::OK,
    )
    .await
}

fn text(values: &Values, name: &str) -> String {
    values
        .get(name)
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}

pub async fn record(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let chosen: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "agencies")
        .map(|(_, v)| v.clone())
        .collect();
    let values: Values = pairs.into_iter().filter(|(k, _)| k != "agencies").collect();
    let today = today(&state);
    let mut errors = vec![];
    let held_on = dates::read(&values, "held_on", "the date of the review", true, today)
        .map_err(|p| errors.push(p))
        .ok()
        .flatten();
    let decision = Decision::parse(&text(&values, "decision"));
    let next_review_on = if decision == Some(Decision::Continue) {
        dates::read_any(
            &values,
            "next_review_on",
            "the date of the next review",
            true,
        )
        .map_err(|p| errors.push(p))
        .ok()
        .flatten()
    } else {
        None
    };
    let present: Vec<Attendee> = rows(&values, "attendee_", &["name", "agency"])
        .into_iter()
        .map(|r| Attendee {
            name: r[0].trim().into(),
            agency: r[1].trim().into(),
        })
        .collect();
    let indicator_rows = rows(&values, "pci_", &["need", "score"]);
    let scores: Vec<Rescore> = indicator_rows
        .iter()
        .map(|r| Rescore {
            need: r[0].trim().into(),
            score: r[1].trim().parse().ok(),
        })
        .collect();
    let progress: Vec<ActionProgress> = caf
        .actions
        .iter()
        .filter_map(|a| {
            let progress = text(&values, &format!("progress-{}", a.id));
            (!progress.is_empty()).then_some(ActionProgress {
                action_id: a.id,
                progress,
            })
        })
        .collect();
    let consent = match text(&values, "consent_resought").as_str() {
        "yes" => {
            let agencies: BTreeSet<i64> = chosen.iter().filter_map(|a| a.parse().ok()).collect();
            if agencies.is_empty() {
                errors.push(Problem::new(
                    "agencies",
                    "Select the agencies the family now agrees may receive the information",
                ));
            }
            Some(ConsentCheck::Resought { agencies })
        }
        "no" => Some(ConsentCheck::NotResought {
            why: text(&values, "consent_why"),
        }),
        _ => {
            errors.push(Problem::new(
                "consent_resought",
                "Select whether the family's consent to share was asked for again",
            ));
            None
        }
    };
    let review = Review {
        held_on: held_on.unwrap_or(today),
        setting: text(&values, "setting"),
        chair: text(&values, "chair"),
        present,
        undertaken: text(&values, "undertaken"),
        progress,
        improvements: text(&values, "improvements"),
        scores,
        consent: consent.unwrap_or(ConsentCheck::Resought {
            agencies: BTreeSet::new(),
        }),
        family_view: text(&values, "family_view"),
        child_view: text(&values, "child_view"),
        feedback_offered: match text(&values, "feedback_offered").as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        decision,
        next_review_on,
    };
    let since = caf.reviewed_since().unwrap_or(chrono::NaiveDate::MIN);
    // A date that could not be read has its own error already; the rules' message on the
    // placeholder date would only repeat it.
    let unread: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
    let found: Vec<Problem> = review
        .problems(today, since, MAX_REVIEW_WEEKS)
        .into_iter()
        .filter(|p| !unread.contains(&p.field))
        .map(|p| Problem::new(p.field, p.message))
        .collect();
    errors.extend(found);
    let shown_values = kept(&values, &review.present, &indicator_rows);
    let rows_shown = (review.present.len(), review.scores.len());
    if !errors.is_empty() {
        // The summary lists errors in the order of the form.
        let order = [
            "held_on",
            "setting",
            "chair",
            "attendee_",
            "undertaken",
            "progress-",
            "improvements",
            "pci_",
            "consent_resought",
            "agencies",
            "consent_why",
            "family_view",
            "child_view",
            "feedback_offered",
            "decision",
            "next_review_on",
        ];
        errors.sort_by_key(|e| order.iter().position(|o| e.field.starts_with(o)));
        return page(
            &state,
            &signed_in,
            &caf,
            &shown_values,
            &chosen,
            rows_shown,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let revision = values
        .get("revision")
        .and_then(|r| r.parse().ok())
        .unwrap_or(caf.revision);
    match state
        .store
        .record_caf_review(
            &signed_in.user.actor(),
            &signed_in.visitor.attribution(),
            id,
            revision,
            &review,
        )
        .await
    {
        Ok(done) => Ok(
            Redirect::to(&format!("/cafs/{id}/reviews/{}?done=recorded", done.number))
                .into_response(),
        ),
        Err(StoreError::Refused(why)) => {
            let field = if why.contains("consent") {
                "agencies".to_string()
            } else if why.contains("Score “") {
                "pci_score-1".to_string()
            } else {
                "held_on-day".to_string()
            };
            page(
                &state,
                &signed_in,
                &caf,
                &shown_values,
                &chosen,
                rows_shown,
                vec![Problem::new(field, why)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(StoreError::Conflict { by, at }) => {
            let mut kept = shown_values.clone();
            kept.insert("revision".into(), caf.revision.to_string());
            page(
                &state,
                &signed_in,
                &caf,
                &kept,
                &chosen,
                rows_shown,
                vec![Problem::new(
                    "held_on-day",
                    super::changed_meanwhile("The CAF", &by, at),
                )],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// What was just done, for the success banner.
#[derive(Deserialize, Default)]
pub struct Flash {
    done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, number)): Path<(i64, i64)>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    let caf = match open(&state, &signed_in, id).await? {
        Ok(caf) => caf,
        Err(existence) => return Ok(existence),
    };
    let Some(row) = caf.reviews.iter().find(|r| r.number == number) else {
        return Err(PageError::NotFound);
    };
    let agencies: HashMap<i64, String> = state
        .store
        .agencies()
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let review = &row.review;
    let progress: Vec<_> = caf
        .actions
        .iter()
        .filter_map(|a| {
            let p = review.progress.iter().find(|p| p.action_id == a.id)?;
            Some(minijinja::context! { what => a.what, who => a.owner_label, progress => p.progress })
        })
        .collect();
    let previous: HashMap<String, i64> = caf
        .distance
        .indicators
        .iter()
        .filter_map(|i| {
            let at = caf
                .distance
                .points
                .iter()
                .position(|p| p.version == row.version)?;
            let before = i.scores[..at].iter().rev().flatten().next()?;
            Some((i.need.to_lowercase(), *before))
        })
        .collect();
    let scores: Vec<_> = review
        .scores
        .iter()
        .map(|s| {
            minijinja::context! {
                need => s.need,
                score => s.score,
                before => previous.get(&s.need.trim().to_lowercase()),
            }
        })
        .collect();
    let consent = match &review.consent {
        ConsentCheck::Resought { agencies: chosen } => format!(
            "Asked again: the family agreed to share with {}",
            chosen
                .iter()
                .map(|a| agencies
                    .get(a)
                    .cloned()
                    .unwrap_or_else(|| format!("agency {a}")))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ConsentCheck::NotResought { why } => format!("Not asked again: {why}"),
    };
    let decision = review.decision.unwrap_or(Decision::Continue);
    let pending =
        caf.state == CafState::UnderReview && caf.reviews.last().map(|r| r.number) == Some(number);
    let html = render(
        &state,
        &signed_in.visitor,
        "/people",
        "caf/review_record.html",
        &format!("Review {number}: {}", caf.reference),
        minijinja::context! {
            caf => minijinja::context! { id => caf.id, reference => caf.reference },
            names => children_names(&caf),
            number => number,
            version => row.version,
            held_on => row.held_on.format("%-d %B %Y").to_string(),
            recorded => format!(
                "{}{}",
                super::moment(row.recorded_at),
                row.recorded_by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default()
            ),
            review => review,
            setting => review.setting_label(),
            undertaken => review.undertaken_label(),
            progress => progress,
            scores => scores,
            consent => consent,
            decision => decision.label(),
            decision_code => decision.code(),
            next_review_on => review.next_review_on.map(|d| d.format("%-d %B %Y").to_string()),
            pending => pending,
            flash => flash.done.as_deref() == Some("recorded"),
        },
    )?;
    Ok(html.into_response())
}
