//! The workers: the account worker (one thread that owns the sign-in in progress and the
//! session, and runs those requests in order) and the pool that runs the tabs' work (see
//! [`super::work`]). The UI thread only sends [`Job`]s and folds [`JobResult`]s; it never
//! waits on the database.

use std::path::PathBuf;

use crossbeam_channel::{Receiver, Sender};

use super::work::{TabJob, TabReply};
use crate::auth::{Auth, PendingSignIn, Session, SessionState, Step, TotpSetup};
use crate::error::ErrorKind;

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
    /// Work of a tab, for the pool.
    Tab(Box<TabJob>),
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
            Job::Tab(_) => "Tab",
        };
        f.write_str(name)
    }
}

/// What came back.
#[derive(Debug)]
pub enum JobResult {
    HasUsers(bool),
    /// The sign-in moved to this step.
    Step(Step),
    Setup(TotpSetup),
    BackupCodes {
        codes: Vec<String>,
        next: Step,
    },
    /// Signed in; `empty` when the store holds no data yet.
    SignedIn {
        session: Session,
        empty: bool,
    },
    Session(SessionState),
    Unlocked,
    SignedOut,
    /// Nothing to show (touch, audit notes, theme saved).
    Done,
    Failed {
        kind: ErrorKind,
        message: String,
    },
    /// For a tab, from the pool (its events do not settle a request; its result does).
    Tab(TabReply),
}

struct Worker {
    auth: Auth,
    pending: Option<PendingSignIn>,
    session: Option<Session>,
}

impl Worker {
    fn run(&mut self, job: Job) -> JobResult {
        match self.handle(job) {
            Ok(r) => r,
            Err(e) => JobResult::Failed {
                kind: e.kind(),
                message: e.to_string(),
            },
        }
    }

    fn pending(&mut self) -> crate::Result<&mut PendingSignIn> {
        self.pending
            .as_mut()
            .ok_or_else(|| crate::Error::Auth("no sign-in in progress; start again".into()))
    }

    fn handle(&mut self, job: Job) -> crate::Result<JobResult> {
        Ok(match job {
            Job::CheckUsers => {
                // Sessions left open by a process that died are ended (and audited) now.
                if let Err(e) = self.auth.close_stale_sessions() {
                    tracing::warn!(error = %e, "could not close stale sessions");
                }
                JobResult::HasUsers(self.auth.has_users()?)
            }
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
                // Whether to tell the user how to load data (a failed count is not a reason
                // to refuse the session).
                let empty = crate::store::is_empty(&self.auth).unwrap_or(false);
                JobResult::SignedIn { session: s, empty }
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
                    crate::Error::SessionEnded("the session has ended; sign in again".into())
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
            // Routed to the pool by `Workers::send`; never reaches this thread.
            Job::Tab(_) => JobResult::Done,
        })
    }
}

/// The running workers; dropping this stops them.
pub struct Workers {
    account: Sender<Job>,
    tabs: Sender<TabJob>,
    handle: std::thread::JoinHandle<()>,
}

impl Workers {
    /// Starts the account worker and a pool of `pool_threads` for tab work; both answer on
    /// `results`.
    pub fn spawn(auth: Auth, pool_threads: usize, results: Sender<JobResult>) -> Workers {
        let (tx, rx) = crossbeam_channel::unbounded();
        let tabs = super::work::spawn_pool(auth.clone(), pool_threads, results.clone());
        Workers {
            account: tx,
            tabs,
            handle: spawn(auth, rx, results),
        }
    }

    /// Hands a job to the worker that runs it.
    pub fn send(&self, job: Job) {
        let _ = match job {
            Job::Tab(t) => self.tabs.send(*t).map_err(|_| ()),
            other => self.account.send(other).map_err(|_| ()),
        };
    }

    /// Stops taking jobs; the account worker finishes what it has (a sign-out) and ends.
    pub fn close(self) -> std::thread::JoinHandle<()> {
        self.handle
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
                auth,
                pending: None,
                session: None,
            };
            for job in jobs {
                tracing::debug!(job = ?job, "job");
                let r = w.run(job);
                if let JobResult::Failed { message, .. } = &r {
                    tracing::info!(error = %message, "job failed");
                }
                if results.send(r).is_err() {
                    break;
                }
            }
        })
        .expect("spawn the worker thread")
}
