//! The day's report as a PDF: a store's Z close (or, for a day not closed yet, its X report
//! so far) — the close's number, who closed it and when, the float, the cash expected and
//! counted and the variance (over or short), then each tender's takings and refunds, the cash
//! handed over and the change given, exact to the cent, with the fonts embedded.

use super::Styling;
use super::layout::{Column, Layout};
use crate::store::till::{DayReport, Tender};

/// Lays out the report; returns the PDF and its page count.
pub fn render(r: &DayReport, s: &Styling) -> (Vec<u8>, usize) {
    let store = crate::text::escape(&r.store).into_owned();
    let kind = if r.closed.is_some() {
        "Z report"
    } else {
        "X report"
    };
    let mut l = Layout::new(
        &format!("{kind}: {store}, {}", r.business_day),
        &format!(
            "{} — {kind}: {store} (#{}), {}",
            s.chain, r.store_id, r.business_day
        ),
    );
    l.heading(&s.chain, 18.0);
    l.heading(&format!("{kind} — {store}"), 13.0);
    let f = &r.figures;
    let mut fields = vec![
        ("Store", format!("{store} (#{})", r.store_id)),
        (
            "Business day",
            r.business_day.format("%Y-%m-%d").to_string(),
        ),
    ];
    match &r.closed {
        Some(c) => {
            let v = c.variance_cents();
            fields.extend([
                ("Close", format!("#{}", c.number)),
                ("Closed by", crate::text::escape(&c.actor).into_owned()),
                ("Closed at", crate::auth::clock::format_utc(c.closed_at)),
                ("Float", s.money(c.float_cents)),
                ("Cash expected", s.money(c.expected_cents)),
                ("Cash counted", s.money(c.counted_cents)),
                (
                    "Variance",
                    match v.signum() {
                        1 => format!("over {}", s.money(v)),
                        -1 => format!("short {}", s.money(-v)),
                        _ => "even".into(),
                    },
                ),
            ]);
        }
        None => fields.push((
            "Cash expected",
            format!(
                "the float {}",
                crate::store::till::signed(f.cash_net_cents())
            ),
        )),
    }
    fields.extend([
        ("Sales", f.sales.to_string()),
        ("Refunds", f.refunds.to_string()),
        ("Generated", s.generated.clone()),
    ]);
    l.fields(&fields);
    l.skip(8.0);
    l.heading("By tender", 11.0);
    let rows: Vec<Vec<String>> = Tender::ALL
        .iter()
        .map(|t| {
            let x = f.of(*t);
            vec![
                t.as_str().to_string(),
                s.money(x.taken_cents),
                s.money(x.refunded_cents),
                s.money(x.tendered_cents),
            ]
        })
        .collect();
    l.table(
        &[
            Column::left("Tender", 1.2),
            Column::right("Taken", 1.6),
            Column::right("Refunded", 1.6),
            Column::right("Handed over", 1.6),
        ],
        &rows,
    );
    l.paragraph(&format!(
        "Cash handed over {}; change given {}; cash refunded {}.",
        s.money(f.cash.tendered_cents),
        s.money(f.change_cents),
        s.money(f.cash.refunded_cents)
    ));
    l.paragraph(&format!(
        "For the drawer beyond its float: {}.",
        s.money(f.cash_net_cents())
    ));
    if r.closed.is_none() {
        l.paragraph("This day is not closed yet: the figures are what was taken so far.");
    }
    l.finish(&s.footer, s.now)
}
