//! The home page, which differs by role, and the static information pages.
use super::render;
use crate::error::PageError;
use crate::visitor::{SignedIn, Visitor};
use crate::AppState;
use axum::extract::State;
use axum::response::Html;
use ecaf_domain::access::Role;
use serde::Serialize;

#[derive(Serialize)]
struct Link {
    text: &'static str,
    href: &'static str,
}

#[derive(Serialize)]
struct Section {
    title: &'static str,
    body: &'static str,
    links: Vec<Link>,
}

fn sections_for(role: Role) -> Section {
    match role {
        Role::Practitioner => Section {
            title: "Your CAF work",
            body: "Check whether a CAF already exists for a child before you start one, then complete the assessment with the family's consent. Your caseload, actions and reviews due will appear here.",
            links: vec![Link { text: "Check if a CAF exists", href: "/people/search" }],
        },
        Role::LineManager => Section {
            title: "Your team",
            body: "CAFs held by the people you manage, reviews that are due or overdue, and quality checks will appear here.",
            links: vec![],
        },
        Role::EarlyHelpTeam => Section {
            title: "Early help team",
            body: "Requests for a CAF waiting for allocation, CAFs without a lead professional, and merges of duplicate records will appear here.",
            links: vec![Link { text: "Check if a CAF exists", href: "/people/search" }],
        },
        Role::ServiceManager => Section {
            title: "Service overview",
            body: "Figures on CAF activity, closure reasons and distance travelled across agencies will appear here.",
            links: vec![],
        },
        Role::QualityAssuranceReviewer => Section {
            title: "Quality assurance",
            body: "Anonymised CAFs selected for multi-agency quality assurance will appear here.",
            links: vec![],
        },
        Role::Administrator => Section {
            title: "Administration",
            body: "Manage who can use the service and which agencies take part, and read the audit log.",
            links: vec![
                Link { text: "Users", href: "/admin/users" },
                Link { text: "Agencies and teams", href: "/admin/agencies" },
                Link { text: "Audit log", href: "/admin/audit" },
            ],
        },
    }
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Html<String>, PageError> {
    let user = &signed_in.user;
    let sections: Vec<Section> = user.roles.iter().map(|r| sections_for(*r)).collect();
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
        sections => vec![Section {
            title: "How we test",
            body: "Every page is tested automatically with axe-core for WCAG 2.2 A and AA rules, and the main journeys are walked with a keyboard only. Every page works without JavaScript. If you find a problem, tell your local authority's early help team.",
            links: vec![],
        }],
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
        sections => vec![Section {
            title: "Who can see a record",
            body: "Only the practitioners the family agreed to, their line managers and the early help team can see a CAF. Anyone else can only find that a CAF exists and whom to contact. Every view and change is recorded in an audit log.",
            links: vec![],
        }],
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
