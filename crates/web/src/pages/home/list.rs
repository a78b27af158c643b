//! The home page's lists, shared by the page and the API: which view a user sees, the query
//! parameters that filter, sort and page a list (checked, each bad one named), and the rows
//! with each CAF's next step in the service's words.
use ecaf_domain::access::Role;
use ecaf_domain::caf::alerts::AlertKind;
use ecaf_domain::caf::lifecycle::CafState;
use ecaf_domain::caf::wording::Wording;
use ecaf_domain::organisation::FieldError;
use ecaf_domain::text::sentence_start;
use ecaf_store::caf::{HomeCaf, HomeQuery, HomeScope, HomeSort};
use serde::{Deserialize, Serialize};

/// CAFs on one page of a list.
pub const PER_PAGE: usize = 25;

/// Which home page: one per role that has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// A practitioner's or lead professional's own CAFs and actions.
    Mine,
    /// A line manager's: the CAFs of the people they manage or deputise for.
    Team,
    /// The early help team's: every open CAF in the area.
    Area,
    /// A service manager's counts and trends.
    Service,
}

impl View {
    pub fn code(self) -> &'static str {
        match self {
            View::Mine => "mine",
            View::Team => "team",
            View::Area => "area",
            View::Service => "service",
        }
    }

    pub fn title(self, wording: &Wording) -> String {
        match self {
            View::Mine => format!("Your {}s", wording.assessment),
            View::Team => "Your team".into(),
            View::Area => sentence_start(&format!("{}s in the area", wording.assessment)),
            View::Service => "Service overview".into(),
        }
    }

    fn role(self) -> Role {
        match self {
            View::Mine => Role::Practitioner,
            View::Team => Role::LineManager,
            View::Area => Role::EarlyHelpTeam,
            View::Service => Role::ServiceManager,
        }
    }

    pub fn scope(self) -> Option<HomeScope> {
        match self {
            View::Mine => Some(HomeScope::Mine),
            View::Team => Some(HomeScope::Managed),
            View::Area => Some(HomeScope::Area),
            View::Service => None,
        }
    }

    /// The views a user with `roles` has, the widest first: someone in the early help team
    /// or a service manager who also holds CAFs starts from the view of their oversight.
    pub fn available(roles: &[Role]) -> Vec<View> {
        [View::Area, View::Service, View::Team, View::Mine]
            .into_iter()
            .filter(|v| roles.contains(&v.role()))
            .collect()
    }
}

/// The query parameters of a list, as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `mine`, `team`, `area` or `service`; the first the caller's roles have if left out.
    #[serde(default)]
    pub view: String,
    /// `next_step` (the default), `reference`, `state`, `opened`, `next_review` or `holder`.
    #[serde(default)]
    pub sort: String,
    /// `ascending` (the default) or `descending`.
    #[serde(default)]
    pub order: String,
    /// Only CAFs in this state (its code).
    #[serde(default)]
    pub state: String,
    /// Only CAFs with this alert (its code).
    #[serde(default)]
    pub alert: String,
    /// Only CAFs this user is assessor or lead professional of.
    #[serde(default)]
    pub holder: String,
    /// `yes`: only CAFs without a lead professional.
    #[serde(default)]
    pub no_lead: String,
    /// From 1.
    #[serde(default)]
    pub page: String,
}

impl ListParams {
    /// The view and the list it asks for, or each parameter that is not one we know. The
    /// view must be one of the user's.
    pub fn parse(&self, roles: &[Role]) -> Result<(Option<View>, HomeQuery), Vec<FieldError>> {
        let mut errors = vec![];
        let available = View::available(roles);
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let view = match text(&self.view) {
            None => available.first().copied(),
            Some(code) => match available.iter().find(|v| v.code() == code) {
                Some(v) => Some(*v),
                None => {
                    errors.push(FieldError::new(
                        "view",
                        "Choose a home page for one of your roles",
                    ));
                    available.first().copied()
                }
            },
        };
        let sort = match text(&self.sort) {
            None => HomeSort::default(),
            Some(code) => HomeSort::parse(&code).unwrap_or_else(|| {
                errors.push(FieldError::new(
                    "sort",
                    "Sort by one of the table's columns",
                ));
                HomeSort::default()
            }),
        };
        let descending = match text(&self.order).as_deref() {
            None | Some("ascending") => false,
            Some("descending") => true,
            Some(_) => {
                errors.push(FieldError::new(
                    "order",
                    "Sort in ascending or descending order",
                ));
                false
            }
        };
        let state = text(&self.state).and_then(|code| match CafState::parse(&code) {
            Some(s) if s.is_open() => Some(s),
            _ => {
                errors.push(FieldError::new("state", "Select a state from the list"));
                None
            }
        });
        let alert = text(&self.alert).and_then(|code| {
            AlertKind::parse(&code).or_else(|| {
                errors.push(FieldError::new("alert", "Select a next step from the list"));
                None
            })
        });
        let holder = text(&self.holder).and_then(|raw| {
            raw.parse().ok().or_else(|| {
                errors.push(FieldError::new("holder", "Select a person from the list"));
                None
            })
        });
        let no_lead = match text(&self.no_lead).as_deref() {
            None => false,
            Some("yes") => true,
            Some(_) => {
                errors.push(FieldError::new("no_lead", "Leave out no_lead, or send yes"));
                false
            }
        };
        let page = match text(&self.page) {
            None => 1,
            Some(raw) => match raw.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    errors.push(FieldError::new("page", "Enter a page number from 1"));
                    1
                }
            },
        };
        let query = HomeQuery {
            scope: view.and_then(View::scope).unwrap_or(HomeScope::Mine),
            state,
            alert,
            holder,
            no_lead,
            sort,
            descending,
            page,
            per_page: PER_PAGE,
        };
        if errors.is_empty() {
            Ok((view, query))
        } else {
            Err(errors)
        }
    }

    /// This list's query string with `changes` made (an empty value leaves a parameter out).
    pub fn with(&self, changes: &[(&str, String)]) -> String {
        let mut pairs: Vec<(&str, String)> = [
            ("view", &self.view),
            ("state", &self.state),
            ("alert", &self.alert),
            ("holder", &self.holder),
            ("no_lead", &self.no_lead),
            ("sort", &self.sort),
            ("order", &self.order),
            ("page", &self.page),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.trim().to_string()))
        .collect();
        for (key, value) in changes {
            if let Some(pair) = pairs.iter_mut().find(|(k, _)| k == key) {
                pair.1 = value.clone();
            }
        }
        pairs.retain(|(_, v)| !v.is_empty());
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if query.is_empty() {
            "/".into()
        } else {
            format!("/?{query}")
        }
    }
}

/// A sortable column header: its link and `aria-sort`.
#[derive(Serialize)]
pub struct Header {
    pub label: String,
    pub href: String,
    pub aria_sort: &'static str,
}

/// The headers of a CAF list, each linking to the list sorted by it (the other way round if
/// it is sorted by it already), back on page 1.
pub fn headers(params: &ListParams, query: &HomeQuery, wording: &Wording) -> Vec<Header> {
    [
        (HomeSort::Reference, "Reference".to_string()),
        (HomeSort::State, "State".into()),
        (HomeSort::Opened, "Opened".into()),
        (HomeSort::NextReview, "Next review".into()),
        (HomeSort::Holder, sentence_start(&wording.lead)),
        (HomeSort::NextStep, "Next step".into()),
    ]
    .into_iter()
    .map(|(sort, label)| {
        let current = query.sort == sort;
        let (aria_sort, next) = match (current, query.descending) {
            (true, false) => ("ascending", "descending"),
            (true, true) => ("descending", "ascending"),
            _ => ("none", "ascending"),
        };
        Header {
            label,
            href: params.with(&[
                ("sort", sort.code().into()),
                ("order", next.into()),
                ("page", String::new()),
            ]),
            aria_sort,
        }
    })
    .collect()
}

/// A link with its words.
#[derive(Serialize, Clone)]
pub struct Step {
    pub text: String,
    pub href: String,
}

/// One row of a CAF list, ready to show.
#[derive(Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub caf: HomeCaf,
    pub holder: String,
    pub next_step: Step,
    /// Every alert, what to do and where.
    pub alerts: Vec<Step>,
}

/// The next step on a CAF: its most urgent alert, or what its state asks for.
pub fn row(caf: HomeCaf, wording: &Wording) -> Row {
    let base = format!("/cafs/{}", caf.id);
    let alerts: Vec<Step> = caf
        .alerts
        .iter()
        .map(|a| Step {
            text: a.what_to_do(wording),
            href: format!("{base}{}", a.kind.path()),
        })
        .collect();
    let by_state = |text: &str, path: &str| Step {
        text: text.into(),
        href: format!("{base}{path}"),
    };
    let next_step = alerts.first().cloned().unwrap_or_else(|| {
        match CafState::parse(caf.state).unwrap_or(CafState::Draft) {
            CafState::Draft => by_state("Finish the assessment and sign it off", ""),
            CafState::AssessmentSignedOff => by_state("Agree the action plan", "/plan"),
            CafState::PlanInPlace => by_state("Carry out the plan", "/plan"),
            CafState::UnderReview => by_state("Finish the review", "/reviews/new"),
            CafState::SteppedUp | CafState::Closed => {
                by_state("Record the receiving service's confirmation", "/takeover")
            }
        }
    });
    Row {
        holder: caf
            .lead_professional
            .clone()
            .or_else(|| caf.assessor.clone().map(|a| format!("{a} (assessor)")))
            .unwrap_or_else(|| "None".into()),
        next_step,
        alerts,
        caf,
    }
}

/// A page link of the GOV.UK pagination component.
#[derive(Serialize)]
pub struct PageLink {
    pub number: usize,
    pub href: String,
    pub current: bool,
}

/// Pagination: previous, next, and the page numbers around this one (first and last always).
#[derive(Serialize)]
pub struct Pagination {
    pub previous: Option<String>,
    pub next: Option<String>,
    /// `None` is an ellipsis.
    pub items: Vec<Option<PageLink>>,
}

pub fn pagination(params: &ListParams, page: usize, pages: usize) -> Option<Pagination> {
    if pages <= 1 {
        return None;
    }
    let href = |n: usize| params.with(&[("page", n.to_string())]);
    let mut items = vec![];
    let mut last = 0;
    for n in 1..=pages {
        if n == 1 || n == pages || n.abs_diff(page) <= 1 {
            if n > last + 1 {
                items.push(None);
            }
            items.push(Some(PageLink {
                number: n,
                href: href(n),
                current: n == page,
            }));
            last = n;
        }
    }
    Some(Pagination {
        previous: (page > 1).then(|| href(page - 1)),
        next: (page < pages).then(|| href(page + 1)),
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_keeps_its_filters_when_sorted_or_paged() {
        let params = ListParams {
            view: "area".into(),
            state: "plan_in_place".into(),
            page: "3".into(),
            ..Default::default()
        };
        let (_, query) = params
            .parse(&[Role::EarlyHelpTeam])
            .expect("known parameters");
        let headers = headers(&params, &query, &Wording::default());
        assert_eq!(
            headers[0].href,
            "/?view=area&state=plan_in_place&sort=reference&order=ascending"
        );
        assert_eq!(
            headers[5].aria_sort, "ascending",
            "next step is the default"
        );
        let pages = pagination(&params, 3, 9).expect("nine pages");
        let numbers: Vec<Option<usize>> = pages
            .items
            .iter()
            .map(|i| i.as_ref().map(|p| p.number))
            .collect();
        assert_eq!(numbers, [Some(1), Some(2), Some(3), Some(4), None, Some(9)]);
        assert_eq!(
            pages.next.as_deref(),
            Some("/?view=area&state=plan_in_place&page=4")
        );
    }

    #[test]
    fn unknown_parameters_are_each_named_and_a_view_must_be_ones_own() {
        let params = ListParams {
            view: "service".into(),
            sort: "colour".into(),
            state: "closed".into(),
            page: "0".into(),
            ..Default::default()
        };
        let fields: Vec<&str> = params
            .parse(&[Role::Practitioner])
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["view", "sort", "state", "page"]);
    }
}
