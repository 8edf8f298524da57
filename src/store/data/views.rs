//! How each of the nine store tables is browsed: the columns shown (names in place of bare
//! foreign keys), the SQL behind each, which columns sort and which text a search looks in,
//! and which columns matter most when the terminal is narrow.

/// What a shown value is, for reading it back and showing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Int,
    Text,
    /// Integer cents.
    Money,
    /// Basis points.
    Discount,
    Date,
    /// An order status code.
    Status,
    Bool,
}

/// One shown column.
#[derive(Debug, Clone, Copy)]
pub struct ViewColumn {
    /// The name used by `--sort` and shown as the header.
    pub name: &'static str,
    /// The SQL expression (over the view's `FROM`).
    pub sql: &'static str,
    pub shown: Shown,
    /// 1 is kept longest on a narrow screen.
    pub priority: u8,
    /// For a parent's name: the parent it names, which also decides how the column sorts.
    pub by: Option<ByParent>,
}

/// A column that names a row's parent (an order's customer). Its rows sort by the parent's
/// `order` columns (one or two), then by the row's own key; a row without a parent comes
/// first (ascending), as SQL puts NULL.
#[derive(Debug, Clone, Copy)]
pub struct ByParent {
    /// The row's foreign key: `t.customer_id`.
    pub fk: &'static str,
    /// The parent as the view's `FROM` joins it: `customers cu`.
    pub from: &'static str,
    /// The parent's key: `cu.customer_id`.
    pub key: &'static str,
    /// The parent's columns the rows sort by: `cu.first_name`, `cu.last_name`.
    pub order: &'static [&'static str],
}

/// A table as browsed.
#[derive(Debug)]
pub struct View {
    pub table: &'static str,
    /// Singular, for messages ("customer 17").
    pub noun: &'static str,
    /// `FROM …` with the joins that give names.
    pub from: &'static str,
    /// The primary key's columns, qualified (`o.order_id`).
    pub key: &'static [&'static str],
    pub columns: &'static [ViewColumn],
    /// Text expressions a search looks in (case-insensitively); a number also matches the key.
    pub search: &'static [&'static str],
    /// When the searched text lives in a parent table, the search runs there once and
    /// matches rows by foreign key, instead of joining every row.
    pub search_in: Option<SearchIn>,
}

/// A search run in a parent table: rows whose `column` is among the parent's matching keys.
#[derive(Debug, Clone, Copy)]
pub struct SearchIn {
    /// `t.customer_id`
    pub column: &'static str,
    /// `customers cu`
    pub from: &'static str,
    /// `cu.customer_id`
    pub key: &'static str,
}

const fn c(name: &'static str, sql: &'static str, shown: Shown, priority: u8) -> ViewColumn {
    ViewColumn {
        name,
        sql,
        shown,
        priority,
        by: None,
    }
}

/// A column showing a parent's name (`sql`), sorted by the parent (`by`).
const fn named(name: &'static str, sql: &'static str, priority: u8, by: ByParent) -> ViewColumn {
    ViewColumn {
        by: Some(by),
        ..c(name, sql, Text, priority)
    }
}

const fn parent(
    fk: &'static str,
    from: &'static str,
    key: &'static str,
    order: &'static [&'static str],
) -> ByParent {
    ByParent {
        fk,
        from,
        key,
        order,
    }
}

const BRAND: ByParent = parent("t.brand_id", "brands b", "b.brand_id", &["b.brand_name"]);
const CATEGORY: ByParent = parent(
    "t.category_id",
    "categories c",
    "c.category_id",
    &["c.category_name"],
);
const STORE: ByParent = parent("t.store_id", "stores s", "s.store_id", &["s.store_name"]);
const PRODUCT: ByParent = parent(
    "t.product_id",
    "products p",
    "p.product_id",
    &["p.product_name"],
);
const MANAGER: ByParent = parent(
    "t.manager_id",
    "staffs m",
    "m.staff_id",
    &["m.first_name", "m.last_name"],
);
const CUSTOMER: ByParent = parent(
    "t.customer_id",
    "customers cu",
    "cu.customer_id",
    &["cu.first_name", "cu.last_name"],
);
const STAFF: ByParent = parent(
    "t.staff_id",
    "staffs st",
    "st.staff_id",
    &["st.first_name", "st.last_name"],
);

use Shown::*;

pub static VIEWS: [View; 9] = [
    View {
        table: "categories",
        noun: "category",
        from: "categories t",
        key: &["t.category_id"],
        columns: &[
            c("category_id", "t.category_id", Int, 1),
            c("category_name", "t.category_name", Text, 1),
        ],
        search: &["t.category_name"],
        search_in: None,
    },
    View {
        table: "brands",
        noun: "brand",
        from: "brands t",
        key: &["t.brand_id"],
        columns: &[
            c("brand_id", "t.brand_id", Int, 1),
            c("brand_name", "t.brand_name", Text, 1),
        ],
        search: &["t.brand_name"],
        search_in: None,
    },
    View {
        table: "products",
        noun: "product",
        from: "products t JOIN brands b ON b.brand_id = t.brand_id \
               JOIN categories c ON c.category_id = t.category_id",
        key: &["t.product_id"],
        columns: &[
            c("product_id", "t.product_id", Int, 1),
            c("product_name", "t.product_name", Text, 1),
            named("brand", "b.brand_name", 2, BRAND),
            named("category", "c.category_name", 3, CATEGORY),
            c("model_year", "t.model_year", Int, 4),
            c("list_price", "t.list_price_cents", Money, 1),
            c("barcode", "t.barcode", Text, 5),
        ],
        search: &[
            "t.product_name",
            "b.brand_name",
            "c.category_name",
            "t.barcode",
        ],
        search_in: None,
    },
    View {
        table: "stores",
        noun: "store",
        from: "stores t",
        key: &["t.store_id"],
        columns: &[
            c("store_id", "t.store_id", Int, 1),
            c("store_name", "t.store_name", Text, 1),
            c("phone", "t.phone", Text, 2),
            c("email", "t.email", Text, 3),
            c("street", "t.street", Text, 4),
            c("city", "t.city", Text, 2),
            c("state", "t.state", Text, 4),
            c("zip_code", "t.zip_code", Text, 5),
            c("time_zone", "t.time_zone", Text, 5),
        ],
        search: &["t.store_name", "t.phone", "t.email", "t.city"],
        search_in: None,
    },
    View {
        table: "staffs",
        noun: "member of staff",
        from: "staffs t JOIN stores s ON s.store_id = t.store_id \
               LEFT JOIN staffs m ON m.staff_id = t.manager_id",
        key: &["t.staff_id"],
        columns: &[
            c("staff_id", "t.staff_id", Int, 1),
            c("first_name", "t.first_name", Text, 1),
            c("last_name", "t.last_name", Text, 1),
            c("email", "t.email", Text, 3),
            c("phone", "t.phone", Text, 4),
            c("active", "t.active", Bool, 3),
            named("store", "s.store_name", 2, STORE),
            named(
                "manager",
                "CASE WHEN m.staff_id IS NULL THEN NULL ELSE CONCAT(m.first_name, ' ', m.last_name) END",
                4,
                MANAGER,
            ),
        ],
        search: &["t.first_name", "t.last_name", "t.email", "t.phone"],
        search_in: None,
    },
    View {
        table: "stocks",
        noun: "stock row",
        from: "stocks t JOIN stores s ON s.store_id = t.store_id \
               JOIN products p ON p.product_id = t.product_id",
        key: &["t.store_id", "t.product_id"],
        columns: &[
            c("store_id", "t.store_id", Int, 3),
            named("store", "s.store_name", 1, STORE),
            c("product_id", "t.product_id", Int, 3),
            named("product", "p.product_name", 1, PRODUCT),
            c("quantity", "t.quantity", Int, 1),
        ],
        search: &["s.store_name", "p.product_name"],
        search_in: None,
    },
    View {
        table: "customers",
        noun: "customer",
        from: "customers t",
        key: &["t.customer_id"],
        columns: &[
            c("customer_id", "t.customer_id", Int, 1),
            c("first_name", "t.first_name", Text, 1),
            c("last_name", "t.last_name", Text, 1),
            c("phone", "t.phone", Text, 3),
            c("email", "t.email", Text, 2),
            c("street", "t.street", Text, 5),
            c("city", "t.city", Text, 3),
            c("state", "t.state", Text, 4),
            c("zip_code", "t.zip_code", Text, 5),
        ],
        search: &[
            "t.first_name",
            "t.last_name",
            "t.email",
            "t.phone",
            "t.city",
        ],
        search_in: None,
    },
    View {
        table: "orders",
        noun: "order",
        from: "orders t LEFT JOIN customers cu ON cu.customer_id = t.customer_id \
               JOIN stores s ON s.store_id = t.store_id \
               JOIN staffs st ON st.staff_id = t.staff_id",
        key: &["t.order_id"],
        columns: &[
            c("order_id", "t.order_id", Int, 1),
            named(
                "customer",
                "CASE WHEN cu.customer_id IS NULL THEN NULL ELSE CONCAT(cu.first_name, ' ', cu.last_name) END",
                1,
                CUSTOMER,
            ),
            c("status", "t.order_status", Status, 1),
            c("order_date", "t.order_date", Date, 1),
            c("required_date", "t.required_date", Date, 4),
            c("shipped_date", "t.shipped_date", Date, 3),
            named("store", "s.store_name", 2, STORE),
            named(
                "staff",
                "CONCAT(st.first_name, ' ', st.last_name)",
                4,
                STAFF,
            ),
        ],
        search: &["cu.first_name", "cu.last_name", "cu.email"],
        search_in: Some(SearchIn {
            column: "t.customer_id",
            from: "customers cu",
            key: "cu.customer_id",
        }),
    },
    View {
        table: "order_items",
        noun: "order line",
        from: "order_items t JOIN products p ON p.product_id = t.product_id",
        key: &["t.order_id", "t.item_id"],
        columns: &[
            c("order_id", "t.order_id", Int, 1),
            c("item_id", "t.item_id", Int, 2),
            named("product", "p.product_name", 1, PRODUCT),
            c("quantity", "t.quantity", Int, 1),
            c("list_price", "t.list_price_cents", Money, 2),
            c("discount", "t.discount_bp", Discount, 3),
        ],
        search: &["p.product_name"],
        search_in: Some(SearchIn {
            column: "t.product_id",
            from: "products p",
            key: "p.product_id",
        }),
    },
];

/// The view of a table, by name.
pub fn view(table: &str) -> Option<&'static View> {
    let t = table.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    VIEWS.iter().find(|v| v.table == t)
}

impl View {
    /// The column named `name` (as shown, or as stored: `list_price_cents`, `brand_id`).
    pub fn column(&self, name: &str) -> Option<(usize, &'static ViewColumn)> {
        let n = name.trim().to_ascii_lowercase();
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == n || c.sql.rsplit('.').next() == Some(n.as_str()))
    }

    /// The joins of `from` after the table itself (`""` when there are none).
    pub fn joins(&self) -> &'static str {
        let base = self.from.split_whitespace().take(2).collect::<Vec<_>>();
        debug_assert_eq!(
            base,
            [self.table, "t"],
            "a view's FROM starts with `<table> t`"
        );
        &self.from[self.table.len() + 2..]
    }

    /// The view's `FROM` with only the joins whose alias one of `exprs` reads (every join is
    /// on the table's own foreign key to a parent's key, so dropping one changes no row).
    pub fn from_for(&self, exprs: &[&str]) -> String {
        let mut from = format!("{} t", self.table);
        for clause in self.join_clauses() {
            let alias = clause
                .split_whitespace()
                .skip_while(|w| *w != "JOIN")
                .nth(2)
                .unwrap_or_default();
            if exprs.iter().any(|e| mentions(e, alias)) {
                from.push(' ');
                from.push_str(clause);
            }
        }
        from
    }

    /// The joins of `from`, one clause each (`LEFT JOIN customers cu ON …`).
    fn join_clauses(&self) -> Vec<&'static str> {
        let joins = self.joins().trim();
        let mut starts: Vec<usize> = joins
            .match_indices("JOIN ")
            .map(|(i, _)| {
                if joins[..i].ends_with("LEFT ") {
                    i - 5
                } else {
                    i
                }
            })
            .collect();
        starts.push(joins.len());
        starts
            .windows(2)
            .map(|w| joins[w[0]..w[1]].trim())
            .filter(|c| !c.is_empty())
            .collect()
    }

    /// Whether `expr` reads only the table itself (alias `t`), so it needs no join.
    pub fn on_base(expr: &str) -> bool {
        expr.starts_with("t.") && !expr.contains(' ')
    }

    /// The positions of the key's columns among the shown columns.
    pub fn key_positions(&self) -> Vec<usize> {
        self.key
            .iter()
            .filter_map(|k| self.columns.iter().position(|c| c.sql == *k))
            .collect()
    }
}

impl ViewColumn {
    /// What the column sorts by (before the row's key): itself, or its parent's columns.
    pub fn sort_exprs(&self) -> Vec<&'static str> {
        match &self.by {
            Some(by) => by.order.to_vec(),
            None => vec![self.sql],
        }
    }
}

/// Whether `expr` reads a column of `alias` (`cu.first_name` mentions `cu`, not `u`).
fn mentions(expr: &str, alias: &str) -> bool {
    let pat = format!("{alias}.");
    expr.match_indices(&pat).any(|(i, _)| {
        !expr[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Views are statics: two are the same view when they are the same table.
impl PartialEq for View {
    fn eq(&self, other: &Self) -> bool {
        self.table == other.table
    }
}

impl Eq for View {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pick_joins_only_what_its_sort_and_search_read() {
        let orders = view("orders").unwrap();
        let customer = orders.column("customer").unwrap().1.sql;
        assert_eq!(
            orders.from_for(&[customer]),
            "orders t LEFT JOIN customers cu ON cu.customer_id = t.customer_id"
        );
        let staff = orders.column("staff").unwrap().1.sql;
        assert_eq!(
            orders.from_for(&[staff]),
            "orders t JOIN staffs st ON st.staff_id = t.staff_id"
        );
        assert_eq!(orders.from_for(&["t.order_date"]), "orders t");
        let staffs = view("staffs").unwrap();
        let manager = staffs.column("manager").unwrap().1.sql;
        assert_eq!(
            staffs.from_for(&[manager, "s.store_name"]),
            "staffs t JOIN stores s ON s.store_id = t.store_id \
             LEFT JOIN staffs m ON m.staff_id = t.manager_id"
        );
        // Every join of every view is kept when everything is read.
        for v in &VIEWS {
            let all: Vec<&str> = v.columns.iter().map(|c| c.sql).collect();
            assert_eq!(
                v.from_for(&all).split_whitespace().collect::<Vec<_>>(),
                v.from.split_whitespace().collect::<Vec<_>>(),
                "{}",
                v.table
            );
        }
    }

    #[test]
    fn a_column_sorted_by_its_parent_names_a_join_of_its_view() {
        for v in &VIEWS {
            for col in v.columns {
                let Some(by) = col.by else { continue };
                let join = format!("{} ON {} = {}", by.from, by.key, by.fk);
                assert!(v.from.contains(&join), "{}.{}: {join}", v.table, col.name);
                let alias = by.from.split_whitespace().nth(1).unwrap();
                assert!(
                    mentions(col.sql, alias),
                    "{}.{} shows its parent",
                    v.table,
                    col.name
                );
                assert!(by.order.iter().all(|e| mentions(e, alias)));
                assert!(
                    (1..=2).contains(&by.order.len()),
                    "walked with one or two names"
                );
            }
        }
    }
}
