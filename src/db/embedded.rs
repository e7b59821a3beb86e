//! A private PostgreSQL cluster started from the machine's own PostgreSQL binaries, so that
//! `cargo run` and `cargo test` need no database set up by hand.
//!
//! The server runs under a small `sh` watchdog that stops it (and, for throwaway clusters,
//! deletes its files) when our process goes away, however it goes away: a test binary never
//! runs destructors on statics, and a killed server must not leave an orphaned postmaster.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use nix::unistd::{Gid, Uid, User};

/// The superuser name of a private cluster.
pub const SUPERUSER: &str = "postgres";

/// A running private cluster.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    data_dir: PathBuf,
    port: u16,
    password: String,
    watchdog: Child,
}

/// Why no private cluster could be started.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "no PostgreSQL server binaries were found (looked at `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH)"
    )]
    NoBinaries,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The directory holding `initdb` and `postgres`.
pub fn find_bindir() -> Option<PathBuf> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    // Newest version first: /usr/lib/postgresql/17/bin before 15.
    let mut versioned: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .collect();
    versioned.sort_by_key(|v| std::cmp::Reverse(v.0));
    let from_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    from_pg_config
        .into_iter()
        .chain(versioned.into_iter().map(|(_, p)| p))
        .chain(from_path)
        .find(|dir| has_server(dir))
}

/// The system user the server runs as when we are root (PostgreSQL refuses to run as root).
fn run_as() -> anyhow::Result<Option<(Uid, Gid)>> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    let user = User::from_name(SUPERUSER)?
        .context("running as root needs a `postgres` system user to run PostgreSQL as")?;
    Ok(Some((user.uid, user.gid)))
}

fn command(bin: &Path, owner: Option<(Uid, Gid)>) -> Command {
    let mut cmd = Command::new(bin);
    if let Some((uid, gid)) = owner {
        cmd.uid(uid.as_raw()).gid(gid.as_raw());
    }
    cmd
}

fn random_password() -> anyhow::Result<String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("random bytes: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl EmbeddedPostgres {
    /// Start the cluster in `data_dir`, creating it first if it does not exist yet.
    /// With `throwaway`, its files are deleted when the owning process exits.
    pub fn start(data_dir: &Path, throwaway: bool) -> Result<Self, EmbeddedError> {
        let bindir = find_bindir().ok_or(EmbeddedError::NoBinaries)?;
        Ok(Self::start_with(&bindir, data_dir, throwaway)?)
    }

    fn start_with(bindir: &Path, data_dir: &Path, throwaway: bool) -> anyhow::Result<Self> {
        let owner = run_as()?;
        fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
        let data_dir = data_dir
            .canonicalize()
            .with_context(|| format!("resolving {}", data_dir.display()))?;
        let secret_file = data_dir.join("girder-superuser.secret");

        if !data_dir.join("PG_VERSION").exists() {
            let password = random_password()?;
            let pwfile = tempfile::NamedTempFile::new().context("temporary password file")?;
            fs::write(pwfile.path(), &password)?;
            if let Some((uid, gid)) = owner {
                nix::unistd::chown(&data_dir, Some(uid), Some(gid))?;
                nix::unistd::chown(pwfile.path(), Some(uid), Some(gid))?;
            }
            fs::set_permissions(&data_dir, fs::Permissions::from_mode(0o700))?;
            let out = command(&bindir.join("initdb"), owner)
                .arg("-D")
                .arg(&data_dir)
                .args([
                    "-U",
                    SUPERUSER,
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--auth=scram-sha-256",
                ])
                .arg(format!("--pwfile={}", pwfile.path().display()))
                .output()
                .context("running initdb")?;
            if !out.status.success() {
                bail!(
                    "initdb failed in {}: {}{}",
                    data_dir.display(),
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            let mut f = fs::File::create(&secret_file)?;
            f.set_permissions(fs::Permissions::from_mode(0o600))?;
            f.write_all(password.as_bytes())?;
        }
        let password = fs::read_to_string(&secret_file)
            .with_context(|| format!("reading {}", secret_file.display()))?
            .trim()
            .to_owned();

        let port = free_port()?;
        let log = data_dir.join("server.log");
        // The watchdog: start postgres, stop it when our pid is gone or when told to (TERM),
        // then optionally remove the cluster. /proc is checked, not `kill -0`, because the
        // watchdog runs as `postgres` and may not signal a root-owned parent.
        let script = r#"
            "$PGBIN/postgres" -D "$PGDATA" -p "$PGPORT" -c listen_addresses=127.0.0.1 \
                -c unix_socket_directories= -c max_connections=200 -c fsync="$PGFSYNC" \
                >>"$PGLOG" 2>&1 &
            pg=$!
            stop() { kill -INT "$pg" 2>/dev/null; wait "$pg"; [ "$THROWAWAY" = 1 ] && rm -rf "$PGDATA"; exit 0; }
            trap stop TERM INT
            while [ -d "/proc/$PARENT" ] && kill -0 "$pg" 2>/dev/null; do sleep 1; done
            stop
        "#;
        let watchdog = command(Path::new("/bin/sh"), owner)
            .arg("-c")
            .arg(script)
            .env("PGBIN", bindir)
            .env("PGDATA", &data_dir)
            .env("PGPORT", port.to_string())
            .env("PGLOG", &log)
            // Throwaway clusters trade durability for speed.
            .env("PGFSYNC", if throwaway { "off" } else { "on" })
            .env("PARENT", std::process::id().to_string())
            .env("THROWAWAY", if throwaway { "1" } else { "0" })
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Own process group: a Ctrl-C in the terminal reaches us, and we stop it in order.
            .process_group(0)
            .spawn()
            .context("starting postgres")?;
        let mut cluster = EmbeddedPostgres {
            data_dir,
            port,
            password,
            watchdog,
        };
        cluster.wait_until_ready(&log)?;
        Ok(cluster)
    }

    fn wait_until_ready(&mut self, log: &Path) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && fs::read_to_string(self.data_dir.join("postmaster.pid"))
                    .is_ok_and(|pid| pid.contains("ready"))
            {
                return Ok(());
            }
            if let Some(status) = self.watchdog.try_wait()? {
                bail!(
                    "postgres exited ({status}) before accepting connections; its log {}:\n{}",
                    log.display(),
                    fs::read_to_string(log).unwrap_or_default()
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "postgres did not accept connections within 60 s; see {}",
                    log.display()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A URL for `database` as the superuser.
    pub fn superuser_url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}:{}@127.0.0.1:{}/{database}",
            self.password, self.port
        )
    }

    /// A URL for `database` as `user` with `password`.
    pub fn url_for(&self, user: &str, password: &str, database: &str) -> String {
        format!(
            "postgres://{user}:{password}@127.0.0.1:{}/{database}",
            self.port
        )
    }

    /// The password kept beside the cluster, reused for the application role.
    pub fn secret(&self) -> &str {
        &self.password
    }

    /// Stop the server (fast shutdown) and wait for it.
    pub fn stop(mut self) {
        let pid = nix::unistd::Pid::from_raw(self.watchdog.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let _ = self.watchdog.wait();
    }
}
