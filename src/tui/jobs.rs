//! The account worker: one thread that owns the services, the sign-in in progress and the
//! session, and runs the UI's requests in order. The UI thread only sends [`Job`]s and folds
//! [`JobResult`]s; it never waits on the database.

use std::path::PathBuf;

use crossbeam_channel::{Receiver, Sender};

use crate::auth::{Actor, Auth, PendingSignIn, Session, SessionState, Step, TotpSetup};
use crate::etl::api::ApiOptions;
use crate::etl::{self, ImportOptions, ImportReport, Outcome};
use crate::worker::{CancelToken, Progress};

/// A request from the UI.
pub enum Job {
    CheckUsers,
    CreateFirstAdmin {
        username: String,
        password: String,
    },
    BeginSignIn {
        username: String,
        password: String,
    },
    SecondFactor {
        code: String,
    },
    TotpSetup,
    ConfirmTotp {
        code: String,
    },
    ChangePassword {
        password: String,
    },
    Finish,
    CancelSignIn,
    CheckSession,
    Touch,
    LockNoted,
    Unlock {
        password: String,
    },
    SignOut {
        reason: String,
    },
    SaveTheme {
        path: PathBuf,
        theme: String,
    },
    /// A long ETL job: run on a thread of its own, reporting [`EtlEvent`]s.
    Etl {
        task: EtlTask,
        cancel: CancelToken,
    },
}

/// What the ETL tab asks for.
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

/// What an ETL job reports while it runs and when it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EtlEvent {
    Progress(Progress),
    /// Per-table summary lines, the bad rows, and the one-line outcome.
    Finished {
        lines: Vec<String>,
        rejected: Vec<String>,
        outcome: String,
        ok: bool,
    },
    Failed(String),
}

// Never print what a user typed.
impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Job::CheckUsers => "CheckUsers",
            Job::CreateFirstAdmin { .. } => "CreateFirstAdmin",
            Job::BeginSignIn { .. } => "BeginSignIn",
            Job::SecondFactor { .. } => "SecondFactor",
            Job::TotpSetup => "TotpSetup",
            Job::ConfirmTotp { .. } => "ConfirmTotp",
            Job::ChangePassword { .. } => "ChangePassword",
            Job::Finish => "Finish",
            Job::CancelSignIn => "CancelSignIn",
            Job::CheckSession => "CheckSession",
            Job::Touch => "Touch",
            Job::LockNoted => "LockNoted",
            Job::Unlock { .. } => "Unlock",
            Job::SignOut { .. } => "SignOut",
            Job::SaveTheme { .. } => "SaveTheme",
            Job::Etl { .. } => "Etl",
        };
        f.write_str(name)
    }
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobResult {
    HasUsers(bool),
    /// The sign-in moved to this step.
    Step(Step),
    Setup(TotpSetup),
    BackupCodes {
        codes: Vec<String>,
        next: Step,
    },
    SignedIn(Session),
    Session(SessionState),
    Unlocked,
    SignedOut,
    /// Nothing to show (touch, audit notes, theme saved).
    Done,
    Failed(String),
    /// From a running ETL job (not an answer to a job: it does not settle one).
    Etl(EtlEvent),
}

struct Worker {
    results: Sender<JobResult>,
    auth: Auth,
    pending: Option<PendingSignIn>,
    session: Option<Session>,
}

impl Worker {
    fn run(&mut self, job: Job) -> JobResult {
        match self.handle(job) {
            Ok(r) => r,
            Err(e) => JobResult::Failed(e.to_string()),
        }
    }

    fn pending(&mut self) -> crate::Result<&mut PendingSignIn> {
        self.pending
            .as_mut()
            .ok_or_else(|| crate::Error::Auth("no sign-in in progress; start again".into()))
    }

    fn handle(&mut self, job: Job) -> crate::Result<JobResult> {
        Ok(match job {
            Job::CheckUsers => JobResult::HasUsers(self.auth.has_users()?),
            Job::CreateFirstAdmin { username, password } => {
                self.auth.create_first_administrator(&username, &password)?;
                // Go straight on to sign the new administrator in (2FA setup comes next).
                let p = self.auth.begin_sign_in(&username, &password)?;
                let step = p.step();
                self.pending = Some(p);
                JobResult::Step(step)
            }
            Job::BeginSignIn { username, password } => {
                self.pending = None;
                let p = self.auth.begin_sign_in(&username, &password)?;
                let step = p.step();
                self.pending = Some(p);
                JobResult::Step(step)
            }
            Job::SecondFactor { code } => {
                let auth = self.auth.clone();
                let p = self.pending()?;
                auth.verify_second_factor(p, &code)?;
                JobResult::Step(p.step())
            }
            Job::TotpSetup => {
                let auth = self.auth.clone();
                JobResult::Setup(auth.totp_setup(self.pending()?)?)
            }
            Job::ConfirmTotp { code } => {
                let auth = self.auth.clone();
                let p = self.pending()?;
                let codes = auth.confirm_totp_setup(p, &code)?;
                JobResult::BackupCodes {
                    codes,
                    next: p.step(),
                }
            }
            Job::ChangePassword { password } => {
                let auth = self.auth.clone();
                let p = self.pending()?;
                auth.change_password_at_sign_in(p, &password)?;
                JobResult::Step(p.step())
            }
            Job::Finish => {
                let p = self
                    .pending
                    .take()
                    .ok_or_else(|| crate::Error::Auth("no sign-in in progress".into()))?;
                let s = self.auth.finish_sign_in(p)?;
                self.session = Some(s.clone());
                JobResult::SignedIn(s)
            }
            Job::CancelSignIn => {
                self.pending = None;
                JobResult::Done
            }
            Job::CheckSession => match &self.session {
                Some(s) => {
                    let state = self.auth.check_session(s)?;
                    if matches!(state, SessionState::Ended { .. } | SessionState::Expired) {
                        self.session = None;
                    }
                    JobResult::Session(state)
                }
                None => JobResult::Session(SessionState::Ended {
                    reason: "signed out".into(),
                }),
            },
            Job::Touch => {
                if let Some(s) = &self.session {
                    self.auth.touch_session(s)?;
                }
                JobResult::Done
            }
            Job::LockNoted => {
                if let Some(s) = &self.session {
                    self.auth.note_session_locked(s)?;
                }
                JobResult::Done
            }
            Job::Unlock { password } => {
                let s = self.session.clone().ok_or_else(|| {
                    crate::Error::Auth("the session has ended; sign in again".into())
                })?;
                self.auth.unlock_session(&s, &password)?;
                JobResult::Unlocked
            }
            Job::SignOut { reason } => {
                if let Some(s) = self.session.take() {
                    self.auth.sign_out(&s, &reason)?;
                }
                self.pending = None;
                JobResult::SignedOut
            }
            Job::SaveTheme { path, theme } => {
                crate::config::save_setting(&path, "theme", &theme)?;
                JobResult::Done
            }
            Job::Etl { task, cancel } => {
                let s = self
                    .session
                    .clone()
                    .ok_or_else(|| crate::Error::Auth("sign in first".into()))?;
                let (auth, results) = (self.auth.clone(), self.results.clone());
                std::thread::Builder::new()
                    .name("stockroom-etl".into())
                    .spawn(move || {
                        let span = crate::logging::operation_span("tui-etl");
                        let _enter = span.enter();
                        let ev = run_etl(&auth, &Actor::from_session(&s), task, &cancel, &results);
                        let _ = results.send(JobResult::Etl(ev));
                    })?;
                JobResult::Done
            }
        })
    }
}

fn run_etl(
    auth: &Auth,
    actor: &Actor,
    task: EtlTask,
    cancel: &CancelToken,
    results: &Sender<JobResult>,
) -> EtlEvent {
    let mut progress = |p: Progress| {
        let _ = results.send(JobResult::Etl(EtlEvent::Progress(p)));
    };
    let summary = |r: &ImportReport, extra: Option<String>| {
        let mut lines: Vec<String> = r
            .tables
            .iter()
            .map(|t| {
                format!(
                    "{:<12} read {:>9}  new {:>9}  changed {:>7}  same {:>9}  bad {:>6}",
                    t.table,
                    t.read,
                    t.counts.inserted,
                    t.counts.updated,
                    t.counts.unchanged,
                    t.rejected
                )
            })
            .collect();
        lines.extend(extra);
        let (read, c, _) = r.totals();
        let outcome = match r.outcome {
            Outcome::Committed => format!(
                "Imported {read} rows: {} new, {} changed, {} unchanged.",
                c.inserted, c.updated, c.unchanged
            ),
            Outcome::CommittedWithRejects => format!(
                "Imported the good rows; {} bad rows skipped.",
                r.rejected_rows
            ),
            Outcome::RolledBack => format!("{} bad rows: nothing was written.", r.rejected_rows),
            Outcome::DryRun => format!(
                "Dry run of {read} rows: nothing was written ({} bad rows).",
                r.rejected_rows
            ),
            Outcome::Cancelled => "Cancelled: nothing was written.".into(),
        };
        EtlEvent::Finished {
            lines,
            rejected: r.errors.iter().take(200).map(|e| e.to_string()).collect(),
            ok: matches!(r.outcome, Outcome::Committed | Outcome::DryRun) && r.rejected_rows == 0,
            outcome,
        }
    };
    match task {
        EtlTask::Csv { paths, options } => {
            match etl::import_csv(auth, actor, &paths, &options, cancel, &mut progress) {
                Ok(r) => summary(&r, None),
                Err(e) => EtlEvent::Failed(e.to_string()),
            }
        }
        EtlTask::Api { url, options } => {
            match etl::api::import_api(
                auth,
                actor,
                &url,
                &ApiOptions::default(),
                &options,
                cancel,
                &mut progress,
            ) {
                Ok(run) => summary(
                    &run.report,
                    Some(format!(
                        "{} requests, {} retried",
                        run.requests, run.retries
                    )),
                ),
                Err(e) => EtlEvent::Failed(e.to_string()),
            }
        }
        EtlTask::TestConnection => match etl::test_connection(auth, actor) {
            Ok(text) => EtlEvent::Finished {
                lines: vec![],
                rejected: vec![],
                outcome: text,
                ok: true,
            },
            Err(e) => EtlEvent::Failed(e.to_string()),
        },
        EtlTask::Migrate => match etl::run_migrations(auth, actor) {
            Ok(applied) if applied.is_empty() => EtlEvent::Finished {
                lines: vec![],
                rejected: vec![],
                outcome: "The schema is up to date.".into(),
                ok: true,
            },
            Ok(applied) => EtlEvent::Finished {
                lines: vec![],
                rejected: vec![],
                outcome: format!("Applied migrations {}.", applied.join(", ")),
                ok: true,
            },
            Err(e) => EtlEvent::Failed(e.to_string()),
        },
    }
}

/// Starts the worker thread; it stops when the job channel closes.
pub fn spawn(
    auth: Auth,
    jobs: Receiver<Job>,
    results: Sender<JobResult>,
) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("stockroom-worker".into())
        .spawn(move || {
            let span = crate::logging::operation_span("tui-worker");
            let _enter = span.enter();
            let mut w = Worker {
                results: results.clone(),
                auth,
                pending: None,
                session: None,
            };
            for job in jobs {
                tracing::debug!(job = ?job, "job");
                let r = w.run(job);
                if let JobResult::Failed(msg) = &r {
                    tracing::info!(error = %msg, "job failed");
                }
                if results.send(r).is_err() {
                    break;
                }
            }
        })
        .expect("spawn the worker thread")
}
