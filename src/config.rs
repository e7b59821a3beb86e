//! Settings from the environment (or the same flags on the command line), in one typed struct.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use crate::i18n::{self, Locale};

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

    /// Sign-ups, password-reset requests and failed sign-ins allowed per client address per
    /// minute.
    #[arg(long, env = "GIRDER_AUTH_RATE_PER_MINUTE", default_value_t = 10)]
    pub auth_rate_per_minute: u32,

    /// Answer every request with `X-Db-Statements`, how many statements it sent through its
    /// tenant transaction (for tests and benchmarks; `/metrics` has them per route anyway).
    #[arg(long, env = "GIRDER_STATEMENT_HEADER", default_value_t = false)]
    pub statement_header: bool,

    /// Failed sign-ins allowed per account (from any address) per `signin_account_window_minutes`.
    #[arg(long, env = "GIRDER_SIGNIN_ACCOUNT_LIMIT", default_value_t = 10)]
    pub signin_account_limit: u32,

    /// The window of `signin_account_limit`, in minutes (at most a day).
    #[arg(
        long,
        env = "GIRDER_SIGNIN_ACCOUNT_WINDOW_MINUTES",
        default_value_t = 15
    )]
    pub signin_account_window_minutes: u32,

    /// Reverse proxies (addresses or CIDR blocks, comma-separated) whose `X-Forwarded-For`
    /// names the client. Unset: the connection's own address is the client's.
    #[arg(long, env = "GIRDER_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpNetwork>,

    /// Bearer token `/metrics` requires. Unset: `/metrics` is refused.
    #[arg(long, env = "GIRDER_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "GIRDER_BODY_LIMIT", default_value_t = 2 * 1024 * 1024)]
    pub body_limit: usize,

    /// What one upload or import may make the server read, unpack or decode.
    #[command(flatten)]
    pub limits: UploadLimits,
}

/// How much one upload or import may make the server do: every file is checked against
/// these before it is expanded, so no request can take more than about 256 MB of memory
/// with the defaults. Each limit is named, with its variable, in the message of a refused file.
#[derive(clap::Args, Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UploadLimits {
    /// Data rows of a workers or tickets import (XLSX or CSV).
    #[arg(long, env = "GIRDER_IMPORT_MAX_ROWS", default_value_t = UploadLimits::DEFAULT.import_max_rows)]
    pub import_max_rows: u64,

    /// Columns of an import sheet: no cell, nor the sheet's declared size, may lie beyond.
    #[arg(long, env = "GIRDER_IMPORT_MAX_COLUMNS", default_value_t = UploadLimits::DEFAULT.import_max_columns)]
    pub import_max_columns: u64,

    /// Cells holding a value in an import sheet, and distinct strings in its workbook.
    #[arg(long, env = "GIRDER_IMPORT_MAX_CELLS", default_value_t = UploadLimits::DEFAULT.import_max_cells)]
    pub import_max_cells: u64,

    /// Megabytes of text in the cells of an import, once read.
    #[arg(long, env = "GIRDER_IMPORT_MAX_TEXT_MB", default_value_t = UploadLimits::DEFAULT.import_max_text_mb)]
    pub import_max_text_mb: u64,

    /// Megabytes one part of an XLSX workbook (a zip entry) may unpack to.
    #[arg(long, env = "GIRDER_IMPORT_MAX_PART_MB", default_value_t = UploadLimits::DEFAULT.import_max_part_mb)]
    pub import_max_part_mb: u64,

    /// Megabytes a whole XLSX workbook may unpack to.
    #[arg(long, env = "GIRDER_IMPORT_MAX_UNPACKED_MB", default_value_t = UploadLimits::DEFAULT.import_max_unpacked_mb)]
    pub import_max_unpacked_mb: u64,

    /// Tasks of an MS Project XML import.
    #[arg(long, env = "GIRDER_IMPORT_MAX_TASKS", default_value_t = UploadLimits::DEFAULT.import_max_tasks)]
    pub import_max_tasks: u64,

    /// Predecessor links of an MS Project XML import.
    #[arg(long, env = "GIRDER_IMPORT_MAX_LINKS", default_value_t = UploadLimits::DEFAULT.import_max_links)]
    pub import_max_links: u64,

    /// Calendar exceptions (holidays, make-up days, old-style exception days) of an MS
    /// Project XML import.
    #[arg(long, env = "GIRDER_IMPORT_MAX_CALENDAR_EXCEPTIONS", default_value_t = UploadLimits::DEFAULT.import_max_calendar_exceptions)]
    pub import_max_calendar_exceptions: u64,

    /// Megapixels of an uploaded photo.
    #[arg(long, env = "GIRDER_UPLOAD_MAX_MEGAPIXELS", default_value_t = UploadLimits::DEFAULT.upload_max_megapixels)]
    pub upload_max_megapixels: u64,

    /// Megabytes a photo may take once decoded (40 megapixels of 8-bit RGBA are 160 MB).
    #[arg(long, env = "GIRDER_UPLOAD_MAX_DECODED_MB", default_value_t = UploadLimits::DEFAULT.upload_max_decoded_mb)]
    pub upload_max_decoded_mb: u64,
}

/// One limit of [`UploadLimits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    ImportRows,
    ImportColumns,
    ImportCells,
    ImportTextMb,
    ImportPartMb,
    ImportUnpackedMb,
    ImportTasks,
    ImportLinks,
    ImportCalendarExceptions,
    UploadMegapixels,
    UploadDecodedMb,
}

impl Limit {
    /// The environment variable that sets it.
    pub fn variable(self) -> &'static str {
        match self {
            Limit::ImportRows => "GIRDER_IMPORT_MAX_ROWS",
            Limit::ImportColumns => "GIRDER_IMPORT_MAX_COLUMNS",
            Limit::ImportCells => "GIRDER_IMPORT_MAX_CELLS",
            Limit::ImportTextMb => "GIRDER_IMPORT_MAX_TEXT_MB",
            Limit::ImportPartMb => "GIRDER_IMPORT_MAX_PART_MB",
            Limit::ImportUnpackedMb => "GIRDER_IMPORT_MAX_UNPACKED_MB",
            Limit::ImportTasks => "GIRDER_IMPORT_MAX_TASKS",
            Limit::ImportLinks => "GIRDER_IMPORT_MAX_LINKS",
            Limit::ImportCalendarExceptions => "GIRDER_IMPORT_MAX_CALENDAR_EXCEPTIONS",
            Limit::UploadMegapixels => "GIRDER_UPLOAD_MAX_MEGAPIXELS",
            Limit::UploadDecodedMb => "GIRDER_UPLOAD_MAX_DECODED_MB",
        }
    }

    /// The message saying the file is over it; `{max}` and `{variable}` are filled in.
    pub fn message_key(self) -> &'static str {
        match self {
            Limit::ImportRows => "upload_limits.rows",
            Limit::ImportColumns => "upload_limits.columns",
            Limit::ImportCells => "upload_limits.cells",
            Limit::ImportTextMb => "upload_limits.text",
            Limit::ImportPartMb => "upload_limits.part",
            Limit::ImportUnpackedMb => "upload_limits.unpacked",
            Limit::ImportTasks => "upload_limits.tasks",
            Limit::ImportLinks => "upload_limits.links",
            Limit::ImportCalendarExceptions => "upload_limits.calendar_exceptions",
            Limit::UploadMegapixels => "upload_limits.megapixels",
            Limit::UploadDecodedMb => "upload_limits.decoded",
        }
    }
}

/// A file over one of the limits: the limit, its value, and where in the file it was
/// passed (a cell such as `XFD1048576`, a part name), when that helps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverLimit {
    pub limit: Limit,
    pub max: u64,
    pub at: String,
}

impl OverLimit {
    /// The message for the upload form: what was over which limit, the variable that sets
    /// it, and where in the file.
    pub fn message(&self, locale: Locale) -> String {
        let mut s = i18n::tf(
            locale,
            self.limit.message_key(),
            &[("max", &self.max), ("variable", &self.limit.variable())],
        );
        if !self.at.is_empty() {
            s.push_str(&i18n::tf(locale, "upload_limits.at", &[("at", &self.at)]));
        }
        s
    }
}

const MB: u64 = 1024 * 1024;

impl UploadLimits {
    /// The defaults: about 256 MB of memory at most for one request.
    pub const DEFAULT: UploadLimits = UploadLimits {
        import_max_rows: 100_000,
        import_max_columns: 100,
        import_max_cells: 1_500_000,
        import_max_text_mb: 32,
        import_max_part_mb: 64,
        import_max_unpacked_mb: 128,
        import_max_tasks: 20_000,
        import_max_links: 100_000,
        import_max_calendar_exceptions: 5_000,
        upload_max_megapixels: 40,
        upload_max_decoded_mb: 160,
    };

    /// The value of `limit`, in its own unit (rows, tasks, megapixels, megabytes).
    pub fn max(&self, limit: Limit) -> u64 {
        match limit {
            Limit::ImportRows => self.import_max_rows,
            Limit::ImportColumns => self.import_max_columns,
            Limit::ImportCells => self.import_max_cells,
            Limit::ImportTextMb => self.import_max_text_mb,
            Limit::ImportPartMb => self.import_max_part_mb,
            Limit::ImportUnpackedMb => self.import_max_unpacked_mb,
            Limit::ImportTasks => self.import_max_tasks,
            Limit::ImportLinks => self.import_max_links,
            Limit::ImportCalendarExceptions => self.import_max_calendar_exceptions,
            Limit::UploadMegapixels => self.upload_max_megapixels,
            Limit::UploadDecodedMb => self.upload_max_decoded_mb,
        }
    }

    /// The value of `limit` in the unit files are counted in: megabytes become bytes,
    /// megapixels pixels.
    pub fn max_count(&self, limit: Limit) -> u64 {
        let max = self.max(limit);
        match limit {
            Limit::ImportTextMb
            | Limit::ImportPartMb
            | Limit::ImportUnpackedMb
            | Limit::UploadDecodedMb => max.saturating_mul(MB),
            Limit::UploadMegapixels => max.saturating_mul(1_000_000),
            _ => max,
        }
    }

    /// `Err` when `count` (in the unit of [`UploadLimits::max_count`]) is over `limit`.
    pub fn check(
        &self,
        limit: Limit,
        count: u64,
        at: impl FnOnce() -> String,
    ) -> Result<(), OverLimit> {
        if count > self.max_count(limit) {
            Err(OverLimit {
                limit,
                max: self.max(limit),
                at: at(),
            })
        } else {
            Ok(())
        }
    }
}

/// An address or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNetwork {
    base: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    /// Whether `ip` lies in this block (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(base) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(base) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for IpNetwork {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let base: IpAddr = addr
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or CIDR block"))?;
        let base = base.to_canonical();
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
            None => max,
        };
        Ok(IpNetwork { base, prefix })
    }
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
                metrics_token: None,
                trusted_proxies: Vec::new(),
                ..w.config
            },
            Err(e) => panic!("default config: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_contain_their_addresses() {
        let net: IpNetwork = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(net.contains("::ffff:10.1.0.1".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        let one: IpNetwork = "192.0.2.7".parse().unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()));
        assert!(!one.contains("192.0.2.8".parse().unwrap()));
        let v6: IpNetwork = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:1::1".parse().unwrap()));
        assert!(!v6.contains("10.1.0.1".parse().unwrap()));
        let all: IpNetwork = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<IpNetwork>().is_err());
        assert!("proxy".parse::<IpNetwork>().is_err());
    }
}
