//! Changing records: the editable fields of each table (from the tables' catalogue, so a
//! value is checked the same way whether it was typed or imported), edits checked against
//! what the editor saw (another terminal's change in between is refused, nothing lost),
//! additions, and deletions refused in words while other records depend on the record.

use chrono::NaiveDate;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::rules;
use super::value::{Key, Value};
use super::view_of;
use super::views::View;
use crate::auth::audit::{self, Event};
use crate::auth::{Actor, Auth, Permission};
use crate::db::dynamic::{self, Cell};
use crate::db::{AnyConnection, dialect, tx};
use crate::error::{Error, Result};
use crate::tables::cell::{self as cell_value, DateFormat};
use crate::tables::spec::{self, Kind, TableSpec};

/// One editable field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The stored column.
    pub column: &'static str,
    /// The name people type (`list_price` for `list_price_cents`).
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// Part of the primary key (set when adding, never changed).
    pub key: bool,
    /// The table a foreign key refers to.
    pub refers_to: Option<&'static str>,
}

/// A field's new value, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub value: String,
}

/// What an edit changed: field, old value, new value (as people read them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub key: Key,
    pub changed: Vec<(String, String, String)>,
}

/// Columns that must be unique, for the message when a value is taken.
const UNIQUE: [(&str, &str); 5] = [
    ("products", "barcode"),
    ("categories", "category_name"),
    ("brands", "brand_name"),
    ("stores", "store_name"),
    ("staffs", "email"),
];

pub(super) fn spec_of(view: &View) -> &'static TableSpec {
    spec::table(view.table).expect("every view is a table spec")
}

/// The editable fields of `table`, in table order (a stock row also takes the reason for a
/// change of its quantity, which is a count); an id the database gives is not required.
pub fn fields(table: &str) -> Result<Vec<Field>> {
    let view = view_of(table)?;
    let spec = spec_of(view);
    let mut fields = fields_of(spec);
    // A table the database numbers takes a new record without its id.
    if spec.key.len() == 1 && view.table != "order_items" {
        for f in fields.iter_mut().filter(|f| f.key) {
            f.required = false;
        }
    }
    if view.table == "stocks" {
        fields.push(REASON_FIELD);
    }
    Ok(fields)
}

/// The reason a change of stock gives (not a column: it goes with the move).
const REASON_FIELD: Field = Field {
    column: rules::REASON,
    name: rules::REASON,
    kind: Kind::Text(255),
    required: true,
    key: false,
    refers_to: None,
};

/// Takes the reason out of a stock edit's changes (other tables have no such field).
fn take_reason(table: &str, changes: &[FieldChange]) -> (Vec<FieldChange>, Option<String>) {
    if table != "stocks" {
        return (changes.to_vec(), None);
    }
    let mut reason = None;
    let rest = changes
        .iter()
        .filter(|c| {
            let is = c.field.trim().eq_ignore_ascii_case(rules::REASON);
            if is {
                reason = Some(c.value.clone());
            }
            !is
        })
        .cloned()
        .collect();
    (rest, reason)
}

fn fields_columns(fields: &[Field]) -> Vec<&'static str> {
    fields.iter().map(|f| f.column).collect()
}

fn this_year(auth: &Auth) -> i32 {
    use chrono::Datelike;
    chrono::DateTime::from_timestamp(auth.now(), 0)
        .map(|d| d.year())
        .unwrap_or(2026)
}

fn fields_of(spec: &'static TableSpec) -> Vec<Field> {
    spec.columns
        .iter()
        .map(|c| Field {
            column: c.name,
            name: match c.kind {
                Kind::Money | Kind::Discount => c.aliases.first().copied().unwrap_or(c.name),
                _ => c.name,
            },
            kind: c.kind,
            required: c.required || spec.key.contains(&c.name),
            key: spec.key.contains(&c.name),
            refers_to: spec
                .foreign_keys
                .iter()
                .find(|f| f.column == c.name)
                .map(|f| f.parent),
        })
        .collect()
}

fn field<'a>(fields: &'a [Field], name: &str, table: &str) -> Result<&'a Field> {
    let n = name.trim().to_ascii_lowercase();
    fields
        .iter()
        .find(|f| f.name == n || f.column == n)
        .ok_or_else(|| Error::InvalidField {
            field: crate::text::escape_bounded(name, 40),
            message: format!(
                "{table} has no such field (one of: {})",
                fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
            ),
        })
}

/// Checks one typed value for a field of `table`; `Ok(null)` for an empty optional field.
fn parse_field(table: &str, f: &Field, text: &str, this_year: i32) -> Result<Cell> {
    let invalid = |message: String| Error::InvalidField {
        field: f.name.into(),
        message,
    };
    let cell = cell_value::parse(text, f.kind, &DateFormat::Auto).map_err(invalid)?;
    if cell.is_null() && f.required {
        return Err(invalid("is required".into()));
    }
    if f.column == "time_zone"
        && let Cell::Text(Some(t)) = &cell
    {
        crate::store::zones::parse(t).map_err(invalid)?;
    }
    let number = match &cell {
        Cell::Int(Some(v)) => Some(i64::from(*v)),
        Cell::BigInt(Some(v)) => Some(*v),
        _ => None,
    };
    if let Some(v) = number
        && f.kind != Kind::Discount
    {
        crate::bounds::check(table, f.column, v, this_year).map_err(invalid)?;
    }
    if f.column == "email"
        && let Cell::Text(Some(t)) = &cell
        && !looks_like_email(t)
    {
        return Err(invalid(
            "is not an e-mail address (name@example.com)".into(),
        ));
    }
    Ok(cell)
}

fn looks_like_email(t: &str) -> bool {
    match t.split_once('@') {
        Some((user, host)) => {
            !user.is_empty()
                && !host.starts_with('.')
                && host.contains('.')
                && !host.ends_with('.')
                && !t.chars().any(char::is_whitespace)
                && !host.contains('@')
        }
        None => false,
    }
}

/// The stored values of a record, by field.
fn stored(conn: &mut AnyConnection, view: &View, fields: &[Field], key: &Key) -> Result<Vec<Cell>> {
    let spec = spec_of(view);
    let cols: Vec<&str> = fields.iter().map(|f| f.column).collect();
    let clause = spec
        .key
        .iter()
        .map(|k| format!("{k} = ?"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let cells: Vec<Cell> = key.0.iter().map(|v| Cell::Int(Some(*v))).collect();
    let sql = format!(
        "SELECT JSON_ARRAY({}) AS r FROM {} WHERE {clause}",
        cols.join(", "),
        spec.name
    );
    let rows = dynamic::load_json(conn, &sql, &cells.iter().collect::<Vec<_>>())?;
    let row = rows
        .first()
        .ok_or_else(|| Error::NotFound(format!("there is no {} {key}", view.noun)))?;
    Ok(fields
        .iter()
        .zip(row)
        .map(|(f, j)| cell_of_json(f.kind, j))
        .collect())
}

fn cell_of_json(kind: Kind, j: &serde_json::Value) -> Cell {
    let int = j
        .as_i64()
        .or_else(|| j.as_str().and_then(|s| s.parse().ok()));
    match kind {
        Kind::Int | Kind::AtLeast(_) | Kind::Discount => Cell::Int(int.map(|v| v as i32)),
        Kind::Money => Cell::BigInt(int),
        Kind::Status => Cell::SmallInt(int.map(|v| v as i16)),
        Kind::Bool => Cell::Bool(j.as_bool().or(int.map(|v| v != 0))),
        Kind::Date => Cell::Date(
            j.as_str()
                .and_then(|s| NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()),
        ),
        Kind::Text(_) | Kind::Barcode => Cell::Text(j.as_str().map(String::from)),
    }
}

/// A stored value as people read it.
pub(super) fn display(f: &Field, c: &Cell) -> String {
    let v = match c {
        Cell::Int(Some(v)) if f.kind == Kind::Discount => Value::Discount(*v as i64),
        Cell::Int(Some(v)) => Value::Int(*v as i64),
        Cell::BigInt(Some(v)) => Value::Money(*v),
        Cell::SmallInt(Some(v)) => Value::Status(*v),
        Cell::Text(Some(t)) => Value::Text(t.clone()),
        Cell::Date(Some(d)) => Value::Date(*d),
        Cell::Bool(Some(b)) => Value::Bool(*b),
        _ => Value::Null,
    };
    v.display()
}

/// The values of a record as its edit form starts them (for [`set`]'s `expected`).
pub fn form_values(
    auth: &Auth,
    actor: &Actor,
    table: &str,
    key: &Key,
) -> Result<Vec<(Field, Cell)>> {
    let view = view_of(table)?;
    let fields = fields_of(spec_of(view));
    let mut conn = auth.db().conn()?;
    auth.authorize(&mut conn, actor, Permission::ViewData)?;
    let cells = stored(&mut conn, view, &fields, key)?;
    Ok(fields.into_iter().zip(cells).collect())
}

/// A record as its edit form starts: each field with its value as people type it, and the
/// stored values the edit is checked against (opaque to front ends).
#[derive(Debug, Clone)]
pub struct EditForm {
    pub fields: Vec<(Field, String)>,
    pub base: Base,
}

/// What an editor started from; [`save`] refuses the edit if the record changed since.
#[derive(Debug, Clone, PartialEq)]
pub struct Base(Vec<Cell>);

/// A stored value as it is typed back (money without separators, discounts as fractions,
/// empty for null), so an untouched field parses to the same value.
fn edit_text(f: &Field, c: &Cell) -> String {
    match c {
        Cell::Int(Some(bp)) if f.kind == Kind::Discount => {
            let s = format!("{}.{:04}", bp / 10_000, bp % 10_000);
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        Cell::BigInt(Some(cents)) => format!("{}.{:02}", cents / 100, cents % 100),
        c if c.is_null() => String::new(),
        c => display(f, c),
    }
}

/// The edit form of a record (needs `ViewData`; saving needs `EditRecords`).
pub fn edit_form(auth: &Auth, actor: &Actor, table: &str, key: &Key) -> Result<EditForm> {
    let pairs = form_values(auth, actor, table, key)?;
    let base = Base(pairs.iter().map(|(_, c)| c.clone()).collect());
    let mut fields: Vec<(Field, String)> =
        pairs.iter().map(|(f, c)| (*f, edit_text(f, c))).collect();
    if view_of(table)?.table == "stocks" {
        fields.push((REASON_FIELD, String::new()));
    }
    Ok(EditForm { fields, base })
}

/// Saves the fields of an edit form whose text differs from where it started, checked
/// against `base` (see [`set`]).
pub fn save(
    auth: &Auth,
    actor: &Actor,
    table: &str,
    key: &Key,
    form: &EditForm,
    typed: &[String],
) -> Result<Change> {
    let changes: Vec<FieldChange> = form
        .fields
        .iter()
        .zip(typed)
        .filter(|((f, before), now)| !f.key && before.trim() != now.trim())
        .map(|((f, _), now)| FieldChange {
            field: f.name.to_string(),
            value: now.trim().to_string(),
        })
        .collect();
    if changes.is_empty() {
        return Ok(Change {
            key: key.clone(),
            changed: Vec::new(),
        });
    }
    set(auth, actor, table, key, Some(&form.base.0), &changes)
}

/// Checks that the records `cells` refer to exist ("brand_id: there is no brand 99").
fn check_parents(
    conn: &mut AnyConnection,
    fields: &[Field],
    cells: &[(usize, Cell)],
) -> Result<()> {
    for (i, c) in cells {
        let f = &fields[*i];
        if let (Some(parent), Some(id)) = (f.refers_to, c.as_int()) {
            let parent_view = super::views::view(parent).expect("a store table");
            let pk = spec::table(parent).expect("a store table").key[0];
            let n = dynamic::load_count(
                conn,
                &format!("SELECT COUNT(*) AS n FROM {parent} WHERE {pk} = ?"),
                &[c],
            )?;
            if n == 0 {
                return Err(Error::InvalidField {
                    field: f.name.into(),
                    message: format!("there is no {} {id}", parent_view.noun),
                });
            }
        }
    }
    Ok(())
}

/// A refused write, in words: a taken unique value names its field.
fn write_error(view: &View, fields: &[Field], written: &[(usize, Cell)], e: DieselError) -> Error {
    if let DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) = &e {
        for (i, _) in written {
            let f = &fields[*i];
            if UNIQUE.contains(&(view.table, f.column)) {
                return Error::InvalidField {
                    field: f.name.into(),
                    message: format!("another {} already has this value", view.noun),
                };
            }
        }
        return Error::Conflict(format!("a {} with this key already exists", view.noun));
    }
    e.into()
}

/// Changes fields of a record. `expected` holds the values the editor started from (from
/// [`form_values`]); when another terminal changed the record since, nothing is written and
/// the edit is refused. Without `expected` the record as read now is the base. Needs
/// `EditRecords`; audited with each field's old and new value.
pub fn set(
    auth: &Auth,
    actor: &Actor,
    table: &str,
    key: &Key,
    expected: Option<&[Cell]>,
    changes: &[FieldChange],
) -> Result<Change> {
    let view = view_of(table)?;
    let fields = fields_of(spec_of(view));
    let (changes, reason) = take_reason(view.table, changes);
    let year = this_year(auth);
    let mut parsed: Vec<(usize, Cell)> = Vec::new();
    for ch in &changes {
        let f = field(&fields, &ch.field, view.table)?;
        if f.key {
            return Err(Error::InvalidField {
                field: f.name.into(),
                message: "is part of the key and cannot be changed".into(),
            });
        }
        let i = fields
            .iter()
            .position(|x| x.column == f.column)
            .expect("found");
        parsed.retain(|(j, _)| *j != i);
        parsed.push((i, parse_field(view.table, f, &ch.value, year)?));
    }
    let mut conn = auth.db().conn()?;
    tx::write(&mut conn, |conn| {
        auth.authorize(conn, actor, Permission::EditRecords)?;
        let now = stored(conn, view, &fields, key)?;
        let base = expected.unwrap_or(&now);
        if base != now.as_slice() {
            return Err(changed_elsewhere(view, key));
        }
        // A stock quantity given with a reason is a count, even of what the row holds: the
        // ledger may say otherwise (a write behind Stockroom's back), and the count puts it right.
        let counting = view.table == "stocks" && reason.is_some();
        let writes: Vec<&(usize, Cell)> = parsed
            .iter()
            .filter(|(i, c)| now[*i] != *c || (counting && fields[*i].column == "quantity"))
            .collect();
        if writes.is_empty() {
            return Ok(Change {
                key: key.clone(),
                changed: Vec::new(),
            });
        }
        let owned: Vec<(usize, Cell)> = writes.iter().map(|w| (*w).clone()).collect();
        check_parents(conn, &fields, &owned)?;
        let spec = spec_of(view);
        let columns: Vec<&'static str> = fields.iter().map(|f| f.column).collect();
        let row = rules::Row {
            columns: &columns,
            before: &now,
            writes: &owned,
        };
        let by = rules::Doer {
            actor: &actor.name,
            at: auth.now(),
        };
        let mut ledger_said = None;
        let through_ledger = match view.table {
            "orders" => {
                rules::order_edit(conn, key.0[0], &row)?;
                false
            }
            "order_items" => {
                rules::line_edit(conn, key.0[0], &row, &by)?;
                false
            }
            "stocks" => {
                let why = rules::count_reason(reason.as_deref())?;
                let counted = row.after("quantity").unwrap_or(0);
                ledger_said = Some(rules::stock_count(
                    conn, key.0[0], key.0[1], counted, why, &by,
                )?);
                true
            }
            _ => false,
        };
        let set = writes
            .iter()
            .map(|(i, _)| format!("{} = ?", fields[*i].column))
            .collect::<Vec<_>>()
            .join(", ");
        let mut conds: Vec<String> = spec.key.iter().map(|k| format!("{k} = ?")).collect();
        conds.extend(
            fields
                .iter()
                .map(|f| dialect::null_safe_eq(conn, f.column, "?")),
        );
        let key_cells: Vec<Cell> = key.0.iter().map(|v| Cell::Int(Some(*v))).collect();
        let mut binds: Vec<&Cell> = writes.iter().map(|(_, c)| c).collect();
        binds.extend(key_cells.iter());
        binds.extend(now.iter());
        let sql = format!(
            "UPDATE {} SET {set} WHERE {}",
            spec.name,
            conds.join(" AND ")
        );
        // A stock row's only field, its quantity, went through the ledger.
        if !through_ledger {
            let n = dynamic::execute(conn, &sql, &binds)
                .map_err(|e| write_error(view, &fields, &owned, e))?;
            if n != 1 {
                return Err(changed_elsewhere(view, key));
            }
        }
        // A count's old value is what the ledger said.
        let changed: Vec<(String, String, String)> = writes
            .iter()
            .map(|(i, c)| {
                let f = &fields[*i];
                let old = match ledger_said {
                    Some(l) if f.column == "quantity" => l.to_string(),
                    _ => display(f, &now[*i]),
                };
                (f.name.to_string(), old, display(f, c))
            })
            .collect();
        audit::record(
            conn,
            auth.now(),
            &actor.name,
            &actor.terminal,
            Event::RecordEdited,
            &format!(
                "table={} key={key} {}{}",
                view.table,
                changed
                    .iter()
                    .map(|(f, old, new)| format!("{f}: {old} → {new}"))
                    .collect::<Vec<_>>()
                    .join("; "),
                reason
                    .as_deref()
                    .filter(|_| through_ledger)
                    .map(|r| format!(" (reason: {})", r.trim()))
                    .unwrap_or_default()
            ),
        )?;
        Ok(Change {
            key: key.clone(),
            changed,
        })
    })
}

fn changed_elsewhere(view: &View, key: &Key) -> Error {
    Error::Conflict(format!(
        "{} {key} was changed on another terminal since you opened it; nothing was saved — \
         open it again to see the new values",
        view.noun
    ))
}

/// Adds a record from typed fields; returns its key. A table numbered by the database gets
/// the next number when its id is not given. Needs `EditRecords`; audited.
pub fn add(auth: &Auth, actor: &Actor, table: &str, values: &[FieldChange]) -> Result<Key> {
    add_with(auth, actor, table, values, Permission::EditRecords)
}

/// [`add`] needing `permission` instead (a customer added at the till needs `CreateOrders`).
pub(crate) fn add_with(
    auth: &Auth,
    actor: &Actor,
    table: &str,
    values: &[FieldChange],
    permission: Permission,
) -> Result<Key> {
    let view = view_of(table)?;
    let spec = spec_of(view);
    let fields = fields_of(spec);
    let (values, reason) = take_reason(view.table, values);
    let year = this_year(auth);
    let auto_key = spec.key.len() == 1 && view.table != "order_items";
    let mut parsed: Vec<(usize, Cell)> = Vec::new();
    for v in &values {
        let f = field(&fields, &v.field, view.table)?;
        let i = fields
            .iter()
            .position(|x| x.column == f.column)
            .expect("found");
        parsed.retain(|(j, _)| *j != i);
        parsed.push((i, parse_field(view.table, f, &v.value, year)?));
    }
    // A new order starts Pending (the only status it may be given).
    if view.table == "orders"
        && let Some(i) = fields.iter().position(|f| f.column == "order_status")
        && !parsed.iter().any(|(j, c)| *j == i && !c.is_null())
    {
        parsed.retain(|(j, _)| *j != i);
        parsed.push((
            i,
            Cell::SmallInt(Some(crate::db::models::OrderStatus::Pending.code())),
        ));
    }
    // A new stock row starts empty; what it holds enters through the ledger as a count.
    let mut counted = None;
    if view.table == "stocks"
        && let Some(i) = fields.iter().position(|f| f.column == "quantity")
        && let Some((_, c)) = parsed.iter_mut().find(|(j, _)| *j == i)
        && let Some(q) = c.as_int()
        && q != 0
    {
        counted = Some((q, rules::count_reason(reason.as_deref())?.to_string()));
        *c = Cell::Int(Some(0));
    }
    // A line added to an order takes the next line number, the product's price and no
    // discount unless they are given.
    let filled = |column: &str| {
        view.table == "order_items"
            && matches!(column, "item_id" | "list_price_cents" | "discount_bp")
    };
    for (i, f) in fields.iter().enumerate() {
        let given = parsed.iter().any(|(j, c)| *j == i && !c.is_null());
        let excused = given || (f.key && auto_key) || filled(f.column);
        if f.required && !excused {
            return Err(Error::InvalidField {
                field: f.name.into(),
                message: "is required".into(),
            });
        }
    }
    parsed.sort_by_key(|(i, _)| *i);
    let given = parsed;
    let mut conn = auth.db().conn()?;
    tx::write(&mut conn, |conn| {
        auth.authorize(conn, actor, permission)?;
        let mut parsed = given.clone();
        if view.table == "order_items" {
            rules::line_defaults(conn, &fields_columns(&fields), &mut parsed)?;
        }
        check_parents(conn, &fields, &parsed)?;
        let columns: Vec<&'static str> = fields.iter().map(|f| f.column).collect();
        let empty: Vec<Cell> = fields.iter().map(|_| Cell::Int(None)).collect();
        let row = rules::Row {
            columns: &columns,
            before: &empty,
            writes: &parsed,
        };
        let by = rules::Doer {
            actor: &actor.name,
            at: auth.now(),
        };
        match view.table {
            "orders" => rules::order_add(conn, &row)?,
            "order_items" => {
                let order = row.after("order_id").unwrap_or(0);
                rules::line_add(conn, order, &row, &by)?;
            }
            _ => {}
        }
        let cols: Vec<&str> = parsed.iter().map(|(i, _)| fields[*i].column).collect();
        let marks = vec!["?"; cols.len()].join(", ");
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({marks})",
            spec.name,
            cols.join(", ")
        );
        let binds: Vec<&Cell> = parsed.iter().map(|(_, c)| c).collect();
        dynamic::execute(conn, &sql, &binds).map_err(|e| write_error(view, &fields, &parsed, e))?;
        let key = Key(spec
            .key
            .iter()
            .map(|k| {
                let i = fields
                    .iter()
                    .position(|f| f.column == *k)
                    .expect("key field");
                parsed
                    .iter()
                    .find(|(j, _)| *j == i)
                    .and_then(|(_, c)| c.as_int())
            })
            .collect::<Option<Vec<i32>>>()
            .map(Ok)
            .unwrap_or_else(|| dialect::last_insert_id(conn).map(|id| vec![id as i32]))?);
        if let Some((q, why)) = &counted {
            rules::stock_count(conn, key.0[0], key.0[1], *q, why, &by)?;
        }
        audit::record(
            conn,
            auth.now(),
            &actor.name,
            &actor.terminal,
            Event::RecordEdited,
            &format!(
                "table={} key={key} added {}",
                view.table,
                parsed
                    .iter()
                    .map(|(i, c)| format!("{}: {}", fields[*i].name, display(&fields[*i], c)))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )?;
        Ok(key)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn email_shape() {
        for ok in ["a@b.co", "first.last@shop.example.com"] {
            assert!(super::looks_like_email(ok), "{ok}");
        }
        for bad in ["a", "a@b", "@b.co", "a@.co", "a@b.", "a b@c.de", "a@b@c.de"] {
            assert!(!super::looks_like_email(bad), "{bad}");
        }
    }
}
