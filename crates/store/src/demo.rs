//! A realistic demonstration local authority: agencies across sectors and users in every role.
//! Loading is idempotent, and refused on a database that holds real (non-demo) users.
use crate::{Attribution, Result, Store, StoreError};
use ecaf_domain::access::Role;
use ecaf_domain::organisation::{AgencyDetails, AgencyType, Sector, UserDetails};
use sqlx::Row;
use std::collections::HashMap;

/// The password of every demo account (published in the README; demo data only).
pub const DEMO_PASSWORD: &str = "caf-demo-2026";
/// Demo accounts live under this domain.
pub const DEMO_EMAIL_DOMAIN: &str = "demo.ecaf.org.uk";

struct DemoAgency {
    name: &'static str,
    sector: Sector,
    agency_type: AgencyType,
    address: &'static str,
    telephone: &'static str,
    teams: &'static [&'static str],
}

/// A demo account: (email local part, name, agency, team, job title, roles, line manager).
pub struct DemoUser {
    pub local: &'static str,
    pub name: &'static str,
    pub agency: &'static str,
    pub team: Option<&'static str>,
    pub job_title: &'static str,
    pub roles: &'static [Role],
    pub line_manager: Option<&'static str>,
}

const AGENCIES: &[DemoAgency] = &[
    DemoAgency {
        name: "Riverside Primary School",
        sector: Sector::Statutory,
        agency_type: AgencyType::School,
        address: "Mill Lane, Brookford, BF1 2AB",
        telephone: "01632 960 101",
        teams: &[],
    },
    DemoAgency {
        name: "Northgate Academy",
        sector: Sector::Statutory,
        agency_type: AgencyType::School,
        address: "Northgate Road, Brookford, BF3 4CD",
        telephone: "01632 960 202",
        teams: &["Pastoral team"],
    },
    DemoAgency {
        name: "Brookford Health Visiting Service",
        sector: Sector::Statutory,
        agency_type: AgencyType::HealthVisiting,
        address: "Eastfield Health Centre, Eastfield Road, Brookford, BF2 6EF",
        telephone: "01632 960 303",
        teams: &["Eastfield health visitors"],
    },
    DemoAgency {
        name: "Millbrook Medical Practice",
        sector: Sector::Statutory,
        agency_type: AgencyType::GeneralPractice,
        address: "12 Millbrook Street, Brookford, BF5 7GH",
        telephone: "01632 960 404",
        teams: &[],
    },
    DemoAgency {
        name: "Brookford Youth Service",
        sector: Sector::Statutory,
        agency_type: AgencyType::YouthService,
        address: "The Hub, Station Road, Brookford, BF1 8JK",
        telephone: "01632 960 505",
        teams: &[],
    },
    DemoAgency {
        name: "Family Action Together",
        sector: Sector::Voluntary,
        agency_type: AgencyType::VoluntaryOrganisation,
        address: "3 Chapel Walk, Brookford, BF4 9LM",
        telephone: "01632 960 606",
        teams: &[],
    },
    DemoAgency {
        name: "Brookford Early Help Team",
        sector: Sector::Statutory,
        agency_type: AgencyType::EarlyHelpTeam,
        address: "Town Hall, Market Square, Brookford, BF1 1AA",
        telephone: "01632 960 707",
        teams: &["North locality", "South locality"],
    },
    DemoAgency {
        name: "Brookford Children's Social Care",
        sector: Sector::Statutory,
        agency_type: AgencyType::ChildrensSocialCare,
        address: "Town Hall, Market Square, Brookford, BF1 1AA",
        telephone: "01632 960 808",
        teams: &["Assessment team"],
    },
];

/// The demo accounts, listed in the README.
pub const USERS: &[DemoUser] = &[
    DemoUser {
        local: "admin",
        name: "Alex Morgan",
        agency: "Brookford Early Help Team",
        team: None,
        job_title: "Systems administrator",
        roles: &[Role::Administrator],
        line_manager: None,
    },
    DemoUser {
        local: "priya.shah",
        name: "Priya Shah",
        agency: "Riverside Primary School",
        team: None,
        job_title: "Deputy head teacher (inclusion)",
        roles: &[Role::Practitioner, Role::LineManager],
        line_manager: None,
    },
    DemoUser {
        local: "sam.taylor",
        name: "Sam Taylor",
        agency: "Riverside Primary School",
        team: None,
        job_title: "Learning mentor",
        roles: &[Role::Practitioner],
        line_manager: Some("priya.shah"),
    },
    DemoUser {
        local: "tom.okafor",
        name: "Tom Okafor",
        agency: "Northgate Academy",
        team: Some("Pastoral team"),
        job_title: "Assistant head teacher",
        roles: &[Role::Practitioner, Role::LineManager],
        line_manager: None,
    },
    DemoUser {
        local: "jo.bennett",
        name: "Jo Bennett",
        agency: "Northgate Academy",
        team: Some("Pastoral team"),
        job_title: "Pastoral lead",
        roles: &[Role::Practitioner],
        line_manager: Some("tom.okafor"),
    },
    DemoUser {
        local: "grace.evans",
        name: "Grace Evans",
        agency: "Brookford Health Visiting Service",
        team: Some("Eastfield health visitors"),
        job_title: "Health visiting team leader",
        roles: &[Role::Practitioner, Role::LineManager],
        line_manager: None,
    },
    DemoUser {
        local: "helen.price",
        name: "Helen Price",
        agency: "Brookford Health Visiting Service",
        team: Some("Eastfield health visitors"),
        job_title: "Health visitor",
        roles: &[Role::Practitioner],
        line_manager: Some("grace.evans"),
    },
    DemoUser {
        local: "amir.khan",
        name: "Dr Amir Khan",
        agency: "Millbrook Medical Practice",
        team: None,
        job_title: "General practitioner",
        roles: &[Role::Practitioner],
        line_manager: None,
    },
    DemoUser {
        local: "leon.walsh",
        name: "Leon Walsh",
        agency: "Brookford Youth Service",
        team: None,
        job_title: "Youth worker",
        roles: &[Role::Practitioner],
        line_manager: Some("david.hughes"),
    },
    DemoUser {
        local: "maria.kowalska",
        name: "Maria Kowalska",
        agency: "Family Action Together",
        team: None,
        job_title: "Family support worker",
        roles: &[Role::Practitioner],
        line_manager: None,
    },
    DemoUser {
        local: "david.hughes",
        name: "David Hughes",
        agency: "Brookford Early Help Team",
        team: None,
        job_title: "Head of early help",
        roles: &[Role::ServiceManager, Role::LineManager],
        line_manager: None,
    },
    DemoUser {
        local: "rachel.adeyemi",
        name: "Rachel Adeyemi",
        agency: "Brookford Early Help Team",
        team: Some("North locality"),
        job_title: "Early help coordinator",
        roles: &[Role::EarlyHelpTeam, Role::Practitioner],
        line_manager: Some("david.hughes"),
    },
    DemoUser {
        local: "fiona.campbell",
        name: "Fiona Campbell",
        agency: "Brookford Early Help Team",
        team: Some("South locality"),
        job_title: "Quality assurance officer",
        roles: &[Role::QualityAssuranceReviewer],
        line_manager: Some("david.hughes"),
    },
    DemoUser {
        local: "nadia.ali",
        name: "Nadia Ali",
        agency: "Brookford Children's Social Care",
        team: Some("Assessment team"),
        job_title: "Team manager",
        roles: &[Role::LineManager, Role::Practitioner],
        line_manager: None,
    },
    DemoUser {
        local: "chris.palmer",
        name: "Chris Palmer",
        agency: "Brookford Children's Social Care",
        team: Some("Assessment team"),
        job_title: "Social worker",
        roles: &[Role::Practitioner],
        line_manager: Some("nadia.ali"),
    },
];

/// What a demo load did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoLoad {
    pub agencies_created: usize,
    pub users_created: usize,
}

impl Store {
    /// Whether the database was loaded with demo data (for the "demo" banner).
    pub async fn holds_demo_data(&self) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE is_demo = 1")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Load the demo local authority; running it again changes nothing.
    pub async fn load_demo(&self) -> Result<DemoLoad> {
        let by = Attribution {
            actor_email: Some("ecaf demo loader".into()),
            ..Default::default()
        };
        let mut tx = self.begin_write().await?;
        let real = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE is_demo = 0")
            .fetch_one(&mut *tx)
            .await?;
        if real.try_get::<i64, _>("n")? > 0 {
            return Err(StoreError::Refused(
                "This database holds real (non-demo) users: demo data is only loaded into a new or demo database".into(),
            ));
        }
        let mut outcome = DemoLoad::default();
        let mut agency_ids = HashMap::new();
        let mut team_ids = HashMap::new();
        for a in AGENCIES {
            let existing = sqlx::query("SELECT id FROM agencies WHERE name = $1")
                .bind(a.name)
                .fetch_optional(&mut *tx)
                .await?;
            let id = match existing {
                Some(row) => row.try_get::<i64, _>("id")?,
                None => {
                    outcome.agencies_created += 1;
                    let details = AgencyDetails {
                        name: a.name.into(),
                        sector: a.sector,
                        agency_type: a.agency_type,
                        address: a.address.into(),
                        telephone: Some(a.telephone.into()),
                    };
                    let id = self.create_agency_tx(&mut tx, &by, &details, true).await?;
                    for team in a.teams {
                        let team_id = self.create_team_tx(&mut tx, &by, id, team).await?;
                        team_ids.insert((a.name, *team), team_id);
                    }
                    id
                }
            };
            agency_ids.insert(a.name, id);
        }
        let team_rows = sqlx::query("SELECT t.id, t.name, a.name AS agency FROM teams t JOIN agencies a ON a.id = t.agency_id")
            .fetch_all(&mut *tx)
            .await?;
        for row in &team_rows {
            let agency: String = row.try_get("agency")?;
            let name: String = row.try_get("name")?;
            if let Some(a) = AGENCIES.iter().find(|a| a.name == agency) {
                if let Some(t) = a.teams.iter().find(|t| **t == name) {
                    team_ids.insert((a.name, *t), row.try_get::<i64, _>("id")?);
                }
            }
        }
        let mut user_ids: HashMap<&str, i64> = HashMap::new();
        // Managers first, so line manager references resolve.
        let mut ordered: Vec<&DemoUser> =
            USERS.iter().filter(|u| u.line_manager.is_none()).collect();
        ordered.extend(USERS.iter().filter(|u| u.line_manager.is_some()));
        for u in ordered {
            let email = format!("{}@{DEMO_EMAIL_DOMAIN}", u.local);
            let existing = sqlx::query("SELECT id FROM users WHERE email = $1")
                .bind(&email)
                .fetch_optional(&mut *tx)
                .await?;
            let id = match existing {
                Some(row) => row.try_get::<i64, _>("id")?,
                None => {
                    outcome.users_created += 1;
                    let agency_id = *agency_ids.get(u.agency).ok_or_else(|| {
                        StoreError::Refused(format!("demo agency {} missing", u.agency))
                    })?;
                    let details = UserDetails {
                        name: u.name.into(),
                        email,
                        agency_id,
                        team_id: u.team.and_then(|t| team_ids.get(&(u.agency, t)).copied()),
                        job_title: u.job_title.into(),
                        telephone: AGENCIES
                            .iter()
                            .find(|a| a.name == u.agency)
                            .map(|a| a.telephone.to_string()),
                        mobile: None,
                        roles: u.roles.to_vec(),
                        line_manager_id: u.line_manager.and_then(|m| user_ids.get(m).copied()),
                        deputy_id: None,
                    };
                    self.create_user_tx(&mut tx, &by, &details, DEMO_PASSWORD, true)
                        .await?
                }
            };
            user_ids.insert(u.local, id);
        }
        tx.commit().await?;
        Ok(outcome)
    }
}
