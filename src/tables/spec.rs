//! What the program knows about each of the nine data tables: columns in database order,
//! how each is parsed, which header names it answers to, how names resolve to keys, and
//! the key rows are matched on. Tables are listed parents first (foreign-key order).

/// How a cell is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    /// A whole number of at least this value (a stock level ≥ 0, an order line's quantity ≥ 1).
    AtLeast(i32),
    /// Text of at most this many characters.
    Text(usize),
    Date,
    Bool,
    /// A decimal amount (`1799.99`) stored as integer cents.
    Money,
    /// A fraction (`0.07`) stored as basis points.
    Discount,
    /// An order status: 1–4 or its name.
    Status,
    /// A product's barcode: see [`crate::barcode::check`].
    Barcode,
}

/// Where a column's value comes from when the file has no column of that name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolve {
    None,
    /// A store's name (`store_name`, `store`) → `store_id`.
    StoreByName,
    /// A member of staff's first name (`staff_name`) → `staff_id`, within the row's store if
    /// several share the name.
    StaffByFirstName,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// Other header names accepted for this column.
    pub aliases: &'static [&'static str],
    pub resolve: Resolve,
    /// Name headers for [`Resolve`]d columns.
    pub name_headers: &'static [&'static str],
}

const fn col(name: &'static str, kind: Kind, required: bool) -> Column {
    Column {
        name,
        kind,
        required,
        aliases: &[],
        resolve: Resolve::None,
        name_headers: &[],
    }
}

const fn alias(
    name: &'static str,
    kind: Kind,
    required: bool,
    aliases: &'static [&'static str],
) -> Column {
    Column {
        name,
        kind,
        required,
        aliases,
        resolve: Resolve::None,
        name_headers: &[],
    }
}

const fn by_name(
    name: &'static str,
    resolve: Resolve,
    name_headers: &'static [&'static str],
) -> Column {
    Column {
        name,
        kind: Kind::Int,
        required: true,
        aliases: &[],
        resolve,
        name_headers,
    }
}

/// A foreign key: column → parent table (its primary key).
#[derive(Debug, Clone, Copy)]
pub struct ForeignKey {
    pub column: &'static str,
    pub parent: &'static str,
    pub parent_key: &'static str,
}

#[derive(Debug)]
pub struct TableSpec {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// The primary key.
    pub key: &'static [&'static str],
    /// A unique natural key used when the file has no id column (stores by name, staff by email).
    pub natural_key: Option<&'static str>,
    pub foreign_keys: &'static [ForeignKey],
}

const fn fk(column: &'static str, parent: &'static str, parent_key: &'static str) -> ForeignKey {
    ForeignKey {
        column,
        parent,
        parent_key,
    }
}

use Kind::*;

pub static TABLES: [TableSpec; 9] = [
    TableSpec {
        name: "categories",
        columns: &[
            col("category_id", Int, true),
            alias("category_name", Text(255), true, &["name"]),
        ],
        key: &["category_id"],
        natural_key: None,
        foreign_keys: &[],
    },
    TableSpec {
        name: "brands",
        columns: &[
            col("brand_id", Int, true),
            alias("brand_name", Text(255), true, &["name"]),
        ],
        key: &["brand_id"],
        natural_key: None,
        foreign_keys: &[],
    },
    TableSpec {
        name: "products",
        columns: &[
            col("product_id", Int, true),
            alias("product_name", Text(255), true, &["name"]),
            col("brand_id", Int, true),
            col("category_id", Int, true),
            col("model_year", Int, true),
            alias("list_price_cents", Money, true, &["list_price", "price"]),
            alias("barcode", Barcode, false, &["ean", "upc", "gtin"]),
        ],
        key: &["product_id"],
        natural_key: None,
        foreign_keys: &[
            fk("brand_id", "brands", "brand_id"),
            fk("category_id", "categories", "category_id"),
        ],
    },
    TableSpec {
        name: "stores",
        columns: &[
            col("store_id", Int, false),
            alias("store_name", Text(255), true, &["name"]),
            col("phone", Text(25), false),
            col("email", Text(255), false),
            col("street", Text(255), false),
            col("city", Text(255), false),
            col("state", Text(10), false),
            alias("zip_code", Text(10), false, &["zip"]),
            col("time_zone", Text(64), false),
        ],
        key: &["store_id"],
        natural_key: Some("store_name"),
        foreign_keys: &[],
    },
    TableSpec {
        name: "staffs",
        columns: &[
            col("staff_id", Int, false),
            alias("first_name", Text(50), true, &["name"]),
            col("last_name", Text(50), true),
            col("email", Text(255), true),
            col("phone", Text(25), false),
            col("active", Bool, true),
            by_name("store_id", Resolve::StoreByName, &["store_name", "store"]),
            col("manager_id", Int, false),
        ],
        key: &["staff_id"],
        natural_key: Some("email"),
        foreign_keys: &[
            fk("store_id", "stores", "store_id"),
            fk("manager_id", "staffs", "staff_id"),
        ],
    },
    TableSpec {
        name: "stocks",
        columns: &[
            by_name("store_id", Resolve::StoreByName, &["store_name", "store"]),
            col("product_id", Int, true),
            col("quantity", AtLeast(0), true),
        ],
        key: &["store_id", "product_id"],
        natural_key: None,
        foreign_keys: &[
            fk("store_id", "stores", "store_id"),
            fk("product_id", "products", "product_id"),
        ],
    },
    TableSpec {
        name: "customers",
        columns: &[
            col("customer_id", Int, true),
            col("first_name", Text(255), true),
            col("last_name", Text(255), true),
            col("phone", Text(25), false),
            col("email", Text(255), true),
            col("street", Text(255), false),
            col("city", Text(50), false),
            col("state", Text(25), false),
            alias("zip_code", Text(10), false, &["zip"]),
        ],
        key: &["customer_id"],
        natural_key: None,
        foreign_keys: &[],
    },
    TableSpec {
        name: "orders",
        columns: &[
            col("order_id", Int, true),
            col("customer_id", Int, false),
            alias("order_status", Status, true, &["status"]),
            col("order_date", Date, true),
            col("required_date", Date, true),
            col("shipped_date", Date, false),
            by_name("store_id", Resolve::StoreByName, &["store", "store_name"]),
            by_name(
                "staff_id",
                Resolve::StaffByFirstName,
                &["staff_name", "staff"],
            ),
        ],
        key: &["order_id"],
        natural_key: None,
        foreign_keys: &[
            fk("customer_id", "customers", "customer_id"),
            fk("store_id", "stores", "store_id"),
            fk("staff_id", "staffs", "staff_id"),
        ],
    },
    TableSpec {
        name: "order_items",
        columns: &[
            col("order_id", Int, true),
            col("item_id", Int, true),
            col("product_id", Int, true),
            col("quantity", AtLeast(1), true),
            alias("list_price_cents", Money, true, &["list_price", "price"]),
            alias("discount_bp", Discount, true, &["discount"]),
        ],
        key: &["order_id", "item_id"],
        natural_key: None,
        foreign_keys: &[
            fk("order_id", "orders", "order_id"),
            fk("product_id", "products", "product_id"),
        ],
    },
];

/// The table spec for a name (`order_items`, `Order Items.csv` → `order_items`).
pub fn table(name: &str) -> Option<&'static TableSpec> {
    let n = name.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    TABLES.iter().find(|t| t.name == n)
}

/// Position in foreign-key order (parents first).
pub fn order_of(name: &str) -> usize {
    TABLES
        .iter()
        .position(|t| t.name == name)
        .unwrap_or(usize::MAX)
}

/// The table a header row most likely belongs to: every required column present, most
/// columns matched.
pub fn guess_from_header(headers: &[String]) -> Option<&'static TableSpec> {
    let has = |names: &[&str]| {
        names
            .iter()
            .any(|n| headers.iter().any(|h| h.eq_ignore_ascii_case(n)))
    };
    TABLES
        .iter()
        .filter(|t| {
            t.columns.iter().filter(|c| c.required).all(|c| {
                has(&[c.name])
                    || has(c.aliases)
                    || (c.resolve != Resolve::None && has(c.name_headers))
            })
        })
        .max_by_key(|t| {
            t.columns
                .iter()
                .filter(|c| has(&[c.name]) || has(c.aliases))
                .count()
        })
}
