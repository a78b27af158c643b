//! Starting a CAF for a child on the register: the family's agreement comes first (who
//! agreed, when, and whether other agencies may be contacted), with the choice of including
//! brothers and sisters in a family CAF.
use super::{dates, today, Problem};
use crate::error::PageError;
use crate::pages::{render, Choice};
use crate::visitor::Authorised;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::{Datelike, NaiveDate};
use ecaf_domain::access::{authorise, StartCaf, UseRegister};
use ecaf_domain::caf::consent::{Agreement, Giver};
use ecaf_store::caf::NewCaf;
use ecaf_store::people::Person;
use ecaf_store::StoreError;
use std::collections::HashMap;

type Starter = Authorised<StartCaf>;

/// Children under this age may be included in a family CAF.
const CHILD_UNTIL: i32 = 18;

/// The brothers, sisters and other children of the household who could share a family CAF.
fn siblings(person: &Person, today: NaiveDate) -> Vec<Choice> {
    let is_child = |dob: Option<NaiveDate>| {
        dob.is_some_and(|d| {
            d.with_year(d.year() + CHILD_UNTIL)
                .is_none_or(|adult| adult > today)
        })
    };
    let mut choices: Vec<Choice> = vec![];
    let mut seen = vec![person.id];
    let related = person.relationships.iter().map(|r| {
        (
            r.person_id,
            &r.given_name,
            &r.family_name,
            r.date_of_birth,
            Some(r.role.clone()),
        )
    });
    let household = person.household.iter().map(|h| {
        (
            h.person_id,
            &h.given_name,
            &h.family_name,
            h.date_of_birth,
            h.role.clone(),
        )
    });
    for (id, given, family, dob, role) in related.chain(household) {
        if seen.contains(&id) || !is_child(dob) {
            continue;
        }
        seen.push(id);
        let born = dob
            .map(|d| format!("born {}", d.format("%-d %B %Y")))
            .unwrap_or_default();
        let about = [Some(born), role]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        choices.push(Choice::new(id, format!("{given} {family} ({about})")));
    }
    choices
}

/// Who agreed to the CAF, when, and whether other agencies may be contacted, as typed; with
/// each problem on its field.
pub(super) fn agreement(
    values: &HashMap<String, String>,
    today: NaiveDate,
) -> (Option<Agreement>, Vec<Problem>) {
    let mut errors = vec![];
    let name = values
        .get("giver_name")
        .map(|n| n.trim().to_string())
        .unwrap_or_default();
    let giver = match values.get("giver").map(String::as_str) {
        Some("young_person") => Some(Giver::YoungPerson { name: name.clone() }),
        Some("parent_or_carer") => Some(Giver::ParentOrCarer { name: name.clone() }),
        _ => {
            errors.push(Problem::new("giver", "Select who agreed to the CAF"));
            None
        }
    };
    if name.is_empty() {
        errors.push(Problem::new(
            "giver_name",
            "Enter the name of the person who agreed",
        ));
    }
    let on = dates::read(values, "agreed_on", "the date they agreed", true, today)
        .map_err(|p| errors.push(p))
        .ok()
        .flatten();
    let may_contact = match values.get("may_contact").map(String::as_str) {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => {
            errors.push(Problem::new(
                "may_contact",
                "Select whether other agencies may be contacted",
            ));
            None
        }
    };
    let agreement = match (giver, on, may_contact) {
        (Some(given_by), Some(on), Some(may_contact_agencies)) => Some(Agreement {
            given_by,
            on,
            may_contact_agencies,
        }),
        _ => None,
    };
    (agreement, errors)
}

/// The choices of the agreement's questions, for the page.
pub(super) fn agreement_choices() -> (Vec<Choice>, Vec<Choice>) {
    (
        vec![
            Choice::new("young_person", "The young person"),
            Choice::new("parent_or_carer", "A parent or carer, for the child"),
        ],
        vec![Choice::new("yes", "Yes"), Choice::new("no", "No")],
    )
}

async fn child(state: &AppState, starter: &Starter, id: i64) -> Result<Person, PageError> {
    // Whoever may start a CAF may use the register; the record is read (and audited) as such.
    let grant = authorise::<UseRegister>(&starter.signed_in.user.actor())?;
    Ok(state
        .store
        .person(&grant, &starter.signed_in.visitor.attribution(), id)
        .await?)
}

fn page(
    state: &AppState,
    starter: &Starter,
    person: &Person,
    values: &HashMap<String, String>,
    chosen: &[String],
    errors: Vec<Problem>,
) -> Result<Response, PageError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(
        state,
        &starter.signed_in.visitor,
        "/people",
        "caf/start.html",
        &format!(
            "Start {} for {}",
            state.wording.get().1.a_assessment(),
            person.full_name()
        ),
        minijinja::context! {
            person => minijinja::context! { id => person.id, name => person.full_name() },
            siblings => siblings(person, today(state)),
            values => values,
            chosen => chosen,
            givers => agreement_choices().0,
            yes_no => agreement_choices().1,
            errors => errors,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn form(
    State(state): State<AppState>,
    starter: Starter,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let person = child(&state, &starter, id).await?;
    page(&state, &starter, &person, &HashMap::new(), &[], vec![])
}

pub async fn submit(
    State(state): State<AppState>,
    starter: Starter,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let person = child(&state, &starter, id).await?;
    let chosen: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "siblings")
        .map(|(_, v)| v.clone())
        .collect();
    let values: HashMap<String, String> =
        pairs.into_iter().filter(|(k, _)| k != "siblings").collect();
    let (agreement, mut errors) = agreement(&values, today(&state));
    // Only the children offered on the page may be included.
    let offered: Vec<String> = siblings(&person, today(&state))
        .into_iter()
        .map(|c| c.value)
        .collect();
    if chosen.iter().any(|c| !offered.contains(c)) {
        errors.push(Problem::new("siblings", "Choose from the children listed"));
    }
    let (Some(agreement), true) = (agreement, errors.is_empty()) else {
        return page(&state, &starter, &person, &values, &chosen, errors);
    };
    let mut children = vec![person.id];
    children.extend(chosen.iter().filter_map(|c| c.parse::<i64>().ok()));
    let new = NewCaf {
        children,
        agreement,
    };
    match state
        .store
        .start_caf(
            &starter.grant,
            &starter.signed_in.user.actor(),
            &starter.signed_in.visitor.attribution(),
            &new,
        )
        .await
    {
        Ok(caf_id) => Ok(Redirect::to(&format!("/cafs/{caf_id}")).into_response()),
        Err(StoreError::Refused(why)) => page(
            &state,
            &starter,
            &person,
            &values,
            &chosen,
            vec![Problem::new("giver", why)],
        ),
        Err(other) => Err(other.into()),
    }
}
