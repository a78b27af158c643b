//! Bearer-token authentication: the token stands for exactly its owner, with their roles.
use crate::error::ApiError;
use crate::visitor::{client_address, request_id};
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use ecaf_domain::access::{authorise, Capability, Grant};
use ecaf_store::audit::AuditEntry;
use ecaf_store::users::User;
use ecaf_store::Attribution;

/// The user behind a valid API token.
pub struct ApiUser {
    pub user: User,
    pub attribution: Attribution,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or(ApiError::Unauthorized(
                "Send a personal API token in the Authorization header: Bearer <token>",
            ))?;
        let secret = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(ApiError::Unauthorized(
                "The Authorization header must be: Bearer <token>",
            ))?;
        let attribution = Attribution {
            source_address: Some(client_address(&parts.extensions)),
            request_id: Some(request_id(&parts.headers)),
            ..Default::default()
        };
        let (_, user_id) = state
            .store
            .authenticate_api_token(secret, &attribution)
            .await?
            .ok_or(ApiError::Unauthorized(
                "The API token is not valid: it may be mistyped, expired or revoked",
            ))?;
        let user = state.store.user(user_id).await?;
        let attribution = Attribution {
            user_id: Some(user.id),
            actor_email: Some(user.email.clone()),
            ..attribution
        };
        Ok(ApiUser { user, attribution })
    }
}

impl ApiUser {
    /// The one access check for API handlers: a refusal is audited like on the pages.
    pub async fn authorise<C: Capability>(&self, state: &AppState) -> Result<Grant<C>, ApiError> {
        match authorise::<C>(&self.user.actor()) {
            Ok(grant) => Ok(grant),
            Err(denied) => {
                let entry = AuditEntry::new("access.denied").detail(format!("API: {denied}"));
                state.store.audit(&self.attribution, entry).await?;
                Err(denied.into())
            }
        }
    }
}
