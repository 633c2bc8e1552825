//! A published report as one file — its canonical JSON (whose SHA-256 is the published hash),
//! the CSV table or the whole printable page — written a page of comments at a time from
//! storage, so that a file of any size streams in bounded memory. The public pages' downloads
//! and `DownloadFeedbackReport` serve the same bytes from here.

use consult_domain::report::ReportVersion;
use consult_render::{Answers, RowContext};
use consult_store::{Parts, Store, StoredEdition, TextCursor};
use tokio::sync::mpsc;

/// Comments read per page while a report file streams.
const DOWNLOAD_PAGE: u64 = 1_000;
/// Pages of a report file rendered ahead of the reader.
pub(crate) const DOWNLOAD_BUFFER: usize = 4;

/// A report file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// The whole report as one printable HTML page.
    Html,
    /// The canonical JSON.
    Json,
    /// The comment table.
    Csv,
}

/// Where a report file's text goes, a piece at a time; an error cuts the file short.
pub(crate) type Chunks = mpsc::Sender<Result<String, std::io::Error>>;

/// Writes a report file into `to` a page at a time; stops early if the reader has gone.
pub(crate) async fn write_file(
    store: &Store,
    edition: &StoredEdition,
    format: Format,
    versions: &[ReportVersion],
    site: &consult_render::Site,
    to: &Chunks,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if let Format::Json = format {
        let mut cursor = TextCursor::new(Parts::All);
        while let Some(chunk) = store.next_report_text(edition, &mut cursor).await? {
            if to.send(Ok(chunk)).await.is_err() {
                return Ok(());
            }
        }
        return Ok(());
    }
    let summary = store.report_summary(edition).await?;
    let groups = RowContext::of(&summary);
    let department = store
        .department_display_name(&summary.consultation.department)
        .await?;
    let (head, tail) = match format {
        Format::Csv => (consult_render::csv::header(), String::new()),
        _ => {
            let frame = consult_render::report_frame(
                &summary,
                &consult_render::Edition {
                    consultation_id: &edition.consultation_id,
                    version: edition.version,
                    sha256: &edition.sha256,
                    versions,
                    site,
                    department: &department,
                    // A file is read as downloaded: standard type, no links to switch it.
                    reader: &consult_render::Reader::default(),
                },
                &Answers::All,
            );
            (frame.head, frame.tail)
        }
    };
    if to.send(Ok(head)).await.is_err() {
        return Ok(());
    }
    // The next page is read while this one is rendered and sent: the database and the
    // rendering each keep a core busy.
    let fetch = |from: u64| {
        let (store, edition) = (store.clone(), edition.clone());
        tokio::spawn(async move { store.report_comments(&edition, from, DOWNLOAD_PAGE).await })
    };
    let mut next = Some(fetch(0));
    let mut from = 0u64;
    while let Some(page) = next.take() {
        let comments = page.await??;
        let read = comments.len() as u64;
        if read == DOWNLOAD_PAGE {
            next = Some(fetch(from + read));
        }
        let mut chunk = String::new();
        match format {
            Format::Csv => {
                consult_render::csv::comment_rows(&mut chunk, from + 1, &comments, &groups)
            }
            _ => consult_render::comment_rows(&mut chunk, from + 1, &comments, &groups),
        }
        from += read;
        if !chunk.is_empty() && to.send(Ok(chunk)).await.is_err() {
            return Ok(());
        }
    }
    if !tail.is_empty() {
        let _ = to.send(Ok(tail)).await;
    }
    Ok(())
}
