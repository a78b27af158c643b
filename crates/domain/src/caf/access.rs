//! Need to know: who may read and change one child's CAF, decided from the actor's
//! relationship to that CAF (not from their role alone).
//!
//! - The assessor, and their line manager or designated deputy, always read; the assessor
//!   writes. Until the family consents to storing and sharing, and again once consent is
//!   withdrawn, nobody else sees the content (the lead professional keeps it after a
//!   withdrawal, to see the CAF through to its end).
//! - With consent: the lead professional reads and writes; team-around-the-family members,
//!   practitioners of the agencies named in the consent, the line managers and deputies of
//!   the assessor and lead professional, and the early help team read.
//! - Without consent, or after it is withdrawn: practitioners of an agency shared with under
//!   a recorded exception (significant harm, serious crime, the duty to share) read, since
//!   such a share is made precisely when consent is not there.
//! - A closed CAF is read-only.
//! - Anyone else who may use the register learns only that a CAF exists and whom to contact;
//!   everyone else, nothing.
use crate::access::{Actor, Role};
use serde::Serialize;

/// The actor's relationship to one CAF, as the store found it in the transaction that reads
/// the CAF.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Relationship {
    pub is_assessor: bool,
    pub is_lead_professional: bool,
    pub is_team_member: bool,
    /// The actor's agency is named in the current consent to share.
    pub agency_may_receive: bool,
    /// The actor's agency was shared with, without consent, under a recorded exception.
    pub agency_shared_with: bool,
    /// The actor is the line manager or designated deputy of the assessor.
    pub manages_assessor: bool,
    /// The actor is the line manager or designated deputy of the lead professional.
    pub manages_lead_professional: bool,
}

/// The facts about the CAF itself that access depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CafStanding {
    /// Consent to store and share is in force (given, and not withdrawn).
    pub sharing_consented: bool,
    /// Consent was withdrawn.
    pub consent_withdrawn: bool,
    pub closed: bool,
}

/// What is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CafAction {
    Read,
    Write,
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    Allowed,
    /// Only that a CAF exists, its state, since when, the owning agency and whom to contact.
    ExistenceOnly,
    /// Not this action (a reader asking to write), or nothing at all (no register access).
    Refused,
}

/// The decision for `action`, with why in words for the audit log.
pub fn decide(
    actor: &Actor,
    relationship: &Relationship,
    standing: &CafStanding,
    action: CafAction,
) -> (Decision, &'static str) {
    let r = relationship;
    let inner_circle = r.is_assessor || r.manages_assessor;
    let shared = standing.sharing_consented && !standing.consent_withdrawn;
    let may_read = if inner_circle {
        Some("assessor, or their line manager or deputy")
    } else if r.is_lead_professional || r.manages_lead_professional {
        (shared || standing.consent_withdrawn)
            .then_some("lead professional, or their line manager or deputy")
    } else if r.agency_shared_with {
        Some("practitioner of an agency shared with under a recorded exception to consent")
    } else if !shared {
        None
    } else if r.is_team_member {
        Some("member of the team around the family")
    } else if r.agency_may_receive {
        Some("practitioner of an agency the family agreed may receive it")
    } else if actor.has(Role::EarlyHelpTeam) {
        Some("early help team")
    } else {
        None
    };
    let Some(why) = may_read else {
        return if may_see_existence(actor) {
            (Decision::ExistenceOnly, "no need to know: existence only")
        } else {
            (Decision::Refused, "no access to the register")
        };
    };
    let writer =
        r.is_assessor || (r.is_lead_professional && (shared || standing.consent_withdrawn));
    match action {
        CafAction::Read => (Decision::Allowed, why),
        CafAction::Write if standing.closed => {
            (Decision::Refused, "the CAF is closed and read-only")
        }
        CafAction::Write if writer => (Decision::Allowed, why),
        CafAction::Write => (
            Decision::Refused,
            "only the assessor and the lead professional change the CAF",
        ),
    }
}

/// Who may learn that a CAF exists: whoever may use the register.
fn may_see_existence(actor: &Actor) -> bool {
    crate::access::authorise::<crate::access::UseRegister>(actor).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use CafAction::{Read, Write};
    use Decision::{Allowed, ExistenceOnly, Refused};

    fn actor(roles: &[Role]) -> Actor {
        Actor {
            user_id: 7,
            name: "Test".into(),
            email: "t@example.org".into(),
            agency_id: 3,
            roles: roles.to_vec(),
        }
    }

    const NONE: Relationship = Relationship {
        is_assessor: false,
        is_lead_professional: false,
        is_team_member: false,
        agency_may_receive: false,
        agency_shared_with: false,
        manages_assessor: false,
        manages_lead_professional: false,
    };
    const ASSESSOR: Relationship = Relationship {
        is_assessor: true,
        ..NONE
    };
    const LEAD: Relationship = Relationship {
        is_lead_professional: true,
        ..NONE
    };
    const TEAM: Relationship = Relationship {
        is_team_member: true,
        ..NONE
    };
    const AGENCY: Relationship = Relationship {
        agency_may_receive: true,
        ..NONE
    };
    const SHARED_WITH: Relationship = Relationship {
        agency_shared_with: true,
        ..NONE
    };
    const MANAGER: Relationship = Relationship {
        manages_assessor: true,
        ..NONE
    };
    const LEAD_MANAGER: Relationship = Relationship {
        manages_lead_professional: true,
        ..NONE
    };

    const BEFORE_CONSENT: CafStanding = CafStanding {
        sharing_consented: false,
        consent_withdrawn: false,
        closed: false,
    };
    const CONSENTED: CafStanding = CafStanding {
        sharing_consented: true,
        ..BEFORE_CONSENT
    };
    const WITHDRAWN: CafStanding = CafStanding {
        sharing_consented: true,
        consent_withdrawn: true,
        closed: false,
    };
    const CLOSED: CafStanding = CafStanding {
        closed: true,
        ..CONSENTED
    };

    use Role::{
        Administrator as Admin, EarlyHelpTeam as Ehm, LineManager as Lm, Practitioner as P,
        QualityAssuranceReviewer as Qa,
    };

    /// (roles, relationship, standing, read, write)
    #[allow(clippy::type_complexity)]
    const TABLE: &[(&[Role], Relationship, CafStanding, Decision, Decision)] = &[
        // Before consent to share: the assessor and their manager only.
        (&[P], ASSESSOR, BEFORE_CONSENT, Allowed, Allowed),
        (&[Lm], MANAGER, BEFORE_CONSENT, Allowed, Refused),
        (&[P], LEAD, BEFORE_CONSENT, ExistenceOnly, ExistenceOnly),
        (&[P], TEAM, BEFORE_CONSENT, ExistenceOnly, ExistenceOnly),
        (&[P], AGENCY, BEFORE_CONSENT, ExistenceOnly, ExistenceOnly),
        (&[Ehm], NONE, BEFORE_CONSENT, ExistenceOnly, ExistenceOnly),
        // Shared without consent under an exception: that agency reads, and only reads.
        (&[P], SHARED_WITH, BEFORE_CONSENT, Allowed, Refused),
        (&[P], SHARED_WITH, CONSENTED, Allowed, Refused),
        (&[P], SHARED_WITH, WITHDRAWN, Allowed, Refused),
        (&[P], SHARED_WITH, CLOSED, Allowed, Refused),
        (
            &[Lm],
            LEAD_MANAGER,
            BEFORE_CONSENT,
            ExistenceOnly,
            ExistenceOnly,
        ),
        // With consent: need to know.
        (&[P], ASSESSOR, CONSENTED, Allowed, Allowed),
        (&[P], LEAD, CONSENTED, Allowed, Allowed),
        (&[P], TEAM, CONSENTED, Allowed, Refused),
        (&[P], AGENCY, CONSENTED, Allowed, Refused),
        (&[Lm], MANAGER, CONSENTED, Allowed, Refused),
        (&[Lm], LEAD_MANAGER, CONSENTED, Allowed, Refused),
        (&[Ehm], NONE, CONSENTED, Allowed, Refused),
        (&[Ehm, P], NONE, CONSENTED, Allowed, Refused),
        (&[P], NONE, CONSENTED, ExistenceOnly, ExistenceOnly),
        (&[Lm], NONE, CONSENTED, ExistenceOnly, ExistenceOnly),
        (&[Admin], NONE, CONSENTED, Refused, Refused),
        (&[Qa], NONE, CONSENTED, Refused, Refused),
        // Withdrawn: back to the assessor, the lead professional and their managers.
        (&[P], ASSESSOR, WITHDRAWN, Allowed, Allowed),
        (&[P], LEAD, WITHDRAWN, Allowed, Allowed),
        (&[Lm], LEAD_MANAGER, WITHDRAWN, Allowed, Refused),
        (&[P], TEAM, WITHDRAWN, ExistenceOnly, ExistenceOnly),
        (&[P], AGENCY, WITHDRAWN, ExistenceOnly, ExistenceOnly),
        (&[Ehm], NONE, WITHDRAWN, ExistenceOnly, ExistenceOnly),
        // Closed: read as before, changed by nobody.
        (&[P], ASSESSOR, CLOSED, Allowed, Refused),
        (&[P], LEAD, CLOSED, Allowed, Refused),
        (&[P], TEAM, CLOSED, Allowed, Refused),
        (&[P], NONE, CLOSED, ExistenceOnly, ExistenceOnly),
    ];

    #[test]
    fn the_access_policy_as_a_table() {
        for (i, (roles, relationship, standing, read, write)) in TABLE.iter().enumerate() {
            let actor = actor(roles);
            let (got_read, why) = decide(&actor, relationship, standing, Read);
            assert_eq!(got_read, *read, "row {i}: read ({why})");
            let (got_write, why) = decide(&actor, relationship, standing, Write);
            assert_eq!(got_write, *write, "row {i}: write ({why})");
            assert!(!why.is_empty());
        }
    }

    #[test]
    fn a_role_alone_never_opens_a_consented_caf_to_write() {
        for role in Role::ALL {
            let (decision, _) = decide(&actor(&[role]), &NONE, &CONSENTED, Write);
            assert_ne!(decision, Allowed, "{role:?}");
        }
    }
}
