//! `postflow serve`, `postflow demo` and `postflow user …`: the store and the web app.
use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use postflow_app::access::local_operator;
use postflow_app::accounts::{self, generate_password, hash_new_password, CompanyRef, UserDraft};
use postflow_app::{AppError, Context as UseCases};
use postflow_store::{Location, Store};
use postflow_web::WebConfig;
use std::path::PathBuf;
use std::process::ExitCode;

/// Where the studio's records live. SQLite in `--data-dir` unless a database URL is given.
#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// Directory of the embedded SQLite store (created if missing).
    #[arg(long, env = "POSTFLOW_DATA_DIR", default_value = "./postflow-data")]
    pub data_dir: PathBuf,
    /// A PostgreSQL URL (postgres://user:password@host:5432/db) to use instead of SQLite.
    #[arg(long, env = "POSTFLOW_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl StoreArgs {
    pub fn location(&self) -> Location {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => Location::Url(url.trim().to_string()),
            _ => Location::SqliteDir(self.data_dir.clone()),
        }
    }

    pub async fn open(&self) -> anyhow::Result<Store> {
        // The store's error already is one sentence naming the (redacted) URL and the cause.
        Store::open(&self.location())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address and port to listen on.
    #[arg(long, env = "POSTFLOW_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Read the first admin's password from this file instead of generating one.
    #[arg(long)]
    pub admin_password_file: Option<PathBuf>,
    /// Email of the admin account created on first start.
    #[arg(long, default_value = "admin@localhost")]
    pub admin_email: String,
    /// Mark cookies Secure (set this when users reach postflow over HTTPS, e.g. behind a proxy).
    #[arg(long, env = "POSTFLOW_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "POSTFLOW_LOG_JSON")]
    pub log_json: bool,
    /// Address of a reverse proxy in front of postflow (repeat, or separate with commas). Only
    /// requests from these addresses have their X-Forwarded-For believed, for the sign-in
    /// throttle and the logs; without it the header is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "POSTFLOW_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "IP"
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    #[command(flatten)]
    pub mail: MailArgs,
}

/// E-mail notifications. Without `--smtp-host` no mail is sent: it waits in the outbox.
#[derive(Debug, Args, Clone)]
pub struct MailArgs {
    /// SMTP server (relay) for notification mail.
    #[arg(long, env = "POSTFLOW_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// Its port.
    #[arg(long, env = "POSTFLOW_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,
    /// The From address of the mail (`postflow <studio@example.com>`).
    #[arg(long, env = "POSTFLOW_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// SMTP user name (with `--smtp-password`).
    #[arg(long, env = "POSTFLOW_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// SMTP password.
    #[arg(long, env = "POSTFLOW_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// Send without STARTTLS (only for a relay on this machine, which is the default for
    /// localhost/127.0.0.1/::1).
    #[arg(long, env = "POSTFLOW_SMTP_NO_STARTTLS")]
    pub smtp_no_starttls: bool,
    /// The hour (0–23, in the studio's time zone) the daily digest is mailed.
    #[arg(long, env = "POSTFLOW_DIGEST_HOUR", default_value_t = 7, value_parser = clap::value_parser!(u32).range(0..24))]
    pub digest_hour: u32,
    /// Where people reach postflow (`https://postflow.example`), for the links in mail;
    /// default: http:// and the --bind address.
    #[arg(long, env = "POSTFLOW_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl MailArgs {
    /// The SMTP settings, or `None` without `--smtp-host`; a host without `--smtp-from`, or a
    /// user without a password, is refused in one sentence.
    pub fn settings(
        &self,
        bound: std::net::SocketAddr,
    ) -> anyhow::Result<Option<postflow_app::mail::SmtpSettings>> {
        let Some(host) = self
            .smtp_host
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
        else {
            return Ok(None);
        };
        let Some(from) = self
            .smtp_from
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
        else {
            bail!("--smtp-host needs --smtp-from, the address mail is sent from");
        };
        let mut smtp = postflow_app::mail::SmtpSettings::new(host, self.smtp_port, from);
        let local = matches!(host, "localhost" | "127.0.0.1" | "::1" | "[::1]");
        smtp.starttls = !(self.smtp_no_starttls || local);
        smtp.digest_hour = self.digest_hour;
        smtp.credentials = match (&self.smtp_user, &self.smtp_password) {
            (Some(u), Some(p)) => Some((u.clone(), p.clone())),
            (None, None) => None,
            _ => bail!("give --smtp-user and --smtp-password together"),
        };
        smtp.public_url = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"));
        Ok(Some(smtp))
    }
}

pub fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("POSTFLOW_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

async fn bind(addr: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr}; is another program using it? Pick another with --bind")
    })
}

pub fn run_serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging(args.log_json);
    runtime()?.block_on(async move {
        let store = args.store.open().await?;
        ensure_first_admin(&store, &args).await?;
        let listener = bind(&args.bind).await?;
        let addr = listener.local_addr()?;
        tracing::info!(%addr, backend = store.backend_name(), "postflow is serving");
        eprintln!(
            "postflow is serving on http://{addr} ({} store)",
            store.backend_name()
        );
        let smtp = args.mail.settings(addr)?;
        match &smtp {
            Some(s) => tracing::info!(host = %s.host, port = s.port, starttls = s.starttls, "mail goes out through SMTP"),
            None => tracing::info!("no --smtp-host: notification mail waits in the outbox"),
        }
        let config = WebConfig {
            secure_cookies: args.secure_cookies,
            trusted_proxies: args.trusted_proxies.clone(),
            smtp,
            ..WebConfig::default()
        };
        postflow_web::serve(listener, store, config, postflow_web::shutdown_signal()).await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// On first start with an empty store, creates the admin account and prints its one-time
/// password once (or reads it from `--admin-password-file`).
async fn ensure_first_admin(store: &Store, args: &ServeArgs) -> anyhow::Result<()> {
    if store.count_users().await? > 0 {
        return Ok(());
    }
    let (password, generated) = password_from(&args.admin_password_file)?;
    let draft = UserDraft {
        name: "Administrator".into(),
        email: args.admin_email.clone(),
        role: "admin".into(),
        ..Default::default()
    };
    let hash = hash_new_password(&password, "password").map_err(user_error)?;
    accounts::create_user(
        &UseCases::new(store.clone()),
        &local_operator(),
        &draft,
        hash,
    )
    .await
    .map_err(user_error)?;
    if generated {
        eprintln!("First start: created admin account {} with one-time password:\n\n    {password}\n\nIt is shown only now. Sign in and change it on your account page.", args.admin_email);
    } else {
        eprintln!(
            "First start: created admin account {} with the password from the file.",
            args.admin_email
        );
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
}

pub fn run_demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    init_logging(false);
    let dir = tempfile::Builder::new()
        .prefix("postflow-demo-")
        .tempdir()
        .context("cannot create a temporary directory for the demo")?;
    runtime()?.block_on(async move {
        let store = Store::open(&Location::SqliteDir(dir.path().to_path_buf()))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        postflow_app::demo::seed(&store, chrono::Local::now().date_naive())
            .await
            .map_err(|e| anyhow::anyhow!("cannot seed the demo studio: {e}"))?;
        let listener = bind(&args.bind).await?;
        let addr = listener.local_addr()?;
        println!("postflow demo studio: http://{addr}/");
        println!(
            "Throwaway data in {} (removed when you stop the demo with Ctrl-C).",
            dir.path().display()
        );
        println!(
            "Every demo login uses the password: {}",
            postflow_app::demo::DEMO_PASSWORD
        );
        for (email, name, role, _, _) in postflow_app::demo::DEMO_PEOPLE {
            println!("  {:<10} {email:<30} {name}", role.as_str());
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        postflow_web::serve(
            listener,
            store,
            WebConfig::default(),
            postflow_web::shutdown_signal(),
        )
        .await?;
        drop(dir);
        Ok(ExitCode::SUCCESS)
    })
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account and print its one-time password.
    Add(UserAddArgs),
    /// List accounts.
    List(UserListArgs),
    /// Set a new password (generated, or read from a file) and end the user's sessions.
    Passwd(UserPasswdArgs),
    /// Disable an account (or enable it again with --enable); its sessions end.
    Disable(UserDisableArgs),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The person's email; they sign in with it.
    pub email: String,
    /// Full name.
    #[arg(long)]
    pub name: String,
    /// admin, producer, artist or client.
    #[arg(long)]
    pub role: String,
    /// Client company code (required for the client role).
    #[arg(long)]
    pub client: Option<String>,
    /// Job title, e.g. Colorist.
    #[arg(long)]
    pub title: Option<String>,
    /// Read the password from this file instead of generating one.
    #[arg(long)]
    pub password_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UserListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct UserPasswdArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    pub email: String,
    #[arg(long)]
    pub password_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UserDisableArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    pub email: String,
    /// Enable the account again instead.
    #[arg(long)]
    pub enable: bool,
}

fn password_from(file: &Option<PathBuf>) -> anyhow::Result<(String, bool)> {
    match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the password file {}", path.display()))?;
            let pw = text.trim_end_matches(['\n', '\r']).to_string();
            if let Some(problem) = accounts::password_problem(&pw) {
                bail!("the password in {} is refused: {problem}", path.display());
            }
            Ok((pw, false))
        }
        None => Ok((generate_password(), true)),
    }
}

pub fn run_user(cmd: UserCommand) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        match cmd {
            UserCommand::Add(a) => {
                let store = a.store.open().await?;
                let draft = UserDraft {
                    name: a.name,
                    email: a.email,
                    role: a.role,
                    company: a.client.map(CompanyRef::Code).unwrap_or_default(),
                    title: a.title.unwrap_or_default(),
                };
                let (password, generated) = password_from(&a.password_file)?;
                let hash = hash_new_password(&password, "password").map_err(user_error)?;
                let u = accounts::create_user(&UseCases::new(store), &local_operator(), &draft, hash)
                    .await
                    .map_err(user_error)?;
                if generated {
                    println!("Created {} ({}). One-time password: {password}", u.email, u.role);
                } else {
                    println!("Created {} ({}).", u.email, u.role);
                }
            }
            UserCommand::List(a) => {
                let store = a.store.open().await?;
                let users = store.list_users().await?;
                if a.json {
                    let rows: Vec<_> = users
                        .iter()
                        .map(|u| serde_json::json!({"id": u.id, "email": u.email, "name": u.name, "role": u.role, "client_id": u.client_id, "disabled": u.disabled}))
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&rows)?);
                } else {
                    for u in users {
                        println!("{:<32} {:<9} {}{}", u.email, u.role, u.name, if u.disabled { "  (disabled)" } else { "" });
                    }
                }
            }
            UserCommand::Passwd(a) => {
                let store = a.store.open().await?;
                let u = store.user_by_email(&a.email).await?.with_context(|| format!("no account with email {}", a.email))?;
                let (password, generated) = password_from(&a.password_file)?;
                let hash = hash_new_password(&password, "password").map_err(user_error)?;
                accounts::reset_password(&UseCases::new(store), &local_operator(), u.id, hash).await.map_err(user_error)?;
                if generated {
                    println!("New one-time password for {}: {password}", u.email);
                } else {
                    println!("Password of {} set.", u.email);
                }
            }
            UserCommand::Disable(a) => {
                let store = a.store.open().await?;
                let u = store.user_by_email(&a.email).await?.with_context(|| format!("no account with email {}", a.email))?;
                accounts::set_disabled(&UseCases::new(store), &local_operator(), u.id, !a.enable).await.map_err(user_error)?;
                let verb = if a.enable { "enabled" } else { "disabled" };
                println!("{} {verb}.", u.email);
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// A use case's refusal as one sentence for the terminal: the fields named as the flags are.
fn user_error(e: AppError) -> anyhow::Error {
    match e {
        AppError::Invalid(fields) => {
            let flag = |f: &str| match f {
                "client_id" => "--client".to_string(),
                "password" => "the password".to_string(),
                other => format!("--{other}"),
            };
            let parts: Vec<String> = fields
                .0
                .iter()
                .map(|(f, m)| format!("{}: {m}", flag(f)))
                .collect();
            anyhow::anyhow!("{}", parts.join("; "))
        }
        other => anyhow::anyhow!("{other}"),
    }
}
