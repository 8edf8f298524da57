//! A receipt as a receipt printer takes it: plain text 42 or 48 columns wide — the store, the
//! order's date, number, staff and customer, each line with its units, price, discount and
//! total, the order's total, how it was paid and the change, and any returns with their
//! refunds. Names too long for the width wrap; nothing from outside can drive a printer
//! (control characters are escaped).

use diesel::prelude::*;
use unicode_width::UnicodeWidthStr;

use crate::auth::{Actor, Auth};
use crate::db::schema::stores;
use crate::error::{Error, Result};
use crate::money::format_cents;

/// The widths receipt printers take.
pub const WIDTHS: [usize; 2] = [42, 48];

/// `left` and `right` on one line of `width`, the left cut when both do not fit.
fn pair(left: &str, right: &str, width: usize) -> String {
    let room = width.saturating_sub(right.width() + 1);
    let mut l = String::new();
    for ch in left.chars() {
        if (l.clone() + &ch.to_string()).width() > room {
            break;
        }
        l.push(ch);
    }
    let pad = width.saturating_sub(l.width() + right.width());
    format!("{l}{}{right}", " ".repeat(pad))
}

/// `text` centred in `width` (cut when longer).
fn centred(text: &str, width: usize) -> String {
    let w = text.width();
    if w >= width {
        return wrap(text, width).into_iter().next().unwrap_or_default();
    }
    format!("{}{text}", " ".repeat((width - w) / 2))
}

/// Words of `text` in lines of at most `width` columns (a word longer than that is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if candidate.width() <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            out.push(std::mem::take(&mut line));
        }
        let mut w = String::new();
        for ch in word.chars() {
            if (w.clone() + &ch.to_string()).width() > width {
                out.push(std::mem::take(&mut w));
            }
            w.push(ch);
        }
        line = w;
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

/// The receipt of an order (needs `ViewData`), `width` 42 or 48 columns.
pub fn receipt(auth: &Auth, actor: &Actor, order_id: i32, width: usize) -> Result<String> {
    if !WIDTHS.contains(&width) {
        return Err(Error::InvalidField {
            field: "width".into(),
            message: format!("{width} is not a receipt width (42 or 48)"),
        });
    }
    let o = crate::store::orders::show(auth, actor, order_id)?;
    let mut conn = auth.db().conn()?;
    let store: (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = stores::table
        .filter(stores::store_name.eq(&o.summary.store))
        .select((
            stores::store_name,
            stores::street,
            stores::city,
            stores::state,
            stores::phone,
        ))
        .first(&mut *conn)?;
    let clean = |t: &str| crate::text::escape(t).into_owned();
    let rule = "-".repeat(width);
    let mut out: Vec<String> = Vec::new();
    out.push(centred(&clean(&store.0), width));
    let place = [store.1, store.2, store.3]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    for l in wrap(&clean(&place), width) {
        out.push(centred(&l, width));
    }
    if let Some(p) = store.4 {
        out.push(centred(&clean(&p), width));
    }
    out.push(rule.clone());
    let s = &o.summary;
    out.push(pair(
        &format!("Order {}", s.order_id),
        &s.order_date.to_string(),
        width,
    ));
    out.push(pair("Staff", &clean(&s.staff), width));
    if let Some(c) = &s.customer {
        out.push(pair("Customer", &clean(c), width));
    }
    out.push(rule.clone());
    for l in &o.lines {
        out.extend(wrap(&clean(&l.product), width));
        let discount = if l.discount_bp > 0 {
            let bp = l.discount_bp;
            let pct = if bp % 100 == 0 {
                format!("{}", bp / 100)
            } else {
                let frac = format!("{:02}", bp % 100);
                format!("{}.{}", bp / 100, frac.trim_end_matches('0'))
            };
            format!(" -{pct}%")
        } else {
            String::new()
        };
        out.push(pair(
            &format!(
                "  {} x {}{discount}",
                l.quantity,
                format_cents(l.list_price_cents)
            ),
            &format_cents(l.total_cents),
            width,
        ));
    }
    out.push(rule.clone());
    out.push(pair("TOTAL", &format_cents(s.total_cents), width));
    let sales: Vec<_> = o.payments.iter().filter(|p| p.amount_cents > 0).collect();
    if sales.is_empty() {
        out.push("No tender recorded".into());
    }
    for p in &sales {
        let name = match p.tender {
            super::Tender::Cash => "Cash",
            super::Tender::Card => "Card",
            super::Tender::Other => "Other",
        };
        out.push(pair(name, &format_cents(p.tendered_cents), width));
        if p.change_cents() > 0 {
            out.push(pair("Change", &format_cents(p.change_cents()), width));
        }
    }
    for r in &o.returns {
        out.push(rule.clone());
        out.push(pair(
            &format!("Return {}", r.return_id),
            &r.return_date.to_string(),
            width,
        ));
        for (_, name, n, cents) in &r.lines {
            out.extend(wrap(&clean(name), width));
            out.push(pair(
                &format!("  {n} back"),
                &format!("-{}", format_cents(*cents)),
                width,
            ));
        }
        out.push(pair(
            &format!("Refund ({})", r.tender),
            &format!("-{}", format_cents(r.refund_cents)),
            width,
        ));
    }
    out.push(rule);
    out.push(centred("Thank you", width));
    Ok(out.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fit_the_width() {
        assert_eq!(pair("TOTAL", "1,306.77", 20), "TOTAL       1,306.77");
        assert_eq!(pair("A very long product name", "9.99", 16).width(), 16);
        assert_eq!(
            wrap("Electra Townie Original 7D EQ - 2016", 16),
            vec!["Electra Townie", "Original 7D EQ -", "2016"]
        );
        assert_eq!(centred("Hi", 6), "  Hi");
    }
}
