//! `consultd backup --out FILE`: a copy of the database taken while the service runs, checked
//! before it is kept. SQLite is copied online from one snapshot (`VACUUM INTO`) and the copy is
//! opened and its audit chains verified; PostgreSQL is dumped with `pg_dump` (custom format,
//! one snapshot) and the dump's table of contents read back with `pg_restore --list`. The file
//! appears only whole: it is written beside the target and renamed once checked, and an
//! existing file is never overwritten.

use std::path::{Path, PathBuf};

use consult_store::DbBackend;
use consult_store::Store;

use crate::app::{StartupError, load_private_data_keys};
use crate::settings::Settings;

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupDone {
    /// The file written.
    pub file: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// SQLite: audit events verified in the copy; PostgreSQL: table-data entries in the dump.
    pub checked: u64,
}

fn config(e: impl std::fmt::Display) -> StartupError {
    StartupError::Config(e.to_string())
}

/// Writes a checked backup of the settings' database to `out`.
pub async fn backup(settings: &Settings, out: &Path) -> Result<BackupDone, StartupError> {
    if out.exists() {
        return Err(config(format!(
            "{} 已存在，不会覆盖 (the file exists; it is never overwritten)",
            out.display()
        )));
    }
    let partial = out.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let keys = load_private_data_keys(settings)?;
    let store = Store::open(&settings.database_url, keys.clone()).await?;
    let checked = match store.backend() {
        DbBackend::Sqlite => {
            store.copy_sqlite_into(&partial).await?;
            store.close().await?;
            // The copy must open (migrated, every sealing key present) and its chains hold.
            let copy = Store::open(&format!("sqlite://{}", partial.display()), keys).await;
            let verified = match copy {
                Ok(copy) => {
                    let found = copy.verify_audit(None).await;
                    copy.close().await?;
                    found?
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&partial);
                    return Err(e.into());
                }
            };
            if let Some(b) = verified.broken {
                let _ = std::fs::remove_file(&partial);
                return Err(config(format!(
                    "副本的审计日志在第 {} 条事件处断链（{}）：{} (the copy's audit log is broken)",
                    b.event_id, b.chain, b.problem
                )));
            }
            verified.checked
        }
        _ => {
            store.close().await?;
            dump_postgres(&settings.database_url, &partial).await?
        }
    };
    std::fs::rename(&partial, out).map_err(config)?;
    let bytes = std::fs::metadata(out).map_err(config)?.len();
    Ok(BackupDone {
        file: out.to_owned(),
        bytes,
        checked,
    })
}

/// `pg_dump --format=custom` of `url` into `file`, then `pg_restore --list` of it: the dump
/// must name the data of the audit log and of the comments, or it is not kept.
async fn dump_postgres(url: &str, file: &Path) -> Result<u64, StartupError> {
    let dumped = tokio::process::Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(file)
        .arg(url)
        .status()
        .await
        .map_err(|e| {
            config(format!(
                "pg_dump: {e} (is the PostgreSQL client installed?)"
            ))
        })?;
    if !dumped.success() {
        let _ = std::fs::remove_file(file);
        return Err(config(format!("pg_dump failed: {dumped}")));
    }
    let listed = tokio::process::Command::new("pg_restore")
        .arg("--list")
        .arg(file)
        .output()
        .await
        .map_err(|e| config(format!("pg_restore: {e}")))?;
    let contents = String::from_utf8_lossy(&listed.stdout);
    let data: Vec<&str> = contents
        .lines()
        .filter(|l| l.contains("TABLE DATA"))
        .collect();
    let holds = |table: &str| data.iter().any(|l| l.contains(&format!(" {table} ")));
    if !listed.status.success() || !holds("audit_events") || !holds("comments") {
        let _ = std::fs::remove_file(file);
        return Err(config(
            "pg_restore --list 读不出转储中的审计日志或意见数据 (the dump lacks the audit log or the comments)",
        ));
    }
    Ok(data.len() as u64)
}
