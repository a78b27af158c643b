//! Test support: a `TestApp` runs the real router on a fresh SQLite file or a fresh PostgreSQL
//! database (from `ECAF_TEST_POSTGRES_URL`, which `scripts/test` sets after starting a
//! throwaway cluster), with an injected clock and a cookie-keeping client.
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use chrono::TimeZone;
use ecaf_domain::access::Role;
use ecaf_domain::clock::ManualClock;
use ecaf_domain::organisation::{AgencyDetails, AgencyType, Sector, UserDetails};
use ecaf_store::{Attribution, Store};
use ecaf_web::{AppState, WebConfig};
use http_body_util::BodyExt;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery staple";
pub const ADMIN: &str = "admin@test.example";
pub const PRACTITIONER: &str = "sam@test.example";
pub const EARLY_HELP: &str = "eve@test.example";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A running application on its own fresh database.
pub struct TestApp {
    pub store: Store,
    /// The database URL, for starting a second instance on it.
    pub url: String,
    pub clock: ManualClock,
    pub router: Router,
    pub agency_id: i64,
    pub admin_id: i64,
    pub practitioner_id: i64,
    pub early_help_id: i64,
    _dir: Option<tempfile::TempDir>,
}

/// The URL of a fresh, empty PostgreSQL database on the test cluster.
pub async fn fresh_postgres_url() -> String {
    let base = match std::env::var("ECAF_TEST_POSTGRES_URL") {
        Ok(url) => url,
        Err(_) => panic!(
            "ECAF_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts a \
             throwaway PostgreSQL cluster, or point it at a server you can create databases on"
        ),
    };
    sqlx::any::install_default_drivers();
    let name = format!("ecaf_test_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::AnyPool::connect(&base)
        .await
        .expect("connect to the test cluster");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .expect("create a test database");
    admin.close().await;
    match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("ECAF_TEST_POSTGRES_URL must end with a database name"),
    }
}

impl TestApp {
    pub async fn new(db: Db) -> TestApp {
        Self::with_config(db, WebConfig::default()).await
    }

    pub async fn with_config(db: Db, config: WebConfig) -> TestApp {
        let start = chrono::Utc
            .with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
            .single()
            .expect("a valid start time");
        let clock = ManualClock::new(start);
        let (store, dir, url) = match db {
            Db::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let store = Store::open_data_dir(dir.path(), Arc::new(clock.clone()))
                    .await
                    .expect("open sqlite");
                let url = ecaf_store::sqlite_url(dir.path());
                (store, Some(dir), url)
            }
            Db::Postgres => {
                let url = fresh_postgres_url().await;
                let store = Store::connect(&url, Arc::new(clock.clone()))
                    .await
                    .expect("open postgres");
                (store, None, url)
            }
        };
        let by = Attribution::default();
        let mut tx = store.begin_write().await.expect("begin");
        let agency_id = store
            .create_agency_tx(
                &mut tx,
                &by,
                &AgencyDetails {
                    name: "Test Primary School".into(),
                    sector: Sector::Statutory,
                    agency_type: AgencyType::School,
                    address: "1 Test Road".into(),
                    telephone: None,
                },
                false,
            )
            .await
            .expect("agency");
        let user = |email: &str, name: &str, role: Role| UserDetails {
            name: name.into(),
            email: email.into(),
            agency_id,
            team_id: None,
            job_title: "Tester".into(),
            telephone: None,
            mobile: None,
            roles: vec![role],
            line_manager_id: None,
            deputy_id: None,
        };
        let admin_id = store
            .create_user_tx(
                &mut tx,
                &by,
                &user(ADMIN, "Ada Admin", Role::Administrator),
                PASSWORD,
                false,
            )
            .await
            .expect("admin");
        let practitioner_id = store
            .create_user_tx(
                &mut tx,
                &by,
                &user(PRACTITIONER, "Sam Practitioner", Role::Practitioner),
                PASSWORD,
                false,
            )
            .await
            .expect("practitioner");
        let early_help_id = store
            .create_user_tx(
                &mut tx,
                &by,
                &user(EARLY_HELP, "Eve Early-Help", Role::EarlyHelpTeam),
                PASSWORD,
                false,
            )
            .await
            .expect("early help");
        tx.commit().await.expect("commit");
        let state = AppState::new(store.clone(), config).expect("state");
        TestApp {
            router: ecaf_web::app(state),
            store,
            url,
            clock,
            agency_id,
            admin_id,
            practitioner_id,
            early_help_id,
            _dir: dir,
        }
    }

    /// A second application instance on the same database (another `ecaf serve` process).
    pub async fn second_instance(&self, url: &str) -> Router {
        let store = Store::connect(url, Arc::new(self.clock.clone()))
            .await
            .expect("second instance");
        ecaf_web::app(AppState::new(store, WebConfig::default()).expect("state"))
    }

    /// A browser-like client with its own cookies, from a given address.
    pub fn client(&self) -> Client {
        self.client_of(self.router.clone())
    }

    /// A client of a given router (e.g. a second instance).
    pub fn client_of(&self, router: Router) -> Client {
        Client {
            router,
            cookies: BTreeMap::new(),
            address: "192.0.2.10:5000".parse().expect("address"),
            last_csrf: None,
        }
    }

    /// A client already signed in as `email`.
    pub async fn signed_in(&self, email: &str) -> Client {
        let mut client = self.client();
        let response = client.sign_in(email, PASSWORD).await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "sign-in of {email} failed: {}",
            response.text
        );
        client
    }

    /// Audit actions recorded so far, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        let rows = sqlx::query("SELECT action FROM audit_events ORDER BY id")
            .fetch_all(self.store.pool())
            .await
            .expect("audit rows");
        rows.iter()
            .map(|r| sqlx::Row::get::<String, _>(r, "action"))
            .collect()
    }

    pub fn clock_now_ms(&self) -> i64 {
        ecaf_domain::clock::Clock::now(&self.clock).timestamp_millis()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let row = sqlx::query(sql)
            .fetch_one(self.store.pool())
            .await
            .expect("count");
        sqlx::Row::get::<i64, _>(&row, 0)
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

/// Keeps cookies like a browser and finds the CSRF token on the last page it saw.
pub struct Client {
    router: Router,
    cookies: BTreeMap<String, String>,
    pub address: SocketAddr,
    last_csrf: Option<String>,
}

impl Client {
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Body,
        content_type: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            builder = builder.header(header::COOKIE, cookie);
        }
        if let Some(ct) = content_type {
            builder = builder.header(header::CONTENT_TYPE, ct);
        }
        for (k, v) in extra {
            builder = builder.header(*k, *v);
        }
        let mut request = builder.body(body).expect("request");
        request.extensions_mut().insert(ConnectInfo(self.address));
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        for value in headers.get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap_or_default();
            if let Some((pair, _)) = text.split_once(';').or(Some((text, ""))) {
                if let Some((name, value)) = pair.split_once('=') {
                    if value.is_empty() || text.contains("Max-Age=0") {
                        self.cookies.remove(name);
                    } else {
                        self.cookies.insert(name.to_string(), value.to_string());
                    }
                }
            }
        }
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(token) = csrf_in(&text) {
            self.last_csrf = Some(token);
        }
        Reply {
            status,
            headers,
            text,
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, Body::empty(), None, &[]).await
    }

    /// POST a form exactly as given (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded::to_string(fields).expect("form");
        self.send(
            Method::POST,
            path,
            Body::from(body),
            Some("application/x-www-form-urlencoded"),
            &[],
        )
        .await
    }

    /// POST a form with the CSRF token of the last page seen (fetching `/account` or
    /// `/sign-in` first if none was seen yet).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        if self.last_csrf.is_none() {
            let page = if self.cookies.contains_key("ecaf_session") {
                "/account"
            } else {
                "/sign-in"
            };
            self.get(page).await;
        }
        let token = self.last_csrf.clone().expect("a CSRF token on the page");
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_raw(path, &all).await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Reply {
        self.get("/sign-in").await;
        self.post("/sign-in", &[("email", email), ("password", password)])
            .await
    }

    pub async fn api_json(
        &mut self,
        method: Method,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> Reply {
        let auth = format!("Bearer {token}");
        self.send(
            method,
            path,
            Body::from(body.to_string()),
            Some("application/json"),
            &[("authorization", &auth)],
        )
        .await
    }

    /// Create a personal API token through the account page and return the secret.
    pub async fn create_token(&mut self, name: &str) -> String {
        self.get("/account/api-tokens").await;
        let reply = self
            .post(
                "/account/api-tokens",
                &[("name", name), ("lifetime_days", "30")],
            )
            .await;
        let marker = "id=\"new-token\">";
        let start = reply.text.find(marker).expect("token shown") + marker.len();
        let end = reply.text[start..].find('<').expect("end of token") + start;
        reply.text[start..end].to_string()
    }

    pub async fn api_get(&mut self, path: &str, token: &str) -> Reply {
        let auth = format!("Bearer {token}");
        self.send(
            Method::GET,
            path,
            Body::empty(),
            None,
            &[("authorization", &auth)],
        )
        .await
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.contains_key(name)
    }

    /// Set a cookie as if someone else had planted it in the browser.
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_string(), value.to_string());
    }

    /// The CSRF token on the last page seen.
    pub fn csrf_token(&self) -> Option<String> {
        self.last_csrf.clone()
    }
}

fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// What a test runs against, made fresh on one database: a [`TestApp`], or the command-line
/// tests' target directory.
pub trait OnDatabase: Sized {
    fn on(db: Db) -> impl std::future::Future<Output = Self>;
}

impl OnDatabase for TestApp {
    async fn on(db: Db) -> Self {
        Self::new(db).await
    }
}

/// Run the same async test body on SQLite and on PostgreSQL, against a [`TestApp`] or, with
/// `|t: Type|`, any other [`OnDatabase`].
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, |$app:ident| $body:block) => {
        $crate::on_both_databases!($name, |$app: $crate::TestApp| $body);
    };
    ($name:ident, |$app:ident: $ty:ty| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: $ty) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(<$ty as $crate::OnDatabase>::on($crate::Db::Sqlite).await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run(<$ty as $crate::OnDatabase>::on($crate::Db::Postgres).await).await
            }
        }
    };
}

/// A client signed in as `email` and a personal API token of theirs.
pub async fn with_token(app: &TestApp, email: &str) -> (Client, String) {
    let mut client = app.signed_in(email).await;
    let token = client.create_token("tests").await;
    (client, token)
}

/// The fields a 422 problem names, after checking it is one.
pub fn problem_fields(reply: &Reply) -> Vec<String> {
    assert_eq!(
        reply.status,
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_eq!(reply.header("content-type"), "application/problem+json");
    reply.json()["errors"]
        .as_array()
        .expect("field errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}
