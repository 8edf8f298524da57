//! The run's record: a row of `import_runs` written as `running` before any data, then
//! finished with the run's counts and outcome (inside the data's own transaction when the run
//! commits, after the rollback otherwise), and the run's line in the audit trail. A run that
//! gathers its input first (the API's pages, a pipe) is recorded from its start: one that
//! fails or is cancelled while gathering is recorded too, with what it had read and why.

use diesel::prelude::*;

use super::{ImportOptions, Planned};
use crate::auth::audit::{self, Event};
use crate::auth::{Actor, Auth};
use crate::db::schema::import_runs;
use crate::db::{AnyConnection, dialect, tx};
use crate::error::{Error, Result};
use crate::etl::report::ImportReport;
use crate::etl::source;
use crate::worker::{CancelToken, Progress};

/// The longest actor name and source label a run record holds (the columns' sizes).
const ACTOR_CHARS: usize = 128;
const SOURCE_CHARS: usize = 2_000;

/// Loads planned sources and records the run in `import_runs` and the audit trail. The
/// record is written as "running" before any data, and finished inside the data's own
/// transaction when the run commits (so rows never stand without their record), or after the
/// rollback otherwise. A process killed mid-run leaves its record "running", and no data.
pub fn run_and_record(
    auth: &Auth,
    actor: &Actor,
    label: &str,
    plans: Vec<Planned>,
    opts: &ImportOptions,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportReport> {
    let mut plans = Some(plans);
    run_recorded(auth, actor, label, opts, cancel, progress, &mut |_, _| {
        Ok(plans.take().unwrap_or_default())
    })
}

/// Reads a run's input in full, counting the records read in its first argument; returns
/// the run's sources.
pub type Gather<'a> = dyn FnMut(&mut u64, &mut dyn FnMut(Progress)) -> Result<Vec<Planned>> + 'a;

/// Gathers a run's input, then loads it: [`run_and_record`] for input that must be read in
/// full before the write transaction opens (the API's pages, a pipe). `gather` runs once the
/// run's record exists and counts the records it reads in its first argument, so that a
/// run that fails or is cancelled while gathering is recorded with what it read and why.
pub fn run_recorded(
    auth: &Auth,
    actor: &Actor,
    label: &str,
    opts: &ImportOptions,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
    gather: &mut Gather,
) -> Result<ImportReport> {
    let actor_name = crate::text::escape_bounded(&actor.name, ACTOR_CHARS);
    let source = crate::text::escape_bounded(label, SOURCE_CHARS);
    let started = auth.now();
    let run_id = tx::write(&mut *auth.db().conn()?, |c| -> Result<i64> {
        diesel::insert_into(import_runs::table)
            .values((
                import_runs::actor.eq(&actor_name),
                import_runs::source.eq(&source),
                import_runs::started_at.eq(started),
                import_runs::finished_at.eq(started),
                import_runs::duration_ms.eq(0i64),
                import_runs::rows_read.eq(0i64),
                import_runs::rows_inserted.eq(0i64),
                import_runs::rows_updated.eq(0i64),
                import_runs::rows_unchanged.eq(0i64),
                import_runs::rows_rejected.eq(0i64),
                import_runs::outcome.eq("running"),
                import_runs::message.eq(""),
            ))
            .execute(c)?;
        Ok(dialect::last_insert_id(c)?)
    })?;
    // The TUI's rejects go to a new file named after the run, made now that the run has an id.
    let named;
    let opts = match (&opts.rejects, &opts.rejects_dir) {
        (None, Some(dir)) if opts.skip_invalid && !opts.dry_run => {
            // Unique in the user's folder whatever store the run belongs to: the day and time,
            // the run's number, and a suffix should that be taken (never written through).
            let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
            let mut path = dir.join(format!("rejects-{stamp}-run{run_id}.csv"));
            let mut n = 2;
            while std::fs::symlink_metadata(&path).is_ok() {
                path = dir.join(format!("rejects-{stamp}-run{run_id}-{n}.csv"));
                n += 1;
            }
            named = ImportOptions {
                rejects: Some(path),
                ..opts.clone()
            };
            &named
        }
        _ => opts,
    };
    let rejects = opts.rejects.as_ref().map(|p| source::shown(p));
    let finish = |c: &mut AnyConnection,
                  outcome: &str,
                  message: &str,
                  r: Option<&ImportReport>,
                  read_before: u64| {
        let finished = auth.now();
        let (read, counts, rejected) = r.map(|r| r.totals()).unwrap_or_default();
        let read = read.max(read_before);
        let written_rejects = rejects.as_ref().filter(|_| rejected > 0);
        diesel::update(import_runs::table.find(run_id as i32))
            .set((
                import_runs::finished_at.eq(finished),
                import_runs::duration_ms.eq(r
                    .map(|r| r.duration_ms as i64)
                    .unwrap_or((finished - started) * 1000)),
                import_runs::rows_read.eq(read as i64),
                import_runs::rows_inserted.eq(counts.inserted as i64),
                import_runs::rows_updated.eq(counts.updated as i64),
                import_runs::rows_unchanged.eq(counts.unchanged as i64),
                import_runs::rows_rejected.eq(rejected as i64),
                import_runs::outcome.eq(outcome),
                import_runs::message.eq(message),
                import_runs::rejects_file.eq(written_rejects),
            ))
            .execute(c)?;
        audit::record(
            c,
            finished,
            &actor_name,
            &actor.terminal,
            Event::Import,
            &format!(
                "run={run_id} source={} outcome={outcome} read={read} inserted={} updated={} unchanged={} rejected={rejected}{}{}",
                source.chars().take(300).collect::<String>(),
                counts.inserted,
                counts.updated,
                counts.unchanged,
                written_rejects
                    .map(|p| format!(" rejects={p}"))
                    .unwrap_or_default(),
                if outcome == "failed" {
                    format!(" reason={}", message.chars().take(300).collect::<String>())
                } else {
                    String::new()
                }
            ),
        )?;
        Ok::<(), Error>(())
    };
    // The stock ledger's import moves name who ran it and the run.
    let opts = &ImportOptions {
        moved_by: Some((actor_name.clone(), format!("import run {run_id}"))),
        ..opts.clone()
    };
    let mut gathered = 0u64;
    let mut read = 0u64;
    // The connection is taken once the input is in hand: none is held while it is gathered.
    let result =
        match gather(&mut gathered, progress).and_then(|plans| Ok((plans, auth.db().conn()?))) {
            Ok((plans, mut conn)) => super::load_counted(
                &mut conn,
                plans,
                opts,
                cancel,
                progress,
                &mut |c, r| {
                    finish(
                        c,
                        r.outcome.as_str(),
                        &format!("{} rejected rows", r.rejected_rows),
                        Some(r),
                        0,
                    )
                },
                &mut read,
            ),
            Err(e) => Err(e),
        };
    // A failed run may have left its connection unusable (it went back to the pool with
    // the load); the record takes a fresh one.
    let read = read.max(gathered);
    // A run-named rejects file that stayed empty is removed; a written one is reported.
    let result = result.map(|mut r| {
        if r.rejected_rows > 0 {
            r.rejects_file = rejects.clone();
        }
        r
    });
    // A run-named rejects file this run made and left empty is removed; a file that was there
    // before (the run then failed to create its own) is never touched.
    if let (Some(path), Some(_)) = (&opts.rejects, &opts.rejects_dir)
        && result.as_ref().is_ok_and(|r| r.rejected_rows == 0)
    {
        let _ = std::fs::remove_file(path);
    }
    let (outcome, message) = match &result {
        Ok(r) if r.outcome.committed() => return result,
        Ok(r) => (
            r.outcome.as_str(),
            format!("{} rejected rows", r.rejected_rows),
        ),
        Err(Error::Cancelled) => ("cancelled", String::new()),
        Err(e) => ("failed", e.to_string()),
    };
    let recorded = auth.db().conn().and_then(|mut c| {
        tx::write(&mut c, |c| {
            finish(c, outcome, &message, result.as_ref().ok(), read)
        })
    });
    if let Err(e) = recorded {
        tracing::warn!(run = run_id, error = %e, "could not finish the import's record");
        if result.is_ok() {
            return Err(e);
        }
    }
    result
}
