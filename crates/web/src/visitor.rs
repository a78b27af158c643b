//! Who is asking: the session cookie is looked up once per request, and every state-changing
//! form is checked for its CSRF token here — before any handler runs — so no handler can
//! forget it.
use crate::error::PageError;
use crate::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use ecaf_domain::access::{authorise, Capability, Grant};
use ecaf_domain::credentials::random_secret;
use ecaf_store::audit::AuditEntry;
use ecaf_store::sessions::ActiveSession;
use ecaf_store::users::User;
use ecaf_store::Attribution;
use std::net::SocketAddr;

/// The session cookie. Over HTTPS its name has the `__Host-` prefix, so the browser only
/// accepts it from this host, Secure, for the whole site — a sibling subdomain cannot plant
/// or shadow it.
pub fn session_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-ecaf_session"
    } else {
        "ecaf_session"
    }
}

/// A per-browser secret behind the token of forms shown before sign-in (the sign-in form).
pub fn form_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-ecaf_form"
    } else {
        "ecaf_form"
    }
}

/// The client's address as this service trusts it, put on every request by
/// [`session_and_csrf`].
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

/// The person (or anonymous browser) making this request.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub user: Option<User>,
    pub session: Option<ActiveSession>,
    /// A session cookie was sent but its session had ended.
    pub expired: bool,
    pub request_id: String,
    pub address: String,
    /// The token forms on this page must carry.
    pub csrf_token: String,
}

impl Visitor {
    /// For audit rows.
    pub fn attribution(&self) -> Attribution {
        Attribution {
            user_id: self.user.as_ref().map(|u| u.id),
            actor_email: self.user.as_ref().map(|u| u.email.clone()),
            source_address: Some(self.address.clone()),
            request_id: Some(self.request_id.clone()),
        }
    }
}

/// The client address for audit rows and throttling (see [`ClientAddress`]).
pub fn client_address(parts_extensions: &axum::http::Extensions) -> String {
    parts_extensions
        .get::<ClientAddress>()
        .map(|ClientAddress(a)| a.clone())
        .unwrap_or_else(|| "unknown".into())
}

/// The address a request came from: the connection's, unless the connection is from a
/// trusted proxy (a load balancer), in which case the last address in `X-Forwarded-For` that
/// is not itself a trusted proxy. Addresses a client wrote further left are never believed,
/// since a client can send any `X-Forwarded-For` it likes.
pub fn forwarded_client(
    peer: Option<std::net::IpAddr>,
    headers: &axum::http::HeaderMap,
    trusted: &[ipnet::IpNet],
) -> String {
    let Some(peer) = peer else {
        return "unknown".into();
    };
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or(""))
        .flat_map(|v| v.split(','))
        .collect();
    // From the right, through the trusted proxies, to the first hop they did not add; a hop
    // that is not an address ends the walk (nothing left of it can be trusted either).
    hops.into_iter()
        .rev()
        .map_while(|hop| hop.trim().parse::<std::net::IpAddr>().ok())
        .find(|ip| !is_trusted(ip))
        .unwrap_or(peer)
        .to_string()
}

pub fn request_id(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(crate::middleware::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

pub fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_secure(secure);
    c.set_path("/");
    c
}

/// Look up the session, then refuse any page form (POST, PUT, PATCH, DELETE outside `/api/`)
/// whose `csrf_token` field does not match this browser's secret, and any input carrying
/// control characters.
pub async fn session_and_csrf(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let secure = state.config.secure_cookies;
    let address = forwarded_client(
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip()),
        &parts.headers,
        &state.config.trusted_proxies,
    );
    parts.extensions.insert(ClientAddress(address.clone()));
    let is_page = !parts.uri.path().starts_with("/api/");
    if let Err(refusal) = crate::input::check_query(parts.uri.query()) {
        return refusal.respond(is_page);
    }
    let jar = CookieJar::from_headers(&parts.headers);
    let mut visitor = Visitor {
        user: None,
        session: None,
        expired: false,
        request_id: request_id(&parts.headers),
        address,
        csrf_token: String::new(),
    };
    if let Some(secret) = jar
        .get(session_cookie(secure))
        .map(|c| c.value().to_string())
    {
        match state.store.session(&secret, state.config.sessions).await {
            Ok(Ok(session)) => match state.store.user(session.user_id).await {
                Ok(user) => {
                    visitor.csrf_token = session.csrf_token.clone();
                    visitor.user = Some(user);
                    visitor.session = Some(session);
                }
                Err(err) => return PageError::from(err).into_response(),
            },
            Ok(Err(_)) => visitor.expired = true,
            Err(err) => return PageError::from(err).into_response(),
        }
    }
    // Before sign-in the form token is bound to this browser's form cookie by a key only the
    // service holds, so a cookie planted by someone else (a sibling subdomain, say) cannot be
    // paired with a token they chose. Once signed in, only the session's own token counts.
    let form_key = state.store.form_token_key();
    let form_secret = jar
        .get(form_cookie(secure))
        .map(|c| c.value().to_string())
        .filter(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()));
    let mut new_form_secret = None;
    let expected = match &visitor.session {
        Some(session) => session.csrf_token.clone(),
        None => {
            let secret = form_secret.clone().unwrap_or_else(|| {
                let secret = random_secret();
                new_form_secret = Some(secret.clone());
                secret
            });
            bound_form_token(form_key, &secret)
        }
    };
    visitor.csrf_token = expected.clone();

    // Pages only ever read with GET and write with POST forms; any other method is refused
    // here, so no page route can exist that the CSRF check below does not cover.
    if is_page && !matches!(parts.method, Method::GET | Method::HEAD | Method::POST) {
        return crate::error::method_not_allowed().await;
    }
    let body = if is_page && parts.method == Method::POST {
        let bytes = match axum::body::to_bytes(body, state.config.body_limit).await {
            Ok(bytes) => bytes,
            Err(_) => return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        };
        // Read once, for the token and for the character check.
        let pairs = crate::input::form_fields(&parts.headers, &bytes);
        let sent = form_token(&parts.headers, &pairs);
        // A browser with no form cookie yet cannot have been shown a form.
        let cookie_known = visitor.session.is_some() || form_secret.is_some();
        let accepted = cookie_known
            && sent
                .as_deref()
                .is_some_and(|s| constant_time_eq(s, &expected));
        if !accepted {
            let signing_in = parts.uri.path() == "/sign-in";
            return if visitor.expired && !signing_in {
                PageError::SessionExpired.into_response()
            } else {
                PageError::Csrf.into_response()
            };
        }
        if let Err(refusal) = crate::input::check_pairs(&pairs) {
            return refusal.respond(true);
        }
        Body::from(bytes)
    } else if !is_page && crate::input::is_json(&parts.headers) {
        let bytes = match axum::body::to_bytes(body, state.config.body_limit).await {
            Ok(bytes) => bytes,
            Err(_) => return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        };
        if let Err(refusal) = crate::input::check_json(&bytes) {
            return refusal.respond(false);
        }
        Body::from(bytes)
    } else {
        body
    };

    parts.extensions.insert(visitor);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(secret) = new_form_secret {
        let c = cookie(form_cookie(secure), secret, secure);
        if let Ok(value) = c.encoded().to_string().parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The token a page form sent: the `x-csrf-token` header, or the form's `csrf_token` field.
fn form_token(headers: &axum::http::HeaderMap, pairs: &[(String, String)]) -> Option<String> {
    if let Some(value) = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        return Some(value.to_string());
    }
    pairs
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.clone())
}

/// The token that forms before sign-in carry: an HMAC of the browser's form cookie.
fn bound_form_token(key: &[u8], form_secret: &str) -> String {
    use hmac::Mac;
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(form_secret.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Visitor>()
            .cloned()
            .ok_or_else(|| PageError::Internal(anyhow::anyhow!("visitor layer missing")))
    }
}

/// A visitor who is signed in; anyone else is sent to sign in (or told their session ended).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub visitor: Visitor,
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let visitor = Visitor::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match &visitor.user {
            Some(user) => Ok(SignedIn {
                user: user.clone(),
                visitor,
            }),
            None if visitor.expired && parts.method != Method::GET => {
                Err(PageError::SessionExpired.into_response())
            }
            None => {
                // The query too: `/cafs/1/sections/views?child=2` must come back to that child.
                let next = parts
                    .uri
                    .path_and_query()
                    .map_or(parts.uri.path(), |p| p.as_str());
                let target = if next == "/" {
                    "/sign-in".to_string()
                } else {
                    format!("/sign-in?next={}", urlencode(next))
                };
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// A signed-in user who holds capability `C`. Anyone else gets the 403 page, and the refusal
/// is audited.
pub struct Authorised<C: Capability> {
    pub signed_in: SignedIn,
    pub grant: Grant<C>,
}

impl<C: Capability> FromRequestParts<AppState> for Authorised<C> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        match authorise::<C>(&signed_in.user.actor()) {
            Ok(grant) => Ok(Authorised { signed_in, grant }),
            Err(denied) => {
                let entry = AuditEntry::new("access.denied").detail(format!(
                    "{} {}: {denied}",
                    parts.method,
                    parts.uri.path()
                ));
                if let Err(err) = state
                    .store
                    .audit(&signed_in.visitor.attribution(), entry)
                    .await
                {
                    return Err(PageError::from(err).into_response());
                }
                Err(PageError::from(denied).into_response())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::forwarded_client;
    use axum::http::HeaderMap;

    fn headers(forwarded: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for f in forwarded {
            h.append("x-forwarded-for", f.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_forwarded_client_is_believed_only_from_a_trusted_proxy() {
        let trusted = vec!["10.0.0.0/8".parse().unwrap()];
        let peer = Some("10.1.2.3".parse().unwrap());
        let stranger = Some("198.51.100.1".parse().unwrap());
        let h = headers(&["203.0.113.9"]);
        assert_eq!(forwarded_client(peer, &h, &trusted), "203.0.113.9");
        assert_eq!(forwarded_client(stranger, &h, &trusted), "198.51.100.1");
        assert_eq!(forwarded_client(peer, &h, &[]), "10.1.2.3");
    }

    #[test]
    fn hops_the_client_wrote_are_never_believed() {
        let trusted = vec!["10.0.0.0/8".parse().unwrap()];
        let peer = Some("10.1.2.3".parse().unwrap());
        // The client claimed 1.2.3.4; the balancer appended the real address; an inner
        // proxy appended its own.
        let h = headers(&["1.2.3.4, 203.0.113.9", "10.0.0.7"]);
        assert_eq!(forwarded_client(peer, &h, &trusted), "203.0.113.9");
        // Nothing usable: the proxy itself.
        assert_eq!(
            forwarded_client(peer, &headers(&["junk"]), &trusted),
            "10.1.2.3"
        );
        assert_eq!(forwarded_client(peer, &headers(&[]), &trusted), "10.1.2.3");
        assert_eq!(
            forwarded_client(peer, &headers(&["1.2.3.4, junk, 10.0.0.7"]), &trusted),
            "10.1.2.3",
            "a spoofed hop behind garbage is not reached"
        );
        assert_eq!(forwarded_client(None, &h, &trusted), "unknown");
    }
}
