//! Drawing the Settings tab: your account and the store-wide settings on the left, the
//! settings in force on the right; the forms, the QR code and new backup codes over them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{Ctx, FormKind, SettingsTab};
use crate::auth::Permission;
use crate::auth::store_settings::{self, CURRENCY, EDITABLE};
use crate::tui::text::clean;
use crate::tui::widgets::boxed::{boxed, centered};
use crate::tui::widgets::form::form_lines;
use crate::tui::widgets::totp;

/// A store-wide setting's value in force, as typed into its form.
pub fn value_of(tab: &SettingsTab, ctx: &Ctx, key: &str) -> String {
    match key {
        "low_stock_threshold" => ctx.shop.low_stock_threshold.to_string(),
        "sales_target_per_store_month" => (ctx.shop.target_per_store_month_cents / 100).to_string(),
        CURRENCY => ctx.shop.currency.clone(),
        _ => tab
            .limits
            .as_ref()
            .and_then(|l| store_settings::auth_value(l, key))
            .map_or_else(|| "…".into(), |n| n.to_string()),
    }
}

fn account(tab: &SettingsTab, ctx: &Ctx) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let twofa = match tab.own {
        Some(o) if o.enabled => format!("on · {} backup codes left", o.codes_left),
        Some(_) => "off".into(),
        None => "…".into(),
    };
    let mut lines = vec![
        Line::styled("Your account", t.title),
        Line::from(format!(
            "  signed in as  {} ({})",
            clean(ctx.username),
            ctx.role
        )),
        Line::from(format!("  2FA           {twofa}")),
        Line::default(),
        Line::styled("Store-wide", t.title),
    ];
    let admin = ctx.role.allows(Permission::ChangeSettings);
    for (i, e) in EDITABLE.iter().enumerate() {
        let value = match e.key {
            "sales_target_per_store_month" => {
                format!(
                    "{} a month",
                    ctx.shop.money(ctx.shop.target_per_store_month_cents)
                )
            }
            CURRENCY => format!("“{}”", clean(&ctx.shop.currency)),
            _ => format!("{} {}", value_of(tab, ctx, e.key), e.unit),
        };
        let mark = if tab.picking == Some(i) { "›" } else { " " };
        let line = format!("{mark} {:<18} {value}", e.label);
        lines.push(if tab.picking == Some(i) {
            Line::styled(line, t.focus)
        } else {
            Line::from(line)
        });
    }
    lines.push(Line::styled(
        if admin {
            "e changes one (saved to the config file)."
        } else {
            "Read only: Administrators change these."
        },
        t.dim,
    ));
    lines
}

fn in_force(ctx: &Ctx) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let mut lines = vec![
        Line::styled("In force", t.title),
        Line::from(format!("  theme           {}", ctx.theme.name.as_str())),
    ];
    for (k, v) in ctx.settings {
        lines.push(Line::from(format!("  {:<15} {}", clean(k), clean(v))));
    }
    lines.push(Line::styled(
        "Others: the config file (stockroom --help says where) or STOCKROOM_* variables, which win over it.",
        t.dim,
    ));
    lines
}

pub fn draw(tab: &SettingsTab, ctx: &Ctx, f: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let block = boxed(t, "Settings");
    let inner = block.inner(area);
    f.render_widget(block.style(t.base), area);
    let [left, right] =
        Layout::horizontal([Constraint::Length(46), Constraint::Min(10)]).areas(inner);
    let para = |lines| {
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .style(t.base)
    };
    f.render_widget(para(account(tab, ctx)), left);
    f.render_widget(para(in_force(ctx)), right);
    let overlay = |title: &str, lines: Vec<Line>, f: &mut Frame| {
        let r = centered(area, 70, lines.len() as u16 + 4);
        f.render_widget(Clear, r);
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(boxed(t, title))
                .style(t.base),
            r,
        );
    };
    if let Some((kind, form)) = &tab.form {
        let mut lines = form_lines(form, t);
        lines.push(Line::default());
        let title = match kind {
            FormKind::Password => {
                let unmet = ctx.policy.unmet(form.value(1), ctx.username);
                lines.push(if unmet.is_empty() {
                    Line::styled("New password: meets every rule.", t.ok)
                } else {
                    Line::styled(format!("Still needs: {}.", unmet.join(", ")), t.dim)
                });
                "Change your password".to_string()
            }
            FormKind::BackupCodes => "New backup codes".into(),
            FormKind::TotpOn => "Turn 2FA on".into(),
            FormKind::ShowQr => "Show the 2FA QR code".into(),
            FormKind::TotpOff => "Turn 2FA off".into(),
            FormKind::Store(key) => {
                let e = store_settings::editable(key).ok();
                let allowed = match store_settings::range(key) {
                    Some((lo, hi)) => format!(
                        "Allowed: {} to {} {}.",
                        crate::text::group_digits(lo.into()),
                        crate::text::group_digits(hi.into()),
                        e.map_or("", |e| e.unit)
                    ),
                    None => "Allowed: 1 to 8 characters, such as $, € or `CHF `.".into(),
                };
                lines.push(Line::from(allowed));
                lines.push(Line::styled(
                    format!(
                        "Saved to {}: in use here at once, on other terminals from their next start.",
                        ctx.config_path.display()
                    ),
                    t.dim,
                ));
                format!("Change: {}", e.map_or(*key, |e| e.label))
            }
        };
        if !matches!(kind, FormKind::Password | FormKind::Store(_)) {
            lines.push(Line::styled("Type your password again to go on.", t.dim));
        }
        overlay(&title, lines, f);
    }
    if let Some(q) = &tab.qr {
        q.draw(t, f, area);
    }
    if let Some(codes) = &tab.codes {
        totp::backup_codes(
            t,
            "Your new backup codes: save them now; any older ones no longer work.",
            "Each works once. Any key hides them for good.",
            codes,
            f,
            area,
        );
    }
}
