//! The `girder` command: serve (default), migrate, operator, demo-data, licence, schedule.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use girder::app::server::{self, StartError};
use girder::config::Config;
use girder::fixtures::bench::BenchDb;
use girder::fixtures::bench::http::{self, Load, Volume};

#[derive(Parser)]
#[command(name = "girder", version, about = "Girder 工程管理系统")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage platform operators.
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// Create the demo company (idempotent) and print its sign-in.
    DemoData,
    /// Schedule a network in the `input.json` format of `../shared/scheduling/` and print
    /// the result as JSON with `expected.json`'s field names.
    Schedule {
        /// The network file.
        file: PathBuf,
    },
    /// Measure the Plans speed targets: scheduling 10,000 tasks, rendering a 2,000-task
    /// Gantt, and saving a task edit in a 2,000-task project (needs the database).
    Bench {
        #[command(subcommand)]
        target: Option<BenchTarget>,
    },
    /// Vendor tools for licence keys.
    Licence {
        #[command(subcommand)]
        command: LicenceCommand,
    },
}

#[derive(Subcommand)]
enum BenchTarget {
    /// Labour tallies: generate 50 projects, 200 crews, 5,000 workers and about 1,000,000
    /// ticket lines over two years in a scratch company, then time a 10,000-row tickets
    /// import and the summaries. The company is deleted afterwards unless --keep.
    Labour {
        /// Keep the scratch company and print a sign-in, to look at the data.
        #[arg(long)]
        keep: bool,
        /// About how many ticket lines to generate.
        #[arg(long, default_value_t = 1_000_000)]
        lines: u64,
    },
    /// Cost centre: the Labour benchmark's company plus 2,000,000 cost entries and two
    /// budget versions per project, then time a project's cost report and the dashboard's
    /// panel across all projects. The company is deleted afterwards unless --keep.
    Cost {
        /// Keep the scratch company and print a sign-in, to look at the data.
        #[arg(long)]
        keep: bool,
        /// How many cost entries to generate.
        #[arg(long, default_value_t = 2_000_000)]
        entries: i64,
    },
    /// Funds: 50 projects, 5,000 contracts, 10,000 applications, 50,000 invoices and
    /// 500,000 receipts and payments, then time a project's funds page and the company
    /// cash-flow overview. The company is deleted afterwards unless --keep.
    Funds {
        /// Keep the scratch company and print a sign-in, to look at the data.
        #[arg(long)]
        keep: bool,
        /// How many receipts and payments to generate.
        #[arg(long, default_value_t = 500_000)]
        movements: i64,
    },
    /// Every key page under load through HTTP: builds the labour, cost and funds benchmarks'
    /// data on one company plus a 2,000-task plan, starts the server as a child process and
    /// drives each page with --clients signed-in sessions for --seconds; prints requests/s,
    /// p50 and p99 per page and the server's peak memory. Deleted afterwards unless --keep.
    Http {
        /// Concurrent signed-in clients.
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Seconds of load per page.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Keep the company and print a sign-in.
        #[arg(long)]
        keep: bool,
        /// About how many ticket lines to generate.
        #[arg(long, default_value_t = 1_000_000)]
        lines: u64,
        /// How many cost entries to generate.
        #[arg(long, default_value_t = 2_000_000)]
        entries: i64,
        /// How many receipts and payments to generate.
        #[arg(long, default_value_t = 500_000)]
        movements: i64,
    },
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Create an operator (or reset their password). The password is read from
    /// GIRDER_OPERATOR_PASSWORD or the first line of standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Operator")]
        name: String,
    },
}

#[derive(Subcommand)]
enum LicenceCommand {
    /// Make a new Ed25519 key pair: the private key goes to a file, the public key is printed.
    Keygen {
        #[arg(long, default_value = "licence-private.key")]
        out: PathBuf,
    },
    /// Sign a licence key for a tenant.
    Issue {
        #[arg(long)]
        private_key: PathBuf,
        #[arg(long)]
        tenant: i64,
        #[arg(long)]
        seats: i32,
        /// Comma-separated: plans,progress,cost,funds,labour,changes
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "plans,progress,cost,funds,labour,changes"
        )]
        modules: Vec<String>,
        /// Last day of validity (YYYY-MM-DD); omit for a perpetual licence.
        #[arg(long)]
        expires: Option<chrono::NaiveDate>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    girder::telemetry::init(cli.config.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(StartError::NoDatabase) => {
            eprintln!("{}", StartError::NoDatabase);
            ExitCode::from(2)
        }
        Err(StartError::Other(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), StartError> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::serve(cli.config).await,
        Command::Migrate => with_database(&cli.config, |_| async { Ok(()) }).await,
        Command::DemoData => {
            with_database(&cli.config, |dbs| async move {
                let login = girder::fixtures::demo::ensure(&dbs.app)
                    .await
                    .map_err(anyhow::Error::from)?;
                println!("Demo login: {}  password: {}", login.email, login.password);
                Ok(())
            })
            .await
        }
        Command::Operator {
            command: OperatorCommand::Create { email, name },
        } => {
            let password = match std::env::var("GIRDER_OPERATOR_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("Password for {email}:");
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .map_err(anyhow::Error::from)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            if password.chars().count() < girder::auth::password::MIN_LEN {
                return Err(anyhow::anyhow!("the password needs at least 10 characters").into());
            }
            let email = email.trim().to_lowercase();
            with_database(&cli.config, |dbs| async move {
                let hash = girder::auth::password::hash(password)
                    .await
                    .map_err(anyhow::Error::from)?;
                girder::db::cross_tenant::upsert_operator(&dbs.app, &email, &name, &hash)
                    .await
                    .map_err(anyhow::Error::from)?;
                println!("Operator {email} can sign in at /platform/login");
                Ok(())
            })
            .await
        }
        Command::Licence { command } => licence(command).map_err(StartError::Other),
        Command::Bench {
            target: Some(BenchTarget::Labour { keep, lines }),
        } => {
            with_database(&cli.config, |dbs| async move {
                let size = girder::fixtures::bench::labour::Size {
                    lines,
                    ..Default::default()
                };
                for line in girder::fixtures::bench::labour::bench(&dbs, size, keep)
                    .await
                    .map_err(anyhow::Error::from)?
                {
                    println!("{line}");
                }
                Ok(())
            })
            .await
        }
        Command::Bench {
            target: Some(BenchTarget::Cost { keep, entries }),
        } => {
            with_database(&cli.config, |dbs| async move {
                for line in girder::fixtures::bench::cost::bench(&dbs, entries, keep)
                    .await
                    .map_err(anyhow::Error::from)?
                {
                    println!("{line}");
                }
                Ok(())
            })
            .await
        }
        Command::Bench {
            target: Some(BenchTarget::Funds { keep, movements }),
        } => {
            with_database(&cli.config, |dbs| async move {
                for line in girder::fixtures::bench::funds::bench(&dbs, movements, keep)
                    .await
                    .map_err(anyhow::Error::from)?
                {
                    println!("{line}");
                }
                Ok(())
            })
            .await
        }
        Command::Bench {
            target:
                Some(BenchTarget::Http {
                    clients,
                    seconds,
                    keep,
                    lines,
                    entries,
                    movements,
                }),
        } => {
            let load = Load {
                clients: clients.max(1),
                duration: std::time::Duration::from_secs(seconds.max(1)),
            };
            let volume = Volume {
                labour_lines: lines,
                cost_entries: entries,
                fund_movements: movements,
            };
            with_database(&cli.config, |dbs| async move {
                bench_http(dbs, load, volume, keep).await
            })
            .await
        }
        Command::Bench { target: None } => {
            for line in girder::fixtures::bench::pure() {
                println!("{line}");
            }
            with_database(&cli.config, |dbs| async move {
                println!(
                    "{}",
                    girder::fixtures::bench::edit(&dbs)
                        .await
                        .map_err(anyhow::Error::from)?
                );
                Ok(())
            })
            .await
        }
        Command::Schedule { file } => {
            let json = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let out = girder::schedule::oracle::run(&json)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            println!("{out}");
            Ok(())
        }
    }
}

/// Open the database (migrating it), run `f`, and stop a private cluster afterwards.
async fn with_database<F, Fut>(config: &Config, f: F) -> Result<(), StartError>
where
    F: FnOnce(BenchDb) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let database = server::open_database(config).await?;
    let dbs = BenchDb {
        app: database.db.clone(),
        owner: girder::db::Db::connect_lazy(&database.owner_url)?,
        app_url: database.url.clone(),
        owner_url: database.owner_url.clone(),
    };
    let result = f(dbs).await;
    if let Some(cluster) = database.embedded {
        tokio::task::spawn_blocking(move || cluster.stop())
            .await
            .ok();
    }
    result.map_err(StartError::Other)
}

/// `girder bench http`: builds the company, serves it from a child process and drives it.
async fn bench_http(dbs: BenchDb, load: Load, volume: Volume, keep: bool) -> anyhow::Result<()> {
    let (company, report) = http::company(&dbs, volume).await?;
    for line in report {
        println!("{line}");
    }
    let driven = serve_and_drive(&dbs, &company, load).await;
    if keep {
        println!(
            "kept: sign in as {} with password {} (tenant {})",
            company.email, company.password, company.data.tenant.0
        );
    } else {
        girder::fixtures::bench::labour::delete(&dbs.owner, company.data.tenant).await?;
    }
    for line in driven? {
        println!("{line}");
    }
    Ok(())
}

/// Starts `girder serve` on a free port against the bench's database, waits for it to
/// answer, drives the pages and stops it.
async fn serve_and_drive(
    dbs: &BenchDb,
    company: &http::Company,
    load: Load,
) -> anyhow::Result<Vec<String>> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = tokio::process::Command::new(std::env::current_exe()?)
        .arg("serve")
        .env("DATABASE_URL", &dbs.app_url)
        .env("MIGRATE_DATABASE_URL", &dbs.owner_url)
        .env("GIRDER_BIND", format!("127.0.0.1:{port}"))
        .env("GIRDER_BASE_URL", &base)
        // The bench signs every client in from one address.
        .env("GIRDER_AUTH_RATE_PER_MINUTE", "100000")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let pid = server.id();
    let ready = wait_until_serving(&format!("127.0.0.1:{port}")).await;
    let driven = match ready {
        Ok(()) => {
            http::drive(
                &base,
                &company.email,
                &company.password,
                &http::pages(company),
                load,
                pid,
            )
            .await
        }
        Err(e) => Err(e),
    };
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGTERM,
        )
        .ok();
    }
    server.wait().await.ok();
    driven
}

/// Waits up to a minute for the server to accept connections.
async fn wait_until_serving(address: &str) -> anyhow::Result<()> {
    for _ in 0..600 {
        if tokio::net::TcpStream::connect(address).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("the bench server did not start at {address}")
}

fn licence(command: LicenceCommand) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    match command {
        LicenceCommand::Keygen { out } => {
            let (private, public) = girder::licence::generate_keypair()?;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&out)
                .map_err(|e| anyhow::anyhow!("creating {}: {e}", out.display()))?;
            writeln!(f, "{private}")?;
            println!("Private key written to {} (keep it secret).", out.display());
            println!("GIRDER_LICENSE_PUBLIC_KEY={public}");
        }
        LicenceCommand::Issue {
            private_key,
            tenant,
            seats,
            modules,
            expires,
        } => {
            let text = std::fs::read_to_string(&private_key)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", private_key.display()))?;
            let key = girder::licence::parse_signing_key(&text)?;
            for m in &modules {
                anyhow::ensure!(
                    girder::roles::ModuleId::parse(m).is_some(),
                    "unknown module {m}"
                );
            }
            anyhow::ensure!(seats > 0, "seats must be at least 1");
            let terms = girder::licence::LicenceTerms {
                key_id: girder::auth::token::random_secret()?[..16].to_owned(),
                tenant_id: tenant,
                seats,
                modules,
                expires_on: expires,
                issued_on: chrono::Utc::now().date_naive(),
            };
            println!("{}", girder::licence::sign(&terms, &key)?);
        }
    }
    Ok(())
}
