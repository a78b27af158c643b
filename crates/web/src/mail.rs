//! Sending the outbox: transports (SMTP, or a folder of `.eml` files for development and
//! tests), the sender that claims, delivers and marks mails, and the daily digest.
//!
//! Every mail's words come from fixed templates (`ecaf_domain::notification` and [`body`]
//! below) and its one variable part is a link to the service: no case details leave by email.
//! What is guaranteed when an instance stops in the middle is in `docs/RELIABILITY.md`
//! ("Email"); in short, each mail has one Message-ID for ever (`<outbox-{row}@{domain}>`),
//! derived from its row, so a delivery repeated after a crash is the same message again, which
//! the folder transport stores once and mail systems recognise as one.
use crate::jobs::JobReport;
use chrono::{DateTime, Utc};
use ecaf_store::outbox::{ClaimedMail, Failure};
use ecaf_store::Store;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

/// A mail ready to hand to a transport.
#[derive(Debug, Clone)]
pub struct Mail {
    /// `outbox-{row}@{domain}`, without angle brackets: the same for every attempt.
    pub message_id: String,
    pub message: Message,
}

/// Why a delivery did not happen.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    /// The receiving side refused for good (an unknown mailbox): no point trying again.
    pub permanent: bool,
    pub message: String,
}

impl TransportError {
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            permanent: false,
            message: message.into(),
        }
    }
}

pub type Delivery<'a> = Pin<Box<dyn Future<Output = Result<(), TransportError>> + Send + 'a>>;

/// Somewhere mail goes.
pub trait Transport: Send + Sync {
    fn deliver<'a>(&'a self, mail: &'a Mail) -> Delivery<'a>;
    /// For administrators and logs; never includes a password.
    fn describe(&self) -> String;
}

/// SMTP through lettre (rustls for TLS): `smtp://user:pass@host:587` with STARTTLS
/// required, `smtps://user:pass@host:465` with TLS from the start.
pub struct SmtpTransport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
    described: String,
}

/// The most an SMTP conversation may take. Well under [`SEND_LEASE`], so a sender that is
/// still working never loses its claim to another.
const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

impl SmtpTransport {
    pub fn from_url(url: &str) -> Result<Self, String> {
        let mut parsed = url::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "smtp" | "smtps") {
            return Err("must start smtp:// or smtps://".into());
        }
        let host = parsed.host_str().unwrap_or_default().to_string();
        let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
        // lettre reads a bare smtp:// as plain text, which would send the password in the
        // clear: here it means STARTTLS, required. `?tls=none` asks for plain text (a relay
        // on the same machine), `?tls=opportunistic` for STARTTLS when offered.
        let tls = parsed
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let security = match (parsed.scheme(), tls.as_deref()) {
            ("smtps", _) => "TLS",
            (_, None | Some("required")) => "STARTTLS",
            (_, Some("opportunistic")) => "STARTTLS when offered",
            (_, Some("none")) => "no encryption",
            (_, Some(other)) => {
                return Err(format!(
                    "tls={other} is not known: use required, opportunistic or none"
                ))
            }
        };
        let others: Vec<(String, String)> = parsed
            .query_pairs()
            .filter(|(k, _)| k != "tls")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let starttls = parsed.scheme() == "smtp" && tls.as_deref() != Some("none");
        {
            let mut query = parsed.query_pairs_mut();
            query.clear().extend_pairs(others);
            if starttls {
                query.append_pair("tls", tls.as_deref().unwrap_or("required"));
            }
        }
        if parsed.query() == Some("") {
            parsed.set_query(None);
        }
        let inner = AsyncSmtpTransport::<Tokio1Executor>::from_url(parsed.as_str())
            .map_err(|e| e.to_string())?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Self {
            inner,
            described: format!("SMTP to {host}{port} ({security})"),
        })
    }
}

impl Transport for SmtpTransport {
    fn deliver<'a>(&'a self, mail: &'a Mail) -> Delivery<'a> {
        Box::pin(async move {
            match self.inner.send(mail.message.clone()).await {
                Ok(_) => Ok(()),
                Err(err) => Err(TransportError {
                    permanent: err.is_permanent(),
                    message: err.to_string(),
                }),
            }
        })
    }

    fn describe(&self) -> String {
        self.described.clone()
    }
}

/// Each mail written as `{message id}.eml` in a directory. Writing goes to a temporary file
/// renamed into place, so a file is whole or absent, and a repeated delivery of the same mail
/// replaces its file rather than adding another.
pub struct FolderTransport {
    dir: PathBuf,
}

impl FolderTransport {
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    /// The file a mail is written to.
    pub fn path_of(&self, message_id: &str) -> PathBuf {
        let name: String = message_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "@.-_".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{name}.eml"))
    }
}

impl Transport for FolderTransport {
    fn deliver<'a>(&'a self, mail: &'a Mail) -> Delivery<'a> {
        Box::pin(async move {
            let path = self.path_of(&mail.message_id);
            let partial = path.with_extension(format!("{}.part", uuid::Uuid::new_v4().simple()));
            let bytes = mail.message.formatted();
            let io = |e: std::io::Error| TransportError::transient(e.to_string());
            tokio::fs::write(&partial, bytes).await.map_err(io)?;
            tokio::fs::rename(&partial, &path).await.map_err(io)
        })
    }

    fn describe(&self) -> String {
        format!("files in {}", self.dir.display())
    }
}

/// How long a sender holds the mails it claimed. A sender that stopped (crashed, killed)
/// releases them when this has passed; one still working finishes before, since each SMTP
/// conversation is cut at [`SMTP_TIMEOUT`] and a batch is [`BATCH`] mails (10 minutes at
/// the very worst).
pub const SEND_LEASE: chrono::Duration = chrono::Duration::minutes(15);
/// Mails claimed at a time.
const BATCH: i64 = 10;
/// The most one run sends, so a huge backlog does not hold one instance for ever.
const MOST_PER_RUN: usize = 1000;

/// Sends the outbox: who it is from, where links point, and the transport (none: mails stay
/// queued and the administrators' page says so).
#[derive(Clone)]
pub struct Mailer {
    transport: Option<Arc<dyn Transport>>,
    from: Mailbox,
    /// The service's address as users reach it, without a trailing slash.
    public_url: String,
    /// Names this instance in claims (with a fresh token per claim).
    instance: String,
}

impl Mailer {
    /// `from` is an address (`ecaf@council.example`) or `Name <address>`.
    pub fn new(
        transport: Option<Arc<dyn Transport>>,
        from: &str,
        public_url: &str,
        instance: &str,
    ) -> Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("--mail-from `{from}` is not an email address: {e}"))?;
        let public_url = url::Url::parse(public_url)
            .map_err(|e| format!("--public-url `{public_url}` is not a URL: {e}"))?;
        if !matches!(public_url.scheme(), "http" | "https") {
            return Err("--public-url must start http:// or https://".into());
        }
        Ok(Self {
            transport,
            from,
            public_url: public_url.as_str().trim_end_matches('/').to_string(),
            instance: instance.to_string(),
        })
    }

    /// What the administrators' page says about sending.
    pub fn describe(&self) -> Option<String> {
        self.transport.as_ref().map(|t| t.describe())
    }

    /// The mail for a claimed row: the same Message-ID on every attempt.
    pub fn compose(&self, row: &ClaimedMail, now: DateTime<Utc>) -> Result<Mail, TransportError> {
        let permanent = |message: String| TransportError {
            permanent: true,
            message,
        };
        let message_id = format!("outbox-{}@{}", row.id, self.from.email.domain());
        let to = row
            .to_email
            .parse()
            .map(|email| Mailbox::new(Some(row.to_name.clone()), email))
            .map_err(|e| permanent(format!("the recipient's address cannot be used: {e}")))?;
        let message = Message::builder()
            .message_id(Some(format!("<{message_id}>")))
            .from(self.from.clone())
            .to(to)
            .subject(&row.subject)
            .date(std::time::SystemTime::from(now))
            .header(ContentType::TEXT_PLAIN)
            .body(body(&row.body, &self.public_url, &row.link_path))
            .map_err(|e| permanent(e.to_string()))?;
        Ok(Mail {
            message_id,
            message,
        })
    }

    /// Send what is due: claim a batch, deliver each mail, mark it sent (or failed, to be
    /// tried again after a back-off), until nothing is due. Safe to run on every instance at
    /// once: a mail is claimed by one sender at a time.
    pub async fn send_due(&self, store: &Store) -> anyhow::Result<JobReport> {
        self.send_due_with(store, BATCH).await
    }

    /// [`Mailer::send_due`] with a batch size (small batches let tests interleave senders).
    pub async fn send_due_with(&self, store: &Store, batch: i64) -> anyhow::Result<JobReport> {
        let Some(transport) = &self.transport else {
            let summary = store.outbox_summary().await?;
            return Ok(JobReport::new(
                0,
                format!(
                    "no mail transport configured: {} waiting to be sent",
                    summary.queued
                ),
            ));
        };
        let (mut sent, mut retrying, mut given_up) = (0usize, 0usize, 0usize);
        while sent + retrying + given_up < MOST_PER_RUN {
            let claim = store.claim_mail(&self.instance, SEND_LEASE, batch).await?;
            if claim.mails.is_empty() {
                break;
            }
            for row in &claim.mails {
                let delivered = match self.compose(row, store.clock().now()) {
                    Ok(mail) => transport.deliver(&mail).await,
                    Err(err) => Err(err),
                };
                match delivered {
                    Ok(()) => {
                        store.mark_mail_sent(&claim.token, row.id).await?;
                        sent += 1;
                    }
                    Err(err) => {
                        tracing::warn!(outbox = row.id, error = %err, "mail not delivered");
                        match store
                            .mark_mail_failed(&claim.token, row.id, &err.message, err.permanent)
                            .await?
                        {
                            Failure::RetryAt(_) => retrying += 1,
                            Failure::GivenUp => given_up += 1,
                        }
                    }
                }
            }
        }
        let mut message = format!("{sent} sent");
        if retrying > 0 {
            message.push_str(&format!(", {retrying} to be tried again"));
        }
        if given_up > 0 {
            message.push_str(&format!(", {given_up} given up"));
        }
        // Mails given up are listed on the administrators' page; the run itself worked.
        Ok(JobReport::new(
            i64::try_from(sent).unwrap_or(i64::MAX),
            message,
        ))
    }
}

/// The body of every mail. Fixed words around the one sentence of what to look at (itself
/// fixed per kind) and the link: never case details.
pub fn body(what_to_look_at: &str, public_url: &str, link_path: &str) -> String {
    format!(
        "{what_to_look_at}\n\n\
         Sign in to see it:\n{public_url}{link_path}\n\n\
         This email does not say which child or family it is about, on purpose. Please do not \
         reply to it.\n\n\
         To change which emails you get, go to {public_url}/account/notifications\n"
    )
}

/// The daily digest job: each user's held notifications gathered into one mail (sent by the
/// next run of the sender). The digest is named after the London day its period began, so
/// a run caught up before the hour still counts as that day's.
pub async fn daily_digest(
    store: &Store,
    now: DateTime<Utc>,
    digest_hour: u32,
) -> anyhow::Result<JobReport> {
    let period = crate::jobs::Schedule::DailyAt { hour: digest_hour }.period_start(now);
    let day = period
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    let made = store.gather_digests(day).await?;
    Ok(JobReport::new(made, format!("{made} digests made")))
}
