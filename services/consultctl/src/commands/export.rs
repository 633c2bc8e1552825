//! `consultctl comment export`: streams every comment of a consultation into a file. Pages of
//! `ListComments`, the largest the server gives, are written as they arrive while the next one
//! is fetched, so that the client holds a few pages whatever the number of comments; the bytes
//! are the same as rendering all the comments at once.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use consult_api::pb;
use tokio::sync::mpsc;

use super::Ctx;
use super::comments::{csv_header, csv_row, filter_request};
use crate::cli::{ExportCommentsArgs, FileFormat};
use crate::error::CliError;
use crate::output;

/// Comments per page: the most `ListComments` returns.
const PAGE: i32 = 1000;
/// Pages fetched but not yet written, at most: one being written, one waiting, one arriving.
const PAGES_AHEAD: usize = 2;

/// Runs `comment export`.
pub(super) async fn comments(ctx: &Ctx, a: ExportCommentsArgs) -> Result<(), CliError> {
    if a.format == FileFormat::Html {
        return Err(CliError::Usage(
            "意见只能导出为 CSV 或 JSON (comments export as csv or json)".to_owned(),
        ));
    }
    let base = filter_request(&a.consultation, &a.filter)?;
    let (file, sink): (Option<OutFile>, Box<dyn Write + Send>) = match &a.out {
        Some(path) => {
            let (file, handle) = OutFile::create(path)?;
            (Some(file), Box::new(handle))
        }
        None => (None, Box::new(std::io::stdout())),
    };
    let shown = a.out.clone().unwrap_or_else(|| PathBuf::from("<stdout>"));
    let (format, with_private) = (a.format, a.with_private);
    let (pages, mut arriving) = mpsc::channel::<Vec<pb::Comment>>(PAGES_AHEAD);
    // Writing runs on a thread of its own: the runtime has one, which meanwhile receives and
    // decodes the next page.
    let writer = std::thread::spawn(move || {
        let out = BufWriter::with_capacity(1 << 20, sink);
        let mut w = ExportWriter::new(out, format, with_private, shown);
        w.begin()?;
        while let Some(page) = arriving.blocking_recv() {
            w.page(&page)?;
        }
        w.finish().map(|(_, rows)| rows)
    });
    let fetched = fetch(ctx, base, &pages).await;
    drop(pages);
    let written = writer.join().unwrap_or_else(|_| {
        Err(CliError::Usage(
            "导出中断 (the export writer failed)".into(),
        ))
    });
    match (fetched, written) {
        (Ok(()), Ok(rows)) => {
            if let (Some(file), Some(path)) = (file, &a.out) {
                file.commit()?;
                eprintln!("已导出 {rows} 条意见到 {}", path.display());
            }
            Ok(())
        }
        (Err(e), _) | (_, Err(e)) => {
            if let Some(file) = file {
                file.abandon();
            }
            Err(e)
        }
    }
}

/// Sends every page of the list to the writer, requesting the next as soon as one arrives.
async fn fetch(
    ctx: &Ctx,
    base: pb::ListCommentsRequest,
    pages: &mpsc::Sender<Vec<pb::Comment>>,
) -> Result<(), CliError> {
    let mut client = ctx.comments();
    let mut token = String::new();
    loop {
        let page = client
            .list_comments(ctx.req(pb::ListCommentsRequest {
                page_size: PAGE,
                page_token: token,
                ..base.clone()
            }))
            .await?
            .into_inner();
        // A closed channel means the writer failed; its error is the one to report.
        if pages.send(page.comments).await.is_err() || page.next_page_token.is_empty() {
            return Ok(());
        }
        token = page.next_page_token;
    }
}

/// An export file that appears only whole: written under a temporary name beside it and
/// renamed at the end, so that a failed export leaves any earlier file as it was. A path that
/// is not a plain file (a pipe, `/dev/stdout`, a symbolic link) is written in place, as before.
pub(super) struct OutFile {
    path: PathBuf,
    partial: Option<PathBuf>,
}

impl OutFile {
    pub(super) fn create(path: &Path) -> Result<(Self, File), CliError> {
        let existing = std::fs::symlink_metadata(path).ok();
        let special = existing.as_ref().is_some_and(|m| !m.is_file());
        let partial = (!special).then(|| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            path.with_file_name(format!(".{name}.{}.partial", std::process::id()))
        });
        let target = partial.as_deref().unwrap_or(path);
        let handle = File::create(target).map_err(|e| CliError::io(path, e))?;
        // A file that replaces another keeps its permissions: an export with private fields
        // may have been made readable by its owner only.
        if let (Some(m), Some(p)) = (&existing, &partial)
            && m.is_file()
            && let Err(e) = std::fs::set_permissions(p, m.permissions())
        {
            let _ = std::fs::remove_file(p);
            return Err(CliError::io(path, e));
        }
        Ok((
            OutFile {
                path: path.to_owned(),
                partial,
            },
            handle,
        ))
    }

    pub(super) fn commit(self) -> Result<(), CliError> {
        match &self.partial {
            Some(p) => std::fs::rename(p, &self.path).map_err(|e| {
                let _ = std::fs::remove_file(p);
                CliError::io(&self.path, e)
            }),
            None => Ok(()),
        }
    }

    pub(super) fn abandon(self) {
        if let Some(p) = &self.partial {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Writes exported comments page by page: CSV (UTF-8 with BOM, the rows officers fill in and
/// import back), or JSON as one pretty-printed array of proto JSON followed by a line break.
pub(crate) struct ExportWriter<W: Write> {
    out: W,
    format: FileFormat,
    with_private: bool,
    /// Where the output goes, for error messages.
    shown: PathBuf,
    rows: usize,
    /// One page of text, reused from page to page.
    buf: String,
}

impl<W: Write> ExportWriter<W> {
    pub(crate) fn new(out: W, format: FileFormat, with_private: bool, shown: PathBuf) -> Self {
        ExportWriter {
            out,
            format,
            with_private,
            shown,
            rows: 0,
            buf: String::new(),
        }
    }

    /// The CSV's byte-order mark and header, or the JSON's opening bracket.
    pub(crate) fn begin(&mut self) -> Result<(), CliError> {
        match self.format {
            FileFormat::Json => self.buf.push('['),
            _ => csv_header(&mut self.buf, self.with_private),
        }
        self.flush_buf()
    }

    pub(crate) fn page(&mut self, items: &[pb::Comment]) -> Result<(), CliError> {
        for c in items {
            match self.format {
                FileFormat::Json => self.json_element(c)?,
                _ => csv_row(&mut self.buf, c, self.with_private),
            }
            self.rows += 1;
        }
        self.flush_buf()
    }

    /// Ends the output: it, and the number of comments written.
    pub(crate) fn finish(mut self) -> Result<(W, usize), CliError> {
        if self.format == FileFormat::Json {
            // As `serde_json::to_string_pretty` ends an array: `[]`, or the last element's line
            // break and `]`.
            self.buf
                .push_str(if self.rows == 0 { "]\n" } else { "\n]\n" });
            self.flush_buf()?;
        }
        self.out.flush().map_err(|e| CliError::io(&self.shown, e))?;
        Ok((self.out, self.rows))
    }

    /// One element of the array, as `serde_json::to_string_pretty` prints it inside an array:
    /// on a line of its own, indented one level. Pretty JSON escapes line breaks inside strings,
    /// so every line break of the element's own text starts one of its lines.
    fn json_element(&mut self, c: &pb::Comment) -> Result<(), CliError> {
        let value = if self.with_private {
            output::to_json(c)?
        } else {
            output::to_json(&pb::Comment {
                submitter: None,
                ..c.clone()
            })?
        };
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        self.buf
            .push_str(if self.rows == 0 { "\n  " } else { ",\n  " });
        self.buf.push_str(&text.replace('\n', "\n  "));
        Ok(())
    }

    fn flush_buf(&mut self) -> Result<(), CliError> {
        self.out
            .write_all(self.buf.as_bytes())
            .map_err(|e| CliError::io(&self.shown, e))?;
        self.buf.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::comments::export_csv;

    fn comments() -> Vec<pb::Comment> {
        let mut out = Vec::new();
        for i in 0..5 {
            let mut c = pb::Comment {
                name: format!("consultations/C/comments/01A{i}"),
                channel: pb::Channel::Portal as i32,
                submitter_category: pb::SubmitterCategory::Enterprise as i32,
                submitter: Some(pb::Submitter {
                    name: "李四".into(),
                    organization: "某某科技有限公司".into(),
                    contact: "13800138000".into(),
                }),
                content: format!("第{i}条意见：\"引号\"，换行\n第二行，=SUM(A1)"),
                clause_reference: "第五条".into(),
                receive_time: Some(prost_types::Timestamp {
                    seconds: 1_796_000_000 + i,
                    nanos: 0,
                }),
                ..Default::default()
            };
            if i % 2 == 1 {
                c.disposition = Some(pb::Disposition {
                    outcome: pb::Outcome::PartiallyAdopted as i32,
                    reason: "部分与上位法不一致".into(),
                    adopted_content: "第五条增加过渡期".into(),
                    ..Default::default()
                });
            }
            out.push(c);
        }
        out
    }

    /// Writes `items` in pages of `page` through the streaming writer.
    fn stream(items: &[pb::Comment], page: usize, format: FileFormat, private: bool) -> Vec<u8> {
        let mut w = ExportWriter::new(Vec::new(), format, private, PathBuf::from("<test>"));
        w.begin().unwrap();
        for p in items.chunks(page) {
            w.page(p).unwrap();
        }
        let (out, rows) = w.finish().unwrap();
        assert_eq!(rows, items.len());
        out
    }

    /// What `comment export` wrote before it streamed: every comment rendered at once.
    fn whole_json(items: &[pb::Comment], with_private: bool) -> Vec<u8> {
        let mut values = Vec::new();
        for mut c in items.iter().cloned() {
            if !with_private {
                c.submitter = None;
            }
            values.push(output::to_json(&c).unwrap());
        }
        let mut s = serde_json::to_string_pretty(&values).unwrap_or_default();
        s.push('\n');
        s.into_bytes()
    }

    #[test]
    fn a_file_is_replaced_only_whole_and_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("consultctl-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("意见.csv");
        std::fs::write(&path, "earlier").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();

        // A failed export leaves the earlier file as it was, and nothing beside it.
        let (file, mut handle) = OutFile::create(&path).unwrap();
        handle.write_all(b"half").unwrap();
        file.abandon();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "earlier");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

        let (file, mut handle) = OutFile::create(&path).unwrap();
        handle.write_all(b"whole").unwrap();
        drop(handle);
        file.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "whole");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn pages_stream_to_the_same_bytes_as_the_whole_export() {
        let items = comments();
        for private in [false, true] {
            for n in [0, 1, 2, 5] {
                for page in [1, 2, 1000] {
                    let some = &items[..n];
                    assert_eq!(
                        String::from_utf8(stream(some, page, FileFormat::Csv, private)).unwrap(),
                        export_csv(some, private),
                        "CSV of {n} in pages of {page}"
                    );
                    assert_eq!(
                        String::from_utf8(stream(some, page, FileFormat::Json, private)).unwrap(),
                        String::from_utf8(whole_json(some, private)).unwrap(),
                        "JSON of {n} in pages of {page}"
                    );
                }
            }
        }
    }
}
