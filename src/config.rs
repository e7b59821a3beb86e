//! Settings from the environment (or the same flags on the command line), in one typed struct.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything the server reads from its environment. README lists each variable.
#[derive(clap::Args, Debug, Clone)]
pub struct Config {
    /// Address the HTTP server listens on.
    #[arg(long, env = "GIRDER_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// PostgreSQL URL the application connects with. Unset: a private cluster under `data_dir`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// URL migrations run with (the schema owner). Defaults to `DATABASE_URL`.
    #[arg(long, env = "MIGRATE_DATABASE_URL", hide_env_values = true)]
    pub migrate_database_url: Option<String>,

    /// Where the private PostgreSQL cluster lives when `DATABASE_URL` is unset.
    #[arg(long, env = "GIRDER_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Public address of this server, used in links sent by email.
    #[arg(long, env = "GIRDER_BASE_URL", default_value = "http://127.0.0.1:8080")]
    pub base_url: String,

    /// Mark the session cookie `Secure` (set it when served over HTTPS).
    #[arg(long, env = "GIRDER_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "GIRDER_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: i64,

    /// Hours after sign-in after which a session ends however active it is.
    #[arg(long, env = "GIRDER_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: i64,

    /// `text` for people, `json` for log shippers.
    #[arg(long, env = "LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,

    /// Ed25519 public key (base64) that licence keys must be signed with.
    #[arg(long, env = "GIRDER_LICENSE_PUBLIC_KEY")]
    pub license_public_key: Option<String>,

    /// SMTP server as a URL, e.g. `smtps://user:pass@smtp.example.com`. Unset: mail goes to the log.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Sender address of mail.
    #[arg(
        long,
        env = "SMTP_FROM",
        default_value = "Girder <no-reply@girder.local>"
    )]
    pub smtp_from: String,

    /// Sign-ups and sign-ins allowed per client address per minute.
    #[arg(long, env = "GIRDER_AUTH_RATE_PER_MINUTE", default_value_t = 10)]
    pub auth_rate_per_minute: u32,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "GIRDER_BODY_LIMIT", default_value_t = 2 * 1024 * 1024)]
    pub body_limit: usize,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// Settings for tests and tools: every default, no database URL.
    pub fn for_tests() -> Self {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            config: Config,
        }
        // Parsing no arguments cannot fail: every field has a default or is optional.
        match Wrapper::try_parse_from(["girder"]) {
            Ok(w) => Config {
                database_url: None,
                migrate_database_url: None,
                smtp_url: None,
                license_public_key: None,
                ..w.config
            },
            Err(e) => panic!("default config: {e}"),
        }
    }
}
