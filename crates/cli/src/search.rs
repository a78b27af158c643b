//! `ecaf search`: look someone up in the register from the command line, through the same
//! `Store::search_people` as the pages and the API (so the search is audited too).
use crate::{DatabaseArgs, InputError};
use chrono::NaiveDate;
use clap::Args;
use ecaf_domain::access::{operator_grant, UseRegister};
use ecaf_domain::matching::MatchQuery;
use ecaf_domain::person::{NhsNumber, Postcode, Upn};
use ecaf_store::register::SearchHit;
use ecaf_store::Attribution;

#[derive(Args)]
pub struct SearchArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// Given name as heard.
    #[arg(long)]
    given: Option<String>,
    /// Family name as heard.
    #[arg(long)]
    family: Option<String>,
    /// Date of birth, YYYY-MM-DD.
    #[arg(long)]
    dob: Option<String>,
    /// Postcode.
    #[arg(long)]
    postcode: Option<String>,
    /// First line of the address ("4 Mill Lane").
    #[arg(long)]
    address_line1: Option<String>,
    /// Town.
    #[arg(long)]
    town: Option<String>,
    /// NHS number (spaces allowed).
    #[arg(long)]
    nhs_number: Option<String>,
    /// Unique pupil number.
    #[arg(long)]
    upn: Option<String>,
    /// Most candidates to show.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100))]
    limit: u64,
    /// Print the candidates as JSON.
    #[arg(long)]
    json: bool,
}

fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Turn the options into a search, refusing malformed values with the message a practitioner
/// would see on the search page.
pub fn query_from(args: &SearchArgs) -> Result<MatchQuery, InputError> {
    let mut problems = Vec::new();
    let date_of_birth =
        given(&args.dob).and_then(|d| match NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                problems.push(format!(
                    "--dob {d}: date of birth must be a real date, like 2019-03-27"
                ));
                None
            }
        });
    let nhs_number = given(&args.nhs_number).and_then(|n| match NhsNumber::parse(&n) {
        Ok(n) => Some(n.digits()),
        Err(e) => {
            problems.push(format!("--nhs-number {n}: {e}"));
            None
        }
    });
    let upn = given(&args.upn).and_then(|u| match Upn::parse(&u) {
        Ok(u) => Some(u.as_str().to_string()),
        Err(e) => {
            problems.push(format!("--upn {u}: {e}"));
            None
        }
    });
    let postcode = given(&args.postcode).and_then(|p| match Postcode::parse(&p) {
        Ok(p) => Some(p.as_str().to_string()),
        Err(e) => {
            problems.push(format!("--postcode {p}: {e}"));
            None
        }
    });
    let query = MatchQuery {
        given_name: given(&args.given),
        family_name: given(&args.family),
        date_of_birth,
        postcode,
        address_line1: given(&args.address_line1),
        town: given(&args.town),
        nhs_number,
        upn,
    };
    if problems.is_empty() && query == MatchQuery::default() {
        problems.push(
            "give at least one of --given, --family, --dob, --postcode, --address-line1, --town, \
             --nhs-number, --upn"
                .into(),
        );
    } else if problems.is_empty() && query.is_too_weak() {
        problems.push(
            "too little to rank anyone on: give --nhs-number or --upn, or at least two of \
             --given, --family, --dob, --postcode and --address-line1"
                .into(),
        );
    }
    if problems.is_empty() {
        Ok(query)
    } else {
        Err(InputError(problems.join("\n")))
    }
}

pub async fn run(args: SearchArgs) -> anyhow::Result<()> {
    let query = query_from(&args)?;
    let store = args.db.open().await?;
    let by = Attribution {
        actor_email: Some("ecaf search (command line)".into()),
        ..Attribution::default()
    };
    let hits = store
        .search_people(
            &operator_grant::<UseRegister>(),
            &by,
            &query,
            args.limit as usize,
        )
        .await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&hits)?);
    } else {
        print!("{}", table(&hits));
    }
    store.close().await;
    Ok(())
}

/// Candidates as a plain table, best first.
fn table(hits: &[SearchHit]) -> String {
    if hits.is_empty() {
        return "No one on the register matches.\n".to_string();
    }
    let rows: Vec<[String; 7]> = hits
        .iter()
        .enumerate()
        .map(|(i, h)| {
            [
                (i + 1).to_string(),
                format!("{:.1}", h.score),
                h.external_id
                    .clone()
                    .unwrap_or_else(|| format!("(id {})", h.id)),
                format!("{} {}", h.given_name, h.family_name),
                h.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
                h.postcode.clone().unwrap_or_default(),
                h.explanation.clone(),
            ]
        })
        .collect();
    let head = [
        "#",
        "score",
        "external id",
        "name",
        "born",
        "postcode",
        "why",
    ];
    let mut widths = head.map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(&head.map(String::from));
    for r in &rows {
        out.push_str(&line(r));
    }
    out
}
