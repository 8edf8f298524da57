//! PDF reports on both backends: the text `pdftotext` extracts is checked figure by figure
//! against sums computed here from the rows themselves (line totals by
//! `money::line_total_cents`, not the report's SQL), for a customer with many orders (several
//! pages), one with none and names in several scripts; the PDF parses, its page count is right,
//! "Page X of Y" is right on every page, the fonts are embedded and subset, the report is
//! audited, and an existing report is never overwritten.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{Datelike, Days, NaiveDate};
use common::TestDb;
use common::accounts::{self, PASSWORD, add, sign_in};
use diesel::prelude::*;
use stockroom::auth::{Actor, Auth, Role};
use stockroom::db::models::{Customer, Order, OrderItem};
use stockroom::db::schema::*;
use stockroom::error::ErrorKind;
use stockroom::report::{self, ReportFile, ReportOptions, SalesQuery, Target};
use stockroom::store::demo::{self, DemoOptions};
use stockroom::store::money::{line_total_cents, parse_cents};
use stockroom::worker::CancelToken;

// ---------------------------------------------------------------- fixture

const WANG: i32 = 900_001;
const ZOE: i32 = 900_002;
const JOSE: i32 = 900_003;
const NOBODY: i32 = 900_004;
/// Orders of the customer whose history runs over several pages.
const ZOE_ORDERS: i32 = 130;
const LONG_STREET: &str = "Calle de la Princesa de Asturias y de Todos los Santos Inocentes, Edificio Torre del Reloj de la Plaza Mayor, Escalera Izquierda, Planta Decimoséptima, Puerta B";

fn customer(id: i32, first: &str, last: &str, email: &str) -> Customer {
    Customer {
        customer_id: id,
        first_name: first.into(),
        last_name: last.into(),
        phone: None,
        email: email.into(),
        street: None,
        city: None,
        state: None,
        zip_code: None,
    }
}

/// Demo data at scale 1, plus our own customers with orders.
fn load(t: &TestDb) {
    demo::load(
        &t.db,
        &DemoOptions {
            scale: 1,
            seed: 42,
            replace: false,
        },
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    let mut conn = t.db.conn().unwrap();
    let customers = [
        Customer {
            phone: Some("+86 10 5555 0101".into()),
            street: Some("建国路 88 号".into()),
            city: Some("北京".into()),
            zip_code: Some("100022".into()),
            ..customer(WANG, "王小明", "Wang", "xiaoming@example.cn")
        },
        Customer {
            city: Some("Dublin".into()),
            ..customer(ZOE, "Zoë", "O'Neill", "zoe.oneill@example.ie")
        },
        Customer {
            phone: Some("+34 91 555 0199".into()),
            street: Some(LONG_STREET.into()),
            city: Some("Madrid".into()),
            state: Some("MD".into()),
            zip_code: Some("28008".into()),
            ..customer(JOSE, "José", "García Márquez", "jose@example.es")
        },
        customer(NOBODY, "Ann", "Nobody", "ann@example.com"),
    ];
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        for c in &customers {
            diesel::insert_into(customers::table)
                .values(c)
                .execute(conn)?;
        }
        let staff: Vec<(i32, i32)> = staffs::table
            .select((staffs::staff_id, staffs::store_id))
            .order(staffs::staff_id)
            .load(conn)?;
        let prices: BTreeMap<i32, i64> = products::table
            .select((products::product_id, products::list_price_cents))
            .load::<(i32, i64)>(conn)?
            .into_iter()
            .collect();
        let start = NaiveDate::from_ymd_opt(2016, 2, 3).unwrap();
        let mut next_id = 900_000;
        for (cust, n) in [(WANG, 3), (ZOE, ZOE_ORDERS), (JOSE, 4)] {
            for i in 0..n {
                next_id += 1;
                let (staff_id, store_id) = staff[(i as usize * 7 + cust as usize) % staff.len()];
                let status = match i % 9 {
                    0 => 3, // rejected
                    1 => 1,
                    2 => 2,
                    _ => 4,
                };
                let day = start + Days::new((i as u64 * 5 + cust as u64 % 3) % 1000);
                diesel::insert_into(orders::table)
                    .values(Order {
                        order_id: next_id,
                        customer_id: Some(cust),
                        order_status: status,
                        order_date: day,
                        required_date: day + Days::new(3),
                        shipped_date: None,
                        store_id,
                        staff_id,
                    })
                    .execute(conn)?;
                // One order of Zoë's has no lines at all.
                let lines = if cust == ZOE && i == 4 { 0 } else { 1 + i % 4 };
                for k in 0..lines {
                    let product_id = ((i * 37 + k * 11 + cust) % 321) + 1;
                    diesel::insert_into(order_items::table)
                        .values(OrderItem {
                            order_id: next_id,
                            item_id: k + 1,
                            product_id,
                            quantity: 1 + (i + k) % 3,
                            list_price_cents: prices[&product_id] + i64::from(k),
                            discount_bp: [0, 500, 700, 1_000, 2_000, 3_333][((i + k) % 6) as usize],
                        })
                        .execute(conn)?;
                }
            }
        }
        Ok(())
    })
    .unwrap();
}

fn options(dir: &Path) -> ReportOptions {
    ReportOptions {
        chain_name: "Bike Chain Ltd".into(),
        currency: "$".into(),
        reports_dir: dir.to_path_buf(),
        target: Target::Folder,
    }
}

// ---------------------------------------------------------------- reading PDFs

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} (poppler-utils) must be installed: {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The text of each page, as laid out.
fn pages(path: &Path) -> Vec<String> {
    let text = tool("pdftotext", &["-layout", path.to_str().unwrap(), "-"]);
    let mut pages: Vec<String> = text.split('\u{c}').map(String::from).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// What `pdfinfo` says the page count is (it parses the whole file).
fn page_count(path: &Path) -> usize {
    let info = tool("pdfinfo", &[path.to_str().unwrap()]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// `(name, embedded, subset)` of every font.
fn fonts(path: &Path) -> Vec<(String, bool, bool)> {
    tool("pdffonts", &[path.to_str().unwrap()])
        .lines()
        .skip(2)
        .map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            let n = t.len();
            (t[0].to_string(), t[n - 5] == "yes", t[n - 4] == "yes")
        })
        .collect()
}

/// Pixels of the chart's bar colour on the first page, rendered by `pdftoppm` (the bars are
/// vector rectangles: no text says they are there).
fn bar_pixels(path: &Path) -> usize {
    let out = Command::new("pdftoppm")
        .args(["-r", "40", "-f", "1", "-l", "1", path.to_str().unwrap()])
        .output()
        .expect("pdftoppm (poppler-utils)");
    assert!(out.status.success());
    // P6 <w> <h> 255 <rgb…>
    let ppm = out.stdout;
    let mut fields = 0;
    let mut at = 0;
    while fields < 4 {
        while ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        while !ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields += 1;
    }
    ppm[at + 1..]
        .chunks(3)
        .filter(|p| {
            p.len() == 3
                && (40..=52).contains(&p[0])
                && (96..=108).contains(&p[1])
                && (172..=184).contains(&p[2])
        })
        .count()
}

fn cents(token: &str) -> i64 {
    parse_cents(token.trim_start_matches('$')).unwrap_or_else(|e| panic!("{token}: {e}"))
}

/// The value after `label` on its line (`Orders      130`).
fn field(text: &str, label: &str) -> String {
    text.lines()
        .find_map(|l| {
            let rest = l.trim_start().strip_prefix(label)?;
            rest.starts_with("  ").then(|| rest.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no field {label} in:\n{text}"))
}

/// Checks the things every report must have; returns the text of its pages.
fn check_pdf(r: &ReportFile) -> Vec<String> {
    let path = r.path.as_ref().expect("written to a file");
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(bytes.len() as u64, r.bytes);
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(page_count(path), r.pages, "page count");
    let pages = pages(path);
    assert_eq!(pages.len(), r.pages);
    for (i, p) in pages.iter().enumerate() {
        let label = format!("Page {} of {}", i + 1, r.pages);
        assert!(p.contains(&label), "page {} lacks {label}:\n{p}", i + 1);
        assert!(
            p.contains("UTC") && p.contains("local"),
            "generated at on every page"
        );
    }
    let fonts = fonts(path);
    assert!(!fonts.is_empty());
    for (name, embedded, subset) in &fonts {
        assert!(
            *embedded && *subset,
            "font {name} must be embedded and subset"
        );
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "reports are private");
    pages
}

// ---------------------------------------------------------------- expected figures

#[derive(Debug, Clone, PartialEq, Eq)]
struct ExpectedOrder {
    id: i32,
    date: NaiveDate,
    store: String,
    status: &'static str,
    lines: i64,
    items: i64,
    cents: i64,
}

fn status_name(code: i16) -> &'static str {
    match code {
        1 => "Pending",
        2 => "Processing",
        3 => "Rejected",
        4 => "Completed",
        _ => "?",
    }
}

/// A customer's orders with their figures, from the rows (oldest first).
fn expected_orders(t: &TestDb, customer_id: i32) -> Vec<ExpectedOrder> {
    let mut conn = t.db.conn().unwrap();
    let orders: Vec<(i32, NaiveDate, i16, String)> = orders::table
        .inner_join(stores::table)
        .filter(orders::customer_id.eq(customer_id))
        .select((
            orders::order_id,
            orders::order_date,
            orders::order_status,
            stores::store_name,
        ))
        .load(&mut *conn)
        .unwrap();
    let mut out: Vec<ExpectedOrder> = orders
        .into_iter()
        .map(|(id, date, status, store)| {
            let items: Vec<OrderItem> = order_items::table
                .filter(order_items::order_id.eq(id))
                .select(OrderItem::as_select())
                .load(&mut *conn)
                .unwrap();
            ExpectedOrder {
                id,
                date,
                store,
                status: status_name(status),
                lines: items.len() as i64,
                items: items.iter().map(|i| i64::from(i.quantity)).sum(),
                cents: items
                    .iter()
                    .map(|i| line_total_cents(i.list_price_cents, i.quantity, i.discount_bp))
                    .sum(),
            }
        })
        .collect();
    out.sort_by_key(|o| (o.date, o.id));
    out
}

/// Order rows of the history table: `id date store… status lines items $total`.
fn order_rows(page: &str) -> Vec<(i32, NaiveDate, String, String, i64, i64, i64)> {
    page.lines()
        .filter_map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            let n = t.len();
            if n < 7 || !t[n - 1].starts_with('$') {
                return None;
            }
            let id = t[0].parse().ok()?;
            let date = NaiveDate::parse_from_str(t[1], "%Y-%m-%d").ok()?;
            Some((
                id,
                date,
                t[2..n - 4].join(" "),
                t[n - 4].to_string(),
                t[n - 3].parse().ok()?,
                t[n - 2].parse().ok()?,
                cents(t[n - 1]),
            ))
        })
        .collect()
}

fn money(c: i64) -> String {
    format!("${}", stockroom::store::money::format_cents(c))
}

fn report_events(t: &TestDb) -> Vec<String> {
    audit_events::table
        .filter(audit_events::event.eq("report"))
        .order(audit_events::audit_event_id)
        .select(audit_events::details)
        .load(&mut *t.db.conn().unwrap())
        .unwrap()
}

fn auth(t: &TestDb) -> Auth {
    accounts::auth(t).0
}

// ---------------------------------------------------------------- customer report

/// Checks a customer report's every figure against the rows; returns its pages.
fn check_customer(t: &TestDb, r: &ReportFile, id: i32) -> Vec<String> {
    let pages = check_pdf(r);
    let first = &pages[0];
    let c: Customer = customers::table
        .find(id)
        .select(Customer::as_select())
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    assert!(first.contains("Bike Chain Ltd"));
    assert!(first.contains("Customer report"));
    assert_eq!(
        field(first, "Name"),
        format!("{} {}", c.first_name, c.last_name)
    );
    assert_eq!(field(first, "E-mail"), c.email);
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    assert_eq!(field(first, "Phone"), or_dash(&c.phone));
    assert_eq!(field(first, "City"), or_dash(&c.city));
    assert_eq!(field(first, "State"), or_dash(&c.state));
    assert_eq!(field(first, "ZIP code"), or_dash(&c.zip_code));
    let street = field(first, "Street");
    if c.street.as_deref() == Some(LONG_STREET) {
        // Too long for its place: cut with an ellipsis, never overlapping.
        assert!(street.ends_with('…'), "{street}");
        assert!(LONG_STREET.starts_with(street.trim_end_matches('…')));
    } else {
        assert_eq!(street, or_dash(&c.street));
    }

    let expected = expected_orders(t, id);
    let sold: Vec<&ExpectedOrder> = expected.iter().filter(|o| o.status != "Rejected").collect();
    let revenue: i64 = sold.iter().map(|o| o.cents).sum();
    let items: i64 = sold.iter().map(|o| o.items).sum();
    let rejected = expected.len() - sold.len();
    assert_eq!(field(first, "Orders"), expected.len().to_string());
    assert_eq!(field(first, "Rejected orders"), rejected.to_string());
    assert_eq!(field(first, "Items bought"), items.to_string());
    assert_eq!(field(first, "Lifetime revenue"), money(revenue));
    let average = if sold.is_empty() {
        0
    } else {
        (revenue + sold.len() as i64 / 2) / sold.len() as i64
    };
    assert_eq!(field(first, "Average order"), money(average));

    // The history: every order once, in date order, with its figures to the cent; the
    // table's header atop every page that holds rows.
    let mut seen = Vec::new();
    for p in &pages {
        let rows = order_rows(p);
        if !rows.is_empty() {
            assert!(
                p.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
                    == [
                        "Order", "Date", "Store", "Status", "Lines", "Items", "Total"
                    ]),
                "the table header repeats on every page:\n{p}"
            );
        }
        seen.extend(rows);
    }
    let want: Vec<_> = expected
        .iter()
        .map(|o| {
            (
                o.id,
                o.date,
                o.store.clone(),
                o.status.to_string(),
                o.lines,
                o.items,
                o.cents,
            )
        })
        .collect();
    assert_eq!(seen, want);
    // The totals stand again after the last row of the history.
    if !expected.is_empty() {
        let ends = pages
            .iter()
            .rposition(|p| !order_rows(p).is_empty())
            .unwrap();
        let rest = pages[ends..].join("\n");
        let after = rest
            .split("Totals of the order history")
            .nth(1)
            .unwrap_or_else(|| panic!("no totals after the history:\n{rest}"));
        assert!(order_rows(after).is_empty(), "after the last row");
        assert_eq!(field(after, "Orders"), expected.len().to_string());
        assert_eq!(field(after, "Items bought"), items.to_string());
        assert_eq!(field(after, "Lifetime revenue"), money(revenue));
    }
    let bars = bar_pixels(r.path.as_ref().unwrap());
    if sold.iter().all(|o| o.cents == 0) {
        assert_eq!(bars, 0, "no bars without spending");
    } else {
        assert!(bars > 20, "the chart's bars are drawn ({bars} pixels)");
    }
    if expected.is_empty() {
        assert!(first.contains("This customer has no orders."));
    } else {
        assert!(first.contains("Spending by month"));
    }
    pages
}

both_backends!(customer_reports_match_the_rows_to_the_cent, |t: TestDb| {
    load(&t);
    let auth = auth(&t);
    let dir = tempfile::tempdir().unwrap();
    let o = options(&dir.path().join("reports"));
    let actor = accounts::cli();

    // Many orders: several pages.
    let r = report::customer(&auth, &actor, ZOE, &o).unwrap();
    assert!(r.pages >= 3, "{} orders on {} pages", ZOE_ORDERS, r.pages);
    let pages = check_customer(&t, &r, ZOE);
    assert!(pages[0].contains("Zoë O'Neill"));
    assert!(
        pages[1].contains("Customer report: Zoë O'Neill"),
        "running head"
    );
    let day = report::local_day(auth.now()).format("%Y-%m-%d");
    assert_eq!(
        r.path.as_deref(),
        Some(
            dir.path()
                .join(format!("reports/customer-{ZOE}-{day}.pdf"))
                .as_path()
        )
    );

    // Names in other scripts, printed as written, with the fallback font for Chinese.
    let r = report::customer(&auth, &actor, WANG, &o).unwrap();
    let pages = check_customer(&t, &r, WANG);
    assert!(pages[0].contains("王小明 Wang"), "{}", pages[0]);
    assert!(pages[0].contains("建国路 88 号"));
    let names: Vec<String> = fonts(r.path.as_ref().unwrap())
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert!(
        names.iter().any(|n| n.ends_with("+DejaVuSans")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.ends_with("+DroidSansFallback")),
        "{names:?}"
    );

    let r = report::customer(&auth, &actor, JOSE, &o).unwrap();
    let pages = check_customer(&t, &r, JOSE);
    assert!(pages[0].contains("José García Márquez"));
    assert_eq!(
        fonts(r.path.as_ref().unwrap()).len(),
        1,
        "no fallback font when no text needs it"
    );

    // No orders: still a valid report that says so.
    let r = report::customer(&auth, &actor, NOBODY, &o).unwrap();
    assert_eq!(r.pages, 1);
    let pages = check_customer(&t, &r, NOBODY);
    assert_eq!(field(&pages[0], "Lifetime revenue"), "$0.00");

    // A demo customer (the data the store really has).
    let demo_customer: i32 = orders::table
        .select(orders::customer_id)
        .filter(orders::customer_id.is_not_null())
        .order(orders::order_id)
        .first::<Option<i32>>(&mut *t.db.conn().unwrap())
        .unwrap()
        .unwrap();
    let r = report::customer(&auth, &actor, demo_customer, &o).unwrap();
    check_customer(&t, &r, demo_customer);

    // Every report audited.
    let events = report_events(&t);
    assert_eq!(events.len(), 5);
    assert!(events[0].contains(&format!("report=customer customer={ZOE}")));
    assert!(events[0].contains(&format!("orders={ZOE_ORDERS}")));

    // Unknown customer: a clear error, no file, no audit row.
    let e = report::customer(&auth, &actor, 77_777_777, &o).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(
        e.to_string().contains("there is no customer 77777777"),
        "{e}"
    );
    assert_eq!(report_events(&t).len(), 5);
});

both_backends!(reports_never_overwrite_and_go_where_asked, |t: TestDb| {
    load(&t);
    let auth = auth(&t);
    let dir = tempfile::tempdir().unwrap();
    let o = options(&dir.path().join("reports"));
    let actor = accounts::cli();
    let first = report::customer(&auth, &actor, JOSE, &o).unwrap();
    let first_path = first.path.clone().unwrap();
    let before = std::fs::read(&first_path).unwrap();
    let second = report::customer(&auth, &actor, JOSE, &o).unwrap();
    let third = report::customer(&auth, &actor, JOSE, &o).unwrap();
    let stem = first_path
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let beside = |n: u32| first_path.with_file_name(format!("{stem}-{n}.pdf"));
    assert_eq!(second.path, Some(beside(2)));
    assert_eq!(third.path, Some(beside(3)));
    assert_eq!(
        std::fs::read(&first_path).unwrap(),
        before,
        "left as it was"
    );

    // An explicit file that exists: a numbered name beside it, never over it.
    let mine = dir.path().join("mine.pdf");
    std::fs::write(&mine, b"not a report").unwrap();
    let r = report::customer(
        &auth,
        &actor,
        JOSE,
        &ReportOptions {
            target: Target::File(mine.clone()),
            ..o.clone()
        },
    )
    .unwrap();
    assert_eq!(r.path, Some(dir.path().join("mine-2.pdf")));
    assert_eq!(std::fs::read(&mine).unwrap(), b"not a report");
    check_customer(&t, &r, JOSE);

    // Bytes only (`--out -`): nothing written to the folder, still audited.
    let r = report::customer(
        &auth,
        &actor,
        JOSE,
        &ReportOptions {
            target: Target::Bytes,
            ..o.clone()
        },
    )
    .unwrap();
    assert!(r.path.is_none());
    assert!(r.pdf.as_ref().unwrap().starts_with(b"%PDF-"));
    let events = report_events(&t);
    assert_eq!(events.len(), 5);
    assert!(events[4].ends_with("to=-"), "{}", events[4]);

    // The latest reports for the Reports tab, newest first.
    let latest = report::latest(&o, 2).unwrap();
    assert_eq!(latest.len(), 2);
    assert!(latest.iter().all(|r| r.bytes > 0 && r.modified > 0));
});

both_backends!(
    every_role_may_export_and_the_role_is_read_at_call_time,
    |t: TestDb| {
        load(&t);
        let auth = auth(&t);
        add(&auth, "root", Role::Administrator);
        add(&auth, "clerk", Role::Employee);
        add(&auth, "boss", Role::Manager);
        let dir = tempfile::tempdir().unwrap();
        let o = ReportOptions {
            target: Target::Bytes,
            ..options(dir.path())
        };
        for name in ["clerk", "boss"] {
            let (session, _) = sign_in(&auth, name, PASSWORD, None);
            let actor = Actor::from_session(&session);
            report::customer(&auth, &actor, JOSE, &o).unwrap();
            report::sales(&auth, &actor, &SalesQuery::default(), &o).unwrap();
        }
        let (session, _) = sign_in(&auth, "clerk", PASSWORD, None);
        let clerk = Actor::from_session(&session);
        auth.set_active(&accounts::cli(), "clerk", false).unwrap();
        let e = report::customer(&auth, &clerk, JOSE, &o).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SessionEnded);
        let e = report::sales(&auth, &clerk, &SalesQuery::default(), &o).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SessionEnded);
        let events = report_events(&t);
        assert_eq!(events.len(), 4, "refused reports are not audited as made");
    }
);

// ---------------------------------------------------------------- sales report

#[derive(Debug, Default, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Sums {
    orders: i64,
    items: i64,
    cents: i64,
}

struct ExpectedSales {
    orders: i64,
    rejected: i64,
    by_status: BTreeMap<&'static str, i64>,
    total: Sums,
    by_month: BTreeMap<String, Sums>,
    by_category: BTreeMap<String, Sums>,
    by_brand: BTreeMap<String, Sums>,
    /// `(product id, name, brand)` → sums.
    by_product: BTreeMap<(i32, String, String), Sums>,
    /// `(first last, store)` → sums.
    by_staff: BTreeMap<(String, String), Sums>,
}

/// The sales figures from the rows, summed here.
fn expected_sales(t: &TestDb, store: Option<i32>, from: NaiveDate, to: NaiveDate) -> ExpectedSales {
    let mut conn = t.db.conn().unwrap();
    let mut q = orders::table
        .inner_join(stores::table)
        .inner_join(staffs::table)
        .filter(orders::order_date.ge(from))
        .filter(orders::order_date.le(to))
        .select((
            orders::order_id,
            orders::order_status,
            orders::order_date,
            stores::store_name,
            staffs::first_name,
            staffs::last_name,
        ))
        .into_boxed();
    if let Some(s) = store {
        q = q.filter(orders::store_id.eq(s));
    }
    let orders: Vec<(i32, i16, NaiveDate, String, String, String)> = q.load(&mut *conn).unwrap();
    let mut e = ExpectedSales {
        orders: orders.len() as i64,
        rejected: 0,
        by_status: ["Pending", "Processing", "Rejected", "Completed"]
            .into_iter()
            .map(|s| (s, 0))
            .collect(),
        total: Sums::default(),
        by_month: BTreeMap::new(),
        by_category: BTreeMap::new(),
        by_brand: BTreeMap::new(),
        by_product: BTreeMap::new(),
        by_staff: BTreeMap::new(),
    };
    // Months from the first to the last with orders in the range (none without orders).
    if let (Some(first), Some(last)) = (
        orders.iter().map(|o| o.2).min(),
        orders.iter().map(|o| o.2).max(),
    ) {
        let mut m = first.with_day(1).unwrap();
        while m <= last {
            e.by_month
                .insert(format!("{}-{:02}", m.year(), m.month()), Sums::default());
            m = m.checked_add_months(chrono::Months::new(1)).unwrap();
        }
    }
    for (id, status, date, store_name, first, last) in orders {
        *e.by_status.get_mut(status_name(status)).unwrap() += 1;
        if status == 3 {
            e.rejected += 1;
            continue;
        }
        let month = format!("{}-{:02}", date.year(), date.month());
        let staff_key = (format!("{first} {last}"), store_name.clone());
        e.total.orders += 1;
        e.by_month.get_mut(&month).unwrap().orders += 1;
        e.by_staff.entry(staff_key.clone()).or_default().orders += 1;
        let lines: Vec<(i32, i64, i32, i32, String, String, String)> = order_items::table
            .inner_join(
                products::table
                    .inner_join(brands::table)
                    .inner_join(categories::table),
            )
            .filter(order_items::order_id.eq(id))
            .select((
                order_items::quantity,
                order_items::list_price_cents,
                order_items::discount_bp,
                products::product_id,
                products::product_name,
                brands::brand_name,
                categories::category_name,
            ))
            .load(&mut *conn)
            .unwrap();
        for (qty, price, disc, pid, name, brand, category) in lines {
            let c = line_total_cents(price, qty, disc);
            let q = i64::from(qty);
            for s in [
                &mut e.total,
                e.by_month.get_mut(&month).unwrap(),
                e.by_category.entry(category.clone()).or_default(),
                e.by_brand.entry(brand.clone()).or_default(),
                e.by_product
                    .entry((pid, name.clone(), brand.clone()))
                    .or_default(),
            ] {
                s.items += q;
                s.cents += c;
            }
            e.by_staff.get_mut(&staff_key).unwrap().cents += c;
        }
    }
    e
}

/// The report's lines between `heading` and the next section heading, running heads,
/// footers and repeated table headers left out.
fn section(pages: &[String], heading: &str) -> Vec<Vec<String>> {
    const HEADINGS: [&str; 7] = [
        "Monthly revenue",
        "Revenue by month",
        "Orders by status",
        "Revenue by category",
        "Revenue by brand",
        "Top 20 products",
        "Revenue by staff member",
    ];
    const HEADERS: [&str; 6] = ["Month", "Status", "Category", "Brand", "#", "Staff"];
    let mut out = Vec::new();
    let mut inside = false;
    for p in pages {
        for l in p.lines() {
            let trimmed = l.trim();
            if HEADINGS.contains(&trimmed) {
                inside = trimmed == heading;
                continue;
            }
            let t: Vec<String> = trimmed.split_whitespace().map(String::from).collect();
            if !inside
                || t.is_empty()
                || trimmed.contains(" — Sales report")
                || trimmed.contains("Page ")
                || trimmed.starts_with("From the first to the last month")
                || HEADERS.contains(&t[0].as_str())
            {
                continue;
            }
            out.push(t);
        }
    }
    out
}

/// `name… items $revenue` rows as a map.
fn grouped(rows: &[Vec<String>]) -> BTreeMap<String, Sums> {
    rows.iter()
        .map(|t| {
            let n = t.len();
            (
                t[..n - 2].join(" "),
                Sums {
                    orders: 0,
                    items: t[n - 2].parse().unwrap(),
                    cents: cents(&t[n - 1]),
                },
            )
        })
        .collect()
}

fn without_orders(m: &BTreeMap<String, Sums>) -> BTreeMap<String, Sums> {
    m.iter()
        .map(|(k, s)| {
            (
                k.clone(),
                Sums {
                    orders: 0,
                    ..s.clone()
                },
            )
        })
        .collect()
}

fn check_sales(t: &TestDb, r: &ReportFile, store: Option<i32>, from: NaiveDate, to: NaiveDate) {
    let pages = check_pdf(r);
    let e = expected_sales(t, store, from, to);
    let first = &pages[0];
    assert!(first.contains("Sales report"));
    assert_eq!(
        field(first, "Period"),
        format!("{} to {}", from.format("%Y-%m-%d"), to.format("%Y-%m-%d"))
    );
    assert_eq!(field(first, "Orders"), e.orders.to_string());
    assert_eq!(field(first, "Rejected orders"), e.rejected.to_string());
    assert_eq!(field(first, "Items sold"), e.total.items.to_string());
    assert_eq!(field(first, "Revenue"), money(e.total.cents));
    let n = e.total.orders;
    let avg = if n == 0 {
        0
    } else {
        (e.total.cents + n / 2) / n
    };
    assert_eq!(field(first, "Average order"), money(avg));
    if e.orders == 0 {
        assert!(first.contains("There are no orders in this period."));
        assert_eq!(bar_pixels(r.path.as_ref().unwrap()), 0);
        return;
    }
    assert!(
        bar_pixels(r.path.as_ref().unwrap()) > 20,
        "the chart's bars are drawn"
    );

    let months: BTreeMap<String, Sums> = section(&pages, "Revenue by month")
        .iter()
        .map(|t| {
            assert_eq!(t.len(), 4, "{t:?}");
            (
                t[0].clone(),
                Sums {
                    orders: t[1].parse().unwrap(),
                    items: t[2].parse().unwrap(),
                    cents: cents(&t[3]),
                },
            )
        })
        .collect();
    assert_eq!(months, e.by_month);

    let statuses: BTreeMap<&str, i64> = section(&pages, "Orders by status")
        .iter()
        .map(|t| {
            let name = ["Pending", "Processing", "Rejected", "Completed"]
                .into_iter()
                .find(|s| *s == t[0])
                .unwrap();
            (name, t[1].parse().unwrap())
        })
        .collect();
    assert_eq!(statuses, e.by_status);

    let categories = section(&pages, "Revenue by category");
    assert_eq!(grouped(&categories), without_orders(&e.by_category));
    let brands = section(&pages, "Revenue by brand");
    assert_eq!(grouped(&brands), without_orders(&e.by_brand));
    for rows in [&categories, &brands] {
        let c: Vec<i64> = rows.iter().map(|t| cents(t.last().unwrap())).collect();
        assert!(c.windows(2).all(|w| w[0] >= w[1]), "best first: {c:?}");
    }

    // Top 20: rank, the product (its name may be cut to fit), items and revenue.
    let mut best: Vec<(&(i32, String, String), &Sums)> = e.by_product.iter().collect();
    best.sort_by(|a, b| b.1.cents.cmp(&a.1.cents).then(a.0.0.cmp(&b.0.0)));
    best.truncate(20);
    let top = section(&pages, "Top 20 products");
    assert_eq!(top.len(), best.len());
    for (i, (row, ((_, name, brand), sums))) in top.iter().zip(&best).enumerate() {
        let n = row.len();
        assert_eq!(row[0], (i + 1).to_string());
        let line = row.join(" ");
        let prefix: String = name.chars().take(12).collect();
        assert!(line.contains(prefix.trim()), "{line} / {name}");
        assert!(line.contains(brand.as_str()), "{line} / {brand}");
        assert_eq!(row[n - 2].parse::<i64>().unwrap(), sums.items, "{line}");
        assert_eq!(cents(&row[n - 1]), sums.cents, "{line}");
    }

    let staff = section(&pages, "Revenue by staff member");
    assert_eq!(staff.len(), e.by_staff.len());
    for ((who, store_name), sums) in &e.by_staff {
        let found = staff.iter().any(|t| {
            let n = t.len();
            let line = t.join(" ");
            line.starts_with(who.as_str())
                && line.contains(store_name.as_str())
                && t[n - 2].parse::<i64>().ok() == Some(sums.orders)
                && cents(&t[n - 1]) == sums.cents
        });
        assert!(found, "{who} at {store_name}: {sums:?} in {staff:?}");
    }
}

both_backends!(sales_reports_match_the_rows_to_the_cent, |t: TestDb| {
    load(&t);
    let auth = auth(&t);
    let dir = tempfile::tempdir().unwrap();
    let o = options(dir.path());
    let actor = accounts::cli();
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();

    let q = SalesQuery {
        store: Some(1),
        from: Some(d(2017, 1, 1)),
        to: Some(d(2017, 12, 31)),
    };
    let r = report::sales(&auth, &actor, &q, &o).unwrap();
    assert!(r.pages >= 2);
    check_sales(&t, &r, Some(1), d(2017, 1, 1), d(2017, 12, 31));
    assert_eq!(
        r.path,
        Some(
            dir.path()
                .join("sales-store-1-2017-01-01-to-2017-12-31.pdf")
        )
    );

    // All stores, a range that starts and ends mid-month.
    let q = SalesQuery {
        store: None,
        from: Some(d(2016, 11, 15)),
        to: Some(d(2017, 2, 10)),
    };
    let r = report::sales(&auth, &actor, &q, &o).unwrap();
    check_sales(&t, &r, None, d(2016, 11, 15), d(2017, 2, 10));

    // No orders in the range: a valid report that says so.
    let q = SalesQuery {
        store: Some(2),
        from: Some(d(2030, 1, 1)),
        to: Some(d(2030, 3, 31)),
    };
    let r = report::sales(&auth, &actor, &q, &o).unwrap();
    assert_eq!(r.pages, 1);
    check_sales(&t, &r, Some(2), d(2030, 1, 1), d(2030, 3, 31));

    // The default: the last full month before today.
    let r = report::sales(&auth, &actor, &SalesQuery::default(), &o).unwrap();
    let (from, to) = report::last_full_month(report::local_day(auth.now()));
    check_sales(&t, &r, None, from, to);

    let events = report_events(&t);
    assert_eq!(events.len(), 4);
    assert!(events[0].starts_with("report=sales store=1 from=2017-01-01 to=2017-12-31"));

    // Unknown store, empty range: clear errors, nothing written.
    let e = report::sales(
        &auth,
        &actor,
        &SalesQuery {
            store: Some(99),
            ..SalesQuery::default()
        },
        &o,
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "store: there is no store 99");
    let e = report::sales(
        &auth,
        &actor,
        &SalesQuery {
            store: None,
            from: Some(d(2017, 12, 1)),
            to: Some(d(2017, 1, 1)),
        },
        &o,
    )
    .unwrap_err();
    assert!(e.to_string().contains("the range is empty"), "{e}");
    assert_eq!(report_events(&t).len(), 4);
});

// ---------------------------------------------------------------- command line

fn stockroom(home: &Path, url: &str, reports: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stockroom"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("STOCKROOM_SECRET_KEY", "11".repeat(32))
        .env("STOCKROOM_REPORTS_DIR", reports)
        .env("STOCKROOM_CHAIN_NAME", "Bike Chain Ltd")
        .current_dir(home)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

both_backends!(the_report_commands, |t: TestDb| {
    load(&t);
    let home = tempfile::tempdir().unwrap();
    let reports = home.path().join("reports");
    let run = |args: &[&str]| stockroom(home.path(), &t.url, &reports, args);

    // To the reports folder: the path on standard output.
    let out = run(&["report", "customer", &ZOE.to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let path = PathBuf::from(text(&out.stdout).trim());
    assert!(path.starts_with(&reports), "{path:?}");
    let zoe = pages(&path);
    assert!(zoe[0].contains("Bike Chain Ltd"));
    assert!(zoe[0].contains("Zoë O'Neill"));

    // `--out -`: the PDF itself on standard output.
    let out = run(&["report", "customer", &WANG.to_string(), "--out", "-"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.starts_with(b"%PDF-"));
    let piped = home.path().join("piped.pdf");
    std::fs::write(&piped, &out.stdout).unwrap();
    assert!(pages(&piped)[0].contains("王小明"));

    let file = home.path().join("sales.pdf");
    let out = run(&[
        "report",
        "sales",
        "--store",
        "1",
        "--from",
        "2017-01",
        "--to",
        "2017-03",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), file.to_str().unwrap());
    assert!(pages(&file)[0].contains("2017-01-01 to 2017-03-31"));

    // Failures: exit 1 and one clear line.
    for (args, says) in [
        (
            vec!["report", "customer", "77777777"],
            "there is no customer 77777777",
        ),
        (
            vec!["report", "sales", "--store", "99"],
            "store: there is no store 99",
        ),
        (
            vec![
                "report",
                "sales",
                "--from",
                "2017-12-01",
                "--to",
                "2017-01-01",
            ],
            "the range is empty",
        ),
        (
            vec!["report", "sales", "--from", "01/12/2017"],
            "--from: `01/12/2017` is not a date",
        ),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    assert_eq!(report_events(&t).len(), 3);
});
