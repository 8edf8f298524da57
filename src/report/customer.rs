//! The customer report's pages: the chain and the customer's details (a missing value shown
//! as "—"), totals, spending by month as a bar chart, the order history as a table, the
//! returns, and the totals again.

use super::Styling;
use super::chart;
use super::data::CustomerData;
use super::layout::{Column, Layout};

/// Shown for a value the store does not have.
pub const MISSING: &str = "—";

/// `value` cleaned for print, or "—" when it is missing or blank.
pub fn or_missing(value: Option<&str>) -> String {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => crate::text::escape(v).into_owned(),
        _ => MISSING.to_string(),
    }
}

/// The customer's totals, with what they count.
fn totals(l: &mut Layout, d: &CustomerData, s: &Styling) {
    let t = &d.totals;
    l.fields(&[
        ("Orders", t.orders.to_string()),
        ("Rejected orders", t.rejected.to_string()),
        ("Items bought", t.items.to_string()),
        ("Lifetime revenue", s.money(t.revenue_cents)),
        ("Average order", s.money(t.average_cents())),
        (
            "Refunded",
            s.money(d.returns.iter().map(|r| r.refund_cents).sum()),
        ),
    ]);
    l.paragraph(
        "Items, revenue and the average count every order that was not rejected; refunds are \
         for units brought back (listed under Returns).",
    );
}

/// Lays out the report; returns the PDF and its page count.
pub fn render(d: &CustomerData, s: &Styling) -> (Vec<u8>, usize) {
    let c = &d.customer;
    let name = crate::text::escape(&format!("{} {}", c.first_name, c.last_name)).into_owned();
    let mut l = Layout::new(
        &format!("Customer report: {name}"),
        &format!("{} — Customer report: {name} (#{})", s.chain, c.customer_id),
    );
    l.heading(&s.chain, 18.0);
    l.heading("Customer report", 13.0);
    l.fields(&[
        ("Customer", format!("#{}", c.customer_id)),
        ("Name", name.clone()),
        ("E-mail", or_missing(Some(&c.email))),
        ("Phone", or_missing(c.phone.as_deref())),
        ("Street", or_missing(c.street.as_deref())),
        ("City", or_missing(c.city.as_deref())),
        ("State", or_missing(c.state.as_deref())),
        ("ZIP code", or_missing(c.zip_code.as_deref())),
        ("Generated", s.generated.clone()),
    ]);
    l.skip(8.0);

    l.heading("Totals", 11.0);
    totals(&mut l, d, s);
    l.skip(8.0);

    if d.orders.is_empty() {
        l.heading("Order history", 11.0);
        l.paragraph("This customer has no orders.");
    } else {
        chart::bars(&mut l, "Spending by month", &d.by_month, &s.currency);
        l.heading("Order history", 11.0);
        let rows: Vec<Vec<String>> = d
            .orders
            .iter()
            .map(|o| {
                vec![
                    o.order_id.to_string(),
                    o.order_date.format("%Y-%m-%d").to_string(),
                    crate::text::escape(&o.store).into_owned(),
                    o.status_name().to_string(),
                    o.line_count.to_string(),
                    o.items.to_string(),
                    s.money(o.total_cents),
                ]
            })
            .collect();
        l.table(
            &[
                Column::right("Order", 0.9),
                Column::left("Date", 1.3),
                Column::left("Store", 2.8),
                Column::left("Status", 1.4),
                Column::right("Lines", 0.8),
                Column::right("Items", 0.8),
                Column::right("Total", 1.6),
            ],
            &rows,
        );
        if !d.returns.is_empty() {
            l.heading("Returns", 11.0);
            let rows: Vec<Vec<String>> = d
                .returns
                .iter()
                .map(|r| {
                    vec![
                        r.return_id.to_string(),
                        r.return_date.format("%Y-%m-%d").to_string(),
                        r.order_id.to_string(),
                        r.units.to_string(),
                        crate::text::escape(&r.tender).into_owned(),
                        s.money(r.refund_cents),
                    ]
                })
                .collect();
            l.table(
                &[
                    Column::right("Return", 0.9),
                    Column::left("Date", 1.3),
                    Column::right("Order", 0.9),
                    Column::right("Units", 0.8),
                    Column::left("Refund by", 1.2),
                    Column::right("Refund", 1.6),
                ],
                &rows,
            );
        }
        // The totals again after the last row, wherever the history ends.
        l.heading("Totals of the order history", 11.0);
        totals(&mut l, d, s);
    }
    l.finish(&s.footer, s.now)
}
