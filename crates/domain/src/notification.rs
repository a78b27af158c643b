//! What the service emails people, and the rule that keeps case details out of email.
//!
//! Email leaves the authority's systems, may be read on a shared or personal device and sits in
//! mailboxes for years. So a notification never says whose CAF or what happened: every word of
//! its subject and body comes from the fixed templates of [`NotificationKind`] below, never from
//! case data, and its only variable part is a link to a page of the service, which decides at
//! the moment it is opened what the reader may see. A kind's text is `&'static str` on purpose:
//! a child's name or a note cannot be formatted into it.
use chrono::Duration;

/// What a notification is about. Each has its own words (subject, what to look at, how the
/// daily digest counts it) and whether it is urgent unless the sender says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NotificationKind {
    ReviewDueSoon,
    ReviewOverdue,
    ActionOverdue,
    NoLeadProfessional,
    ConsentMissing,
    FollowUpDue,
    OpenOverAYear,
    JoinRequest,
    JoinAnswered,
    ReturnedForChanges,
    SignOffRequested,
    LocalRule,
    /// The daily digest itself, gathering a user's other notifications.
    Digest,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 13] = [
        Self::ReviewDueSoon,
        Self::ReviewOverdue,
        Self::ActionOverdue,
        Self::NoLeadProfessional,
        Self::ConsentMissing,
        Self::FollowUpDue,
        Self::OpenOverAYear,
        Self::JoinRequest,
        Self::JoinAnswered,
        Self::ReturnedForChanges,
        Self::SignOffRequested,
        Self::LocalRule,
        Self::Digest,
    ];

    /// The code stored in `outbox.kind`.
    pub fn code(self) -> &'static str {
        match self {
            Self::ReviewDueSoon => "review_due_soon",
            Self::ReviewOverdue => "review_overdue",
            Self::ActionOverdue => "action_overdue",
            Self::NoLeadProfessional => "no_lead_professional",
            Self::ConsentMissing => "consent_missing",
            Self::FollowUpDue => "follow_up_due",
            Self::OpenOverAYear => "open_over_a_year",
            Self::JoinRequest => "join_request",
            Self::JoinAnswered => "join_answered",
            Self::ReturnedForChanges => "returned_for_changes",
            Self::SignOffRequested => "sign_off_requested",
            Self::LocalRule => "local_rule",
            Self::Digest => "digest",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Urgent kinds are mailed at once; the others wait for the daily digest.
    pub fn urgent_by_default(self) -> bool {
        matches!(
            self,
            Self::ReviewOverdue
                | Self::FollowUpDue
                | Self::JoinRequest
                | Self::JoinAnswered
                | Self::ReturnedForChanges
                | Self::Digest
        )
    }

    pub fn subject(self) -> &'static str {
        match self {
            Self::ReviewDueSoon => "A review is due soon",
            Self::ReviewOverdue => "A review is overdue",
            Self::ActionOverdue => "An action is overdue",
            Self::NoLeadProfessional => "A CAF has no lead professional",
            Self::ConsentMissing => "Consent to share is missing",
            Self::FollowUpDue => "A written follow-up is due within 48 hours",
            Self::OpenOverAYear => "A CAF has been open for over a year",
            Self::JoinRequest => "Someone has asked to join a team around the family",
            Self::JoinAnswered => "Your request to join a team around the family was answered",
            Self::ReturnedForChanges => "Something you sent for sign-off was returned",
            Self::SignOffRequested => "Something is waiting for your sign-off",
            Self::LocalRule => "Something needs your attention",
            Self::Digest => "Things that need your attention",
        }
    }

    /// The one sentence of the body saying what to look at.
    pub fn what_to_look_at(self) -> &'static str {
        match self {
            Self::ReviewDueSoon => "A review is due soon on one of your CAFs.",
            Self::ReviewOverdue => "A review is overdue on one of your CAFs.",
            Self::ActionOverdue => "An action you are responsible for is overdue.",
            Self::NoLeadProfessional => "One of your CAFs has no lead professional.",
            Self::ConsentMissing => {
                "Consent to share is missing or has been withdrawn on one of your CAFs."
            }
            Self::FollowUpDue => {
                "The written follow-up of a telephone referral is due within 48 hours."
            }
            Self::OpenOverAYear => "One of your CAFs has been open for more than 12 months.",
            Self::JoinRequest => {
                "A practitioner has asked to join the team around the family on one of your CAFs."
            }
            Self::JoinAnswered => {
                "Your request to join the team around the family on a CAF has been answered."
            }
            Self::ReturnedForChanges => {
                "Something you sent for sign-off has been returned with comments."
            }
            Self::SignOffRequested => "Something is waiting for your sign-off.",
            Self::LocalRule => "One of your CAFs needs your attention.",
            Self::Digest => "Some things need your attention.",
        }
    }

    /// How the digest counts it: (one, many), as in "1 review due soon", "2 reviews due soon".
    pub fn counted(self) -> (&'static str, &'static str) {
        match self {
            Self::ReviewDueSoon => ("review due soon", "reviews due soon"),
            Self::ReviewOverdue => ("review overdue", "reviews overdue"),
            Self::ActionOverdue => ("action overdue", "actions overdue"),
            Self::NoLeadProfessional => (
                "CAF without a lead professional",
                "CAFs without a lead professional",
            ),
            Self::ConsentMissing => (
                "CAF without consent to share",
                "CAFs without consent to share",
            ),
            Self::FollowUpDue => ("written follow-up due", "written follow-ups due"),
            Self::OpenOverAYear => ("CAF open over a year", "CAFs open over a year"),
            Self::JoinRequest => ("request to join", "requests to join"),
            Self::JoinAnswered => (
                "answer to your request to join",
                "answers to your requests to join",
            ),
            Self::ReturnedForChanges => ("return for changes", "returns for changes"),
            Self::SignOffRequested => ("sign-off waiting", "sign-offs waiting"),
            Self::LocalRule => ("other thing", "other things"),
            Self::Digest => ("digest", "digests"),
        }
    }
}

/// The digest's sentence: "3 things need your attention: 2 reviews due soon, 1 action overdue."
/// Counts are given per kind, in the order the caller wants them listed.
pub fn digest_summary(counts: &[(NotificationKind, usize)]) -> String {
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let parts: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| {
            let (one, many) = kind.counted();
            format!("{n} {}", if *n == 1 { one } else { many })
        })
        .collect();
    let things = if total == 1 {
        "1 thing needs".to_string()
    } else {
        format!("{total} things need")
    };
    format!("{things} your attention: {}.", parts.join(", "))
}

/// A link path may carry identifiers only (`/cafs/12/reviews/new`), never text typed by
/// someone: it must start with `/` and hold only letters, digits and `/ - _ ? = &`.
pub fn is_safe_link_path(path: &str) -> bool {
    path.starts_with('/')
        && path.len() <= 200
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-_?=&".contains(c))
}

/// How long to wait before attempt `attempts + 1`, after `attempts` failed: one minute,
/// doubling, at most an hour.
pub fn retry_delay(attempts: u32) -> Duration {
    let minutes = 1i64 << attempts.saturating_sub(1).min(6);
    Duration::minutes(minutes.min(60))
}

/// After this many failed attempts a mail is given up and shown as failed to administrators.
pub const MAX_ATTEMPTS: u32 = 6;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for kind in NotificationKind::ALL {
            assert_eq!(NotificationKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(NotificationKind::from_code("nonsense"), None);
    }

    #[test]
    fn the_digest_counts_each_kind_in_words() {
        use NotificationKind::*;
        assert_eq!(
            digest_summary(&[(ReviewDueSoon, 2), (ActionOverdue, 1)]),
            "3 things need your attention: 2 reviews due soon, 1 action overdue."
        );
        assert_eq!(
            digest_summary(&[(ReviewOverdue, 1), (ActionOverdue, 0)]),
            "1 thing needs your attention: 1 review overdue."
        );
    }

    #[test]
    fn link_paths_carry_identifiers_only() {
        assert!(is_safe_link_path("/cafs/12/reviews/new"));
        assert!(is_safe_link_path("/"));
        for bad in [
            "cafs/12",
            "https://evil.example/",
            "/people?name=Jo Bloggs",
            "/x<y",
        ] {
            assert!(!is_safe_link_path(bad), "{bad}");
        }
    }

    #[test]
    fn retries_back_off_doubling_up_to_an_hour() {
        let minutes: Vec<i64> = (1..=9).map(|a| retry_delay(a).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
