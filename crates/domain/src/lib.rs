//! The pure rules of the e-CAF: who may do what, credentials, identifiers and matching.
//! No I/O, no async, no SQL.
pub mod access;
pub mod caf;
pub mod clock;
pub mod credentials;
pub mod matching;
pub mod notification;
pub mod organisation;
pub mod person;
pub mod text;
mod vocabulary;
