//! The sign-in state machine: what each sign-in form sends when submitted or cancelled, the
//! screen each step of the sign-in leads to, locking, and the way back to the sign-in when
//! a session ends.

use crossterm::event::KeyEvent;

use super::screen::{lock_form, login_form};
use super::{App, LockCause, Notice, Screen};
use crate::auth::Step;
use crate::tui::jobs::Job;
use crate::tui::keymap::Action;
use crate::tui::widgets::form::{Form, FormEvent};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::totp::code_form;

impl App {
    pub(super) fn on_form_key(&mut self, key: KeyEvent, action: Option<Action>) {
        if let Screen::SecondFactor { backup, .. } = &mut self.screen
            && action == Some(Action::UseBackupCode)
        {
            *backup = !*backup;
            return;
        }
        let busy = self.busy.is_some();
        let Some(form) = self.screen.form_mut() else {
            return;
        };
        match form.handle(&key, action) {
            FormEvent::Submit if !busy => self.submit(),
            FormEvent::Cancel => self.cancel(),
            _ => {}
        }
    }

    fn submit(&mut self) {
        enum Then {
            Start(&'static str, Job),
            Error(&'static str),
            Nothing,
        }
        let then = match &mut self.screen {
            Screen::FirstRun(f) => {
                let (user, pw, again) = (
                    f.value(0).to_string(),
                    f.value(1).to_string(),
                    f.value(2).to_string(),
                );
                if pw != again {
                    f.clear_secrets();
                    f.focus = 1;
                    Then::Error("The two passwords differ; type them again.")
                } else {
                    Then::Start(
                        "Creating the administrator",
                        Job::CreateFirstAdmin {
                            username: user,
                            password: pw,
                        },
                    )
                }
            }
            Screen::Login(f) => {
                let user = f.value(0).to_string();
                let pw = f.fields[1].take();
                if user.trim().is_empty() {
                    f.focus = 0;
                    Then::Error("Type your username.")
                } else {
                    Then::Start(
                        "Checking your password",
                        Job::BeginSignIn {
                            username: user,
                            password: pw,
                        },
                    )
                }
            }
            Screen::SecondFactor { form, .. } => Then::Start(
                "Checking the code",
                Job::SecondFactor {
                    code: form.fields[0].take(),
                },
            ),
            Screen::TotpSetup {
                form,
                setup: Some(_),
                ..
            } => Then::Start(
                "Turning on two-factor authentication",
                Job::ConfirmTotp {
                    code: form.fields[0].take(),
                },
            ),
            Screen::PasswordChange(f) => {
                let (pw, again) = (f.value(0).to_string(), f.value(1).to_string());
                f.clear_secrets();
                f.focus = 0;
                if pw != again {
                    Then::Error("The two passwords differ; type them again.")
                } else {
                    Then::Start(
                        "Saving the new password",
                        Job::ChangePassword { password: pw },
                    )
                }
            }
            Screen::Lock(f) => Then::Start(
                "Checking your password",
                Job::Unlock {
                    password: f.fields[0].take(),
                },
            ),
            _ => Then::Nothing,
        };
        match then {
            Then::Start(what, job) => self.start(what, job),
            Then::Error(text) => self.error(text),
            Then::Nothing => {}
        }
    }

    fn cancel(&mut self) {
        match self.screen {
            Screen::SecondFactor { .. } | Screen::TotpSetup { .. } | Screen::PasswordChange(_) => {
                self.send(Job::CancelSignIn);
                self.screen = Screen::Login(login_form());
                self.info("Sign-in cancelled.");
            }
            Screen::Lock(_) => self.start(
                "Signing out",
                Job::SignOut {
                    reason: "signed out at the lock screen".into(),
                },
            ),
            _ => {}
        }
    }

    /// Moves to the screen for a sign-in step.
    pub(super) fn route(&mut self, step: Step) {
        match step {
            Step::SecondFactor => {
                self.screen = Screen::SecondFactor {
                    form: code_form(),
                    backup: false,
                }
            }
            Step::TotpSetup => {
                self.screen = Screen::TotpSetup {
                    setup: None,
                    qr: None,
                    form: code_form(),
                };
                self.start("Preparing two-factor setup", Job::TotpSetup);
            }
            Step::PasswordChange => {
                self.screen = Screen::PasswordChange(Form::new(vec![
                    TextInput::secret("New password"),
                    TextInput::secret("Repeat it"),
                ]));
                self.info("Your password was reset: choose a new one.");
            }
            Step::Done => self.start("Opening your session", Job::Finish),
        }
    }

    pub(super) fn lock(&mut self, cause: LockCause) {
        if let Screen::Main { tab } = self.screen {
            self.resume_tab = tab;
        }
        self.lock_cause = cause;
        self.notice = None;
        self.screen = Screen::Lock(lock_form());
        self.send(Job::LockNoted);
    }

    /// Ends what the session left on screen: its tabs (and their work), its notice, its
    /// name; the sign-in comes back empty.
    pub(super) fn back_to_login(&mut self, notice: Notice) {
        for t in self.tabs.iter_mut() {
            t.cancel();
        }
        self.tabs.clear();
        self.latest.clear();
        self.writing.clear();
        self.wrote = 0;
        self.generation += 1;
        self.session = None;
        self.time_left = None;
        self.store_empty = false;
        self.help = false;
        self.screen = Screen::Login(login_form());
        self.notice = Some(notice);
    }
}
