//! A realistic demonstration local authority: agencies across sectors and users in every role.
//! Loading is idempotent, and refused on a database that holds real (non-demo) users.
use crate::{Attribution, Result, Store, StoreError, Tx};
use ecaf_domain::access::Role;
use ecaf_domain::organisation::{AgencyDetails, AgencyType, Sector, UserDetails};
use ecaf_domain::person::{
    Address, Gender, NhsNumber, OtherName, OtherNameKind, PersonDetails, Postcode, Relationship,
};
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
        address: "Northgate Road, Brookford, BF3 4DW",
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
        address: "The Hub, Station Road, Brookford, BF1 8JL",
        telephone: "01632 960 505",
        teams: &[],
    },
    DemoAgency {
        name: "Family Action Together",
        sector: Sector::Voluntary,
        agency_type: AgencyType::VoluntaryOrganisation,
        address: "3 Chapel Walk, Brookford, BF4 9LN",
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

/// A demo person: (given, family, gender, date of birth, expected, NHS number, address line,
/// postcode, other name).
struct DemoPerson {
    given: &'static str,
    family: &'static str,
    gender: Gender,
    dob: &'static str,
    expected: bool,
    nhs: Option<&'static str>,
    line1: &'static str,
    postcode: &'static str,
    other_name: Option<(OtherNameKind, &'static str, &'static str)>,
}

const PEOPLE: &[DemoPerson] = &[
    DemoPerson {
        given: "Amelia",
        family: "Hughes",
        gender: Gender::Female,
        dob: "2019-03-07",
        expected: false,
        nhs: Some("9434765919"),
        line1: "4 Mill Lane",
        postcode: "BF1 2AB",
        other_name: Some((OtherNameKind::KnownAs, "Millie", "Hughes")),
    },
    DemoPerson {
        given: "Oliver",
        family: "Hughes",
        gender: Gender::Male,
        dob: "2016-08-21",
        expected: false,
        nhs: Some("4010232137"),
        line1: "4 Mill Lane",
        postcode: "BF1 2AB",
        other_name: None,
    },
    DemoPerson {
        given: "Sarah",
        family: "Hughes",
        gender: Gender::Female,
        dob: "1990-05-12",
        expected: false,
        nhs: None,
        line1: "4 Mill Lane",
        postcode: "BF1 2AB",
        other_name: Some((OtherNameKind::PreviousName, "Sarah", "Bennett")),
    },
    DemoPerson {
        given: "Daniel",
        family: "Hughes",
        gender: Gender::Male,
        dob: "1988-11-02",
        expected: false,
        nhs: None,
        line1: "27 Northgate Road",
        postcode: "BF3 4DW",
        other_name: None,
    },
    DemoPerson {
        given: "Kacper",
        family: "Nowak",
        gender: Gender::Male,
        dob: "2014-01-30",
        expected: false,
        nhs: Some("4857773457"),
        line1: "Flat 3, 18 Eastfield Road",
        postcode: "BF2 6EF",
        other_name: None,
    },
    DemoPerson {
        given: "Agnieszka",
        family: "Nowak",
        gender: Gender::Female,
        dob: "1986-07-19",
        expected: false,
        nhs: None,
        line1: "Flat 3, 18 Eastfield Road",
        postcode: "BF2 6EF",
        other_name: None,
    },
    DemoPerson {
        given: "Aaliyah",
        family: "Khan",
        gender: Gender::Female,
        dob: "2021-12-15",
        expected: false,
        nhs: Some("6123456784"),
        line1: "9 Millbrook Street",
        postcode: "BF5 7GH",
        other_name: None,
    },
    DemoPerson {
        given: "Zayn",
        family: "Khan",
        gender: Gender::Male,
        dob: "2018-06-04",
        expected: false,
        nhs: Some("7234567895"),
        line1: "9 Millbrook Street",
        postcode: "BF5 7GH",
        other_name: None,
    },
    DemoPerson {
        given: "Farida",
        family: "Khan",
        gender: Gender::Female,
        dob: "1961-02-25",
        expected: false,
        nhs: None,
        line1: "9 Millbrook Street",
        postcode: "BF5 7GH",
        other_name: None,
    },
    DemoPerson {
        given: "Chloe",
        family: "Thompson",
        gender: Gender::Female,
        dob: "2005-04-20",
        expected: false,
        nhs: None,
        line1: "2 Chapel Walk",
        postcode: "BF4 9LN",
        other_name: None,
    },
    DemoPerson {
        given: "Baby",
        family: "Thompson",
        gender: Gender::NotKnown,
        dob: "2027-03-01",
        expected: true,
        nhs: None,
        line1: "2 Chapel Walk",
        postcode: "BF4 9LN",
        other_name: None,
    },
    DemoPerson {
        given: "Jayden",
        family: "Williams",
        gender: Gender::Male,
        dob: "2010-09-09",
        expected: false,
        nhs: Some("8345678904"),
        line1: "41 Station Road",
        postcode: "BF1 8JL",
        other_name: Some((OtherNameKind::AlternativeSpelling, "Jaden", "Williams")),
    },
    DemoPerson {
        given: "Tyler",
        family: "Reid",
        gender: Gender::Male,
        dob: "2012-02-17",
        expected: false,
        nhs: None,
        line1: "7 Canal Street",
        postcode: "BF2 4QP",
        other_name: None,
    },
];

/// (person, related person, "related is the ... of person", parental responsibility, lives with)
const RELATIONSHIPS: &[(&str, &str, Relationship, bool, bool)] = &[
    (
        "Amelia Hughes",
        "Sarah Hughes",
        Relationship::Mother,
        true,
        true,
    ),
    (
        "Amelia Hughes",
        "Daniel Hughes",
        Relationship::Father,
        true,
        false,
    ),
    (
        "Amelia Hughes",
        "Oliver Hughes",
        Relationship::Sibling,
        false,
        true,
    ),
    (
        "Oliver Hughes",
        "Sarah Hughes",
        Relationship::Mother,
        true,
        true,
    ),
    (
        "Oliver Hughes",
        "Daniel Hughes",
        Relationship::Father,
        true,
        false,
    ),
    (
        "Kacper Nowak",
        "Agnieszka Nowak",
        Relationship::Mother,
        true,
        true,
    ),
    (
        "Aaliyah Khan",
        "Zayn Khan",
        Relationship::Sibling,
        false,
        true,
    ),
    (
        "Aaliyah Khan",
        "Farida Khan",
        Relationship::Grandparent,
        false,
        true,
    ),
    (
        "Zayn Khan",
        "Farida Khan",
        Relationship::Grandparent,
        false,
        true,
    ),
    (
        "Baby Thompson",
        "Chloe Thompson",
        Relationship::Mother,
        true,
        true,
    ),
];

/// What a demo load did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoLoad {
    pub agencies_created: usize,
    pub users_created: usize,
    pub people_created: usize,
    pub cafs_created: usize,
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
        outcome.people_created = self.load_demo_people(&mut tx, &by).await?;
        tx.commit().await?;
        // After the commit: the CAFs are made through the store's own functions, each in its
        // transaction, as a practitioner's pages would make them.
        outcome.cafs_created = self.load_demo_cafs().await?;
        Ok(outcome)
    }
}

impl Store {
    /// Demo children and families, with relationships, unless already there.
    async fn load_demo_people(&self, tx: &mut Tx, by: &Attribution) -> Result<usize> {
        let existing =
            sqlx::query("SELECT COUNT(*) AS n FROM people WHERE external_id LIKE 'demo-%'")
                .fetch_one(&mut **tx)
                .await?;
        if existing.try_get::<i64, _>("n")? > 0 {
            return Ok(0);
        }
        if self.backend() == crate::Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7270001)")
                .execute(&mut **tx)
                .await?;
        }
        let mut ids: HashMap<String, i64> = HashMap::new();
        for (n, p) in PEOPLE.iter().enumerate() {
            let details = PersonDetails {
                given_name: p.given.into(),
                family_name: p.family.into(),
                gender: Some(p.gender),
                date_of_birth: p.dob.parse().ok(),
                date_of_birth_is_expected: p.expected,
                nhs_number: p.nhs.and_then(|n| NhsNumber::parse(n).ok()),
                upn: None,
                telephone: None,
                ethnicity: None,
                first_language: "English".into(),
                communication_needs: String::new(),
                interpreter_needed: ecaf_domain::person::Answer::NotKnown,
                disability: String::new(),
                main_address: Some(Address {
                    line1: p.line1.into(),
                    line2: String::new(),
                    town: "Brookford".into(),
                    postcode: Postcode::parse(p.postcode).ok(),
                    description: String::new(),
                }),
                other_addresses: vec![],
                other_names: p
                    .other_name
                    .iter()
                    .map(|(kind, given, family)| OtherName {
                        kind: *kind,
                        given_name: (*given).into(),
                        family_name: (*family).into(),
                    })
                    .collect(),
            };
            let external = format!("demo-{}", n + 1);
            let id = self
                .create_person_tx(tx, by, &details, Some(&external), "Demo data")
                .await?;
            ids.insert(format!("{} {}", p.given, p.family), id);
        }
        let now = self.now_ms();
        for (person, related, relationship, pr, lives_with) in RELATIONSHIPS {
            let (Some(a), Some(b)) = (ids.get(*person), ids.get(*related)) else {
                continue;
            };
            sqlx::query(
                "INSERT INTO relationships (person_id, related_person_id, relationship, parental_responsibility, lives_with, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(a)
            .bind(b)
            .bind(relationship.code())
            // The demo family is known in full: false is a "no", not "not known".
            .bind(known(*pr).stored())
            .bind(known(*lives_with).stored())
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        Ok(ids.len())
    }
}

fn known(yes: bool) -> ecaf_domain::person::Answer {
    if yes {
        ecaf_domain::person::Answer::Yes
    } else {
        ecaf_domain::person::Answer::No
    }
}

#[cfg(test)]
mod tests {
    use super::PEOPLE;
    use ecaf_domain::person::Postcode;

    /// Demo records are edited by people trying the service: each must pass the same checks
    /// as anything typed into the form.
    #[test]
    fn every_demo_postcode_is_a_valid_uk_postcode() {
        for p in PEOPLE {
            assert!(
                Postcode::parse(p.postcode).is_ok(),
                "{} {}: {}",
                p.given,
                p.family,
                p.postcode
            );
        }
    }
}
