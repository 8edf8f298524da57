//! ETL (DESIGN §6): streaming CSV import, REST API import and export, with validation,
//! name→key resolution, all-or-nothing runs, progress events and a record of every run.
//! Permissions are checked here: Managers may import CSV, only Administrators the API.

pub mod api;
pub mod export;
pub mod mapping;
pub mod report;
pub mod resolve;
pub mod run;
pub mod source;
pub mod spec;
pub mod value;
pub mod write;

use std::path::{Path, PathBuf};

use diesel::prelude::*;

pub use report::{ImportReport, Outcome, RowError, TableReport};
pub use run::ImportOptions;

use crate::auth::audit::{self, Event};
use crate::auth::{Actor, Auth, Permission};
use crate::db::schema::import_runs;
use crate::error::{Error, Result};
use crate::worker::{CancelToken, Progress};
use mapping::Mapping;
use run::Planned;
use source::{CsvSource, Source};

/// Expands folders to their `.csv` files (sorted by name).
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| Error::file(p, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(Error::Invalid(format!(
                    "{}: no .csv files in this folder",
                    p.display()
                )));
            }
            out.extend(files);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(Error::Invalid(format!(
                "{}: no such file or folder",
                p.display()
            )));
        }
    }
    Ok(out)
}

/// Opens a CSV file, works out its table (from its name, else its header) and checks the header.
pub fn plan_csv(path: &Path) -> Result<Planned> {
    let source = CsvSource::open(path)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let table = spec::table(&stem).or_else(|| spec::guess_from_header(source.headers())).ok_or_else(|| {
        Error::Invalid(format!(
            "{}: cannot tell which table this file is for; name it after the table (e.g. orders.csv)",
            path.display()
        ))
    })?;
    let mapping = Mapping::new(table, source.headers())
        .map_err(|m| Error::Invalid(format!("{}: {m}", path.display())))?;
    Ok(Planned {
        source: Box::new(source),
        mapping,
    })
}

/// Puts sources in foreign-key order (stable for the same table).
pub fn order_plans(plans: &mut [Planned]) {
    plans.sort_by_key(|p| spec::order_of(p.mapping.table.name));
}

/// Imports CSV files or folders (needs `ImportCsv`).
pub fn import_csv(
    auth: &Auth,
    actor: &Actor,
    paths: &[PathBuf],
    opts: &ImportOptions,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportReport> {
    auth.require(actor, Permission::ImportCsv)?;
    let files = expand_paths(paths)?;
    let mut plans = files
        .iter()
        .map(|f| plan_csv(f))
        .collect::<Result<Vec<_>>>()?;
    order_plans(&mut plans);
    let label = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    run_and_record(auth, actor, &label, plans, opts, cancel, progress)
}

/// Loads planned sources and records the run (`import_runs` and the audit trail).
pub fn run_and_record(
    auth: &Auth,
    actor: &Actor,
    label: &str,
    plans: Vec<Planned>,
    opts: &ImportOptions,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportReport> {
    let started = auth.now();
    let mut conn = auth.db().conn()?;
    let result = run::load(&mut conn, plans, opts, cancel, progress);
    let finished = auth.now();
    let (outcome, message, report) = match &result {
        Ok(r) => (
            r.outcome.as_str(),
            format!("{} rejected rows", r.rejected_rows),
            Some(r),
        ),
        Err(e) => ("failed", e.to_string(), None),
    };
    let (read, counts, rejected) = report.map(|r| r.totals()).unwrap_or_default();
    let source: String = label.chars().take(2_000).collect();
    diesel::insert_into(import_runs::table)
        .values((
            import_runs::actor.eq(&actor.name),
            import_runs::source.eq(&source),
            import_runs::started_at.eq(started),
            import_runs::finished_at.eq(finished),
            import_runs::duration_ms.eq(report
                .map(|r| r.duration_ms as i64)
                .unwrap_or((finished - started) * 1000)),
            import_runs::rows_read.eq(read as i64),
            import_runs::rows_inserted.eq(counts.inserted as i64),
            import_runs::rows_updated.eq(counts.updated as i64),
            import_runs::rows_unchanged.eq(counts.unchanged as i64),
            import_runs::rows_rejected.eq(rejected as i64),
            import_runs::outcome.eq(outcome),
            import_runs::message.eq(&message),
        ))
        .execute(&mut *conn)?;
    audit::record(
        &mut conn,
        finished,
        &actor.name,
        &actor.terminal,
        Event::Import,
        &format!(
            "source={} outcome={outcome} read={read} inserted={} updated={} unchanged={} rejected={rejected}",
            source.chars().take(300).collect::<String>(),
            counts.inserted,
            counts.updated,
            counts.unchanged
        ),
    )?;
    result
}

/// Tests the connection for the ETL tab (Administrators): backend, server version, round trip.
pub fn test_connection(auth: &Auth, actor: &Actor) -> Result<String> {
    auth.require(actor, Permission::TestConnection)?;
    let t0 = std::time::Instant::now();
    let mut conn = auth.db().conn()?;
    let version = crate::db::status::server_version(&mut conn)?;
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    let text = format!(
        "{} answers: {version}, {ms:.1} ms",
        auth.db().target().redacted()
    );
    audit::record(
        &mut conn,
        auth.now(),
        &actor.name,
        &actor.terminal,
        Event::ConnectionTested,
        &format!("ms={ms:.1}"),
    )?;
    Ok(text)
}

/// Applies pending migrations from the ETL tab (Administrators); audited.
pub fn run_migrations(auth: &Auth, actor: &Actor) -> Result<Vec<String>> {
    auth.require(actor, Permission::ManageSchema)?;
    let mut conn = auth.db().conn()?;
    let applied = crate::db::migrate::run(&mut conn)?;
    audit::record(
        &mut conn,
        auth.now(),
        &actor.name,
        &actor.terminal,
        Event::SchemaMigrated,
        &format!("applied={}", applied.join(" ")),
    )?;
    Ok(applied)
}
