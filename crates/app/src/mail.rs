//! E-mail notifications. Every notification that goes to a person's inbox is also, by their
//! preference for its category, queued as a mail (immediately), kept for the daily digest, or
//! not mailed — on the notifying change's own transaction, so a change that rolls back mails
//! nobody and an SMTP server that is down loses nothing: the mail waits in the outbox
//! (m0016_mail) and the sender ([`run_sender`], started by `postflow serve`) retries it with
//! exponential backoff, keeping the server's answer as `last_error`.
use crate::{AppError, Context, FieldErrors, Result};
use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use postflow_core::access::Actor;
use postflow_store::mail::{MailOutcome, OutboxMail};
use postflow_store::{ConnectionTrait, Repo, Store};
use std::time::Duration;

/// The categories a person chooses for, with the words the account page shows.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("picture_lock", "Picture locked or unlocked"),
    ("milestones", "Milestones moved or reached"),
    ("budget", "Budgets at 80 % or 100 %, extra revision rounds"),
];

/// How a person wants a category mailed; no choice made means immediately.
pub const MODES: &[(&str, &str)] = &[
    ("immediate", "Right away"),
    ("digest", "In the daily digest"),
    ("off", "Not by e-mail"),
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preference {
    pub category: &'static str,
    pub label: &'static str,
    pub mode: String,
}

/// The actor's preference for every category.
pub async fn preferences(ctx: &Context, actor: &Actor) -> Result<Vec<Preference>> {
    let chosen = ctx.store.mail_preferences(actor.user_id).await?;
    Ok(CATEGORIES
        .iter()
        .map(|(category, label)| Preference {
            category,
            label,
            mode: chosen
                .iter()
                .find(|(c, _)| c == category)
                .map(|(_, m)| m.clone())
                .unwrap_or_else(|| "immediate".into()),
        })
        .collect())
}

/// Sets the actor's own preferences (category → mode); an unknown category or mode is refused
/// by field and nothing is saved.
pub async fn set_preferences(
    ctx: &Context,
    actor: &Actor,
    choices: &[(String, String)],
) -> Result<()> {
    let mut errors = FieldErrors::default();
    let mut valid = Vec::new();
    for (category, mode) in choices {
        let Some((key, _)) = CATEGORIES.iter().find(|(c, _)| c == category) else {
            errors.add(
                "category",
                format!("there is no notification category {category:?}"),
            );
            continue;
        };
        if !MODES.iter().any(|(m, _)| m == mode) {
            errors.add(
                key,
                format!("choose immediate, digest or off (not {mode:?})"),
            );
            continue;
        }
        valid.push((*key, mode.as_str()));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let tx = ctx.store.begin().await?;
    for (category, mode) in valid {
        tx.set_mail_preference(actor.user_id, category, mode)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Mails one notification to `user_id` as their preference for `category` says, on the
/// caller's transaction. A disabled person or one without an address gets no mail.
pub(crate) async fn queue_for<C: ConnectionTrait>(
    repo: &Repo<C>,
    user_id: i64,
    category: &str,
    subject: &str,
    body: &str,
    link: &str,
) -> postflow_store::Result<()> {
    let Some(user) = repo.mail_recipient(user_id).await? else {
        return Ok(());
    };
    if user.disabled || !user.email.contains('@') {
        return Ok(());
    }
    let mode = repo
        .mail_preferences(user_id)
        .await?
        .into_iter()
        .find(|(c, _)| c == category)
        .map(|(_, m)| m)
        .unwrap_or_else(|| "immediate".into());
    match mode.as_str() {
        "off" => {}
        "digest" => {
            repo.add_digest_item(user_id, category, subject, body, Some(link))
                .await?;
        }
        _ => {
            // The sender adds the page's link and the signature.
            let text = format!("Hello {},\n\n{body}\n", user.name);
            repo.queue_mail(Some(user_id), &user.email, subject, &text, Some(link))
                .await?;
        }
    }
    Ok(())
}

/// The studio setting holding the studio-local date the last daily digest was bundled.
pub const DIGEST_DAY_SETTING: &str = "mail_digest_day";

/// Bundles the daily digest when it is due: at or after `hour` o'clock in the studio's time
/// zone, once per studio-local day (the day is kept in the store, so a restart or a second
/// server does not bundle it again). Returns the digests queued, or `None` when not due.
pub async fn queue_digests_if_due(
    store: &Store,
    now: DateTime<Utc>,
    hour: u32,
    public_url: &str,
) -> Result<Option<usize>> {
    let tz = crate::feeds::time_zone_in(store).await?;
    let local = now.with_timezone(&tz);
    if chrono::Timelike::hour(&local) < hour {
        return Ok(None);
    }
    let day = local.date_naive().to_string();
    let tx = store.begin().await?;
    if tx.studio_setting(DIGEST_DAY_SETTING).await?.as_deref() == Some(day.as_str()) {
        return Ok(None);
    }
    tx.set_studio_setting(DIGEST_DAY_SETTING, &day).await?;
    tx.commit().await?;
    Ok(Some(queue_digests(store, public_url).await?))
}

/// `link` (a path) under the server's public address.
pub fn absolute(public_url: &str, link: &str) -> String {
    if link.starts_with("http://") || link.starts_with("https://") {
        return link.to_string();
    }
    format!("{}{}", public_url.trim_end_matches('/'), link)
}

/// Bundles every person's waiting digest items into one mail per person (queued in the
/// outbox); returns how many digests were queued. Each person's bundle is one transaction, and
/// an item another server bundled first is never mailed twice. Links are made absolute under
/// `public_url`.
pub async fn queue_digests(store: &Store, public_url: &str) -> Result<usize> {
    let waiting = store.waiting_digest_items().await?;
    let mut by_user: Vec<(i64, Vec<postflow_store::mail::DigestItem>)> = Vec::new();
    for item in waiting {
        match by_user.last_mut() {
            Some((u, items)) if *u == item.user_id => items.push(item),
            _ => by_user.push((item.user_id, vec![item])),
        }
    }
    let mut queued = 0;
    for (user_id, items) in by_user {
        let tx = store.begin().await?;
        let Some(user) = tx.mail_recipient(user_id).await? else {
            continue;
        };
        let mut body = format!(
            "Hello {},\n\nwhat happened since your last digest ({} item{}):\n",
            user.name,
            items.len(),
            if items.len() == 1 { "" } else { "s" }
        );
        for item in &items {
            body.push_str(&format!(
                "\n* {} ({})\n  {}\n",
                item.subject,
                item.created_at.format("%Y-%m-%d %H:%M UTC"),
                item.body
            ));
            if let Some(link) = &item.link {
                body.push_str(&format!("  {}\n", absolute(public_url, link)));
            }
        }
        body.push_str("\n-- postflow\n");
        let subject = format!(
            "postflow daily digest: {} notification{}",
            items.len(),
            if items.len() == 1 { "" } else { "s" }
        );
        let mail = tx
            .queue_mail(Some(user_id), &user.email, &subject, &body, None)
            .await?;
        let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
        if tx.mark_digest_items(&ids, mail.id).await? as usize != ids.len() {
            // Another server bundled some of them meanwhile: drop ours (the Tx rolls back).
            continue;
        }
        tx.commit().await?;
        queued += 1;
    }
    Ok(queued)
}

/// Where and how mail is sent (`Debug` hides the password).
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// The From address (`postflow <studio@example.com>` or a bare address).
    pub from: String,
    pub credentials: Option<(String, String)>,
    /// STARTTLS before sending (off only for a relay on this machine or a test server).
    pub starttls: bool,
    /// The first retry waits this long, each later one twice as long (capped at six hours).
    pub retry_base: Duration,
    /// Attempts before a mail is marked failed.
    pub max_attempts: i64,
    /// How often the sender looks for due mail.
    pub poll: Duration,
    /// The hour (in the studio's time zone) the daily digest is bundled.
    pub digest_hour: u32,
    /// Where people reach the web app (`https://postflow.example`): mail links start with it.
    pub public_url: String,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .field("password", &self.credentials.as_ref().map(|_| "<redacted>"))
            .field("starttls", &self.starttls)
            .field("digest_hour", &self.digest_hour)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl SmtpSettings {
    pub fn new(host: impl Into<String>, port: u16, from: impl Into<String>) -> SmtpSettings {
        SmtpSettings {
            host: host.into(),
            port,
            from: from.into(),
            credentials: None,
            starttls: true,
            retry_base: Duration::from_secs(30),
            max_attempts: 12,
            poll: Duration::from_secs(5),
            digest_hour: 7,
            public_url: "http://localhost:8080".into(),
        }
    }

    fn transport(&self) -> std::result::Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        let mut builder = if self.starttls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&self.host)
                .map_err(|e| format!("the SMTP host {} cannot be used: {e}", self.host))?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
        };
        builder = builder
            .port(self.port)
            .timeout(Some(Duration::from_secs(30)));
        if let Some((user, password)) = &self.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.build())
    }

    fn backoff(&self, attempts_made: i64) -> chrono::Duration {
        let factor = 2u32.saturating_pow(attempts_made.clamp(0, 20) as u32);
        let wait = self
            .retry_base
            .saturating_mul(factor)
            .min(Duration::from_secs(6 * 3600));
        chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(6))
    }
}

/// What one pass of the sender did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Sends every mail due at `at` once; a refused or unreachable server queues the mail again
/// after the backoff, with the reason kept as `last_error`.
pub async fn send_due(store: &Store, smtp: &SmtpSettings, at: DateTime<Utc>) -> Result<SendReport> {
    let mut report = SendReport::default();
    let mails = store.claim_mails(at, 50, 120).await?;
    if mails.is_empty() {
        return Ok(report);
    }
    let transport = smtp.transport();
    for mail in mails {
        let result = match &transport {
            Ok(t) => send_one(t, smtp, &mail).await,
            Err(e) => Err(Problem::Retry(e.clone())),
        };
        let (error, outcome) = match result {
            Ok(()) => (None, MailOutcome::Sent),
            Err(Problem::Permanent(e)) => (Some(e), MailOutcome::Failed),
            Err(Problem::Retry(e)) if mail.attempts + 1 >= smtp.max_attempts => {
                (Some(e), MailOutcome::Failed)
            }
            Err(Problem::Retry(e)) => (
                Some(e),
                MailOutcome::RetryAt(at + smtp.backoff(mail.attempts)),
            ),
        };
        match outcome {
            MailOutcome::Sent => report.sent += 1,
            MailOutcome::RetryAt(_) => report.retrying += 1,
            MailOutcome::Failed => report.failed += 1,
        }
        store.record_mail_attempt(mail.id, error, outcome).await?;
    }
    Ok(report)
}

enum Problem {
    Retry(String),
    Permanent(String),
}

async fn send_one(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    smtp: &SmtpSettings,
    mail: &OutboxMail,
) -> std::result::Result<(), Problem> {
    let from = &smtp.from;
    let from = from
        .parse()
        .map_err(|e| Problem::Retry(format!("the From address {from:?} is not valid: {e}")))?;
    let to = mail.to_address.parse().map_err(|e| {
        Problem::Permanent(format!(
            "the address {:?} is not valid: {e}",
            mail.to_address
        ))
    })?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(match &mail.link {
            Some(link) => format!(
                "{}\nOpen it in postflow: {}\n\n-- postflow\n",
                mail.body,
                absolute(&smtp.public_url, link)
            ),
            None => mail.body.clone(),
        })
        .map_err(|e| Problem::Permanent(format!("the mail could not be built: {e}")))?;
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(Problem::Permanent(format!(
            "the SMTP server refused the mail: {e}"
        ))),
        Err(e) => Err(Problem::Retry(format!(
            "the SMTP server could not take the mail: {e}"
        ))),
    }
}

/// The sender `postflow serve` runs: sends due mail every `poll`, and bundles the daily digest
/// once a day at `digest_hour` in the studio's time zone. Errors are logged and the loop goes on.
pub async fn run_sender(store: Store, smtp: SmtpSettings) {
    loop {
        let now = Utc::now();
        match queue_digests_if_due(&store, now, smtp.digest_hour, &smtp.public_url).await {
            Ok(Some(n)) => tracing::info!(digests = n, "queued the daily digest"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "the daily digest could not be queued"),
        }
        if let Err(e) = send_due(&store, &smtp, now).await {
            tracing::warn!(error = %e, "mail could not be sent");
        }
        tokio::time::sleep(smtp.poll).await;
    }
}

/// The outbox, newest first, for the admin page (who was mailed what, its state and the last
/// error an SMTP server gave).
pub async fn outbox(ctx: &Context, actor: &Actor, limit: u64) -> Result<Vec<OutboxMail>> {
    crate::access::studio(actor, postflow_core::access::Action::ManageUsers)?;
    Ok(ctx.store.outbox_mails(None, limit).await?)
}
