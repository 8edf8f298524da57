//! Deterministic demo data: the same seed always gives the same rows. Scale 1 matches the
//! original store's sizes; scale N multiplies customers, orders and order lines. Rows are
//! generated and inserted in batches inside one transaction, so memory stays flat and a
//! failed or cancelled load leaves the store as it was.

use chrono::{Days, NaiveDate};
use diesel::prelude::*;

use super::names::*;
use crate::db::bulk::BATCH_ROWS;
use crate::db::models::*;
use crate::db::schema::*;
use crate::db::{AnyConnection, Database, bulk_insert};
use crate::error::{Error, Result};
use crate::worker::{CancelToken, Progress};

/// Customers, orders and lines at scale 1.
pub const CUSTOMERS_PER_SCALE: u64 = 1_445;
pub const ORDERS_PER_SCALE: u64 = 1_615;
pub const PRODUCTS: i32 = 321;

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub scale: u32,
    pub seed: u64,
    pub replace: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            scale: 1,
            seed: 42,
            replace: false,
        }
    }
}

/// Rows written per table, in foreign-key order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub tables: Vec<(&'static str, u64)>,
}

/// A small, fast, portable PRNG (SplitMix64): the demo must not change when a crate does.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x005E_ED0F_5707_C0DE)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// Sizes for a scale.
pub fn planned_rows(scale: u32) -> (u64, u64) {
    let s = scale.max(1) as u64;
    (CUSTOMERS_PER_SCALE * s, ORDERS_PER_SCALE * s)
}

/// Counts rows in the nine data tables (users excluded).
pub fn data_row_count(conn: &mut AnyConnection) -> QueryResult<i64> {
    Ok(categories::table.count().get_result::<i64>(conn)?
        + brands::table.count().get_result::<i64>(conn)?
        + products::table.count().get_result::<i64>(conn)?
        + stores::table.count().get_result::<i64>(conn)?
        + staffs::table.count().get_result::<i64>(conn)?
        + stocks::table.count().get_result::<i64>(conn)?
        + customers::table.count().get_result::<i64>(conn)?
        + orders::table.count().get_result::<i64>(conn)?
        + order_items::table.count().get_result::<i64>(conn)?)
}

/// Deletes every row of the nine data tables (children first); users keep their accounts
/// but lose their link to a member of staff.
pub fn clear_store_data(conn: &mut AnyConnection) -> QueryResult<()> {
    diesel::update(users::table)
        .set(users::staff_id.eq(None::<i32>))
        .execute(conn)?;
    for table in ["payments", "return_lines", "order_returns", "day_closes"] {
        crate::db::dynamic::execute(conn, &format!("DELETE FROM {table}"), &[])?;
    }
    diesel::delete(order_items::table).execute(conn)?;
    diesel::delete(orders::table).execute(conn)?;
    super::sales_summary::forget_all(conn)?;
    diesel::delete(customers::table).execute(conn)?;
    diesel::delete(crate::db::schema::stock_moves::table).execute(conn)?;
    diesel::delete(stocks::table).execute(conn)?;
    diesel::update(staffs::table)
        .set(staffs::manager_id.eq(None::<i32>))
        .execute(conn)?;
    diesel::delete(staffs::table).execute(conn)?;
    diesel::delete(stores::table).execute(conn)?;
    diesel::delete(products::table).execute(conn)?;
    diesel::delete(brands::table).execute(conn)?;
    diesel::delete(categories::table).execute(conn)?;
    Ok(())
}

/// Loads the demo data. `progress` is called after each batch.
pub fn load(
    db: &Database,
    opts: &DemoOptions,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
) -> Result<DemoSummary> {
    if opts.scale == 0 {
        return Err(Error::Invalid("--scale must be at least 1".into()));
    }
    let mut conn = db.conn()?;
    // Two loads at once: the one that finds the other's rows in its way runs again, and then
    // sees the store holds data (replacing it, or refusing without --replace).
    crate::db::tx::write::<_, Error>(&mut conn, |conn| {
        let existing = data_row_count(conn)?;
        if existing > 0 {
            if !opts.replace {
                return Err(Error::Invalid(format!(
                    "the store already holds {existing} rows of data; \
                     run with --replace to delete them and load the demo"
                )));
            }
            super::sales_summary::begin_bulk(conn)?;
            clear_store_data(conn)?;
        } else {
            super::sales_summary::begin_bulk(conn)?;
        }
        let loaded = generate(conn, opts, cancel, progress).map_err(|e| match e {
            Error::Database(m)
                if crate::db::fault::classify_message(&m) == crate::db::fault::Fault::Row =>
            {
                Error::Busy("another command loaded data at the same moment".into())
            }
            other => other,
        })?;
        super::sales_summary::end_bulk(conn)?;
        Ok(loaded)
    })
}

fn generate(
    conn: &mut AnyConnection,
    opts: &DemoOptions,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(Progress),
) -> Result<DemoSummary> {
    let mut rng = Rng::new(opts.seed);
    let mut summary = DemoSummary::default();
    let (n_customers, n_orders) = planned_rows(opts.scale);

    let cats: Vec<Category> = (1..)
        .zip(CATEGORIES)
        .map(|(id, name)| Category {
            category_id: id,
            category_name: name.into(),
        })
        .collect();
    bulk_insert!(conn, categories::table, &cats)?;
    summary.tables.push(("categories", cats.len() as u64));

    let brand_rows: Vec<Brand> = (1..)
        .zip(BRANDS)
        .map(|(id, name)| Brand {
            brand_id: id,
            brand_name: name.into(),
        })
        .collect();
    bulk_insert!(conn, brands::table, &brand_rows)?;
    summary.tables.push(("brands", brand_rows.len() as u64));

    let product_rows: Vec<Product> = (1..=PRODUCTS)
        .map(|id| {
            let brand = rng.range(1, BRANDS.len() as i64) as i32;
            let category = rng.range(1, CATEGORIES.len() as i64) as i32;
            let year = rng.range(2016, 2019) as i32;
            let (lo, hi) = CATEGORY_PRICES[(category - 1) as usize];
            let whole = rng.range(lo, hi);
            let suffix = rng.pick(MODEL_SUFFIXES);
            let model = rng.pick(MODELS);
            let name = format!("{} {model} {suffix}", BRANDS[(brand - 1) as usize]);
            Product {
                product_id: id,
                product_name: format!("{} - {year}", name.trim_end()),
                brand_id: brand,
                category_id: category,
                model_year: year,
                list_price_cents: whole * 100 + 99,
                // An in-store EAN-13 (prefix 20) per product, for scanning at the till.
                barcode: Some(crate::barcode::in_store_ean13(id as u64)),
            }
        })
        .collect();
    bulk_insert!(conn, products::table, &product_rows)?;
    summary.tables.push(("products", product_rows.len() as u64));

    let store_rows: Vec<Store> = (1..)
        .zip(STORES)
        .map(
            |(id, (name, phone, email, street, city, state, zip))| Store {
                store_id: id,
                store_name: name.into(),
                phone: Some(phone.into()),
                email: Some(email.into()),
                street: Some(street.into()),
                city: Some(city.into()),
                state: Some(state.into()),
                zip_code: Some(zip.into()),
                time_zone: None,
            },
        )
        .collect();
    bulk_insert!(conn, stores::table, &store_rows)?;
    summary.tables.push(("stores", store_rows.len() as u64));

    let staff_rows: Vec<Staff> = (1..)
        .zip(STAFF)
        .map(|(id, (first, last, store, manager))| Staff {
            staff_id: id,
            first_name: first.into(),
            last_name: last.into(),
            email: format!(
                "{}.{}@bikes.shop",
                first.to_lowercase(),
                last.to_lowercase()
            ),
            phone: Some(format!("(831) 555-55{:02}", 53 + id)),
            active: true,
            store_id: store,
            manager_id: manager,
        })
        .collect();
    // Managers reference earlier rows, so one statement in id order satisfies the key.
    bulk_insert!(conn, staffs::table, &staff_rows)?;
    summary.tables.push(("staffs", staff_rows.len() as u64));

    let mut stock_rows = Vec::new();
    for store in 1..=STORES.len() as i32 {
        for product in 1..=PRODUCTS {
            if rng.chance(97) || (rng.chance(50) && rng.chance(50)) {
                stock_rows.push(Stock {
                    store_id: store,
                    product_id: product,
                    quantity: rng.range(0, 30) as i32,
                });
            }
        }
    }
    for chunk in stock_rows.chunks(BATCH_ROWS) {
        bulk_insert!(conn, stocks::table, chunk)?;
    }
    summary.tables.push(("stocks", stock_rows.len() as u64));
    // The demo's stock enters the ledger as opening moves.
    crate::store::stock::record_opening(conn, "demo", "demo data")?;

    // Customers, streamed in batches.
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let mut done = 0u64;
    for id in 1..=n_customers {
        batch.push(customer(&mut rng, id as i32));
        if batch.len() == BATCH_ROWS || id == n_customers {
            cancel.check()?;
            bulk_insert!(conn, customers::table, &batch)?;
            done += batch.len() as u64;
            batch.clear();
            progress(Progress::rows("customers", done, n_customers));
        }
    }
    summary.tables.push(("customers", n_customers));

    // Orders and their lines, streamed together: each order's lines follow it.
    let staff_by_store: Vec<Vec<i32>> = (1..=STORES.len() as i32)
        .map(|s| {
            staff_rows
                .iter()
                .filter(|st| st.store_id == s && st.manager_id.is_some())
                .map(|st| st.staff_id)
                .collect()
        })
        .collect();
    let first_day = NaiveDate::from_ymd_opt(2016, 1, 1).expect("valid date");
    let span_days: u64 = 3 * 365;
    let mut order_batch = Vec::with_capacity(BATCH_ROWS);
    let mut item_batch: Vec<OrderItem> = Vec::with_capacity(BATCH_ROWS * 3);
    let mut lines = 0u64;
    for id in 1..=n_orders {
        let day = first_day + Days::new((id - 1) * span_days / n_orders);
        let age_days = span_days - (id - 1) * span_days / n_orders;
        let status = if rng.chance(3) {
            OrderStatus::Rejected
        } else if age_days < 20 {
            *rng.pick(&[OrderStatus::Pending, OrderStatus::Processing])
        } else {
            OrderStatus::Completed
        };
        let store = match rng.range(0, 9) {
            0..=1 => 1,
            2..=8 => 2,
            _ => 3,
        };
        let shipped =
            (status == OrderStatus::Completed).then(|| day + Days::new(rng.range(1, 3) as u64));
        order_batch.push(Order {
            order_id: id as i32,
            customer_id: Some(rng.range(1, n_customers as i64) as i32),
            order_status: status.code(),
            order_date: day,
            required_date: day + Days::new(rng.range(1, 3) as u64),
            shipped_date: shipped,
            store_id: store,
            staff_id: *rng.pick(&staff_by_store[(store - 1) as usize]),
        });
        let n_lines = match rng.range(0, 99) {
            0..=22 => 1,
            23..=41 => 2,
            42..=61 => 3,
            62..=81 => 4,
            _ => 5,
        };
        let mut used: [i32; 5] = [0; 5];
        for item in 0..n_lines {
            let product = loop {
                let p = rng.range(1, PRODUCTS as i64) as i32;
                if !used.contains(&p) {
                    break p;
                }
            };
            used[item] = product;
            item_batch.push(OrderItem {
                order_id: id as i32,
                item_id: item as i32 + 1,
                product_id: product,
                quantity: rng.range(1, 2) as i32,
                list_price_cents: product_rows[(product - 1) as usize].list_price_cents,
                discount_bp: *rng.pick(&[500, 700, 1_000, 2_000]),
            });
        }
        if order_batch.len() == BATCH_ROWS || id == n_orders {
            cancel.check()?;
            bulk_insert!(conn, orders::table, &order_batch)?;
            for chunk in item_batch.chunks(BATCH_ROWS) {
                bulk_insert!(conn, order_items::table, chunk)?;
            }
            lines += item_batch.len() as u64;
            order_batch.clear();
            item_batch.clear();
            progress(Progress::rows("orders", id, n_orders));
        }
    }
    summary.tables.push(("orders", n_orders));
    summary.tables.push(("order_items", lines));
    Ok(summary)
}

fn customer(rng: &mut Rng, id: i32) -> Customer {
    let first = *rng.pick(FIRST_NAMES);
    let last = *rng.pick(LAST_NAMES);
    let region = rng.range(0, 2) as usize;
    let (state, city, zip) = *rng.pick(CITIES[region]);
    let email_local: String = format!("{first}.{last}")
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    Customer {
        customer_id: id,
        first_name: first.into(),
        last_name: last.into(),
        phone: rng.chance(12).then(|| {
            format!(
                "({}) {:03}-{:04}",
                rng.range(201, 989),
                rng.range(200, 999),
                rng.range(0, 9999)
            )
        }),
        email: format!("{email_local}{}@{}", id, rng.pick(EMAIL_DOMAINS)),
        street: Some(format!("{} {}", rng.range(1, 9999), rng.pick(STREET_WORDS))),
        city: Some(city.into()),
        state: Some(state.into()),
        zip_code: Some(format!("{zip}{:02}", rng.range(0, 99))),
    }
}
