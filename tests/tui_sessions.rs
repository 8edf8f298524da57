//! What one user leaves behind never reaches the next: sign-out drops every tab's state and
//! starts the sign-in empty; rejects go to a private file of the user's named after the run;
//! the screen says why it is locked; everything fits 80×24.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crossterm::event::{KeyCode, KeyModifiers};
use diesel::prelude::*;
use stockroom::auth::Role;
use stockroom::tui::app::Screen;
use stockroom::tui::harness::Harness;
use stockroom::tui::theme::ThemeName;

use common::TestDb;
use common::accounts::{self, PASSWORD, add};

fn harness(t: &TestDb, dir: &Path, w: u16, h: u16) -> Harness {
    let (auth, _) = accounts::auth(t);
    Harness::new(
        auth,
        Harness::options(ThemeName::Dark, dir.join("c.toml")),
        w,
        h,
    )
}

fn sign_in(h: &mut Harness, who: &str) {
    h.type_text(who);
    h.press(KeyCode::Enter);
    h.type_text(PASSWORD);
    h.press(KeyCode::Enter);
    assert!(
        matches!(h.app.screen, Screen::Main { .. }),
        "{}",
        h.render()
    );
}

fn open(h: &mut Harness, title: &str) {
    let n = h.app.tabs().iter().position(|t| *t == title).unwrap() + 1;
    h.press(KeyCode::Char(char::from_digit(n as u32, 10).unwrap()));
}

fn import(h: &mut Harness, path: &Path) {
    h.press(KeyCode::Char('i'));
    h.type_text(&path.display().to_string());
    h.press(KeyCode::Enter);
    h.settle_until(|a| a.etl().is_some_and(|e| e.last.is_some()));
}

#[test]
fn sign_out_drops_every_tab_and_the_next_sign_in_starts_empty() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    {
        let (auth, _) = accounts::auth(&t);
        add(&auth, "root", Role::Administrator);
        add(&auth, "mona", Role::Manager);
        add(&auth, "mike", Role::Manager);
    }
    let mut h = harness(&t, dir.path(), 100, 30);
    sign_in(&mut h, "mona");
    open(&mut h, "ETL");
    let f = dir.path().join("brands.csv");
    std::fs::write(&f, "brand_id,brand_name\n1,Trek\n").unwrap();
    import(&mut h, &f);
    h.press(KeyCode::Char('s'));
    let before = h.render();
    assert!(before.contains("Done: Imported 1 rows"), "{before}");
    h.press_with(KeyCode::Char('o'), KeyModifiers::CONTROL);
    // The sign-in is empty and the cursor is on the username.
    match &h.app.screen {
        Screen::Login(form) => {
            assert_eq!(form.focus, 0);
            assert!(form.fields.iter().all(|f| f.value.is_empty()));
        }
        other => panic!("not at the sign-in: {}", other.title()),
    }
    assert!(!h.render().contains("mona"), "{}", h.render());
    sign_in(&mut h, "mike");
    open(&mut h, "ETL");
    let etl = h.app.etl().unwrap();
    assert!(etl.last.is_none() && etl.source.value.is_empty() && !etl.skip_invalid);
    let screen = h.render();
    assert!(
        !screen.contains("Imported") && !screen.contains("brands.csv"),
        "{screen}"
    );
}

#[test]
fn skipped_rows_go_to_a_private_file_named_after_the_run() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    {
        let (auth, _) = accounts::auth(&t);
        add(&auth, "root", Role::Administrator);
        add(&auth, "mona", Role::Manager);
    }
    let mut h = harness(&t, dir.path(), 100, 30);
    sign_in(&mut h, "mona");
    open(&mut h, "ETL");
    let f = dir.path().join("brands.csv");
    std::fs::write(&f, "brand_id,brand_name\n1,Trek\nx,Bad\n3,\n").unwrap();
    h.press(KeyCode::Char('s'));
    import(&mut h, &f);
    let screen = h.render();
    // A success with warnings, said without the word Error.
    assert!(
        screen.contains("Done with warnings: Imported the good rows"),
        "{screen}"
    );
    assert!(!screen.contains("Error"), "{screen}");
    let (run_id, listed): (i32, Option<String>) = {
        use stockroom::db::schema::import_runs::dsl::*;
        import_runs
            .select((import_run_id, rejects_file))
            .order(import_run_id.desc())
            .first(&mut *t.db.conn().unwrap())
            .unwrap()
    };
    let listed = listed.expect("the run lists its rejects file");
    let expected = std::path::PathBuf::from(&listed);
    assert_eq!(expected.parent().unwrap(), dir.path().join("data"));
    let name = expected.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.starts_with("rejects-") && name.ends_with(&format!("-run{run_id}.csv")),
        "{name}"
    );
    assert!(
        screen.contains(&format!("-run{run_id}.csv")),
        "the path is shown: {screen}"
    );
    let text = std::fs::read_to_string(&expected).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    let mode = std::fs::metadata(&expected).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // Files already in the folder — another store's rejects, planted symlinks — are never
    // written through or removed: the next run picks a name of its own.
    let planted_target = dir.path().join("victim.txt");
    std::fs::write(&planted_target, "keep me").unwrap();
    let data = dir.path().join("data");
    let now = chrono::Local::now();
    for secs in 0..5 {
        let t = now + chrono::Duration::seconds(secs);
        let name = format!(
            "rejects-{}-run{}.csv",
            t.format("%Y%m%d-%H%M%S"),
            run_id + 1
        );
        std::os::unix::fs::symlink(&planted_target, data.join(name)).unwrap();
    }
    let other = data.join("rejects-other-store.csv");
    std::fs::write(&other, "someone else's").unwrap();
    let g = dir.path().join("brands2.csv");
    std::fs::write(&g, "brand_id,brand_name\n7,Giant\ny,Bad\n").unwrap();
    h.press(KeyCode::Char('i'));
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.type_text(&g.display().to_string());
    h.press(KeyCode::Enter);
    h.settle_until(|a| {
        a.etl()
            .and_then(|e| e.last.as_ref())
            .is_some_and(|l| l.headline().contains("rejects-"))
    });
    assert!(h.render().contains("Done with warnings"), "{}", h.render());
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "someone else's");
    assert_eq!(std::fs::read_to_string(&planted_target).unwrap(), "keep me");
}

#[test]
fn the_etl_tab_fits_80x24_and_its_help_lists_its_keys() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    {
        let (auth, _) = accounts::auth(&t);
        add(&auth, "root", Role::Administrator);
        add(&auth, "mona", Role::Manager);
    }
    let mut h = harness(&t, dir.path(), 80, 24);
    sign_in(&mut h, "mona");
    let main = h.render();
    // Who and for how long on one line; the empty store says how to load data.
    assert!(
        main.contains("mona (Manager) · session just started"),
        "{main}"
    );
    // ... as fits a Manager: the ETL tab, not a shell command they cannot run.
    assert!(main.contains("the ETL tab imports CSV or JSON"), "{main}");
    assert!(!main.contains("stockroom demo"), "{main}");
    open(&mut h, "ETL");
    let screen = h.render();
    for hint in [
        "i import CSV",
        "s skip invalid",
        "d dry run",
        "Enter start",
        "? help",
    ] {
        assert!(
            screen.contains(hint),
            "hint {hint} shown at 80×24:\n{screen}"
        );
    }
    h.press(KeyCode::Char('?'));
    let help = h.render();
    assert!(help.contains("Keys: ETL"), "{help}");
    assert!(
        help.contains("import CSV") && help.contains("dry run"),
        "{help}"
    );
    h.press(KeyCode::Esc);

    // A long result scrolls: many tables, all reachable.
    let csv = dir.path().join("csv");
    std::fs::create_dir(&csv).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/original/csv");
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), csv.join(e.file_name())).unwrap();
    }
    import(&mut h, &csv);
    let first = h.render();
    assert!(first.contains("Done: Imported"), "{first}");
    assert!(first.contains("categories"), "{first}");
    for _ in 0..20 {
        h.press(KeyCode::Char('j'));
    }
    let scrolled = h.render();
    assert!(scrolled.contains("order_items"), "{scrolled}");
    assert!(
        scrolled.contains("lines "),
        "the panel says where it is: {scrolled}"
    );
    // No line of the frame wraps a table's counts onto a second line.
    assert!(!scrolled.lines().any(|l| l.trim_start().starts_with("bad")));
}

#[test]
fn the_lock_screen_says_why_it_is_locked() {
    let t = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    {
        let (auth, _) = accounts::auth(&t);
        add(&auth, "root", Role::Administrator);
        add(&auth, "mona", Role::Manager);
    }
    let mut h = harness(&t, dir.path(), 80, 24);
    sign_in(&mut h, "mona");
    h.press_with(KeyCode::Char('l'), KeyModifiers::CONTROL);
    let s = h.render();
    assert!(s.contains("The session of mona is locked."), "{s}");
    assert!(!s.contains("inactivity"), "{s}");
}

#[test]
fn the_title_keeps_the_store_name_when_the_path_is_long() {
    let long = format!("sqlite:///{}/stockroom.db", "very-long-folder".repeat(8));
    let short = stockroom::tui::screens::short_store(&long, 40);
    assert!(short.chars().count() <= 40, "{short}");
    assert!(
        short.starts_with("sqlite:…") && short.ends_with("stockroom.db"),
        "{short}"
    );
    assert_eq!(
        stockroom::tui::screens::short_store("sqlite://a.db", 40),
        "sqlite://a.db"
    );
}
