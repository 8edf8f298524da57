//! The 2FA view of the Settings tab: a new secret's QR code with the first code to confirm
//! (turning 2FA on), or the stored one shown again — drawn by the same widget as the forced
//! setup at sign-in, over the whole window below the title so the code fits 80×24.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Clear;

use crate::auth::TotpSetup;
use crate::tui::theme::Theme;
use crate::tui::widgets::form::Form;
use crate::tui::widgets::qr::QrBlocks;
use crate::tui::widgets::totp::{self, code_form};

pub struct QrView {
    pub setup: TotpSetup,
    qr: Option<(QrBlocks, QrBlocks)>,
    /// The first code, while turning 2FA on; `None` when only showing the code again.
    pub form: Option<Form>,
}

// Never the secret in a log.
impl std::fmt::Debug for QrView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QrView {{ confirming: {} }}", self.form.is_some())
    }
}

impl QrView {
    /// Turning 2FA on: the code, then the first code from the app.
    pub fn confirm(setup: TotpSetup) -> QrView {
        QrView {
            qr: totp::qr_pair(&setup),
            setup,
            form: Some(code_form()),
        }
    }

    /// The stored code again, until a key is pressed.
    pub fn show(setup: TotpSetup) -> QrView {
        QrView {
            qr: totp::qr_pair(&setup),
            setup,
            form: None,
        }
    }

    /// Draws over the tab bar too: from just below the title to the bottom of `area`.
    pub fn draw(&self, t: &Theme, f: &mut Frame, area: Rect) {
        let top = f.area().y + 1;
        let r = Rect {
            x: area.x,
            y: top.min(area.y),
            width: area.width,
            height: area.bottom().saturating_sub(top.min(area.y)),
        };
        f.render_widget(Clear, r);
        f.render_widget(ratatui::widgets::Block::default().style(t.base), r);
        let heading = if self.form.is_some() {
            "Turn on two-factor authentication."
        } else {
            "Your 2FA key, to scan on a new phone."
        };
        totp::setup(
            t,
            heading,
            Some(&self.setup),
            self.qr.as_ref(),
            self.form.as_ref(),
            f,
            r,
        );
    }
}
