//! An import that gives a row a unique value another row holds (a brand's name, a member of
//! staff's e-mail in any case) is refused by line on both backends, and the row holding it is
//! left as it was: MySQL's `ON DUPLICATE KEY UPDATE` must never take it for an update of that
//! row.

mod common;

use diesel::prelude::*;
use stockroom::db::schema::{brands, staffs};
use stockroom::worker::CancelToken;

use common::TestDb;
use common::accounts::{self, cli};
use common::shop::demo;

both_backends!(
    a_unique_value_held_by_another_row_is_a_bad_row,
    |t: TestDb| {
        demo(&t, 2);
        let (auth, _) = accounts::auth(&t);
        let dir = tempfile::tempdir().unwrap();
        let before: Vec<(i32, String)> = brands::table
            .order(brands::brand_id)
            .select((brands::brand_id, brands::brand_name))
            .load(&mut *t.db.conn().unwrap())
            .unwrap();
        let (first_id, first_name) = before[0].clone();
        let import = |name: &str, text: String| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            stockroom::etl::import_csv(
                &auth,
                &cli(),
                &[p],
                &Default::default(),
                &CancelToken::new(),
                &mut |_| {},
            )
            .unwrap()
        };
        let r = import(
            "brands.csv",
            format!("brand_id,brand_name\n{},{first_name}\n", before.len() + 100),
        );
        assert_eq!(r.outcome, stockroom::etl::Outcome::RolledBack, "{r:?}");
        assert_eq!(r.errors[0].line, 2, "{r:?}");
        let after: Vec<(i32, String)> = brands::table
            .order(brands::brand_id)
            .select((brands::brand_id, brands::brand_name))
            .load(&mut *t.db.conn().unwrap())
            .unwrap();
        assert_eq!(after, before, "brand {first_id} left as it was");
        // A member of staff's e-mail in another case is the same person's.
        let (id, email, store): (i32, String, i32) = staffs::table
            .order(staffs::staff_id)
            .select((staffs::staff_id, staffs::email, staffs::store_id))
            .first(&mut *t.db.conn().unwrap())
            .unwrap();
        let r = import(
            "staffs.csv",
            format!(
                "staff_id,first_name,last_name,email,phone,active,store_id,manager_id\n\
             {},Twin,Case,{},,1,{store},\n",
                id + 500,
                email.to_uppercase()
            ),
        );
        assert_eq!(r.outcome, stockroom::etl::Outcome::RolledBack, "{r:?}");
        let still: String = staffs::table
            .find(id)
            .select(staffs::email)
            .first(&mut *t.db.conn().unwrap())
            .unwrap();
        assert_eq!(still, email);
    }
);
