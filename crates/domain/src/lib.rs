pub mod clock;
pub mod matching;
pub mod person;
