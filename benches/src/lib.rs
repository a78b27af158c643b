//! Benchmarks for ecaf and their synthetic data generators.
//!
//! * [`population`] makes a register of children with realistic names (Zipf-weighted UK
//!   frequency lists across communities), households sharing surnames and postcodes,
//!   siblings, twins, aliases and identifiers.
//! * [`queries`] makes searches a practitioner might type for people in it — misspelt,
//!   nicknamed, swapped, with dates of birth slightly wrong and fields missing — each with the
//!   person it should find.

pub mod population;
pub mod queries;
