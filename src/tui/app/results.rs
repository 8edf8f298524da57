//! The account worker's answers: each [`JobResult`] folded into the screen and the session —
//! the next sign-in step, a new session and its tabs, the session's state, a failure.

use super::screen::login_form;
use super::{App, LockCause, Notice, Screen};
use crate::auth::SessionState;
use crate::error::ErrorKind;
use crate::tui::jobs::{Job, JobResult};
use crate::tui::tabs;
use crate::tui::widgets::form::Form;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::totp;

impl App {
    pub(super) fn on_result(&mut self, r: JobResult) {
        let user_facing = !matches!(r, JobResult::Done | JobResult::Session(_));
        if user_facing {
            self.busy = None;
        }
        match r {
            JobResult::HasUsers(has) => {
                self.busy = None;
                self.screen = if has {
                    Screen::Login(login_form())
                } else {
                    Screen::FirstRun(Form::new(vec![
                        TextInput::new("Username"),
                        TextInput::secret("Password"),
                        TextInput::secret("Repeat it"),
                    ]))
                };
            }
            JobResult::Step(step) => self.route(step),
            JobResult::Setup(setup) => {
                if let Screen::TotpSetup { setup: s, qr, .. } = &mut self.screen {
                    *qr = totp::qr_pair(&setup);
                    *s = Some(setup);
                }
            }
            JobResult::BackupCodes { codes, next } => {
                self.screen = Screen::BackupCodes { codes, next };
                self.notice = None;
            }
            JobResult::SignedIn { session, empty } => {
                // A new session gets new tabs: nothing of an earlier user's survives.
                self.generation += 1;
                self.latest.clear();
                self.tabs = tabs::build(session.role);
                // What this role can do about an empty store, and nothing it cannot.
                let hint = match session.role {
                    crate::auth::Role::Employee => {
                        "The store holds no data yet: a manager or administrator loads it (ETL tab)."
                    }
                    crate::auth::Role::Manager => {
                        "The store holds no data yet: the ETL tab imports CSV or JSON files (i)."
                    }
                    crate::auth::Role::Administrator => {
                        "Empty store: the ETL tab imports files or an API; `stockroom demo` on the server loads demo data."
                    }
                };
                self.session = Some(session);
                self.store_empty = empty;
                self.notice = empty.then(|| Notice::info(hint));
                self.last_check = self.ticks;
                self.last_touch = self.ticks;
                self.open_tab(0);
            }
            JobResult::Session(state) => match state {
                SessionState::Active {
                    idle_left,
                    absolute_left,
                } => self.time_left = Some((idle_left, absolute_left)),
                SessionState::Idle => {
                    if matches!(self.screen, Screen::Main { .. }) {
                        self.lock(LockCause::Idle);
                        self.info("Locked after inactivity. Type your password to continue.");
                    }
                }
                SessionState::Expired => self.back_to_login(Notice::error(
                    "Your session reached its time limit. Sign in again.",
                )),
                SessionState::Ended { reason } => self.back_to_login(Notice::error(format!(
                    "Your session ended ({}). Sign in again.",
                    crate::tui::text::clean(&reason)
                ))),
            },
            JobResult::Unlocked => {
                self.screen = Screen::Main {
                    tab: self.resume_tab,
                };
                self.notice = None;
                self.last_touch = self.ticks;
            }
            JobResult::SignedOut => {
                if !self.quit {
                    self.back_to_login(Notice::info("Signed out."));
                }
            }
            JobResult::Done | JobResult::Tab(_) => {}
            JobResult::Failed { kind, message } => {
                if let Some(f) = self.screen.form_mut() {
                    f.clear_secrets();
                }
                let at_lock = matches!(self.screen, Screen::Lock(_));
                let signing_in = matches!(
                    self.screen,
                    Screen::SecondFactor { .. }
                        | Screen::TotpSetup { .. }
                        | Screen::PasswordChange(_)
                );
                match kind {
                    ErrorKind::SessionEnded => self.back_to_login(Notice::error(message)),
                    // The account locked itself: whoever is here proved the password, so
                    // they may be told; the sign-in (or the session) is over.
                    ErrorKind::Locked if at_lock || signing_in => {
                        self.send(Job::CancelSignIn);
                        self.back_to_login(Notice::error(message))
                    }
                    // A wrong password at the lock screen may have ended the session.
                    _ if at_lock => {
                        self.error(message);
                        self.send(Job::CheckSession);
                    }
                    _ => self.error(message),
                }
            }
        }
    }
}
