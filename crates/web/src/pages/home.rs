//! The home page, which differs by role, and the static information pages.
use super::render;
use crate::error::PageError;
use crate::visitor::{SignedIn, Visitor};
use crate::AppState;
use axum::extract::State;
use axum::response::Html;
use ecaf_domain::access::Role;
use ecaf_domain::caf::wording::Wording;
use serde::Serialize;

#[derive(Serialize)]
struct Link {
    text: String,
    href: &'static str,
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

fn sections_for(role: Role, wording: &Wording) -> Section {
    let section =
        |title: &str, body: &str, links: Vec<Link>| section_in(wording, title, body, links);
    let check = || Link {
        text: in_terms("Check if {a_caf} exists", wording),
        href: "/people/search",
    };
    match role {
        Role::Practitioner => section("Your {caf} work", "Check whether {a_caf} already exists for a child before you start one, then complete the assessment with the family's consent. Your caseload, actions and reviews due will appear here.", vec![check()]),
        Role::LineManager => section("Your team", "{cafs} held by the people you manage, reviews that are due or overdue, and quality checks will appear here.", vec![]),
        Role::EarlyHelpTeam => section("Early help team", "Requests for {a_caf} waiting for allocation, {cafs} without a lead professional, and merges of duplicate records will appear here.", vec![check()]),
        Role::ServiceManager => section("Service overview", "Figures on {caf} activity, closure reasons and distance travelled across agencies will appear here.", vec![]),
        Role::QualityAssuranceReviewer => section("Quality assurance", "Anonymised {cafs} selected for multi-agency quality assurance will appear here.", vec![]),
        Role::Administrator => section("Administration", "Manage who can use the service and which agencies take part, and read the audit log.", vec![
                Link { text: "Users".into(), href: "/admin/users" },
                Link { text: "Agencies and teams".into(), href: "/admin/agencies" },
                Link { text: "Wording".into(), href: "/admin/wording" },
                Link { text: "Audit log".into(), href: "/admin/audit" },
            ]),
    }
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Html<String>, PageError> {
    let user = &signed_in.user;
    let (_, wording) = state.wording.get();
    let sections: Vec<Section> = user
        .roles
        .iter()
        .map(|r| sections_for(*r, &wording))
        .collect();
    let first_name = user
        .name
        .split_whitespace()
        .find(|w| *w != "Dr")
        .unwrap_or(&user.name);
    let ctx = minijinja::context! {
        heading => format!("Hello, {first_name}"),
        lede => "Early help for children and families: one assessment, one plan, shared with the people the family agrees to.",
        sections => sections,
        role_labels => user.roles.iter().map(|r| r.label()).collect::<Vec<_>>(),
    };
    render(
        &state,
        &signed_in.visitor,
        "/",
        "pages/home.html",
        "Home",
        ctx,
    )
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
