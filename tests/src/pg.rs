//! A PostgreSQL server of the test's own, to stop, restart and kill without touching the
//! machine's shared server: `initdb` into a temporary directory, `pg_ctl` on a free port.
//! Run as root, the server runs as user `postgres` (initdb refuses root).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::fs::effective_uid;

/// How `pg_ctl stop` ends the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopMode {
    /// Rolls back open transactions, disconnects clients, checkpoints.
    Fast,
    /// Stops every process at once; the next start recovers from the WAL.
    Immediate,
}

impl StopMode {
    fn arg(self) -> &'static str {
        match self {
            StopMode::Fast => "fast",
            StopMode::Immediate => "immediate",
        }
    }
}

/// Why PostgreSQL tests of the test's own server do not run in this pass, if they do not:
/// they run in the suite's PostgreSQL pass (`CONSULT_E2E_DATABASE_URL=postgres…`), where the
/// PostgreSQL binaries must be installed.
pub fn skip_reason() -> Option<String> {
    if !crate::suite_on_postgres() {
        return Some(
            "needs PostgreSQL: runs in the suite's PostgreSQL pass (CONSULT_E2E_DATABASE_URL=postgres://…)"
                .into(),
        );
    }
    None
}

/// The directory of `initdb` and `pg_ctl`: `CONSULT_E2E_PG_BIN`, else the newest
/// `/usr/lib/postgresql/*/bin`, else `pg_config --bindir`.
fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CONSULT_E2E_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    let out = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .expect("PostgreSQL binaries: set CONSULT_E2E_PG_BIN, or install them (pg_config)");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A PostgreSQL server in a temporary directory; stopped and removed on drop.
pub struct PgCluster {
    root: PathBuf,
    data: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl PgCluster {
    /// Creates and starts a server with `fsync=on` on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        let bin = bin_dir();
        let as_postgres = effective_uid() == Some(0);
        let root =
            std::env::temp_dir().join(format!("consult-e2e-pg-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(root.join("sock")).unwrap();
        let mut cluster = Self {
            data: root.join("data"),
            root,
            bin,
            port: 0,
            as_postgres,
        };
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&cluster.root)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown {} to postgres", cluster.root.display());
        }
        let data = cluster.data.to_string_lossy().into_owned();
        let (ok, said) = cluster
            .run(
                "initdb",
                &[
                    "-D",
                    &data,
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    // consultd refuses a C character type (Chinese would yield no trigrams).
                    "--locale=C.UTF-8",
                    "--no-sync",
                ],
            )
            .await;
        assert!(ok, "initdb failed: {said}");
        // A port found free may be taken before the server binds it: try a few.
        for attempt in 0..5 {
            cluster.port = free_port();
            let (ok, said) = cluster.pg_ctl_start().await;
            if ok {
                return cluster;
            }
            assert!(attempt < 4, "pg_ctl start failed: {said}");
        }
        unreachable!()
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs a PostgreSQL program (as user `postgres` when we are root): success and output.
    async fn run(&self, program: &str, args: &[&str]) -> (bool, String) {
        let exe = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = tokio::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            tokio::process::Command::new(&exe)
        };
        // pg_ctl's server inherits these: it must not hold our pipes open.
        let out = cmd
            .args(args)
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap_or_else(|e| panic!("run {}: {e}", exe.display()));
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    }

    fn options(&self) -> String {
        format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=on",
            self.port,
            self.root.join("sock").display()
        )
    }

    async fn pg_ctl_start(&self) -> (bool, String) {
        let data = self.data.to_string_lossy().into_owned();
        let log = self.root.join("server.log").to_string_lossy().into_owned();
        let options = self.options();
        self.run(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-o", &options, "-w", "-t", "60", "start",
            ],
        )
        .await
    }

    /// Stops the server and waits until it is down.
    pub async fn stop(&self, mode: StopMode) {
        let data = self.data.to_string_lossy().into_owned();
        let (ok, said) = self
            .run(
                "pg_ctl",
                &["-D", &data, "-m", mode.arg(), "-w", "-t", "60", "stop"],
            )
            .await;
        assert!(ok, "pg_ctl stop -m {}: {said}", mode.arg());
    }

    /// Starts the stopped (or killed) server again on the same port and waits until it accepts
    /// connections. After a kill, the old server's processes may hold on for a moment: a few
    /// tries, half a second apart.
    pub async fn start_again(&self) {
        let mut last = String::new();
        for _ in 0..20 {
            let (ok, said) = self.pg_ctl_start().await;
            if ok {
                return;
            }
            last = said;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!(
            "PostgreSQL did not start again: {last}\n{}",
            self.log_tail()
        );
    }

    /// `pg_ctl restart -m MODE`: stops and starts, waiting for both.
    pub async fn restart(&self, mode: StopMode) {
        let data = self.data.to_string_lossy().into_owned();
        let options = self.options();
        let log = self.root.join("server.log").to_string_lossy().into_owned();
        let (ok, said) = self
            .run(
                "pg_ctl",
                &[
                    "-D",
                    &data,
                    "-l",
                    &log,
                    "-o",
                    &options,
                    "-m",
                    mode.arg(),
                    "-w",
                    "-t",
                    "60",
                    "restart",
                ],
            )
            .await;
        assert!(
            ok,
            "pg_ctl restart -m {}: {said}\n{}",
            mode.arg(),
            self.log_tail()
        );
    }

    /// The process id of the postmaster, from `postmaster.pid`.
    pub fn postmaster_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.data.join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    /// Kills the postmaster with SIGKILL, as the OOM killer would, and waits until it is gone
    /// (its backends notice and end by themselves).
    pub async fn kill_postmaster(&self) {
        let pid = self.postmaster_pid().expect("a running postmaster");
        let ok = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -KILL {pid}");
        for _ in 0..200 {
            if !process_alive(pid) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("postmaster {pid} still alive 10 s after SIGKILL");
    }

    /// The end of the server's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.root.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data
    }
}

/// Whether `pid` is a live process (a zombie is not).
fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        // `pid (comm) S …`: the state follows the last parenthesis.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data.to_string_lossy().into_owned();
        let pg_ctl = self.bin.join("pg_ctl");
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&pg_ctl);
            c
        } else {
            Command::new(&pg_ctl)
        };
        let _ = cmd
            .args(["-D", &data, "-m", "immediate", "-w", "-t", "30", "stop"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Some(pid) = self.postmaster_pid()
            && process_alive(pid)
        {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
