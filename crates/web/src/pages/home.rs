//! The home page, which differs by role, and the static information pages.
mod list;

use super::{render, Choice};
use crate::error::PageError;
use crate::visitor::{SignedIn, Visitor};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use ecaf_domain::access::Role;
use ecaf_domain::caf::alerts::AlertKind;
use ecaf_domain::caf::wording::Wording;
pub(crate) use list::{headers, pagination, row, ListParams, View, PER_PAGE};
use serde::Serialize;

#[derive(Serialize)]
struct Link {
    text: String,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct Section {
    title: String,
    body: String,
    links: Vec<Link>,
}

/// The service's own words in a sentence written with `{caf}`, `{cafs}` and `{a_caf}`.
fn in_terms(text: &str, wording: &Wording) -> String {
    text.replace("{a_caf}", &wording.a_assessment())
        .replace("{cafs}", &format!("{}s", wording.assessment))
        .replace("{caf}", &wording.assessment)
}

fn section_in(wording: &Wording, title: &str, body: &str, links: Vec<Link>) -> Section {
    Section {
        title: in_terms(title, wording),
        body: in_terms(body, wording),
        links,
    }
}

/// What a role without a home page of its own can do.
fn sections_for(role: Role, wording: &Wording) -> Option<Section> {
    let section =
        |title: &str, body: &str, links: Vec<Link>| section_in(wording, title, body, links);
    Some(match role {
        Role::QualityAssuranceReviewer => section(
            "Quality assurance",
            "Anonymised {cafs} selected for multi-agency quality assurance will appear here.",
            vec![],
        ),
        Role::Administrator => section(
            "Administration",
            "Manage who can use the service and which agencies take part, and read the audit log.",
            vec![
                Link {
                    text: "Users".into(),
                    href: "/admin/users".into(),
                    current: false,
                },
                Link {
                    text: "Agencies and teams".into(),
                    href: "/admin/agencies".into(),
                    current: false,
                },
                Link {
                    text: "Wording".into(),
                    href: "/admin/wording".into(),
                    current: false,
                },
                Link {
                    text: "Audit log".into(),
                    href: "/admin/audit".into(),
                    current: false,
                },
                Link {
                    text: "Alert rules".into(),
                    href: "/admin/alert-rules".into(),
                    current: false,
                },
                Link {
                    text: "Manager sign-off".into(),
                    href: "/admin/sign-off".into(),
                    current: false,
                },
            ],
        ),
        Role::Practitioner | Role::LineManager | Role::EarlyHelpTeam | Role::ServiceManager => {
            return None
        }
    })
}

/// The home page: for each role that has one (practitioner, line manager, early help team,
/// service manager) its own list, chosen by `?view=`; for the others, what they can do.
pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let user = &signed_in.user;
    let (_, wording) = state.wording.get();
    let first_name = user
        .name
        .split_whitespace()
        .find(|w| *w != "Dr")
        .unwrap_or(&user.name);
    let (view, query, errors) = match params.parse(&user.roles) {
        Ok((view, query)) => (view, query, vec![]),
        Err(errors) => {
            let (view, query) = ListParams {
                view: String::new(),
                ..Default::default()
            }
            .parse(&user.roles)
            .map_err(|_| PageError::BadRequest("The home page could not be shown".into()))?;
            (view, query, errors)
        }
    };
    let Some(view) = view else {
        let sections: Vec<Section> = user
            .roles
            .iter()
            .filter_map(|r| sections_for(*r, &wording))
            .collect();
        let ctx = minijinja::context! {
            heading => format!("Hello, {first_name}"),
            lede => "Early help for children and families: one assessment, one plan, shared with the people the family agrees to.",
            sections => sections,
            role_labels => user.roles.iter().map(|r| r.label()).collect::<Vec<_>>(),
        };
        return Ok(render(
            &state,
            &signed_in.visitor,
            "/",
            "pages/home.html",
            "Home",
            ctx,
        )?
        .into_response());
    };
    // With a bad parameter the list is shown as it is without any.
    let shown = if errors.is_empty() {
        params.clone()
    } else {
        ListParams {
            view: view.code().into(),
            ..Default::default()
        }
    };
    let views: Vec<Link> = View::available(&user.roles)
        .into_iter()
        .map(|v| Link {
            text: v.title(&wording),
            href: format!("/?view={}", v.code()),
            current: v == view,
        })
        .collect();
    let actor = user.actor();
    let by = signed_in.visitor.attribution();
    let title = view.title(&wording);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    // What the people they line-manage or deputise for sent them to sign off, on any view.
    let sign_offs_waiting = state.store.sign_offs_waiting(&actor).await?;
    let base = minijinja::context! {
        sign_offs_waiting => sign_offs_waiting,
        heading => format!("Hello, {first_name}"),
        title => title,
        view => view.code(),
        views => if views.len() > 1 { views } else { vec![] },
        errors => errors,
    };
    let html = if view == View::Service {
        let figures = state.store.service_figures().await?;
        render(
            &state,
            &signed_in.visitor,
            "/",
            "home/service.html",
            &title,
            minijinja::context! { figures => figures, ..base },
        )?
    } else {
        let list = state.store.home_cafs(&actor, &by, &query).await?;
        let (actions, join_requests) = if view == View::Mine {
            (
                state.store.my_actions(&actor, &by).await?,
                state.store.join_requests_to_answer(&actor, &by).await?,
            )
        } else {
            (vec![], vec![])
        };
        let states: Vec<Choice> = list
            .by_state
            .iter()
            .map(|(code, label, _)| Choice::new(code, *label))
            .collect();
        let alert_choices: Vec<Choice> = AlertKind::ALL
            .iter()
            .map(|k| Choice::new(k.code(), k.label(&wording)))
            .collect();
        let holder_choices: Vec<Choice> = list
            .holders
            .iter()
            .map(|h| Choice::new(h.user_id, h.name.clone()))
            .collect();
        let ctx = minijinja::context! {
            headers => headers(&shown, &query, &wording),
            pagination => pagination(&shown, list.page, list.pages),
            rows => list.rows.clone().into_iter().map(|c| row(c, &wording)).collect::<Vec<_>>(),
            total => list.total,
            page => list.page,
            pages => list.pages,
            per_page => PER_PAGE,
            by_state => list.by_state.iter().map(|(code, label, n)| minijinja::context! { label => label, count => n, href => shown.with(&[("state", (*code).into()), ("page", String::new())]) }).collect::<Vec<_>>(),
            by_alert => list.by_alert.iter().map(|(k, n)| minijinja::context! { label => k.label(&wording), count => n, href => shown.with(&[("alert", k.code().into()), ("page", String::new())]) }).collect::<Vec<_>>(),
            without_lead => list.without_lead,
            without_lead_href => shown.with(&[("no_lead", "yes".into()), ("page", String::new())]),
            holders => list.holders.iter().map(|h| minijinja::context! { holder => h, href => shown.with(&[("holder", h.user_id.to_string()), ("page", String::new())]) }).collect::<Vec<_>>(),
            actions => actions,
            join_requests => join_requests,
            states => states,
            alert_choices => alert_choices,
            holder_choices => holder_choices,
            params => shown,
            filtered => !(shown.state.is_empty() && shown.alert.is_empty() && shown.holder.is_empty() && shown.no_lead.is_empty()),
            ..base
        };
        render(
            &state,
            &signed_in.visitor,
            "/",
            "home/cafs.html",
            &title,
            ctx,
        )?
    };
    Ok((status, html).into_response())
}

pub async fn accessibility(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Html<String>, PageError> {
    let ctx = minijinja::context! {
        heading => "Accessibility statement",
        lede => "This service is built to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA.",
        sections => vec![section_in(&state.wording.get().1, "How we test", "Every page is tested automatically with axe-core for WCAG 2.2 A and AA rules, and the main journeys are walked with a keyboard only. Every page works without JavaScript. If you find a problem, tell your local authority's early help team.", vec![])],
        role_labels => Vec::<&str>::new(),
    };
    render(
        &state,
        &visitor,
        "/accessibility",
        "pages/home.html",
        "Accessibility statement",
        ctx,
    )
}

pub async fn privacy(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Html<String>, PageError> {
    let ctx = minijinja::context! {
        heading => "Privacy notice",
        lede => "Information about children and families is recorded only with their informed consent, or where the law allows sharing without it to protect a child.",
        sections => vec![section_in(&state.wording.get().1, "Who can see a record", "Only the practitioners the family agreed to, their line managers and the early help team can see {a_caf}. Anyone else can only find that {a_caf} exists and whom to contact. Every view and change is recorded in an audit log.", vec![])],
        role_labels => Vec::<&str>::new(),
    };
    render(
        &state,
        &visitor,
        "/privacy",
        "pages/home.html",
        "Privacy notice",
        ctx,
    )
}
