//! ETL (DESIGN §6): streaming CSV import, REST API import and export, with validation,
//! name→key resolution, all-or-nothing runs, progress events and a record of every run.
//! Permissions are checked here: Managers may import CSV, only Administrators the API.

pub mod api;
pub mod bulk;
pub mod export;
pub mod mapping;
pub mod report;
pub mod resolve;
pub mod run;
pub mod source;
pub mod spool;
pub mod write;

use std::path::{Path, PathBuf};

/// The tables' catalogue and cell parsing live in [`crate::tables`]; these old paths are kept
/// for the tests.
pub use crate::tables::{cell as value, spec};
pub use report::{ImportReport, Outcome, RowError, TableReport};
pub use run::{ImportOptions, run_and_record, run_recorded};

use crate::auth::audit::{self, Event};
use crate::auth::{Actor, Auth, Permission};
use crate::error::{Error, Result};
use crate::worker::{CancelToken, Progress};
use mapping::Mapping;
use run::Planned;
use source::{CsvSource, InputLimits, JsonFileSource, Source};

/// The input files of an import and what was left out.
#[derive(Debug, Default)]
pub struct Inputs {
    pub files: Vec<PathBuf>,
    /// Files of a folder that were skipped, each with why.
    pub notes: Vec<String>,
}

fn is_input(p: &Path) -> bool {
    p.extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("csv") || x.eq_ignore_ascii_case("json"))
}

/// Expands folders to their `.csv` and `.json` files (sorted by name). In a folder, anything
/// that is not a regular file (a FIFO, a device, a socket) is skipped with a note, since
/// reading it could wait forever; a path given by name may also be a pipe.
pub fn expand_paths(paths: &[PathBuf]) -> Result<Inputs> {
    use std::os::unix::fs::FileTypeExt;
    let mut out = Inputs::default();
    for p in paths {
        let shown = source::shown(p);
        let meta = std::fs::metadata(p)
            .map_err(|_| Error::Invalid(format!("{shown}: no such file or folder")))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            for entry in std::fs::read_dir(p).map_err(|e| Error::file(&shown, e))? {
                let path = entry.map_err(|e| Error::file(&shown, e))?.path();
                if !is_input(&path) {
                    continue;
                }
                match std::fs::metadata(&path) {
                    Ok(m) if m.is_file() => files.push(path),
                    Ok(_) => out.notes.push(format!(
                        "skipped {}: not a regular file",
                        source::shown(&path)
                    )),
                    Err(e) => out
                        .notes
                        .push(format!("skipped {}: {e}", source::shown(&path))),
                }
            }
            files.sort();
            if files.is_empty() {
                return Err(Error::Invalid(format!(
                    "{shown}: no .csv or .json files in this folder"
                )));
            }
            out.files.extend(files);
        } else if meta.is_file() || meta.file_type().is_fifo() {
            out.files.push(p.clone());
        } else {
            return Err(Error::Invalid(format!(
                "{shown}: not a regular file (a device or a socket cannot be imported)"
            )));
        }
    }
    Ok(out)
}

/// Opens an input file (CSV, or a JSON array by its `.json` name), works out its table
/// (from its name, else its header) and checks the header.
pub fn plan_file(path: &Path, limits: InputLimits) -> Result<Planned> {
    let file = std::fs::File::open(path).map_err(|e| Error::file(source::shown(path), e))?;
    plan_opened(path, file, limits)
}

/// [`plan_file`] for `path`'s content in `file` (the file itself, or a copy of a pipe).
pub fn plan_opened(path: &Path, file: std::fs::File, limits: InputLimits) -> Result<Planned> {
    let shown = source::shown(path);
    let json = path
        .extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("json"));
    let (csv, mut json) = if json {
        let total = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        let s = JsonFileSource::from_reader(Box::new(file), shown.clone(), limits, total)?;
        (None, Some(s))
    } else {
        (
            Some(CsvSource::from_file(file, shown.clone(), limits)?),
            None,
        )
    };
    let headers = match (&csv, &json) {
        (Some(c), _) => c.headers().to_vec(),
        (_, Some(j)) => j.headers().to_vec(),
        _ => Vec::new(),
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let table = spec::table(&stem).or_else(|| spec::guess_from_header(&headers)).ok_or_else(|| {
        Error::Invalid(format!(
            "{shown}: cannot tell which table this file is for; name it after the table (e.g. orders.csv)"
        ))
    })?;
    let mapping = Mapping::new(table, &headers)
        .map_err(|m| Error::Invalid(format!("{shown}: {}", crate::text::escape(&m))))?;
    let source: Box<dyn Source> = match (csv, json.as_mut()) {
        (Some(c), _) => Box::new(c),
        (None, Some(j)) => {
            // A value's JSON type must suit its column (no object, array or -0; true/false
            // only for yes/no).
            j.expect(&mapping);
            Box::new(json.expect("a JSON source"))
        }
        (None, None) => unreachable!("one source is opened"),
    };
    Ok(Planned { source, mapping })
}

/// Puts sources in foreign-key order (stable for the same table).
pub fn order_plans(plans: &mut [Planned]) {
    plans.sort_by_key(|p| spec::order_of(p.mapping.table.name));
}

/// Imports CSV or JSON files or folders (needs `ImportCsv`).
pub fn import_csv(
    auth: &Auth,
    actor: &Actor,
    paths: &[PathBuf],
    opts: &ImportOptions,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportReport> {
    use std::os::unix::fs::FileTypeExt;
    auth.require(actor, Permission::ImportCsv)?;
    let inputs = expand_paths(paths)?;
    // A pipe is read to its end into a private temporary file first, so that the store's
    // write transaction never waits on whoever feeds it.
    let spool_dir = opts.spool_dir.clone().unwrap_or_else(spool::default_dir);
    let mut plans = inputs
        .files
        .iter()
        .map(|f| {
            let fifo = std::fs::metadata(f).is_ok_and(|m| m.file_type().is_fifo());
            if fifo {
                plan_opened(f, spool::read_pipe(f, &spool_dir, cancel)?, opts.limits)
            } else {
                plan_file(f, opts.limits)
            }
        })
        .collect::<Result<Vec<_>>>()?;
    order_plans(&mut plans);
    let label = inputs
        .files
        .iter()
        .map(|f| source::shown(f))
        .collect::<Vec<_>>()
        .join(", ");
    let mut report = run_and_record(auth, actor, &label, plans, opts, cancel, progress)?;
    report.notes.splice(0..0, inputs.notes);
    Ok(report)
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
