//! Names to keys: store names to `store_id`, staff first names to `staff_id` (within the
//! row's store when several share a name). Loaded from the store when first needed, and
//! reloaded after those tables change in the same run.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{staffs, stores};

#[derive(Debug, Default)]
pub struct Resolver {
    stores: Option<HashMap<String, i32>>,
    staff: Option<HashMap<String, Vec<(i32, i32)>>>,
}

impl Resolver {
    /// Forgets what was loaded for `table` (it was just written).
    pub fn invalidate(&mut self, table: &str) {
        match table {
            "stores" => self.stores = None,
            "staffs" => self.staff = None,
            _ => {}
        }
    }

    pub fn store_id(&mut self, conn: &mut AnyConnection, name: &str) -> Result<i32, String> {
        if self.stores.is_none() {
            let rows: Vec<(i32, String)> = stores::table
                .select((stores::store_id, stores::store_name))
                .load(conn)
                .map_err(|e| e.to_string())?;
            self.stores = Some(
                rows.into_iter()
                    .map(|(id, n)| (n.trim().to_lowercase(), id))
                    .collect(),
            );
        }
        let map = self.stores.as_ref().expect("loaded");
        map.get(&name.trim().to_lowercase())
            .copied()
            .ok_or_else(|| "names no store".to_string())
    }

    /// A member of staff by first name; `store` breaks ties.
    pub fn staff_id(
        &mut self,
        conn: &mut AnyConnection,
        first_name: &str,
        store: Option<i32>,
    ) -> Result<i32, String> {
        if self.staff.is_none() {
            let rows: Vec<(i32, String, i32)> = staffs::table
                .select((staffs::staff_id, staffs::first_name, staffs::store_id))
                .load(conn)
                .map_err(|e| e.to_string())?;
            let mut map: HashMap<String, Vec<(i32, i32)>> = HashMap::new();
            for (id, n, s) in rows {
                map.entry(n.trim().to_lowercase())
                    .or_default()
                    .push((id, s));
            }
            self.staff = Some(map);
        }
        let name = first_name.trim();
        let candidates = self
            .staff
            .as_ref()
            .expect("loaded")
            .get(&name.to_lowercase())
            .cloned()
            .unwrap_or_default();
        match candidates.as_slice() {
            [] => Err("names no member of staff".to_string()),
            [(id, _)] => Ok(*id),
            many => {
                let in_store: Vec<_> = many.iter().filter(|(_, s)| Some(*s) == store).collect();
                match in_store.as_slice() {
                    [(id, _)] => Ok(*id),
                    _ => Err(format!(
                        "names {} members of staff; give staff_id instead",
                        many.len()
                    )),
                }
            }
        }
    }
}
