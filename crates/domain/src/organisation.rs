//! Agencies, teams and the people who use the service, with the rules for their details.
use crate::access::Role;
use crate::vocabulary::vocabulary;
use serde::{Deserialize, Serialize};

vocabulary!(
    /// Who runs an agency.
    Sector, {
        Statutory => "statutory", "Statutory",
        Voluntary => "voluntary", "Voluntary or community",
        Private => "private", "Private",
    }
);

vocabulary!(
    /// What kind of service an agency is.
    AgencyType, {
        School => "school", "School",
        PreSchool => "pre_school", "Pre-school or nursery",
        ChildrensCentre => "childrens_centre", "Children's centre",
        HealthVisiting => "health_visiting", "Health visiting",
        SchoolNursing => "school_nursing", "School nursing",
        GeneralPractice => "gp", "GP practice",
        Camhs => "camhs", "Child and adolescent mental health (CAMHS)",
        YouthService => "youth_service", "Youth service",
        YouthOffending => "youth_offending", "Youth offending service",
        Housing => "housing", "Housing",
        AdultMentalHealth => "adult_mental_health", "Adult mental health",
        SubstanceMisuse => "substance_misuse", "Substance misuse service",
        VoluntaryOrganisation => "voluntary_organisation", "Voluntary organisation",
        EarlyHelpTeam => "early_help_team", "Early help team",
        ChildrensSocialCare => "childrens_social_care", "Children's social care",
    }
);

/// A field-level problem with submitted details, in GOV.UK error message style.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// Normalise and check an email address: trimmed, lower-cased, one `@` with a dotted domain.
pub fn parse_email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err("Enter an email address".into());
    }
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
            }
            None => false,
        };
    if valid {
        Ok(email)
    } else {
        Err("Enter an email address in the correct format, like name@example.org".into())
    }
}

/// A UK telephone number: digits, spaces and an optional leading +, 10 to 13 digits.
pub fn parse_telephone(raw: &str) -> Result<Option<String>, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let allowed = trimmed.chars().enumerate().all(|(i, c)| {
        c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && i == 0) || c == '(' || c == ')'
    });
    let digits = trimmed.chars().filter(char::is_ascii_digit).count();
    if allowed && (10..=13).contains(&digits) {
        Ok(Some(trimmed.to_string()))
    } else {
        Err("Enter a telephone number, like 01632 960 001 or 07700 900 982".into())
    }
}

/// Details of a user as submitted by an administrator, before validation.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserDetailsInput {
    pub name: String,
    pub email: String,
    pub agency_id: String,
    pub team_id: String,
    pub job_title: String,
    pub telephone: String,
    pub mobile: String,
    pub roles: Vec<String>,
    pub line_manager_id: String,
    pub deputy_id: String,
}

/// Validated user details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserDetails {
    pub name: String,
    pub email: String,
    pub agency_id: i64,
    pub team_id: Option<i64>,
    pub job_title: String,
    pub telephone: Option<String>,
    pub mobile: Option<String>,
    pub roles: Vec<Role>,
    pub line_manager_id: Option<i64>,
    pub deputy_id: Option<i64>,
}

fn optional_id(raw: &str) -> Result<Option<i64>, ()> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>().map(Some).map_err(|_| ())
}

impl UserDetailsInput {
    /// Check every field, reporting all problems at once (GOV.UK error summary style).
    pub fn validate(&self) -> Result<UserDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            errors.push(FieldError::new("name", "Enter the user's full name"));
        } else if name.chars().count() > 200 {
            errors.push(FieldError::new(
                "name",
                "Full name must be 200 characters or fewer",
            ));
        }
        let email = parse_email(&self.email).unwrap_or_else(|m| {
            errors.push(FieldError::new("email", m));
            String::new()
        });
        let agency_id = match optional_id(&self.agency_id) {
            Ok(Some(id)) => id,
            _ => {
                errors.push(FieldError::new("agency_id", "Select the user's agency"));
                0
            }
        };
        let team_id = optional_id(&self.team_id).unwrap_or_else(|_| {
            errors.push(FieldError::new("team_id", "Select a team from the list"));
            None
        });
        let job_title = self.job_title.trim().to_string();
        if job_title.is_empty() {
            errors.push(FieldError::new("job_title", "Enter the user's job title"));
        } else if job_title.chars().count() > 200 {
            errors.push(FieldError::new(
                "job_title",
                "Job title must be 200 characters or fewer",
            ));
        }
        let telephone = parse_telephone(&self.telephone).unwrap_or_else(|m| {
            errors.push(FieldError::new("telephone", m));
            None
        });
        let mobile = parse_telephone(&self.mobile).unwrap_or_else(|m| {
            errors.push(FieldError::new("mobile", m));
            None
        });
        let mut roles = Vec::new();
        for code in &self.roles {
            match Role::parse(code) {
                Some(role) if !roles.contains(&role) => roles.push(role),
                Some(_) => {}
                None => {
                    errors.push(FieldError::new("roles", "Select roles from the list"));
                    break;
                }
            }
        }
        if roles.is_empty() && !errors.iter().any(|e| e.field == "roles") {
            errors.push(FieldError::new("roles", "Select at least one role"));
        }
        roles.sort();
        let line_manager_id = optional_id(&self.line_manager_id).unwrap_or_else(|_| {
            errors.push(FieldError::new(
                "line_manager_id",
                "Select a line manager from the list",
            ));
            None
        });
        let deputy_id = optional_id(&self.deputy_id).unwrap_or_else(|_| {
            errors.push(FieldError::new(
                "deputy_id",
                "Select a designated deputy from the list",
            ));
            None
        });
        if errors.is_empty() {
            Ok(UserDetails {
                name,
                email,
                agency_id,
                team_id,
                job_title,
                telephone,
                mobile,
                roles,
                line_manager_id,
                deputy_id,
            })
        } else {
            Err(errors)
        }
    }
}

/// Details of an agency as submitted, before validation.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AgencyDetailsInput {
    pub name: String,
    pub sector: String,
    pub agency_type: String,
    pub address: String,
    pub telephone: String,
}

/// Validated agency details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyDetails {
    pub name: String,
    pub sector: Sector,
    pub agency_type: AgencyType,
    pub address: String,
    pub telephone: Option<String>,
}

impl AgencyDetailsInput {
    pub fn validate(&self) -> Result<AgencyDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            errors.push(FieldError::new("name", "Enter the agency's name"));
        } else if name.chars().count() > 200 {
            errors.push(FieldError::new(
                "name",
                "Agency name must be 200 characters or fewer",
            ));
        }
        let sector = Sector::from_code(self.sector.trim());
        if sector.is_none() {
            errors.push(FieldError::new("sector", "Select the agency's sector"));
        }
        let agency_type = AgencyType::from_code(self.agency_type.trim());
        if agency_type.is_none() {
            errors.push(FieldError::new("agency_type", "Select the type of agency"));
        }
        let address = self.address.trim().to_string();
        if address.chars().count() > 500 {
            errors.push(FieldError::new(
                "address",
                "Address must be 500 characters or fewer",
            ));
        }
        let telephone = parse_telephone(&self.telephone).unwrap_or_else(|m| {
            errors.push(FieldError::new("telephone", m));
            None
        });
        match (sector, agency_type) {
            (Some(sector), Some(agency_type)) if errors.is_empty() => Ok(AgencyDetails {
                name,
                sector,
                agency_type,
                address,
                telephone,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            parse_email("  Sam.Taylor@Example.ORG "),
            Ok("sam.taylor@example.org".into())
        );
        for bad in [
            "",
            "sam",
            "sam@",
            "@example.org",
            "sam@example",
            "sam@@example.org",
            "s am@example.org",
            "sam@example..org",
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn telephones_are_optional_but_checked() {
        assert_eq!(parse_telephone(""), Ok(None));
        assert_eq!(
            parse_telephone("01632 960 001"),
            Ok(Some("01632 960 001".into()))
        );
        assert_eq!(
            parse_telephone("+44 7700 900982"),
            Ok(Some("+44 7700 900982".into()))
        );
        assert!(parse_telephone("12345").is_err());
        assert!(parse_telephone("call me maybe").is_err());
    }

    #[test]
    fn user_details_report_every_problem() {
        let errors = UserDetailsInput::default().validate().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "email", "agency_id", "job_title", "roles"]);
    }

    #[test]
    fn valid_user_details_are_parsed() {
        let input = UserDetailsInput {
            name: " Sam Taylor ".into(),
            email: "Sam@Example.org".into(),
            agency_id: "3".into(),
            job_title: "Family support worker".into(),
            roles: vec![
                "line_manager".into(),
                "practitioner".into(),
                "practitioner".into(),
            ],
            line_manager_id: "12".into(),
            ..Default::default()
        };
        let details = input.validate().unwrap();
        assert_eq!(details.name, "Sam Taylor");
        assert_eq!(details.email, "sam@example.org");
        assert_eq!(details.agency_id, 3);
        assert_eq!(details.roles, vec![Role::Practitioner, Role::LineManager]);
        assert_eq!(details.line_manager_id, Some(12));
        assert_eq!(details.team_id, None);
    }

    #[test]
    fn unknown_roles_are_refused() {
        let input = UserDetailsInput {
            roles: vec!["superuser".into()],
            ..Default::default()
        };
        let errors = input.validate().unwrap_err();
        assert!(errors
            .iter()
            .any(|e| e.field == "roles" && e.message == "Select roles from the list"));
    }

    #[test]
    fn agency_codes_round_trip() {
        for t in AgencyType::ALL {
            assert_eq!(AgencyType::from_code(t.code()), Some(*t));
        }
        for s in Sector::ALL {
            assert_eq!(Sector::from_code(s.code()), Some(*s));
        }
    }
}
