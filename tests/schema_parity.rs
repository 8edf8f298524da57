//! The two backends' schemas cannot drift: tables, columns (type family, nullability),
//! primary keys, foreign keys and indexes must match between MySQL and SQLite.

mod common;

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use stockroom::db::AnyConnection;

use common::TestDb;

#[derive(Debug, Default, PartialEq)]
struct Table {
    /// name → (type family, nullable)
    columns: BTreeMap<String, (String, bool)>,
    primary_key: Vec<String>,
    /// (columns, referenced table, referenced columns)
    foreign_keys: Vec<(String, String, String)>,
    /// name → (unique, columns)
    indexes: BTreeMap<String, (bool, Vec<String>)>,
}

fn family(sql_type: &str) -> String {
    let t = sql_type.to_lowercase();
    let base = t.split('(').next().unwrap_or("").trim();
    match base {
        "int" | "integer" => "int".into(),
        "tinyint" if t.starts_with("tinyint(1)") => "bool".into(),
        "boolean" | "bool" => "bool".into(),
        "varchar" => t.replace(' ', ""),
        other => other.to_string(),
    }
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    r#type: String,
    #[diesel(sql_type = BigInt)]
    notnull: i64,
    #[diesel(sql_type = BigInt)]
    pk: i64,
}

#[derive(QueryableByName)]
struct SqliteFk {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    from: String,
    #[diesel(sql_type = Text)]
    to: String,
}

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    unique: i64,
    #[diesel(sql_type = Text)]
    origin: String,
}

fn sqlite_schema(conn: &mut AnyConnection) -> BTreeMap<String, Table> {
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '__diesel_schema_migrations' ORDER BY name",
    )
    .load(conn)
    .unwrap();
    let mut out = BTreeMap::new();
    for Name { name } in tables {
        let mut t = Table::default();
        let cols: Vec<SqliteColumn> = diesel::sql_query(format!(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info('{name}')"
        ))
        .load(conn)
        .unwrap();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for c in cols {
            if c.pk > 0 {
                pk.push((c.pk, c.name.clone()));
            }
            t.columns
                .insert(c.name, (family(&c.r#type), c.notnull == 0));
        }
        pk.sort();
        t.primary_key = pk.into_iter().map(|(_, n)| n).collect();
        let fks: Vec<SqliteFk> = diesel::sql_query(format!(
            "SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('{name}')"
        ))
        .load(conn)
        .unwrap();
        t.foreign_keys = fks.into_iter().map(|f| (f.from, f.table, f.to)).collect();
        t.foreign_keys.sort();
        let idx: Vec<SqliteIndex> = diesel::sql_query(format!(
            "SELECT name, \"unique\", origin FROM pragma_index_list('{name}')"
        ))
        .load(conn)
        .unwrap();
        for i in idx.into_iter().filter(|i| i.origin == "c") {
            let cols: Vec<Name> = diesel::sql_query(format!(
                "SELECT name FROM pragma_index_info('{}') ORDER BY seqno",
                i.name
            ))
            .load(conn)
            .unwrap();
            t.indexes.insert(
                i.name,
                (i.unique == 1, cols.into_iter().map(|c| c.name).collect()),
            );
        }
        out.insert(name, t);
    }
    out
}

#[derive(QueryableByName)]
struct MysqlColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    column_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct MysqlKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    constraint_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    referenced_table_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    referenced_column_name: Option<String>,
}

#[derive(QueryableByName)]
struct MysqlIndex {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = BigInt)]
    non_unique: i64,
    #[diesel(sql_type = Text)]
    column_name: String,
}

fn mysql_schema(conn: &mut AnyConnection) -> BTreeMap<String, Table> {
    let mut out: BTreeMap<String, Table> = BTreeMap::new();
    let cols: Vec<MysqlColumn> = diesel::sql_query(
        "SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name, COLUMN_TYPE AS column_type, \
         IS_NULLABLE AS is_nullable FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT IN ('__diesel_schema_migrations', '__stockroom_locks') \
         ORDER BY TABLE_NAME, ORDINAL_POSITION",
    )
    .load(conn)
    .unwrap();
    for c in cols {
        out.entry(c.table_name).or_default().columns.insert(
            c.column_name,
            (family(&c.column_type), c.is_nullable == "YES"),
        );
    }
    let keys: Vec<MysqlKey> = diesel::sql_query(
        "SELECT TABLE_NAME AS table_name, CONSTRAINT_NAME AS constraint_name, COLUMN_NAME AS column_name, \
         REFERENCED_TABLE_NAME AS referenced_table_name, REFERENCED_COLUMN_NAME AS referenced_column_name \
         FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() \
         AND TABLE_NAME NOT IN ('__diesel_schema_migrations', '__stockroom_locks') ORDER BY TABLE_NAME, ORDINAL_POSITION",
    )
    .load(conn)
    .unwrap();
    for k in keys {
        let t = out.entry(k.table_name).or_default();
        if k.constraint_name == "PRIMARY" {
            t.primary_key.push(k.column_name);
        } else if let (Some(rt), Some(rc)) = (k.referenced_table_name, k.referenced_column_name) {
            t.foreign_keys.push((k.column_name, rt, rc));
        }
    }
    let idx: Vec<MysqlIndex> = diesel::sql_query(
        "SELECT TABLE_NAME AS table_name, INDEX_NAME AS index_name, CAST(NON_UNIQUE AS SIGNED) AS non_unique, \
         COLUMN_NAME AS column_name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
         AND INDEX_NAME <> 'PRIMARY' AND TABLE_NAME NOT IN ('__diesel_schema_migrations', '__stockroom_locks') \
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
    )
    .load(conn)
    .unwrap();
    for i in idx {
        let t = out.entry(i.table_name).or_default();
        let e = t
            .indexes
            .entry(i.index_name)
            .or_insert((i.non_unique == 0, Vec::new()));
        e.1.push(i.column_name);
    }
    for t in out.values_mut() {
        t.foreign_keys.sort();
    }
    out
}

#[test]
fn mysql_and_sqlite_schemas_match() {
    let Some(my) = TestDb::mysql() else { return };
    let lite = TestDb::sqlite();
    let a = sqlite_schema(&mut lite.db.conn().unwrap());
    let b = mysql_schema(&mut my.db.conn().unwrap());
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "same tables"
    );
    assert!(
        a.len() >= 14,
        "ten store tables plus the support tables: {:?}",
        a.keys()
    );
    for (name, ta) in &a {
        let tb = &b[name];
        assert_eq!(ta.columns, tb.columns, "columns of {name}");
        assert_eq!(ta.primary_key, tb.primary_key, "primary key of {name}");
        assert_eq!(ta.foreign_keys, tb.foreign_keys, "foreign keys of {name}");
        assert_eq!(ta.indexes, tb.indexes, "indexes of {name}");
        // Every foreign key is indexed (as the first column of some index or of the key).
        for (col, _, _) in &ta.foreign_keys {
            let covered = ta.primary_key.first() == Some(col)
                || ta
                    .indexes
                    .values()
                    .any(|(_, cols)| cols.first() == Some(col));
            assert!(covered, "{name}.{col} is a foreign key without an index");
        }
    }
}
