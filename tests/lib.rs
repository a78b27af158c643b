//! Test support: a TestApp on a fresh SQLite file or PostgreSQL database.
