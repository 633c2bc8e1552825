//! The archive of one consultation (Decree 713 art. 33): its whole record as named parts in one
//! file, with a manifest of SHA-256 hashes, checked offline down to the audit chain's links.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::{ChainVerifier, EventContent, Links};

/// The format name written into, and required of, every archive.
pub const FORMAT: &str = "consult-archive/1";

/// The part holding the audit events, checked link by link.
pub const AUDIT_PART: &str = "audit_events.json";

/// One named piece of the record, kept as its exact text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// e.g. `comments.json`, `feedback_reports/v1.json`.
    pub name: String,
    /// The text whose SHA-256 the manifest holds.
    pub content: String,
}

/// A part as listed in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Part name.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 (hex) of its UTF-8 bytes.
    pub sha256: String,
}

/// The archive file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Archive {
    /// Always `FORMAT`.
    pub format: String,
    /// `{consultation}` id.
    pub consultation_id: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Every part, in order.
    pub manifest: Vec<ManifestEntry>,
    /// SHA-256 of the manifest's JSON: quote it (e.g. in the archive register) to pin the file.
    pub manifest_sha256: String,
    /// The parts themselves.
    pub parts: Vec<Part>,
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn manifest_digest(manifest: &[ManifestEntry]) -> String {
    sha256(
        serde_json::to_string(manifest)
            .unwrap_or_default()
            .as_bytes(),
    )
}

/// Makes the archive of `parts`.
pub fn seal(consultation_id: &str, created_at: DateTime<Utc>, parts: Vec<Part>) -> Archive {
    let manifest: Vec<ManifestEntry> = parts
        .iter()
        .map(|p| ManifestEntry {
            name: p.name.clone(),
            bytes: p.content.len() as u64,
            sha256: sha256(p.content.as_bytes()),
        })
        .collect();
    Archive {
        format: FORMAT.to_owned(),
        consultation_id: consultation_id.to_owned(),
        created_at,
        manifest_sha256: manifest_digest(&manifest),
        manifest,
        parts,
    }
}

/// An audit event as stored, listed to auditors and written into archives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedEvent {
    /// Position in the log.
    pub id: i64,
    /// The consultation concerned (in an archive, always the archived one).
    pub consultation_id: Option<String>,
    /// Who acted.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// Subject.
    pub subject: String,
    /// JSON before.
    pub before: Option<String>,
    /// JSON after.
    pub after: Option<String>,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// Hash of the previous event of the same consultation.
    pub prev_hash: String,
    /// Hash of the previous event overall.
    pub global_prev_hash: String,
    /// SHA-256 of this event, chained after both.
    pub hash: String,
}

/// What a sound archive holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// `{consultation}` id.
    pub consultation_id: String,
    /// Parts checked.
    pub parts: usize,
    /// Audit events whose links held.
    pub audit_events: u64,
}

/// Checks an archive file: its format, every part against the manifest, the manifest against
/// its hash, and the audit chain of the consultation. Names the first thing found wrong.
pub fn verify(text: &str) -> Result<Verified, String> {
    let a: Archive = serde_json::from_str(text)
        .map_err(|e| format!("不是有效的归档文件 (not a readable archive): {e}"))?;
    if a.format != FORMAT {
        return Err(format!("归档格式 {} 无法识别 (unknown format)", a.format));
    }
    if manifest_digest(&a.manifest) != a.manifest_sha256 {
        return Err("清单与其哈希值不符 (the manifest does not match its hash)".to_owned());
    }
    if a.manifest.len() != a.parts.len() {
        return Err(format!(
            "清单列出 {} 个部分，文件含 {} 个 (manifest and parts differ in number)",
            a.manifest.len(),
            a.parts.len()
        ));
    }
    for (entry, part) in a.manifest.iter().zip(&a.parts) {
        if entry.name != part.name {
            return Err(format!(
                "部分 {} 不在清单所列位置 (part out of place)",
                part.name
            ));
        }
        if part.content.len() as u64 != entry.bytes
            || sha256(part.content.as_bytes()) != entry.sha256
        {
            return Err(format!(
                "部分 {} 与清单中的 SHA-256 不符：内容被改动 (part {} does not match the manifest)",
                part.name, part.name
            ));
        }
    }
    let audit = a
        .parts
        .iter()
        .find(|p| p.name == AUDIT_PART)
        .ok_or_else(|| format!("缺少 {AUDIT_PART} (no audit events)"))?;
    let events: Vec<ArchivedEvent> =
        serde_json::from_str(&audit.content).map_err(|e| format!("{AUDIT_PART} 无法读取: {e}"))?;
    let mut chain = ChainVerifier::new(false);
    for e in &events {
        let content = EventContent {
            consultation_id: e.consultation_id.as_deref(),
            actor: &e.actor,
            action: &e.action,
            subject: &e.subject,
            before: e.before.as_deref(),
            after: e.after.as_deref(),
            occurred_at: e.occurred_at,
        };
        let links = Links {
            prev_hash: e.prev_hash.clone(),
            global_prev_hash: e.global_prev_hash.clone(),
            hash: e.hash.clone(),
        };
        chain
            .check(e.id, &content, &links)
            .map_err(|b| format!("审计链在第 {} 条事件处断开：{}", b.event_id, b.problem))?;
    }
    Ok(Verified {
        consultation_id: a.consultation_id,
        parts: a.parts.len(),
        audit_events: chain.checked(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::audit::ChainHeads;

    fn archive() -> String {
        let mut heads = ChainHeads::default();
        let events: Vec<ArchivedEvent> = (1..=3)
            .map(|i| {
                let at = DateTime::from_timestamp(1_790_000_000 + i, 0).unwrap();
                let content = EventContent {
                    consultation_id: Some("C"),
                    actor: "officer-fgw",
                    action: "comment.answer",
                    subject: "consultations/C/comments/X",
                    before: None,
                    after: Some("{\"outcome\":\"ADOPTED\"}"),
                    occurred_at: at,
                };
                let l = heads.append(&content);
                ArchivedEvent {
                    id: i,
                    consultation_id: Some("C".into()),
                    actor: "officer-fgw".into(),
                    action: "comment.answer".into(),
                    subject: "consultations/C/comments/X".into(),
                    before: None,
                    after: Some("{\"outcome\":\"ADOPTED\"}".into()),
                    occurred_at: at,
                    prev_hash: l.prev_hash,
                    global_prev_hash: l.global_prev_hash,
                    hash: l.hash,
                }
            })
            .collect();
        let parts = vec![
            Part {
                name: "comments.json".into(),
                content: "[{\"content\":\"建议将过渡期延长至六个月\",\"contact\":\"13800138000\"}]"
                    .into(),
            },
            Part {
                name: AUDIT_PART.into(),
                content: serde_json::to_string_pretty(&events).unwrap(),
            },
        ];
        serde_json::to_string_pretty(&seal(
            "C",
            DateTime::from_timestamp(1_790_100_000, 0).unwrap(),
            parts,
        ))
        .unwrap()
    }

    #[test]
    fn a_sealed_archive_verifies() {
        let v = verify(&archive()).unwrap();
        assert_eq!((v.parts, v.audit_events), (2, 3));
    }

    #[test]
    fn changing_any_part_is_found() {
        let text = archive();
        let changed = text.replacen("六个月", "七个月", 1);
        assert!(verify(&changed).unwrap_err().contains("comments.json"));
        let changed = text.replacen("13800138000", "13800138001", 1);
        assert!(verify(&changed).unwrap_err().contains("comments.json"));
        let changed = text.replacen("\"consult-archive/1\"", "\"consult-archive/2\"", 1);
        assert!(verify(&changed).is_err());
        let changed = text.replacen("\"bytes\": ", "\"bytes\": 1", 1);
        assert!(verify(&changed).unwrap_err().contains("清单"));
    }

    #[test]
    fn an_audit_part_resealed_in_the_manifest_still_fails_its_chain() {
        let a: Archive = serde_json::from_str(&archive()).unwrap();
        let mut parts = a.parts.clone();
        parts[1].content = parts[1].content.replacen("officer-fgw", "officer-jtj", 1);
        let forged = serde_json::to_string(&seal("C", a.created_at, parts)).unwrap();
        let e = verify(&forged).unwrap_err();
        assert!(e.contains("审计链在第 1 条事件处断开"), "{e}");
    }
}
