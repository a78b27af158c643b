//! Roles and the access policy. A `Grant` can only be made by [`authorise`], and the store asks
//! for one before it hands out anything guarded, so an unchecked path does not compile.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;

/// What a user does in the service. A user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Practitioner,
    LineManager,
    EarlyHelpTeam,
    ServiceManager,
    QualityAssuranceReviewer,
    Administrator,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Practitioner,
        Role::LineManager,
        Role::EarlyHelpTeam,
        Role::ServiceManager,
        Role::QualityAssuranceReviewer,
        Role::Administrator,
    ];

    /// The stable code stored in the database and used in the API.
    pub fn code(self) -> &'static str {
        match self {
            Role::Practitioner => "practitioner",
            Role::LineManager => "line_manager",
            Role::EarlyHelpTeam => "early_help_team",
            Role::ServiceManager => "service_manager",
            Role::QualityAssuranceReviewer => "quality_assurance_reviewer",
            Role::Administrator => "administrator",
        }
    }

    /// The name a practitioner reads.
    pub fn label(self) -> &'static str {
        match self {
            Role::Practitioner => "Practitioner",
            Role::LineManager => "Line manager",
            Role::EarlyHelpTeam => "Early help team",
            Role::ServiceManager => "Service manager",
            Role::QualityAssuranceReviewer => "Quality assurance reviewer",
            Role::Administrator => "Administrator",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The signed-in person on whose behalf a request acts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub agency_id: i64,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// Capabilities that are not about one child's record.
pub trait Capability: sealed::Sealed {
    const NAME: &'static str;
    fn allowed(actor: &Actor) -> bool;
}

mod sealed {
    pub trait Sealed {}
}

/// Create, edit and deactivate users; manage agencies and teams.
#[derive(Debug)]
pub struct ManageUsers;
/// Read and export the audit log.
#[derive(Debug)]
pub struct ViewAudit;
/// Edit the service's own words (terms, element names, consent statement, lists, glossary).
#[derive(Debug)]
pub struct ConfigureWording;
/// Switch the area's local alert rules on or off.
#[derive(Debug)]
pub struct ConfigureAlerts;

/// Switch manager sign-off of the assessment, the plan and closure on or off.
#[derive(Debug)]
pub struct ConfigureSignOff;

/// See the service's periodic jobs and outgoing mail (not what any mail was about).
#[derive(Debug)]
pub struct OperateService;

/// Search the register of children and families, see who a person is and whom to contact,
/// and record or correct their identifying details.
#[derive(Debug)]
pub struct UseRegister;
/// Merge two register records found to be the same person, and undo a merge.
#[derive(Debug)]
pub struct MergePeople;
/// Start a CAF for a child (becoming its assessor). What happens to a CAF after that is
/// decided per record by `caf::access`.
#[derive(Debug)]
pub struct StartCaf;

impl sealed::Sealed for ManageUsers {}
impl sealed::Sealed for ViewAudit {}
impl sealed::Sealed for ConfigureWording {}
impl sealed::Sealed for ConfigureAlerts {}
impl sealed::Sealed for ConfigureSignOff {}
impl sealed::Sealed for UseRegister {}
impl sealed::Sealed for MergePeople {}
impl sealed::Sealed for StartCaf {}
impl sealed::Sealed for OperateService {}

impl Capability for UseRegister {
    const NAME: &'static str = "use the children and families register";
    fn allowed(actor: &Actor) -> bool {
        // Administrators and quality-assurance reviewers have no need to know who is on it.
        [
            Role::Practitioner,
            Role::LineManager,
            Role::EarlyHelpTeam,
            Role::ServiceManager,
        ]
        .iter()
        .any(|r| actor.has(*r))
    }
}

impl Capability for MergePeople {
    const NAME: &'static str = "merge records in the register";
    fn allowed(actor: &Actor) -> bool {
        actor.has(Role::EarlyHelpTeam)
    }
}

impl Capability for StartCaf {
    const NAME: &'static str = "start a CAF";
    fn allowed(actor: &Actor) -> bool {
        actor.has(Role::Practitioner) || actor.has(Role::EarlyHelpTeam)
    }
}

impl Capability for ManageUsers {
    const NAME: &'static str = "manage users and agencies";
    fn allowed(actor: &Actor) -> bool {
        actor.has(Role::Administrator)
    }
}

impl Capability for ConfigureWording {
    const NAME: &'static str = "change the service's wording";
    fn allowed(actor: &Actor) -> bool {
        actor.has(Role::Administrator)
    }
}

impl Capability for OperateService {
    const NAME: &'static str = "see the service's jobs and outgoing mail";
    fn allowed(actor: &Actor) -> bool {
        actor.has(Role::Administrator)
    }
}

impl Capability for ConfigureAlerts {
    const NAME: &'static str = "switch local alert rules on or off";
    fn allowed(actor: &Actor) -> bool {
        actor.has(Role::Administrator)
    }
}

impl Capability for ConfigureSignOff {
    const NAME: &'static str = "switch manager sign-off on or off";
    fn allowed(actor: &Actor) -> bool {
        actor.has(Role::Administrator)
    }
}

impl Capability for ViewAudit {
    const NAME: &'static str = "view the audit log";
    fn allowed(actor: &Actor) -> bool {
        actor.has(Role::Administrator)
    }
}

/// Proof that `actor_id` was allowed capability `C`. Only [`authorise`] makes one.
#[derive(Debug)]
pub struct Grant<C: Capability> {
    actor_id: i64,
    _capability: PhantomData<C>,
}

impl<C: Capability> Grant<C> {
    pub fn actor_id(&self) -> i64 {
        self.actor_id
    }
}

/// Refusal, naming what was asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("you do not have permission to {0}")]
pub struct AccessDenied(pub &'static str);

/// The one decision point for non-case capabilities.
pub fn authorise<C: Capability>(actor: &Actor) -> Result<Grant<C>, AccessDenied> {
    if C::allowed(actor) {
        Ok(Grant {
            actor_id: actor.user_id,
            _capability: PhantomData,
        })
    } else {
        Err(AccessDenied(C::NAME))
    }
}

/// A grant for command-line tools run by an operator on the server itself (import, search,
/// benchmarks): whoever can run them already holds the database. Their actions are audited
/// with `actor_id` 0 and the tool's name.
pub fn operator_grant<C: Capability>() -> Grant<C> {
    Grant {
        actor_id: 0,
        _capability: PhantomData,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(roles: &[Role]) -> Actor {
        Actor {
            user_id: 7,
            name: "A".into(),
            email: "a@example.org".into(),
            agency_id: 1,
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn role_codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn only_administrators_manage_users() {
        assert!(authorise::<ManageUsers>(&actor(&[Role::Administrator])).is_ok());
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Administrator) {
            let refused = authorise::<ManageUsers>(&actor(&[role]));
            assert_eq!(
                refused.unwrap_err(),
                AccessDenied("manage users and agencies")
            );
        }
    }

    #[test]
    fn register_is_for_practitioners_and_managers_not_administrators() {
        assert!(authorise::<UseRegister>(&actor(&[Role::Practitioner])).is_ok());
        assert!(authorise::<UseRegister>(&actor(&[Role::EarlyHelpTeam])).is_ok());
        assert!(authorise::<UseRegister>(&actor(&[Role::Administrator])).is_err());
        assert!(authorise::<UseRegister>(&actor(&[Role::QualityAssuranceReviewer])).is_err());
        assert!(authorise::<MergePeople>(&actor(&[Role::EarlyHelpTeam])).is_ok());
        assert!(
            authorise::<MergePeople>(&actor(&[Role::Practitioner, Role::LineManager])).is_err()
        );
    }

    #[test]
    fn grant_remembers_who_was_allowed() {
        let grant = authorise::<ViewAudit>(&actor(&[Role::Administrator])).unwrap();
        assert_eq!(grant.actor_id(), 7);
    }
}
