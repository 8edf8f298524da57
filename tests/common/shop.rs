//! A demo store to sell from in tests: loaded at scale 1, stock read, an active member of
//! staff found, a signed-in actor of a role, and the `stockroom` binary run on the store.

use diesel::prelude::*;
use stockroom::auth::{Actor, Auth, Role};
use stockroom::db::schema::{staffs, stocks};
use stockroom::store::demo::{DemoOptions, load};
use stockroom::store::orders::{NewLine, NewOrder};
use stockroom::worker::CancelToken;

use super::TestDb;
use super::accounts::{PASSWORD, add, sign_in};

/// Loads the demo data (scale 1) with `seed`.
pub fn demo(t: &TestDb, seed: u64) {
    load(
        &t.db,
        &DemoOptions {
            scale: 1,
            seed,
            replace: false,
        },
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
}

/// A store's stock of a product (0 without a stock row).
pub fn qty(t: &TestDb, store: i32, product: i32) -> i32 {
    stocks::table
        .find((store, product))
        .select(stocks::quantity)
        .first(&mut *t.db.conn().unwrap())
        .optional()
        .unwrap()
        .unwrap_or(0)
}

/// The first active member of staff of `store`.
pub fn staff_of(t: &TestDb, store: i32) -> i32 {
    staffs::table
        .filter(staffs::store_id.eq(store))
        .filter(staffs::active.eq(true))
        .select(staffs::staff_id)
        .order(staffs::staff_id)
        .first(&mut *t.db.conn().unwrap())
        .unwrap()
}

/// A new account of `role` (no 2FA), signed in; its actor.
pub fn actor(auth: &Auth, name: &str, role: Role) -> Actor {
    add(auth, name, role);
    let (s, _) = sign_in(auth, name, PASSWORD, None);
    Actor::from_session(&s)
}

/// Runs the `stockroom` binary on the test's store, as the shell user `ops`.
pub fn run(t: &TestDb, home: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_stockroom"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("USER", "ops")
        .env("DATABASE_URL", &t.url)
        .output()
        .unwrap()
}

/// A sale for `customer` (none: a walk-in) at `store` by `staff`, its lines as
/// (product, quantity, discount in basis points).
pub fn order_for(
    customer: Option<i32>,
    store: i32,
    staff: i32,
    lines: &[(i32, i32, i32)],
) -> NewOrder {
    NewOrder {
        customer_id: customer,
        store_id: store,
        staff_id: staff,
        lines: lines
            .iter()
            .map(|&(product_id, quantity, discount_bp)| NewLine {
                product_id,
                quantity,
                discount_bp,
            })
            .collect(),
    }
}
