//! Maps a header row onto a table: which input column feeds each table column (by name or
//! alias, any order), which columns are resolved from names, which extra columns are ignored,
//! and which key rows are matched on. Missing required columns are refused before any row.

use crate::tables::spec::{Column, Resolve, TableSpec};

/// Where a table column's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    /// The input column at this index.
    Field(usize),
    /// A name at this index, resolved to a key.
    Name(Resolve, usize),
    /// `staffs.manager_id` given as the manager's row number in the same file.
    ManagerRow(usize),
}

#[derive(Debug, Clone)]
pub struct Mapping {
    pub table: &'static TableSpec,
    /// The table columns written, in table order, with their source.
    pub columns: Vec<(&'static Column, From)>,
    /// The key written rows are matched on (the primary key, or the natural key).
    pub key: Vec<&'static str>,
    /// Input columns that no table column uses (reported, ignored).
    pub extra: Vec<String>,
}

fn find(headers: &[String], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(n))
    })
}

impl Mapping {
    /// Builds the mapping, or says which required columns are missing.
    pub fn new(table: &'static TableSpec, headers: &[String]) -> Result<Mapping, String> {
        let mut columns = Vec::new();
        let mut used = vec![false; headers.len()];
        let mut missing = Vec::new();
        let id_present = find(headers, &[table.key[0]]).is_some();
        for c in table.columns {
            let mut names = vec![c.name];
            names.extend_from_slice(c.aliases);
            let source = if let Some(i) = find(headers, &names) {
                Some(
                    if table.name == "staffs" && c.name == "manager_id" && !id_present {
                        // The original system's files number managers by row, not by id.
                        From::ManagerRow(i)
                    } else {
                        From::Field(i)
                    },
                )
            } else if c.resolve != Resolve::None {
                find(headers, c.name_headers).map(|i| From::Name(c.resolve, i))
            } else {
                None
            };
            match source {
                Some(s) => {
                    match s {
                        From::Field(i) | From::Name(_, i) | From::ManagerRow(i) => used[i] = true,
                    }
                    columns.push((c, s));
                }
                None if c.required => missing.push(match c.resolve {
                    Resolve::None => format!("`{}`", c.name),
                    _ => format!(
                        "`{}` (or {})",
                        c.name,
                        c.name_headers
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join("/")
                    ),
                }),
                None => {}
            }
        }
        // Without its id, a table with a natural key is matched on that key instead.
        let key: Vec<&'static str> = if table
            .key
            .iter()
            .all(|k| columns.iter().any(|(c, _)| c.name == *k))
        {
            table.key.to_vec()
        } else if let Some(nk) = table.natural_key {
            vec![nk]
        } else {
            for k in table.key {
                let m = format!("`{k}`");
                if !missing.contains(&m) {
                    missing.push(m);
                }
            }
            vec![]
        };
        if !missing.is_empty() {
            return Err(format!(
                "missing required column{} {} for table {}",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", "),
                table.name
            ));
        }
        let extra = headers
            .iter()
            .zip(&used)
            .filter(|(h, u)| !**u && !h.is_empty())
            .map(|(h, _)| h.clone())
            .collect();
        Ok(Mapping {
            table,
            columns,
            key,
            extra,
        })
    }

    /// The names of the columns written, in order.
    pub fn column_names(&self) -> Vec<&'static str> {
        self.columns.iter().map(|(c, _)| c.name).collect()
    }

    /// Whether the manager of a staff row is given as a row number.
    pub fn manager_by_row(&self) -> Option<usize> {
        self.columns
            .iter()
            .position(|(_, f)| matches!(f, From::ManagerRow(_)))
    }
}
