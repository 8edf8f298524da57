//! The sales report's pages: the chain, the store (or all) and the period, totals, revenue
//! by month as a bar chart and a table, order status counts, revenue by category and by
//! brand, the best products and revenue by staff member.

use super::Styling;
use super::chart;
use super::data::{self, SalesData};
use super::layout::{Column, Layout};

fn clean(s: &str) -> String {
    crate::text::escape(s).into_owned()
}

/// Lays out the report; returns the PDF and its page count.
pub fn render(d: &SalesData, s: &Styling) -> (Vec<u8>, usize) {
    let scope = match &d.store {
        Some((id, name)) => format!("{} (store #{id})", clean(name)),
        None => "All stores".to_string(),
    };
    let period = format!(
        "{} to {}",
        d.from.format("%Y-%m-%d"),
        d.to.format("%Y-%m-%d")
    );
    let mut l = Layout::new(
        &format!("Sales report: {scope}, {period}"),
        &format!("{} — Sales report: {scope}, {period}", s.chain),
    );
    l.heading(&s.chain, 18.0);
    l.heading("Sales report", 13.0);
    let t = &d.totals;
    l.fields(&[
        ("Store", scope.clone()),
        ("Period", period.clone()),
        ("Generated", s.generated.clone()),
    ]);
    l.skip(8.0);
    l.heading("Totals", 11.0);
    l.fields(&[
        ("Orders", t.orders.to_string()),
        ("Rejected orders", t.rejected.to_string()),
        ("Items sold", t.items.to_string()),
        ("Revenue", s.money(t.revenue_cents)),
        ("Average order", s.money(t.average_cents())),
    ]);
    l.paragraph("Revenue, items and averages count every order that was not rejected.");
    if d.refunds_cents > 0 {
        l.paragraph(&format!(
            "Revenue is net of returns: {} refunded in this period, taken off in the month of \
             each return.",
            s.money(d.refunds_cents)
        ));
    }
    l.skip(8.0);
    if t.orders == 0 {
        l.heading("Orders", 11.0);
        l.paragraph("There are no orders in this period.");
        return l.finish(&s.footer, s.now);
    }

    let bars: Vec<(String, i64)> = d
        .by_month
        .iter()
        .map(|m| (m.month.clone(), m.cents))
        .collect();
    chart::bars(&mut l, "Monthly revenue", &bars, &s.currency);

    l.heading("Revenue by month", 11.0);
    if let (Some(first), Some(last)) = (d.by_month.first(), d.by_month.last()) {
        l.paragraph(&format!(
            "From the first to the last month with orders in the period ({} to {}).",
            first.month, last.month
        ));
    }
    let rows: Vec<Vec<String>> = d
        .by_month
        .iter()
        .map(|m| {
            vec![
                m.month.clone(),
                m.orders.to_string(),
                m.items.to_string(),
                s.money(m.cents),
            ]
        })
        .collect();
    l.table(
        &[
            Column::left("Month", 2.0),
            Column::right("Orders", 1.0),
            Column::right("Items", 1.0),
            Column::right("Revenue", 2.0),
        ],
        &rows,
    );

    l.heading("Orders by status", 11.0);
    let rows: Vec<Vec<String>> = d
        .by_status
        .iter()
        .map(|(status, n)| vec![status.name().to_string(), n.to_string()])
        .collect();
    l.table(
        &[Column::left("Status", 3.0), Column::right("Orders", 1.0)],
        &rows,
    );

    for (title, what, groups) in [
        ("Revenue by category", "Category", &d.by_category),
        ("Revenue by brand", "Brand", &d.by_brand),
    ] {
        l.heading(title, 11.0);
        let rows: Vec<Vec<String>> = groups
            .iter()
            .map(|g| vec![clean(&g.name), g.items.to_string(), s.money(g.cents)])
            .collect();
        l.table(
            &[
                Column::left(what, 4.0),
                Column::right("Items", 1.0),
                Column::right("Revenue", 2.0),
            ],
            &rows,
        );
    }

    l.heading(&format!("Top {} products", data::TOP_PRODUCTS), 11.0);
    let rows: Vec<Vec<String>> = d
        .top_products
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                (i + 1).to_string(),
                clean(&p.name),
                clean(&p.brand),
                p.items.to_string(),
                s.money(p.cents),
            ]
        })
        .collect();
    l.table(
        &[
            Column::right("#", 0.4),
            Column::left("Product", 4.2),
            Column::left("Brand", 1.6),
            Column::right("Items", 0.8),
            Column::right("Revenue", 1.6),
        ],
        &rows,
    );

    l.heading("Revenue by staff member", 11.0);
    let rows: Vec<Vec<String>> = d
        .by_staff
        .iter()
        .map(|st| {
            vec![
                clean(&format!("{} {}", st.first_name, st.last_name)),
                clean(&st.store),
                st.orders.to_string(),
                s.money(st.cents),
            ]
        })
        .collect();
    l.table(
        &[
            Column::left("Staff member", 3.0),
            Column::left("Store", 2.4),
            Column::right("Orders", 1.0),
            Column::right("Revenue", 1.8),
        ],
        &rows,
    );
    l.finish(&s.footer, s.now)
}
