//! The CAF store. Every read of case content and every change goes through one access
//! decision (`access`), made inside the transaction that reads the CAF and audited in it;
//! content leaves the store only from such a transaction. Every change writes its immutable
//! event (`caf_events`) in the same transaction as the current state, so the chronology,
//! the versions and the history all come from data.
mod access;
mod alerts;
mod area;
mod bulk;
mod closure;
mod consent;
mod demo;
mod demo_reviewed;
mod demo_sign_off;
mod episodes;
mod events;
mod handover;
mod home;
mod imported;
mod join;
mod manager_sign_off;
mod meetings;
mod ownership;
mod plan;
mod reviews;
mod sections;
mod sharing;
mod step_up;
mod team;
mod transfer;
mod versions;
mod wording;

pub use alerts::{AlertRule, OpenAlert, ALERT_RULES};
pub(crate) use area::AreaCache;
pub use bulk::BulkCaf;
pub use closure::Episode;
pub use episodes::{CafExistence, NewCaf, MAX_CHILDREN};
pub use events::CafEventRow;
pub use handover::{Caseload, HeldCaf};
pub use home::{
    HolderCount, HomeCaf, HomeList, HomeQuery, HomeScope, HomeSort, MonthCount, MyAction,
    OpenCount, ServiceFigures,
};
pub use imported::{CloseImported, ExistingCaf, ImportCaf, ImportedCafs, OpenCaf, RegisterChild};
pub use join::JoinRequestRow;
pub use manager_sign_off::{SignOffRequest, SignOffSwitches};
pub use meetings::MeetingRow;
pub use ownership::OwnerChange;
pub use plan::{ActionRow, CONSENT_FIRST};
pub use reviews::{ReviewRecorded, ReviewRow};
pub use sections::{
    indicator_problems, CafContent, CafRead, IndicatorProblem, SectionRow, MAX_SECTION_CHARS,
};
pub use sharing::SharingDecisionRow;
pub use step_up::StepUpView;
pub use team::{Practitioner, TeamMemberRow};
pub use transfer::{ReceivedCafRow, ReceivedChild, ReceivedRecord};
pub use versions::VersionRow;
pub(crate) use wording::WordingCache;
pub use wording::{WordingVersion, MAX_REASON_CHARS as MAX_WORDING_REASON_CHARS};
