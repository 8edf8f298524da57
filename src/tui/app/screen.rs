//! Where the user is: the sign-in screens, the main screen with its tab in front, and the
//! lock screen, each with the form it types into; and why the lock screen is up.

use crate::auth::{Step, TotpSetup};
use crate::tui::widgets::form::Form;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::qr::QrBlocks;

/// Where the user is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Starting,
    FirstRun(Form),
    Login(Form),
    SecondFactor {
        form: Form,
        backup: bool,
    },
    TotpSetup {
        setup: Option<TotpSetup>,
        qr: Option<(QrBlocks, QrBlocks)>,
        form: Form,
    },
    BackupCodes {
        codes: Vec<String>,
        next: Step,
    },
    PasswordChange(Form),
    Main {
        tab: usize,
    },
    Lock(Form),
}

impl Screen {
    /// The title on the first line (scripts driving a terminal look for it).
    pub fn title(&self) -> &'static str {
        match self {
            Screen::Starting => "Starting",
            Screen::FirstRun(_) => "First run: create the administrator",
            Screen::Login(_) => "Sign in",
            Screen::SecondFactor { .. } => "Two-factor code",
            Screen::TotpSetup { .. } => "Set up two-factor authentication",
            Screen::BackupCodes { .. } => "Your backup codes",
            Screen::PasswordChange(_) => "Choose a new password",
            Screen::Main { .. } => "Main",
            Screen::Lock(_) => "Locked",
        }
    }

    pub(super) fn form_mut(&mut self) -> Option<&mut Form> {
        match self {
            Screen::FirstRun(f)
            | Screen::Login(f)
            | Screen::PasswordChange(f)
            | Screen::Lock(f) => Some(f),
            Screen::SecondFactor { form, .. } | Screen::TotpSetup { form, .. } => Some(form),
            _ => None,
        }
    }

    pub fn form(&self) -> Option<&Form> {
        match self {
            Screen::FirstRun(f)
            | Screen::Login(f)
            | Screen::PasswordChange(f)
            | Screen::Lock(f) => Some(f),
            Screen::SecondFactor { form, .. } | Screen::TotpSetup { form, .. } => Some(form),
            _ => None,
        }
    }
}

/// A sign-in form: always empty, the cursor on the username (the next person at a shared
/// terminal is someone else).
pub(super) fn login_form() -> Form {
    Form::new(vec![
        TextInput::new("Username"),
        TextInput::secret("Password"),
    ])
}

pub(super) fn lock_form() -> Form {
    Form::new(vec![TextInput::secret("Password")])
}

/// Why the lock screen is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockCause {
    /// The user pressed the lock key.
    Manual,
    /// No activity for the idle limit.
    Idle,
}
