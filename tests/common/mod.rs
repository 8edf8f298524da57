//! Shared test support: a fresh store per test on a real SQLite file or a real MariaDB/MySQL
//! database (uniquely named, dropped afterwards even when the test fails).
#![allow(dead_code)]

pub mod admin;
pub mod api;
pub mod cli;
pub mod cluster;
pub mod http;
pub mod proxy;
pub mod shop;

use std::sync::atomic::{AtomicU32, Ordering};

use diesel::connection::SimpleConnection;
use diesel::{Connection, MysqlConnection};
use stockroom::db::{Database, DbTarget, migrate};

/// The server used by the MySQL tests (`STOCKROOM_TEST_MYSQL_URL`, without a database name).
pub fn mysql_server_url() -> String {
    std::env::var("STOCKROOM_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// One test's store. Dropping it removes the SQLite file or drops the MySQL database.
pub struct TestDb {
    pub db: Database,
    pub url: String,
    /// Dropped after `db` (fields drop in order), so the pool closes first.
    _mysql: Option<DropDatabase>,
    _dir: Option<tempfile::TempDir>,
}

/// Drops a MySQL test database when it goes out of scope, including on panic.
pub struct DropDatabase(pub String);

impl Drop for DropDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = MysqlConnection::establish(&format!("{}/test", mysql_server_url())) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS `{}`", self.0));
        }
    }
}

impl TestDb {
    /// A migrated store in a new SQLite file.
    pub fn sqlite() -> TestDb {
        Self::sqlite_with(true)
    }

    /// A migrated store in a new MySQL database, or `None` (with a loud message) when no server
    /// answers and `CI` is not set. Under `CI`, an unreachable server fails the test.
    pub fn mysql() -> Option<TestDb> {
        Self::mysql_with(true)
    }

    /// A new SQLite store, migrated or left empty.
    pub fn sqlite_with(migrated: bool) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("store.db").display());
        let db = Database::connect(&DbTarget::parse(&url).unwrap(), 4).expect("open sqlite");
        let t = TestDb {
            db,
            url,
            _mysql: None,
            _dir: Some(dir),
        };
        if migrated {
            migrate::run(&mut t.db.conn().unwrap()).expect("migrate sqlite");
        }
        t
    }

    /// A new MySQL database, migrated or left empty (see [`TestDb::mysql`]).
    pub fn mysql_with(migrated: bool) -> Option<TestDb> {
        let server = mysql_server_url();
        let mut admin = match MysqlConnection::establish(&format!("{server}/test")) {
            Ok(c) => c,
            Err(e) => {
                if std::env::var_os("CI").is_some() {
                    panic!("MySQL tests are required under CI, but {server} refused: {e}");
                }
                eprintln!(
                    "\n!!! SKIPPING MySQL test: {server} is unreachable ({e}). \
                     Set CI=1 to make this fatal.\n"
                );
                return None;
            }
        };
        let name = format!(
            "stockroom_t{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            rand_suffix()
        );
        admin
            .batch_execute(&format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
            .expect("create test database");
        // The guard exists before anything else can fail, so the database is always dropped.
        let guard = DropDatabase(name.clone());
        let url = format!("{server}/{name}");
        let db = Database::connect(&DbTarget::parse(&url).unwrap(), 4).expect("connect");
        let t = TestDb {
            db,
            url,
            _mysql: Some(guard),
            _dir: None,
        };
        if migrated {
            migrate::run(&mut t.db.conn().unwrap()).expect("migrate mysql");
        }
        Some(t)
    }

    /// The backend's name.
    pub fn backend(&self) -> &'static str {
        self.db.target().backend_name()
    }
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{nanos:08x}")
}

/// Runs a test body on SQLite and on MySQL: `both_backends!(name, |t: TestDb| { … });`
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            fn sqlite() {
                let f: fn(common::TestDb) = $body;
                f(common::TestDb::sqlite());
            }
            #[test]
            fn mysql() {
                let f: fn(common::TestDb) = $body;
                if let Some(t) = common::TestDb::mysql() {
                    f(t);
                }
            }
        }
    };
}

/// Account-service helpers: an `Auth` over a test store with a manual clock and cost-10 bcrypt.
pub mod accounts {
    use std::sync::Arc;

    use stockroom::auth::{
        Actor, Auth, AuthSettings, ManualClock, Role, SecretKey, Session, Step, totp,
    };

    pub const START: i64 = 1_800_000_000;
    pub const PASSWORD: &str = "Bike-Shop-2026!";

    pub fn settings() -> AuthSettings {
        AuthSettings {
            bcrypt_cost: 10,
            ..AuthSettings::default()
        }
    }

    pub fn auth(t: &super::TestDb) -> (Auth, ManualClock) {
        auth_on(t.db.clone())
    }

    /// [`auth`] over a database handle (a thread of its own shares the test's store).
    pub fn auth_on(db: stockroom::db::Database) -> (Auth, ManualClock) {
        let clock = ManualClock::new(START);
        let auth = Auth::new(
            db,
            settings(),
            SecretKey::generate(),
            Arc::new(clock.clone()),
            "tty-test".into(),
        );
        (auth, clock)
    }

    /// An actor with administrator rights for setting things up (the CLI's).
    pub fn cli() -> Actor {
        Actor {
            name: "cli:test@host".into(),
            role: Role::Administrator,
            terminal: "tty-test".into(),
            user_id: None,
            session_id: None,
        }
    }

    /// Creates a user (the first must be an administrator).
    pub fn add(auth: &Auth, name: &str, role: Role) {
        auth.add_user(&cli(), name, role, None, PASSWORD).unwrap();
    }

    /// Signs in through every step, setting up 2FA when forced. Returns the session and, for
    /// users with 2FA, the secret (from setup, or `secret` when already set up).
    pub fn sign_in(
        auth: &Auth,
        name: &str,
        password: &str,
        secret: Option<&str>,
    ) -> (Session, Option<String>) {
        let mut p = auth
            .begin_sign_in(name, password)
            .expect("password accepted");
        let mut known = secret.map(String::from);
        loop {
            match p.step() {
                Step::SecondFactor => {
                    let s = known.clone().expect("a 2FA secret for this user");
                    // Use the next time step so a code is never a replay of the last one.
                    let code = totp::code_at(&s, auth.now() + 30).unwrap();
                    auth.verify_second_factor(&mut p, &code)
                        .expect("code accepted");
                }
                Step::TotpSetup => {
                    let setup = auth.totp_setup(&mut p).unwrap();
                    let code = totp::code_at(&setup.secret, auth.now()).unwrap();
                    let codes = auth.confirm_totp_setup(&mut p, &code).unwrap();
                    assert_eq!(codes.len(), 10);
                    known = Some(setup.secret);
                }
                Step::PasswordChange => panic!("unexpected password change for {name}"),
                Step::Done => return (auth.finish_sign_in(p).unwrap(), known),
            }
        }
    }
}

/// Rows in `table` (a name from the schema).
pub fn count(t: &TestDb, table: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<N>(&mut *t.db.conn().unwrap())
        .unwrap()
        .n
}

/// Every row of the nine store tables, in key order, as text: two stores hold the same data
/// exactly when their snapshots are equal.
pub fn snapshot(t: &TestDb) -> Vec<String> {
    use diesel::prelude::*;
    use stockroom::db::models::*;
    use stockroom::db::schema::*;
    let mut conn = t.db.conn().unwrap();
    let mut out = Vec::new();
    macro_rules! dump {
        ($t:ident, $m:ty, $k:expr) => {
            for r in $t::table
                .order($k)
                .select(<$m>::as_select())
                .load::<$m>(&mut *conn)
                .unwrap()
            {
                out.push(format!("{r:?}"));
            }
        };
    }
    dump!(categories, Category, categories::category_id);
    dump!(brands, Brand, brands::brand_id);
    dump!(products, Product, products::product_id);
    dump!(stores, Store, stores::store_id);
    dump!(staffs, Staff, staffs::staff_id);
    dump!(stocks, Stock, (stocks::store_id, stocks::product_id));
    dump!(customers, Customer, customers::customer_id);
    dump!(orders, Order, orders::order_id);
    dump!(
        order_items,
        OrderItem,
        (order_items::order_id, order_items::item_id)
    );
    out
}

/// Compares `text` with `tests/snapshots/NAME.txt`; `UPDATE_SNAPSHOTS=1` (or a missing file)
/// writes it instead.
#[allow(dead_code)]
pub fn snapshot_file(name: &str, text: &str) {
    let text = mask_clock(text);
    let text = text.as_str();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() || !path.exists() {
        std::fs::write(&path, text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text, expected,
        "snapshot {name} differs (UPDATE_SNAPSHOTS=1 to accept)"
    );
}

/// The Dashboard's "as of 14:03:22" as "as of HH:MM:SS": the time the figures were read
/// changes from one run to the next.
pub fn mask_clock(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("as of ") {
        let (head, tail) = rest.split_at(i + 6);
        out.push_str(head);
        let clock = tail.get(..8).filter(|c| {
            c.chars().enumerate().all(|(i, ch)| {
                if i == 2 || i == 5 {
                    ch == ':'
                } else {
                    ch.is_ascii_digit()
                }
            })
        });
        match clock {
            Some(_) => {
                out.push_str("HH:MM:SS");
                rest = &tail[8..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}
