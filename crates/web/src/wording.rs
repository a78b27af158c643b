//! The service's current wording for page text ("CAF" or "early help assessment", "lead
//! professional" or "lead practitioner"). Read when the service starts, then re-read in the
//! background at most every few seconds, so another instance's edit shows within that time
//! and no page waits for it; the instance that made the edit shows it at once. A CAF's own
//! lists (elements, reasons, glossary, consent statement) are not this: they come from the
//! version the CAF was started with.
use crate::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use ecaf_domain::caf::wording::Wording;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How stale another instance's edit may be on this one.
const REREAD_AFTER: Duration = Duration::from_secs(5);

pub(crate) struct CurrentWording {
    held: RwLock<(Option<Instant>, i64, Arc<Wording>)>,
    /// A re-read is under way (at most one at a time, even while the database is down).
    reading: AtomicBool,
}

impl Default for CurrentWording {
    fn default() -> Self {
        Self {
            held: RwLock::new((None, 1, Arc::default())),
            reading: AtomicBool::new(false),
        }
    }
}

impl CurrentWording {
    pub fn get(&self) -> (i64, Arc<Wording>) {
        let held = self.held.read().unwrap_or_else(|e| e.into_inner());
        (held.1, held.2.clone())
    }

    pub fn set(&self, version: i64, wording: Arc<Wording>) {
        *self.held.write().unwrap_or_else(|e| e.into_inner()) =
            (Some(Instant::now()), version, wording);
    }

    fn due(&self) -> bool {
        let held = self.held.read().unwrap_or_else(|e| e.into_inner());
        held.0.is_none_or(|at| at.elapsed() >= REREAD_AFTER)
    }
}

impl AppState {
    /// Read the current wording now (at start, before the first page).
    pub async fn load_wording(&self) -> anyhow::Result<()> {
        let (version, wording) = self.store.current_wording().await?;
        self.wording.set(version, wording);
        Ok(())
    }
}

/// Middleware: when the wording is older than `REREAD_AFTER`, re-read it in the background
/// (this page uses what is held). A database that cannot answer leaves the last wording in
/// place; the page itself says what is wrong if it needs the database.
pub(crate) async fn keep_current(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if state.wording.due() && !state.wording.reading.swap(true, Ordering::AcqRel) {
        let state = state.clone();
        tokio::spawn(async move {
            if let Ok((version, wording)) = state.store.current_wording().await {
                state.wording.set(version, wording);
            }
            state.wording.reading.store(false, Ordering::Release);
        });
    }
    next.run(request).await
}

/// The terms as templates use them: `terms.caf` in running text, `terms.Caf` to start a
/// sentence, `terms.a_caf` with its article.
#[derive(Serialize)]
pub(crate) struct Terms {
    caf: String,
    #[serde(rename = "Caf")]
    caf_title: String,
    a_caf: String,
    #[serde(rename = "A_caf")]
    a_caf_title: String,
    lead: String,
    #[serde(rename = "Lead")]
    lead_title: String,
    team: String,
    #[serde(rename = "Team")]
    team_title: String,
}

impl From<&Wording> for Terms {
    fn from(w: &Wording) -> Self {
        Terms {
            caf: w.assessment.clone(),
            caf_title: ecaf_domain::text::sentence_start(&w.assessment),
            a_caf: w.a_assessment(),
            a_caf_title: ecaf_domain::text::sentence_start(&w.a_assessment()),
            lead: w.lead.clone(),
            lead_title: ecaf_domain::text::sentence_start(&w.lead),
            team: w.team.clone(),
            team_title: ecaf_domain::text::sentence_start(&w.team),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_keep_acronyms_and_start_sentences() {
        let caf = Terms::from(&Wording::default());
        assert_eq!(
            (caf.caf_title.as_str(), caf.a_caf.as_str()),
            ("CAF", "a CAF")
        );
        let reformed = Terms::from(&Wording {
            assessment: "early help assessment".into(),
            lead: "lead practitioner".into(),
            ..Wording::default()
        });
        assert_eq!(reformed.caf_title, "Early help assessment");
        assert_eq!(reformed.a_caf, "an early help assessment");
        assert_eq!(reformed.lead_title, "Lead practitioner");
    }
}
