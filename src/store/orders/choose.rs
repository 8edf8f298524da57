//! What the new-order form offers while typing: customers by name, e-mail or phone; products
//! by barcode (a scanned code names its one product), name or brand, with their price and the
//! stock left in the chosen store; a store's staff;
//! the staff member (and store) the signed-in account is linked to; a new customer added at
//! the till.

use crate::auth::{Actor, Auth, Permission};
use crate::db::dynamic::{self, Cell};
use crate::error::Result;

/// Rows offered at once.
const OFFERED: u64 = 6;

/// A customer to pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerChoice {
    pub customer_id: i32,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

/// A product to pick, with what it costs and what the store has left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductChoice {
    pub product_id: i32,
    pub name: String,
    pub brand: String,
    pub list_price_cents: i64,
    /// In the store asked about (0 when it holds none).
    pub stock_left: i64,
    pub barcode: Option<String>,
}

/// Every word typed must be found in one of `cols` (any case).
fn words_clause(conn: &crate::db::AnyConnection, text: &str, cols: &[&str]) -> (String, Vec<Cell>) {
    crate::store::words::clause(conn, text, cols).unwrap_or_else(|| ("1 = 1".into(), Vec::new()))
}

fn int(j: &[serde_json::Value], i: usize) -> i64 {
    j.get(i).and_then(|v| v.as_i64()).unwrap_or(0)
}

fn str_at(j: &[serde_json::Value], i: usize) -> Option<String> {
    j.get(i).and_then(|v| v.as_str()).map(String::from)
}

/// Customers whose id is `text` or whose name, e-mail or phone contains it.
pub fn customers(auth: &Auth, actor: &Actor, text: &str) -> Result<Vec<CustomerChoice>> {
    let mut conn = auth.db().conn()?;
    auth.authorize(&mut conn, actor, Permission::CreateOrders)?;
    let t = text.trim();
    if t.is_empty() {
        return Ok(Vec::new());
    }
    let (clause, cells) = match t.trim_start_matches('#').parse::<i32>() {
        Ok(id) => ("c.customer_id = ?".to_string(), vec![Cell::Int(Some(id))]),
        Err(_) => words_clause(
            &conn,
            t,
            &["c.first_name", "c.last_name", "c.email", "c.phone"],
        ),
    };
    let refs: Vec<&Cell> = cells.iter().collect();
    let sql = format!(
        "SELECT JSON_ARRAY(c.customer_id, CONCAT(c.first_name, ' ', c.last_name), c.email, c.phone) AS r \
         FROM customers c WHERE {clause} ORDER BY c.last_name, c.first_name, c.customer_id LIMIT {OFFERED}"
    );
    Ok(dynamic::load_json(&mut conn, &sql, &refs)?
        .iter()
        .map(|j| CustomerChoice {
            customer_id: int(j, 0) as i32,
            name: str_at(j, 1).unwrap_or_default(),
            email: str_at(j, 2).unwrap_or_default(),
            phone: str_at(j, 3),
        })
        .collect())
}

/// Products with the barcode `text` (in any of its forms, see [`crate::barcode::equivalents`]):
/// that one product; else those whose id is `text` or whose name or brand contains every word
/// of it. Each with the stock left in `store`, those in stock first.
pub fn products(auth: &Auth, actor: &Actor, store: i32, text: &str) -> Result<Vec<ProductChoice>> {
    let mut conn = auth.db().conn()?;
    auth.authorize(&mut conn, actor, Permission::CreateOrders)?;
    let t = text.trim();
    if t.is_empty() {
        return Ok(Vec::new());
    }
    if !t.contains(char::is_whitespace) && t.chars().count() <= crate::barcode::MAX_LEN {
        let codes = crate::barcode::equivalents(t);
        let mut cells = vec![Cell::Int(Some(store))];
        cells.extend(codes.iter().map(|c| Cell::Text(Some(c.clone()))));
        let marks = vec!["?"; codes.len()].join(", ");
        let found = product_rows(&mut conn, &format!("p.barcode IN ({marks})"), &cells)?;
        if !found.is_empty() {
            return Ok(found);
        }
    }
    let mut cells = vec![Cell::Int(Some(store))];
    let clause = match t.trim_start_matches('#').parse::<i32>() {
        Ok(id) => {
            cells.push(Cell::Int(Some(id)));
            "p.product_id = ?".to_string()
        }
        Err(_) => {
            let (clause, more) = words_clause(&conn, t, &["p.product_name", "b.brand_name"]);
            cells.extend(more);
            clause
        }
    };
    product_rows(&mut conn, &clause, &cells)
}

/// Products matching `clause`, with the stock left in the store bound first in `cells`.
fn product_rows(
    conn: &mut crate::db::AnyConnection,
    clause: &str,
    cells: &[Cell],
) -> Result<Vec<ProductChoice>> {
    let refs: Vec<&Cell> = cells.iter().collect();
    let sql = format!(
        "SELECT JSON_ARRAY(p.product_id, p.product_name, b.brand_name, p.list_price_cents, COALESCE(k.quantity, 0), p.barcode) AS r \
         FROM products p JOIN brands b ON b.brand_id = p.brand_id \
         LEFT JOIN stocks k ON k.product_id = p.product_id AND k.store_id = ? \
         WHERE {clause} ORDER BY COALESCE(k.quantity, 0) = 0, p.product_name, p.product_id LIMIT {OFFERED}"
    );
    Ok(dynamic::load_json(conn, &sql, &refs)?
        .iter()
        .map(|j| ProductChoice {
            product_id: int(j, 0) as i32,
            name: str_at(j, 1).unwrap_or_default(),
            brand: str_at(j, 2).unwrap_or_default(),
            list_price_cents: int(j, 3),
            stock_left: int(j, 4),
            barcode: str_at(j, 5),
        })
        .collect())
}

/// The staff of a store, `(id, name)`.
pub fn staff_of(auth: &Auth, actor: &Actor, store: i32) -> Result<Vec<(i32, String)>> {
    use crate::db::schema::staffs;
    use diesel::prelude::*;
    let mut conn = auth.db().conn()?;
    auth.authorize(&mut conn, actor, Permission::CreateOrders)?;
    let rows: Vec<(i32, String, String)> = staffs::table
        .filter(staffs::store_id.eq(store))
        .filter(staffs::active.eq(true))
        .order(staffs::staff_id)
        .select((staffs::staff_id, staffs::first_name, staffs::last_name))
        .load(&mut *conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, f, l)| (id, format!("{f} {l}")))
        .collect())
}

/// The staff member an account is linked to (`users.staff_id`), with the store they work at:
/// the new-order form's defaults. `None` for a shell user or an account with no link.
pub fn own_staff(auth: &Auth, actor: &Actor) -> Result<Option<StaffChoice>> {
    use crate::db::schema::{staffs, stores, users};
    use diesel::prelude::*;
    let mut conn = auth.db().conn()?;
    auth.authorize(&mut conn, actor, Permission::CreateOrders)?;
    let Some(user) = actor.user_id else {
        return Ok(None);
    };
    let row: Option<(i32, i32, String, String, bool, String)> = users::table
        .inner_join(staffs::table.inner_join(stores::table))
        .filter(users::user_id.eq(user))
        .select((
            staffs::staff_id,
            staffs::store_id,
            staffs::first_name,
            staffs::last_name,
            staffs::active,
            stores::store_name,
        ))
        .first(&mut *conn)
        .optional()?;
    Ok(row.map(
        |(staff_id, store_id, f, l, active, store_name)| StaffChoice {
            staff_id,
            store_id,
            name: format!("{f} {l}"),
            active,
            store_name,
        },
    ))
}

/// A staff member and the store they work at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffChoice {
    pub staff_id: i32,
    pub store_id: i32,
    pub name: String,
    /// An inactive staff member is still shown, but the form should not default to them.
    pub active: bool,
    pub store_name: String,
}

/// A customer added while selling: the clerk at the till may add the customer in front of
/// them (needs `CreateOrders`; checked per field and audited like an addition in the Data
/// tab). Returns the new customer's id.
pub fn add_customer(
    auth: &Auth,
    actor: &Actor,
    first_name: &str,
    last_name: &str,
    email: &str,
    phone: &str,
) -> Result<i32> {
    use crate::store::data::FieldChange;
    let v = |field: &str, value: &str| FieldChange {
        field: field.into(),
        value: value.trim().into(),
    };
    let key = crate::store::data::add_with(
        auth,
        actor,
        "customers",
        &[
            v("first_name", first_name),
            v("last_name", last_name),
            v("email", email),
            v("phone", phone),
        ],
        Permission::CreateOrders,
    )?;
    Ok(key.0.first().copied().unwrap_or_default())
}
