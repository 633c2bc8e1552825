//! A small filesystem that fills up: a size-limited tmpfs, mounted for one test and grown
//! while it is in use. Mounting needs root.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The effective user id of this process, from `/proc/self/status`.
pub fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    // Real, effective, saved, filesystem.
    line.split_whitespace().nth(2)?.parse().ok()
}

/// A tmpfs of a given size on a directory of its own, unmounted and removed on drop.
/// Stop every process using it before it drops (declare it before them).
pub struct SmallFs {
    dir: PathBuf,
}

impl SmallFs {
    /// Mounts a tmpfs of `kib` KiB, or says why it cannot (not root, no mount).
    pub fn mount(kib: u64) -> Result<Self, String> {
        if effective_uid() != Some(0) {
            return Err("mounting a tmpfs needs root".into());
        }
        let dir =
            std::env::temp_dir().join(format!("consult-e2e-fs-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={kib}k,mode=0755"),
                "tmpfs",
            ])
            .arg(&dir)
            .output()
            .map_err(|e| format!("run mount: {e}"))?;
        if !out.status.success() {
            let _ = std::fs::remove_dir(&dir);
            return Err(format!(
                "mount -t tmpfs failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Self { dir })
    }

    /// The mounted directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Changes the size to `kib` KiB while files stay open (more than is used).
    pub fn resize(&self, kib: u64) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,size={kib}k")])
            .arg(&self.dir)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "remount {} to {kib} KiB: {}",
            self.dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Bytes used and bytes available, as `df` reports them.
    pub fn usage(&self) -> (u64, u64) {
        let out = Command::new("df")
            .args(["-B1", "--output=used,avail"])
            .arg(&self.dir)
            .output()
            .expect("run df");
        let text = String::from_utf8_lossy(&out.stdout);
        let numbers: Vec<u64> = text
            .lines()
            .nth(1)
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        assert_eq!(numbers.len(), 2, "df printed {text:?}");
        (numbers[0], numbers[1])
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let unmounted = Command::new("umount")
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            // Something still holds a file: detach it now, it goes when they let go.
            let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        }
        let _ = std::fs::remove_dir(&self.dir);
    }
}
