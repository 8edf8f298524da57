//! The `stockroom` binary run as a script runs it (a clean environment with its own HOME),
//! and the demo data loaded into a test store.

use std::path::Path;
use std::process::Command;

use super::TestDb;

/// `stockroom` with only HOME and PATH set, working in `home`.
pub fn stockroom(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stockroom"));
    c.env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(home);
    c
}

/// [`stockroom`] on the store at `url`.
pub fn stockroom_on(home: &Path, url: &str) -> Command {
    let mut c = stockroom(home);
    c.env("DATABASE_URL", url);
    c
}

/// Output bytes as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The demo data at scale 1 (1,445 customers, 1,615 orders) with `seed`.
pub fn demo(t: &TestDb, seed: u64) {
    stockroom::store::demo::load(
        &t.db,
        &stockroom::store::demo::DemoOptions {
            scale: 1,
            seed,
            replace: false,
        },
        &stockroom::worker::CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
}
