//! `ecaf user …`: administration from the command line, chiefly the first administrator.
use crate::DatabaseArgs;
use anyhow::{bail, Context};
use clap::Subcommand;
use ecaf_domain::access::Role;
use ecaf_domain::credentials::{check_new_password, generate_password};
use ecaf_domain::organisation::{parse_email, AgencyDetails, AgencyType, Sector, UserDetails};
use ecaf_store::Attribution;
use std::io::{IsTerminal, Read};

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from standard input when it is piped, otherwise a
    /// strong one is generated and printed once.
    Create {
        #[command(flatten)]
        db: DatabaseArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Agency name (created as the early help team if it does not exist yet) or number.
        #[arg(long)]
        agency: String,
        /// Role code (repeat for several): practitioner, line_manager, early_help_team,
        /// service_manager, quality_assurance_reviewer, administrator (or admin).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long, default_value = "Administrator")]
        job_title: String,
    },
}

pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create {
            db,
            email,
            name,
            agency,
            roles,
            job_title,
        } => {
            let email = parse_email(&email).map_err(anyhow::Error::msg)?;
            let roles = roles
                .iter()
                .map(|r| match r.as_str() {
                    "admin" => Ok(Role::Administrator),
                    other => Role::parse(other).with_context(|| format!("unknown role {other}")),
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let (password, generated) = if std::io::stdin().is_terminal() {
                (generate_password(), true)
            } else {
                let mut input = String::new();
                std::io::stdin().read_to_string(&mut input)?;
                let password = input.trim_end_matches(['\r', '\n']).to_string();
                if password.is_empty() {
                    (generate_password(), true)
                } else {
                    (password, false)
                }
            };
            if let Err(rule) = check_new_password(&password, &email) {
                bail!("{rule}");
            }
            let store = db.open().await?;
            let by = Attribution {
                actor_email: Some("ecaf user create (command line)".into()),
                ..Default::default()
            };
            let mut tx = store.begin_write().await?;
            let agencies = store.agencies().await?;
            let agency_id = match agencies.iter().find(|a| {
                a.name.eq_ignore_ascii_case(agency.trim()) || a.id.to_string() == agency.trim()
            }) {
                Some(a) => a.id,
                None => {
                    let details = AgencyDetails {
                        name: agency.trim().to_string(),
                        sector: Sector::Statutory,
                        agency_type: AgencyType::EarlyHelpTeam,
                        address: String::new(),
                        telephone: None,
                    };
                    store
                        .create_agency_tx(&mut tx, &by, &details, false)
                        .await?
                }
            };
            let details = UserDetails {
                name: name.trim().to_string(),
                email: email.clone(),
                agency_id,
                team_id: None,
                job_title,
                telephone: None,
                mobile: None,
                roles,
                line_manager_id: None,
                deputy_id: None,
            };
            let id = store
                .create_user_tx(&mut tx, &by, &details, &password, false)
                .await?;
            tx.commit().await?;
            println!("Created user {id} <{email}>.");
            if generated {
                println!("Password (shown once): {password}");
            }
            Ok(())
        }
    }
}
