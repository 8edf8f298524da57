//! 2FA setup, forced at sign-in or chosen in Settings: the QR code (half blocks, dark on
//! light, with its quiet zone), the secret as grouped text beside it, the first code to
//! confirm; then the backup codes once. Settings also shows the QR again (no form). The
//! sign-in screens and the Settings tab both draw with these, and type codes in [`code_form`].

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::boxed::{boxed, centered};
use super::form::{Form, form_lines};
use super::input::TextInput;
use super::qr::QrBlocks;
use crate::auth::{TotpSetup, totp};
use crate::tui::theme::Theme;

/// The form a two-factor code (or a backup code) is typed in.
pub(crate) fn code_form() -> Form {
    let mut code = TextInput::new("Code");
    code.max_chars = 16;
    Form::new(vec![code])
}

/// The QR code of a setup, with a full quiet zone and with a narrower one for small windows.
pub fn qr_pair(setup: &TotpSetup) -> Option<(QrBlocks, QrBlocks)> {
    QrBlocks::new(&setup.uri, 4).zip(QrBlocks::new(&setup.uri, 2))
}

/// The setup screen under `heading`; without a form it only shows the code (any key closes).
pub fn setup(
    t: &Theme,
    heading: &str,
    setup: Option<&TotpSetup>,
    qr: Option<&(QrBlocks, QrBlocks)>,
    form: Option<&Form>,
    f: &mut Frame,
    area: Rect,
) {
    let (Some(setup), Some((wide, narrow))) = (setup, qr) else {
        f.render_widget(Paragraph::new("Preparing…").style(t.dim), area);
        return;
    };
    // The full quiet zone when it fits, else a narrower one (still light, still scannable).
    let qr = if wide.size().1 <= area.height && wide.size().0 + 34 <= area.width {
        wide
    } else {
        narrow
    };
    let (qw, qh) = qr.size();
    let qr_area = Rect {
        x: area.x,
        y: area.y,
        width: qw.min(area.width),
        height: qh.min(area.height),
    };
    f.render_widget(qr, qr_area);
    let text_area = Rect {
        x: area.x + qw + 2,
        y: area.y,
        width: area.width.saturating_sub(qw + 2),
        height: area.height,
    };
    let mut lines = vec![
        Line::styled(heading.to_string(), t.title),
        Line::default(),
        Line::from("1. Scan the code with an"),
        Line::from("   authenticator app, or type"),
        Line::from("   this key into it:"),
        Line::default(),
    ];
    let grouped = totp::grouped(&setup.secret);
    let words: Vec<&str> = grouped.split(' ').collect();
    for chunk in words.chunks(4) {
        lines.push(Line::styled(format!("   {}", chunk.join(" ")), t.accent));
    }
    lines.push(Line::default());
    match form {
        Some(form) => {
            lines.push(Line::from("2. Type the 6-digit code it"));
            lines.push(Line::from("   shows to turn 2FA on:"));
            lines.push(Line::default());
            lines.extend(form_lines(form, t));
        }
        None => lines.push(Line::styled("Any key closes.", t.dim)),
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .style(t.base),
        text_area,
    );
}

/// New backup codes, shown once under `heading`; `close` says which key goes on.
pub fn backup_codes(
    t: &Theme,
    heading: &str,
    close: &str,
    codes: &[String],
    f: &mut Frame,
    area: Rect,
) {
    let mut lines = vec![
        Line::styled(heading.to_string(), t.ok),
        Line::from("Each works once if you lose your phone. They are not shown again."),
        Line::default(),
    ];
    for pair in codes.chunks(2) {
        lines.push(Line::styled(
            format!("    {}", pair.join("      ")),
            t.accent,
        ));
    }
    lines.push(Line::default());
    lines.push(Line::from(close.to_string()));
    let r = centered(area, 72, lines.len() as u16 + 2);
    f.render_widget(ratatui::widgets::Clear, r);
    f.render_widget(
        Paragraph::new(lines)
            .block(boxed(t, "Backup codes"))
            .style(t.base),
        r,
    );
}
