//! A private PostgreSQL cluster started from the machine's own PostgreSQL binaries, so that
//! `cargo run` and `cargo test` need no database set up by hand.
//!
//! The server runs under a small `sh` supervisor. It restarts PostgreSQL whenever the
//! postmaster dies (crash recovery runs on start, and the pool reconnects by itself), and it
//! stops the server (and, for throwaway clusters, deletes its files) when our process goes
//! away, however it goes away: a test binary never runs destructors on statics, and a killed
//! Girder must not leave an orphaned postmaster.
//!
//! As root, PostgreSQL runs as the `postgres` system user. When that user cannot reach the
//! requested directory (a checkout in `/root`, mode 0700), the cluster is placed under
//! [`RELOCATED_BASE`] and the requested path becomes a symbolic link to it, so the next start
//! finds it again.

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

/// Where a cluster goes when the `postgres` user cannot reach the requested directory.
pub const RELOCATED_BASE: &str = "/var/lib/girder";

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
        // Our working directory may be closed to that user (a checkout in /root).
        cmd.uid(uid.as_raw()).gid(gid.as_raw()).current_dir("/");
    }
    cmd
}

/// The first of `dir` and its ancestors that `owner` cannot enter, if any. Asked of the
/// system by entering them as that user, so modes, groups and ACLs all count.
fn first_unreachable(dir: &Path, owner: (Uid, Gid)) -> anyhow::Result<Option<PathBuf>> {
    let mut chain: Vec<&Path> = dir.ancestors().collect();
    chain.reverse();
    let out = command(Path::new("/bin/sh"), Some(owner))
        .arg("-c")
        .arg(r#"for d; do cd -- "$d" 2>/dev/null || { printf '%s' "$d"; exit 1; }; done"#)
        .arg("sh")
        .args(&chain)
        .stdin(Stdio::null())
        .output()
        .context("checking which directories the postgres user can enter")?;
    Ok((!out.status.success())
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).as_ref())))
}

/// The directory under [`RELOCATED_BASE`] for a cluster requested at `requested`: readable,
/// and distinct for each requested path.
fn relocated_dir(requested: &Path) -> PathBuf {
    use sha2::{Digest, Sha256};
    let text = requested.to_string_lossy();
    let readable: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let readable = readable.trim_matches('-');
    let readable = &readable[readable.len().saturating_sub(48)..];
    let digest = Sha256::digest(text.as_bytes());
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    Path::new(RELOCATED_BASE).join(format!("{readable}-{hash}"))
}

/// What to do when the `postgres` user cannot reach the data directory and we cannot move it.
fn unreachable_help(requested: &Path, blocked: &Path, why: &str) -> String {
    format!(
        "Girder runs PostgreSQL as the `postgres` system user when it runs as root, and that user \
         cannot enter {blocked} (on the way to {requested}); {why}.\n\
         Do one of these:\n  \
         - set GIRDER_DATA_DIR to a directory that user can reach, e.g. GIRDER_DATA_DIR=/var/lib/girder/data\n  \
         - let it through: chmod o+x {blocked}\n  \
         - run Girder as an ordinary user, or set DATABASE_URL to a PostgreSQL of your own",
        blocked = blocked.display(),
        requested = requested.display(),
    )
}

/// The directory the cluster runs in: `requested`, or where its symbolic link points, or —
/// when the server's user cannot reach it — a new place under [`RELOCATED_BASE`], linked from
/// `requested` so the next start reuses it.
fn place(requested: &Path, owner: Option<(Uid, Gid)>) -> anyhow::Result<PathBuf> {
    let requested = std::path::absolute(requested)
        .with_context(|| format!("resolving {}", requested.display()))?;
    let dir = match fs::read_link(&requested) {
        // Relative link targets are relative to the link's directory.
        Ok(target) => requested
            .parent()
            .map_or_else(|| target.clone(), |p| p.join(&target)),
        Err(_) => requested.clone(),
    };
    let Some(owner) = owner else {
        return Ok(dir);
    };
    let parent = dir
        .parent()
        .with_context(|| format!("{} has no parent directory", dir.display()))?;
    fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let Some(blocked) = first_unreachable(parent, owner)? else {
        return Ok(dir);
    };
    if dir != requested {
        bail!(unreachable_help(
            &dir,
            &blocked,
            &format!("{} points there", requested.display())
        ));
    }
    let in_use = fs::read_dir(&requested).is_ok_and(|mut entries| entries.next().is_some());
    if in_use {
        bail!(unreachable_help(
            &requested,
            &blocked,
            "that directory already holds files, so Girder leaves it where it is"
        ));
    }

    let target = relocated_dir(&requested);
    let moved = (|| -> anyhow::Result<()> {
        if !Path::new(RELOCATED_BASE).exists() {
            fs::create_dir_all(RELOCATED_BASE)?;
            fs::set_permissions(RELOCATED_BASE, fs::Permissions::from_mode(0o755))?;
            // Owned by the server's user, so a throwaway cluster's supervisor can remove
            // its own directory.
            nix::unistd::chown(RELOCATED_BASE, Some(owner.0), Some(owner.1))?;
        }
        fs::create_dir_all(&target)?;
        if requested.exists() {
            // An empty directory left by an earlier start that failed here.
            fs::remove_dir(&requested)?;
        }
        std::os::unix::fs::symlink(&target, &requested)?;
        Ok(())
    })();
    if let Err(e) = moved {
        bail!(unreachable_help(
            &requested,
            &blocked,
            &format!(
                "placing the cluster in {} instead failed: {e:#}",
                target.display()
            )
        ));
    }
    tracing::warn!(
        requested = %requested.display(),
        cluster = %target.display(),
        blocked = %blocked.display(),
        "the postgres user cannot enter {}; the private cluster lives in {} instead \
         ({} links to it)",
        blocked.display(),
        target.display(),
        requested.display()
    );
    Ok(target)
}

/// The cluster's PostgreSQL major version, from its `PG_VERSION` file (0 if unreadable).
fn major_version(data_dir: &Path) -> u32 {
    fs::read_to_string(data_dir.join("PG_VERSION"))
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
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

/// The supervisor, run by `sh`: start postgres; whenever it dies after it was once ready,
/// start it again on the same port (a new postmaster refuses to start while backends of the
/// killed one are still attached to its shared memory; they exit within moments, so retry
/// with a short backoff); stop it when our pid is gone or when told to (TERM), then
/// optionally remove the cluster. A postmaster that never became ready is not retried: its
/// log says why, and start-up reports it. /proc is checked, not `kill -0`, because the
/// supervisor runs as `postgres` and may not signal a root-owned parent.
const SUPERVISOR: &str = r#"
    run() {
        "$PGBIN/postgres" -D "$PGDATA" -p "$PGPORT" -c listen_addresses=127.0.0.1 \
            -c unix_socket_directories= -c max_connections=200 -c fsync="$PGFSYNC" \
            ${PGINITSYNC:+-c recovery_init_sync_method=$PGINITSYNC} >>"$PGLOG" 2>&1 &
        pg=$!
        ready=0
    }
    # Whether this postmaster wrote "ready" as the status line of postmaster.pid.
    is_ready() {
        set -- $(sed -n '1p;8p' "$PGDATA/postmaster.pid" 2>/dev/null)
        [ "$1" = "$pg" ] && [ "$2" = ready ]
    }
    stop() {
        trap - TERM INT
        kill -INT "$pg" 2>/dev/null
        wait "$pg"
        [ "$THROWAWAY" = 1 ] && rm -rf "$PGDATA"
        exit "${1:-0}"
    }
    trap stop TERM INT
    run
    ever_ready=0
    failures=0
    while [ -d "/proc/$PARENT" ]; do
        sleep 0.2
        if kill -0 "$pg" 2>/dev/null; then
            if [ "$ready" = 0 ] && is_ready; then
                ready=1; ever_ready=1; failures=0
            fi
            continue
        fi
        wait "$pg"
        code=$?
        [ "$ever_ready" = 1 ] || stop 1
        failures=$((failures + 1))
        echo "girder supervisor: postgres (pid $pg) exited with status $code; starting it again (attempt $failures)" >>"$PGLOG"
        case $failures in
            1) ;;
            2) sleep 0.3 ;;
            3) sleep 0.5 ;;
            4) sleep 1 ;;
            *) sleep 2 ;;
        esac
        run
    done
    stop
"#;

impl EmbeddedPostgres {
    /// Start the cluster in `data_dir`, creating it first if it does not exist yet.
    /// With `throwaway`, its files are deleted when the owning process exits.
    pub fn start(data_dir: &Path, throwaway: bool) -> Result<Self, EmbeddedError> {
        let bindir = find_bindir().ok_or(EmbeddedError::NoBinaries)?;
        Ok(Self::start_with(&bindir, data_dir, throwaway)?)
    }

    fn start_with(bindir: &Path, requested: &Path, throwaway: bool) -> anyhow::Result<Self> {
        let owner = run_as()?;
        let data_dir = place(requested, owner)?;
        fs::create_dir_all(&data_dir)
            .with_context(|| format!("creating {}", data_dir.display()))?;
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
        let watchdog = command(Path::new("/bin/sh"), owner)
            .arg("-c")
            .arg(SUPERVISOR)
            .env("PGBIN", bindir)
            .env("PGDATA", &data_dir)
            .env("PGPORT", port.to_string())
            .env("PGLOG", &log)
            // Throwaway clusters trade durability for speed; a real one keeps every
            // acknowledged write.
            .env("PGFSYNC", if throwaway { "off" } else { "on" })
            // Before crash recovery PostgreSQL makes the whole cluster durable. File by file
            // (the default) that took 5-6 s on a busy disk, one syncfs() per file system
            // 0.4-1.6 s (PostgreSQL 14 and later, Linux; as safe since Linux 5.8).
            .env(
                "PGINITSYNC",
                if major_version(&data_dir) >= 14 {
                    "syncfs"
                } else {
                    ""
                },
            )
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

    /// The directory the cluster runs in (after following or creating a relocation link).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The TCP port it listens on (127.0.0.1), the same across supervisor restarts.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The current postmaster's process id, from `postmaster.pid`.
    pub fn postmaster_pid(&self) -> Option<i32> {
        fs::read_to_string(self.data_dir.join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    /// The supervisor's process id.
    pub fn supervisor_pid(&self) -> u32 {
        self.watchdog.id()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relocated_cluster_is_named_after_its_requested_path() {
        let a = relocated_dir(Path::new("/root/girder/data/postgres"));
        assert_eq!(a, relocated_dir(Path::new("/root/girder/data/postgres")));
        assert!(a.starts_with(RELOCATED_BASE));
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("root-girder-data-postgres-"), "{name}");
        // Paths that read the same once slashes become dashes still get their own place.
        assert_ne!(a, relocated_dir(Path::new("/root/girder-data/postgres")));
        let long = format!("/{}/postgres", "x".repeat(300));
        let name = relocated_dir(Path::new(&long));
        assert!(name.file_name().unwrap().len() <= 48 + 9);
    }
}
