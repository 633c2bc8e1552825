//! The background task that keeps suggestions up to date as comments arrive: on the replica
//! holding the assigner's lease, each consultation with comments awaiting comparison gets its
//! assigner (loaded from the database, and again whenever officers changed its suggestions),
//! and its new comments are placed a round at a time. Other replicas only ask for the lease.
//! The lease makes the work one replica's at a time; the store's conditional updates keep a
//! replica that lost it mid-round from undoing anything.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use consult_store::LoadedAssigner;

use crate::services::Core;

/// The lease's name.
const LEASE_NAME: &str = "suggestion-assigner";
/// How long the lease lasts unless renewed (each pass renews it).
const LEASE: Duration = Duration::from_secs(30);
/// Comments placed per transaction: short enough that submissions waiting for SQLite's write
/// lock wait milliseconds.
const ROUND: u64 = 256;
/// Rounds per consultation and pass, so that one busy consultation does not keep others (or
/// the lease's renewal) waiting.
const ROUNDS_PER_PASS: usize = 16;
/// Consultations looked at per pass.
const CONSULTATIONS_PER_PASS: u64 = 32;
/// While this replica takes submissions, the assigner works at most this share of the time:
/// after a pass of `d` it rests `d × (1 / share − 1)` or the interval, whichever is longer.
/// Comments are stored first; placing them can wait. When none arrived during a pass, it
/// catches up at full speed (resting the interval only). Unbounded, it took a core's worth of a 2-core machine in a surge and intake fell
/// from 2,400 to 1,100-1,400 comments per second (its comparisons cost up to 300 µs per comment
/// when every comment is made of the same stock phrases, as the scale benchmark's are); at a
/// quarter of the time intake still fell to 1,700.
const BUSY_SHARE: f64 = 0.1;
/// An assigner nobody needed for this long is dropped (loading it again costs one read of its
/// consultation's texts).
const IDLE: Duration = Duration::from_secs(600);

/// How the assigner runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AssignerSettings {
    /// How often it looks for new comments.
    pub(crate) every: Duration,
    /// Consultations with more comments than this are left to computing from scratch.
    pub(crate) most_comments: u64,
}

/// A consultation's assigner and when it was last needed.
struct Held {
    loaded: LoadedAssigner,
    used: Instant,
}

/// Runs until aborted.
pub(crate) async fn run(core: Arc<Core>, settings: AssignerSettings) {
    let owner = core.operations.owner().to_owned();
    let lease = chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::MAX);
    let mut held: HashMap<String, Held> = HashMap::new();
    let mut rest = settings.every;
    loop {
        tokio::time::sleep(rest).await;
        rest = settings.every;
        let started = Instant::now();
        let taken = core.writer.taken();
        let store = &core.store;
        match store
            .hold_lease(LEASE_NAME, &owner, core.clock.now(), lease)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                held.clear();
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "suggestion assigner: lease not renewed");
                held.clear();
                continue;
            }
        }
        let consultations = match store
            .consultations_awaiting_comparison(CONSULTATIONS_PER_PASS)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "suggestion assigner: cannot read what awaits");
                continue;
            }
        };
        for id in consultations {
            if let Err(e) = pass(&core, &mut held, &id, settings).await {
                // Ahead of the database after a failed round: loaded again next time.
                held.remove(&id);
                tracing::warn!(consultation = %id, error = %e, "suggestion assigner: round failed");
            }
        }
        held.retain(|_, h| h.used.elapsed() < IDLE);
        if core.writer.taken() != taken {
            rest = settings
                .every
                .max(started.elapsed().mul_f64(1.0 / BUSY_SHARE - 1.0));
        }
    }
}

/// Places the comments of consultation `id` awaiting comparison, a few rounds' worth.
async fn pass(
    core: &Core,
    held: &mut HashMap<String, Held>,
    id: &str,
    settings: AssignerSettings,
) -> Result<(), consult_store::StoreError> {
    let store = &core.store;
    let revision = store.suggestions_revision(id).await?;
    if held.get(id).is_some_and(|h| h.loaded.revision != revision) {
        held.remove(id);
    }
    if !held.contains_key(id) {
        let started = Instant::now();
        match store.load_assigner(id, settings.most_comments).await? {
            Some(loaded) => {
                tracing::info!(
                    consultation = %id,
                    comments = loaded.assigner.len(),
                    seconds = started.elapsed().as_secs_f64(),
                    "suggestion assigner loaded"
                );
                held.insert(
                    id.to_owned(),
                    Held {
                        loaded,
                        used: Instant::now(),
                    },
                );
            }
            None => {
                let skipped = store.skip_comparison(id).await?;
                tracing::info!(
                    consultation = %id,
                    skipped,
                    most = settings.most_comments,
                    "too many comments to keep suggestions up to date; compute them on demand"
                );
                return Ok(());
            }
        }
    }
    let Some(h) = held.get_mut(id) else {
        return Ok(());
    };
    h.used = Instant::now();
    let started = Instant::now();
    let mut compared = 0;
    for _ in 0..ROUNDS_PER_PASS {
        let placed = store
            .assign_arrivals(id, &mut h.loaded.assigner, ROUND, core.clock.now())
            .await?;
        compared += placed.compared;
        if placed.compared < ROUND {
            break;
        }
    }
    if compared > 0 {
        let elapsed = started.elapsed();
        tracing::debug!(
            consultation = %id,
            compared,
            held = h.loaded.assigner.len(),
            ms = elapsed.as_secs_f64() * 1e3,
            us_per_comment = elapsed.as_secs_f64() * 1e6 / compared as f64,
            "suggestion assigner placed new comments"
        );
    }
    if h.loaded.assigner.len() as u64 > settings.most_comments {
        // Grown past what it may hold: the next pass finds it too large to load.
        held.remove(id);
    }
    Ok(())
}
