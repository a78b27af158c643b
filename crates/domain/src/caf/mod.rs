//! The CAF itself: its lifecycle, the family's consent, and who may see and change one
//! child's record. Pure rules; the store asks them inside the transaction that reads the CAF.
pub mod access;
pub mod alerts;
pub mod closure;
pub mod consent;
pub mod distance;
pub mod form;
pub mod handover;
pub mod join;
pub mod lifecycle;
pub mod meeting;
pub mod plain_language;
pub mod plan;
pub mod review;
pub mod sign_off;
pub mod step_up;
pub mod team;
pub mod transfer;
pub mod wording;
