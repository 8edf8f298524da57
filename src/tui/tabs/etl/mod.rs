//! The ETL tab: what to import and how, one gauge per table while a job runs (folded from
//! the job's progress events), then the outcome with per-table counts and the bad rows. The
//! worker side calls the ETL services and replies with their typed results; the text is made
//! when drawing, in `draw`.

mod draw;

use std::any::Any;
use std::path::PathBuf;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Cmd, Ctx, Hint, Notice, Tab, TabId};
use crate::auth::Role;
use crate::error::Error;
use crate::etl::api::ApiOptions;
use crate::etl::{self, ImportOptions, ImportReport, Outcome};
use crate::text::group_digits;
use crate::text::{MEANINGFUL, duration_and_rate};
use crate::tui::keymap::Action;
use crate::tui::widgets::input::TextInput;
use crate::tui::work::{Reply, Work};
use crate::worker::{CancelToken, Progress};

/// One table's progress, folded from [`Progress`] events.
#[derive(Debug, Clone)]
pub struct TableGauge {
    pub table: &'static str,
    pub rows: u64,
    pub bytes: u64,
    pub bytes_total: Option<u64>,
    pub rejects: u64,
    pub started: Instant,
    pub done: bool,
}

impl TableGauge {
    /// How far, from the bytes read (None when the size is unknown, e.g. an API).
    pub fn fraction(&self) -> Option<f64> {
        if self.done {
            return Some(1.0);
        }
        self.bytes_total
            .filter(|t| *t > 0)
            .map(|t| (self.bytes as f64 / t as f64).min(1.0))
    }

    /// Rows per second, once enough time has passed for a rate to mean something.
    pub fn rows_per_sec(&self, now: Instant) -> Option<f64> {
        let spent = now - self.started;
        (spent >= MEANINGFUL).then(|| self.rows as f64 / spent.as_secs_f64())
    }

    /// Seconds left, from the fraction done and the time spent (None until it means
    /// something).
    pub fn eta_secs(&self, now: Instant) -> Option<u64> {
        let f = self.fraction()?;
        let spent = now - self.started;
        if f <= 0.0 || f >= 1.0 || spent < MEANINGFUL {
            return None;
        }
        Some((spent.as_secs_f64() * (1.0 - f) / f).ceil() as u64)
    }
}

/// The job running now.
#[derive(Debug, Clone)]
pub struct EtlRun {
    pub what: String,
    pub cancel: CancelToken,
    pub started: Instant,
    pub tables: Vec<TableGauge>,
}

impl EtlRun {
    /// Folds one progress event.
    pub fn fold(&mut self, p: Progress) {
        let now = Instant::now();
        let g = match self.tables.iter_mut().position(|g| g.table == p.table) {
            Some(i) => &mut self.tables[i],
            None => {
                for g in self.tables.iter_mut() {
                    g.done = true;
                }
                self.tables.push(TableGauge {
                    table: p.table,
                    rows: 0,
                    bytes: 0,
                    bytes_total: None,
                    rejects: 0,
                    started: now,
                    done: false,
                });
                self.tables.last_mut().expect("just pushed")
            }
        };
        g.rows = p.rows_done;
        g.bytes = p.bytes_done;
        g.bytes_total = p.bytes_total.or(g.bytes_total);
        g.rejects = p.rejects;
        if p.rows_total.is_some_and(|t| p.rows_done >= t) {
            g.done = true;
        }
    }
}

/// What the tab asks the worker for.
#[derive(Debug, Clone)]
pub enum EtlTask {
    Csv {
        paths: Vec<PathBuf>,
        options: ImportOptions,
    },
    Api {
        url: String,
        options: ImportOptions,
    },
    TestConnection,
    Migrate,
}

/// The typed result of a task.
#[derive(Debug)]
pub enum EtlDone {
    Import(Result<ImportReport, Error>),
    Api(Result<etl::api::ApiRun, Error>),
    Connection(Result<String, Error>),
    Migrate(Result<Vec<String>, Error>),
}

/// How a finished job went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Written, with bad rows skipped.
    Warning,
    Failed,
}

/// What a finished job left to show.
#[derive(Debug)]
pub enum Finished {
    Import {
        report: ImportReport,
        /// (requests, retries) of an API run.
        api: Option<(u64, u64)>,
    },
    Message(String),
    Failed(String),
}

/// The last finished job.
#[derive(Debug)]
pub struct EtlResult {
    pub what: String,
    pub finished: Finished,
}

impl EtlResult {
    pub fn status(&self) -> Status {
        match &self.finished {
            Finished::Import { report, .. } => match report.outcome {
                Outcome::Committed | Outcome::DryRun if report.rejected_rows == 0 => Status::Ok,
                Outcome::CommittedWithRejects => Status::Warning,
                _ => Status::Failed,
            },
            Finished::Message(_) => Status::Ok,
            Finished::Failed(_) => Status::Failed,
        }
    }

    /// Whether it went fully well.
    pub fn ok(&self) -> bool {
        self.status() == Status::Ok
    }

    /// The one-line outcome.
    pub fn headline(&self) -> String {
        match &self.finished {
            Finished::Import { report: r, .. } => {
                let (read, c, _) = r.totals();
                match r.outcome {
                    Outcome::Committed => format!(
                        "Imported {} rows: {} new, {} changed, {} unchanged.",
                        group_digits(read),
                        group_digits(c.inserted),
                        group_digits(c.updated),
                        group_digits(c.unchanged),
                    ),
                    Outcome::CommittedWithRejects => format!(
                        "Imported the good rows ({} new, {} changed); {} bad rows skipped{}.",
                        group_digits(c.inserted),
                        group_digits(c.updated),
                        group_digits(r.rejected_rows),
                        r.rejects_file
                            .as_ref()
                            .map(|p| format!(", listed in {p}"))
                            .unwrap_or_default()
                    ),
                    Outcome::RolledBack => format!(
                        "{} bad rows: nothing was written.",
                        group_digits(r.rejected_rows)
                    ),
                    Outcome::DryRun => format!(
                        "Dry run of {} rows: nothing was written ({} bad rows).",
                        group_digits(read),
                        group_digits(r.rejected_rows)
                    ),
                    Outcome::Cancelled => "Cancelled: nothing was written.".into(),
                }
            }
            Finished::Message(m) | Finished::Failed(m) => m.clone(),
        }
    }

    /// Every line under the headline: per-table counts, notes, the bad rows.
    pub(super) fn detail(&self) -> Vec<(bool, String)> {
        let mut out = Vec::new();
        if let Finished::Import { report, api } = &self.finished {
            let (read, _, _) = report.totals();
            out.push((
                false,
                format!("Took {}.", duration_and_rate(read, report.duration_ms)),
            ));
            if !report.tables.is_empty() {
                out.push((
                    false,
                    format!(
                        "{:<12} {:>9} {:>9} {:>8} {:>9} {:>6}",
                        "table", "read", "new", "changed", "same", "bad"
                    ),
                ));
            }
            for t in &report.tables {
                out.push((
                    false,
                    format!(
                        "{:<12} {:>9} {:>9} {:>8} {:>9} {:>6}",
                        t.table,
                        group_digits(t.read),
                        group_digits(t.counts.inserted),
                        group_digits(t.counts.updated),
                        group_digits(t.counts.unchanged),
                        group_digits(t.rejected)
                    ),
                ));
            }
            if let Some((requests, retries)) = api {
                out.push((false, format!("{requests} requests, {retries} retried")));
            }
            for n in &report.notes {
                out.push((false, n.clone()));
            }
            if !report.errors.is_empty() {
                let shown = report.errors.len().min(SHOWN_ERRORS) as u64;
                out.push((
                    true,
                    if shown == report.rejected_rows {
                        format!("Rejected rows ({shown} shown):")
                    } else {
                        format!(
                            "Rejected rows ({shown} shown of {}):",
                            group_digits(report.rejected_rows)
                        )
                    },
                ));
                for e in report.errors.iter().take(SHOWN_ERRORS) {
                    out.push((false, e.to_string()));
                }
            }
        }
        out
    }
}

/// Bad rows listed on screen (all of them go to the rejects file).
const SHOWN_ERRORS: usize = 200;

/// The ETL tab.
#[derive(Debug)]
pub struct EtlTab {
    pub source: TextInput,
    pub editing: bool,
    /// The source is an API base URL rather than files.
    pub api: bool,
    pub skip_invalid: bool,
    pub dry_run: bool,
    pub running: Option<EtlRun>,
    pub last: Option<EtlResult>,
    /// First line of the result panel shown.
    pub scroll: usize,
}

impl Default for EtlTab {
    fn default() -> Self {
        let mut source = TextInput::new("Source");
        source.max_chars = 1_000;
        EtlTab {
            source,
            editing: false,
            api: false,
            skip_invalid: false,
            dry_run: false,
            running: None,
            last: None,
            scroll: 0,
        }
    }
}

impl EtlTab {
    fn start(&mut self, what: String, task: EtlTask) -> Cmd {
        if self.running.is_some() {
            return Cmd::Notice(Notice::error(
                "A job is already running; press c to cancel it first.",
            ));
        }
        let cancel = CancelToken::new();
        self.running = Some(EtlRun {
            what,
            cancel: cancel.clone(),
            started: Instant::now(),
            tables: Vec::new(),
        });
        self.last = None;
        self.scroll = 0;
        Cmd::Run(
            Work::new("etl", move |ctx| run(ctx, task, &cancel))
                .long()
                .writes(),
        )
    }

    fn start_import(&mut self, ctx: &Ctx) -> Cmd {
        let source = self.source.value.trim().to_string();
        if source.is_empty() {
            return Cmd::Notice(Notice::error(
                "Type a file, a folder or (for an API) a URL first.",
            ));
        }
        let options = ImportOptions {
            skip_invalid: self.skip_invalid,
            // Bad rows go to a new private file of this user's, named after the run.
            rejects_dir: self.skip_invalid.then(|| ctx.data_dir.to_path_buf()),
            dry_run: self.dry_run,
            // Pipes and API pages are copied here before the write (private, unlinked).
            spool_dir: Some(ctx.data_dir.to_path_buf()),
            ..ImportOptions::default()
        };
        if self.api {
            self.start(
                // Credentials typed into the URL are never shown again.
                format!("API import from {}", etl::api::url::redact(&source)),
                EtlTask::Api {
                    url: source,
                    options,
                },
            )
        } else {
            let paths = source.split_whitespace().map(PathBuf::from).collect();
            self.start(
                format!("CSV import of {source}"),
                EtlTask::Csv { paths, options },
            )
        }
    }

    /// Opens the source field for files or (`api`) a URL: the last one of the same kind
    /// comes back selected (typing replaces it); a path never becomes a URL, nor the reverse.
    fn edit_source(&mut self, api: bool) {
        if self.api != api {
            self.source.clear();
        }
        self.api = api;
        self.source.select();
        self.editing = true;
    }

    fn result_lines(&self) -> usize {
        self.last.as_ref().map_or(0, |l| l.detail().len() + 2)
    }
}

/// Runs a task on the worker: the services do the work, checking permissions themselves.
impl EtlTab {
    /// The keys of what is in front: the most used for the hint bar, every one for the help.
    fn keys(&self, ctx: &Ctx, all: bool) -> Vec<Hint> {
        if self.editing {
            return vec![
                ("Enter".into(), "start"),
                ("Esc".into(), "stop typing"),
                ("Ctrl-U".into(), "clear"),
            ];
        }
        if self.running.is_some() {
            return vec![("c / Esc".into(), "cancel (rolls back)")];
        }
        let admin = ctx.role == Role::Administrator;
        let mut h: Vec<Hint> = vec![("i".into(), "import CSV")];
        if admin {
            h.push(("a".into(), "import API"));
            h.push(("x".into(), "test connection"));
            h.push(("m".into(), "migrate"));
        }
        h.push(("s".into(), "skip invalid"));
        h.push(("d".into(), "dry run"));
        h.push(("Enter".into(), "start"));
        if self.last.is_some() || all {
            h.push(("j/k PgUp/PgDn".into(), "scroll"));
        }
        if all {
            h.push(("Home/End".into(), "first / last line of the result"));
            h.push((
                "i then paths".into(),
                "files or folders, separated by spaces",
            ));
            if admin {
                h.push(("a then a URL".into(), "an API's base URL"));
            }
        }
        h
    }
}

fn run(ctx: &crate::tui::work::WorkCtx, task: EtlTask, cancel: &CancelToken) -> EtlDone {
    let mut progress = |p: Progress| ctx.emit(p);
    match task {
        EtlTask::Csv { paths, options } => EtlDone::Import(etl::import_csv(
            ctx.auth,
            ctx.actor,
            &paths,
            &options,
            cancel,
            &mut progress,
        )),
        EtlTask::Api { url, options } => EtlDone::Api(etl::api::import_api(
            ctx.auth,
            ctx.actor,
            &url,
            &ApiOptions {
                bearer_token: std::env::var(etl::api::TOKEN_VAR)
                    .ok()
                    .filter(|t| !t.trim().is_empty())
                    .map(etl::api::Secret),
                ..ApiOptions::default()
            },
            &options,
            cancel,
            &mut progress,
        )),
        EtlTask::TestConnection => EtlDone::Connection(etl::test_connection(ctx.auth, ctx.actor)),
        EtlTask::Migrate => EtlDone::Migrate(etl::run_migrations(ctx.auth, ctx.actor)),
    }
}

impl Tab for EtlTab {
    fn id(&self) -> TabId {
        TabId::Etl
    }

    fn handle_key(&mut self, key: &KeyEvent, action: Option<Action>, ctx: &Ctx) -> Option<Cmd> {
        let admin = ctx.role == Role::Administrator;
        if self.editing {
            match key.code {
                KeyCode::Enter => {
                    self.editing = false;
                    return Some(self.start_import(ctx));
                }
                KeyCode::Esc => self.editing = false,
                _ => {
                    self.source.handle(key);
                }
            }
            return Some(Cmd::Done);
        }
        let last_line = self.result_lines().saturating_sub(1);
        Some(match key.code {
            KeyCode::Char('i') => {
                self.edit_source(false);
                Cmd::Done
            }
            KeyCode::Char('a') if admin => {
                self.edit_source(true);
                Cmd::Done
            }
            KeyCode::Char('a') => {
                Cmd::Notice(Notice::error("Only administrators may import from an API."))
            }
            KeyCode::Char('s') => {
                self.skip_invalid = !self.skip_invalid;
                Cmd::Done
            }
            KeyCode::Char('d') => {
                self.dry_run = !self.dry_run;
                Cmd::Done
            }
            KeyCode::Char('x') => self.start("Connection test".into(), EtlTask::TestConnection),
            KeyCode::Char('m') => self.start("Migrations".into(), EtlTask::Migrate),
            KeyCode::Char('c') | KeyCode::Esc if self.running.is_some() => {
                self.cancel();
                Cmd::Notice(Notice::info("Cancelling: the import rolls back."))
            }
            KeyCode::Enter => self.start_import(ctx),
            KeyCode::Down | KeyCode::Char('j') => {
                self.scroll = (self.scroll + 1).min(last_line);
                Cmd::Done
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.scroll = self.scroll.saturating_sub(1);
                Cmd::Done
            }
            KeyCode::PageDown => {
                self.scroll = (self.scroll + 10).min(last_line);
                Cmd::Done
            }
            KeyCode::PageUp => {
                self.scroll = self.scroll.saturating_sub(10);
                Cmd::Done
            }
            KeyCode::Home => {
                self.scroll = 0;
                Cmd::Done
            }
            KeyCode::End => {
                self.scroll = last_line;
                Cmd::Done
            }
            _ if action == Some(Action::Search) => Cmd::Done,
            _ => return None,
        })
    }

    fn on_reply(&mut self, reply: Reply, _ctx: &Ctx) -> Option<Cmd> {
        let done = match reply {
            Reply::Event(_) => {
                if let (Some(p), Some(run)) = (reply.event::<Progress>(), self.running.as_mut()) {
                    run.fold(p);
                }
                return None;
            }
            Reply::Done(_) => reply.done::<EtlDone>(),
            Reply::Lost => None,
        };
        let what = self.running.take().map(|r| r.what).unwrap_or_default();
        self.scroll = 0;
        let failed = |e: Error| -> Result<Finished, Cmd> {
            match Cmd::failed(&e) {
                Cmd::SessionEnded(m) => Err(Cmd::SessionEnded(m)),
                _ => Ok(Finished::Failed(e.to_string())),
            }
        };
        let finished = match done {
            Some(EtlDone::Import(r)) => r.map(|report| Finished::Import { report, api: None }),
            Some(EtlDone::Api(r)) => r.map(|run| Finished::Import {
                report: run.report,
                api: Some((run.requests, run.retries)),
            }),
            Some(EtlDone::Connection(r)) => r.map(Finished::Message),
            Some(EtlDone::Migrate(r)) => r.map(|applied| {
                Finished::Message(if applied.is_empty() {
                    "The schema is up to date.".into()
                } else {
                    format!("Applied migrations {}.", applied.join(", "))
                })
            }),
            None => Ok(Finished::Failed(
                "The job stopped unexpectedly (a bug; the log has details). Nothing of it was \
                 committed unless the store says so."
                    .into(),
            )),
        };
        let finished = match finished.or_else(failed) {
            Ok(f) => f,
            Err(cmd) => return Some(cmd),
        };
        self.last = Some(EtlResult { what, finished });
        None
    }

    fn draw(&self, ctx: &Ctx, f: &mut Frame, area: Rect) {
        draw::draw(self, ctx, f, area)
    }

    fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        self.keys(ctx, false)
    }

    fn help(&self, ctx: &Ctx) -> Vec<Hint> {
        self.keys(ctx, true)
    }

    fn editing(&self) -> bool {
        self.editing
    }

    fn busy(&self) -> bool {
        self.running.is_some()
    }

    fn cancel(&mut self) -> bool {
        match &self.running {
            Some(r) => {
                r.cancel.cancel();
                true
            }
            None => false,
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_progress_per_table() {
        let mut run = EtlRun {
            what: "x".into(),
            cancel: CancelToken::new(),
            started: Instant::now(),
            tables: vec![],
        };
        run.fold(Progress {
            table: "orders",
            rows_done: 10,
            rows_total: None,
            bytes_done: 50,
            bytes_total: Some(100),
            rejects: 1,
        });
        assert_eq!(run.tables[0].fraction(), Some(0.5));
        run.fold(Progress {
            table: "order_items",
            rows_done: 5,
            rows_total: None,
            bytes_done: 10,
            bytes_total: Some(100),
            rejects: 0,
        });
        assert!(
            run.tables[0].done,
            "a new table means the previous one is done"
        );
        assert_eq!(run.tables.len(), 2);
        run.fold(Progress::rows("order_items", 9, 9));
        assert!(run.tables[1].done);
        assert_eq!(run.tables[1].fraction(), Some(1.0));
    }

    #[test]
    fn no_rate_or_eta_before_a_second() {
        let g = TableGauge {
            table: "brands",
            rows: 9,
            bytes: 50,
            bytes_total: Some(100),
            rejects: 0,
            started: Instant::now(),
            done: false,
        };
        assert_eq!(g.rows_per_sec(Instant::now()), None);
        assert_eq!(g.eta_secs(Instant::now()), None);
        let later = Instant::now() + std::time::Duration::from_secs(2);
        assert!(g.rows_per_sec(later).is_some());
        assert!(g.eta_secs(later).is_some());
    }
}
