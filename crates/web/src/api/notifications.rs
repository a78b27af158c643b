//! What the token's user receives by email.
use super::ApiUser;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use ecaf_store::outbox::NotificationPreferences;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which emails a user gets. An email never carries case details: it says what to look at
/// and links to the service.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationChoices {
    /// Urgent items (an overdue review, a written follow-up due within 48 hours, a request
    /// to join, a return for changes) mailed at once. When false they go into the daily
    /// digest instead.
    pub urgent_emails: bool,
    /// One email a day gathering everything else.
    pub daily_digest: bool,
}

impl From<NotificationPreferences> for NotificationChoices {
    fn from(p: NotificationPreferences) -> Self {
        Self {
            urgent_emails: p.urgent_emails,
            daily_digest: p.daily_digest,
        }
    }
}

/// Which emails the token's user gets.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "users",
    responses(
        (status = 200, description = "The user's choices (both true until they choose)", body = NotificationChoices),
    ))]
pub async fn show(
    State(state): State<AppState>,
    api: ApiUser,
) -> Result<Json<NotificationChoices>, ApiError> {
    let wants = state.store.notification_preferences(api.user.id).await?;
    Ok(Json(wants.into()))
}

/// Choose which emails the token's user gets (audited).
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "users",
    request_body = NotificationChoices,
    responses(
        (status = 200, description = "Saved", body = NotificationChoices),
    ))]
pub async fn save(
    State(state): State<AppState>,
    api: ApiUser,
    Json(body): Json<NotificationChoices>,
) -> Result<Json<NotificationChoices>, ApiError> {
    let wants = NotificationPreferences {
        urgent_emails: body.urgent_emails,
        daily_digest: body.daily_digest,
    };
    state
        .store
        .set_notification_preferences(&api.attribution, api.user.id, wants)
        .await?;
    Ok(Json(wants.into()))
}
