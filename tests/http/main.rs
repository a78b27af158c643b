//! HTTP-level tests: the real router on a fresh SQLite file and a fresh PostgreSQL database.
mod admin;
mod api;
mod audit;
mod caf_api;
mod caf_pages;
mod cafs;
mod errors;
mod pages;
mod people;
mod people_adding;
mod people_merges;
mod people_results;
mod people_search;
mod reliability;
mod schema;
mod sign_in;
mod slow_clients;
