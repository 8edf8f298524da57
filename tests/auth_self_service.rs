//! The services behind the new account actions refuse, in words, on SQLite and MariaDB:
//! linking staff (not an Administrator, no such member of staff, already linked, not
//! linked), your own 2FA (wrong password counted, wrong first code, off for an
//! Administrator), store-wide settings (not an Administrator, out of range).

mod common;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use stockroom::Error;
use stockroom::auth::{Actor, Role, totp};

use common::TestDb;
use common::accounts::{self, PASSWORD, add, cli, sign_in};

fn failed(t: &TestDb, who: &str) -> i32 {
    use stockroom::db::schema::users::dsl::*;
    users
        .filter(username.eq(who))
        .select(failed_attempts)
        .first(&mut *t.db.conn().unwrap())
        .unwrap()
}

both_backends!(linking_staff_is_refused_in_words, |t: TestDb| {
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "mona", Role::Manager);
    add(&auth, "emil", Role::Employee);
    t.db.conn()
        .unwrap()
        .batch_execute(
            "INSERT INTO stores (store_id, store_name) VALUES (1, 'Main Street');
             INSERT INTO staffs (staff_id, first_name, last_name, email, active, store_id)
             VALUES (1, 'Jane', 'Doe', 'jane@example.com', 1, 1);",
        )
        .unwrap();
    let (mona, _) = sign_in(&auth, "mona", PASSWORD, None);
    let manager = Actor::from_session(&mona);
    assert!(matches!(
        auth.link_staff(&manager, "emil", Some(1)),
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        auth.find_staff(&manager, "jane", 8),
        Err(Error::Forbidden(_))
    ));
    let err = auth.link_staff(&cli(), "emil", Some(99)).unwrap_err();
    assert!(
        err.to_string().contains("no member of staff with id 99"),
        "{err}"
    );
    let err = auth.link_staff(&cli(), "emil", None).unwrap_err();
    assert!(err.to_string().contains("not linked"), "{err}");
    auth.link_staff(&cli(), "emil", Some(1)).unwrap();
    let err = auth.link_staff(&cli(), "mona", Some(1)).unwrap_err();
    assert!(
        err.to_string().contains("already linked to `emil`"),
        "{err}"
    );
    let found = auth.find_staff(&cli(), "DOE", 8).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].linked_to.as_deref(), Some("emil"));
    let listed = auth.list_users(&cli()).unwrap();
    let emil = listed.iter().find(|u| u.username == "emil").unwrap();
    assert_eq!(emil.staff_name.as_deref(), Some("Jane Doe"));
    auth.link_staff(&cli(), "emil", None).unwrap();
});

both_backends!(
    own_2fa_is_refused_in_words_and_failures_count,
    |t: TestDb| {
        let (auth, _) = accounts::auth(&t);
        add(&auth, "root", Role::Administrator);
        add(&auth, "emil", Role::Employee);
        let (emil, _) = sign_in(&auth, "emil", PASSWORD, None);
        assert!(matches!(
            auth.disable_own_totp(&emil, PASSWORD),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            auth.begin_own_totp(&emil, "Wrong-Guess-1"),
            Err(Error::Auth(_))
        ));
        assert_eq!(failed(&t, "emil"), 1);
        let setup = auth.begin_own_totp(&emil, PASSWORD).unwrap();
        assert!(auth.confirm_own_totp(&emil, &setup, "123456").is_err());
        assert_eq!(failed(&t, "emil"), 2);
        let codes = auth
            .confirm_own_totp(
                &emil,
                &setup,
                &totp::code_at(&setup.secret, auth.now()).unwrap(),
            )
            .unwrap();
        assert_eq!(codes.len(), 10);
        assert!(auth.own_2fa(&emil).unwrap().enabled);
        assert_eq!(
            auth.show_own_totp(&emil, PASSWORD).unwrap().secret,
            setup.secret
        );
        // An Administrator: refused before the password, so nothing is counted.
        let (root, _) = sign_in(&auth, "root", PASSWORD, None);
        let err = auth.disable_own_totp(&root, "Wrong-Guess-1").unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)), "{err}");
        assert!(err.to_string().contains("mandatory for Administrators"));
        assert!(auth.may_disable_own_totp(&root).is_err());
        assert_eq!(failed(&t, "root"), 0);
        auth.disable_own_totp(&emil, PASSWORD).unwrap();
        assert!(!auth.own_2fa(&emil).unwrap().enabled);
        assert_eq!(auth.own_2fa(&emil).unwrap().codes_left, 0);
    }
);

both_backends!(store_settings_are_refused_in_words, |t: TestDb| {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    let (auth, _) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "mona", Role::Manager);
    let (mona, _) = sign_in(&auth, "mona", PASSWORD, None);
    let err = auth
        .change_store_setting(
            &Actor::from_session(&mona),
            &file,
            "idle_timeout_minutes",
            "5",
        )
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err}");
    assert!(!file.exists());
    let err = auth
        .change_store_setting(&cli(), &file, "session_max_hours", "500")
        .unwrap_err();
    assert!(
        err.to_string().contains("session_max_hours") && err.to_string().contains("1 to 168"),
        "{err}"
    );
    let v = auth
        .change_store_setting(&cli(), &file, "idle_timeout_minutes", "5")
        .unwrap();
    assert_eq!(v.to_string(), "5");
    assert_eq!(auth.settings().idle_secs, 300);
    let parsed = stockroom::config::Config::parse_file(&file).unwrap();
    assert_eq!(parsed.idle_timeout_minutes, Some(5));
});

both_backends!(
    accounts_are_listed_page_by_page_searched_and_show_codes_and_lock_ends,
    |t: TestDb| {
        use stockroom::auth::users::UserQuery;
        let (auth, _) = accounts::auth(&t);
        add(&auth, "root", Role::Administrator);
        for i in 0..12 {
            add(&auth, &format!("clerk{i:02}"), Role::Employee);
        }
        t.db.conn()
            .unwrap()
            .batch_execute(
                "INSERT INTO stores (store_id, store_name) VALUES (1, 'Main Street');
                 INSERT INTO staffs (staff_id, first_name, last_name, email, active, store_id)
                 VALUES (1, 'Genna', 'Serrano', 'genna@example.com', 1, 1);",
            )
            .unwrap();
        auth.link_staff(&cli(), "clerk07", Some(1)).unwrap();
        // root signs in (2FA set up, 10 backup codes); clerk03 locks itself out.
        let (root, _) = sign_in(&auth, "root", PASSWORD, None);
        for _ in 0..5 {
            let _ = auth.begin_sign_in("clerk03", "wrong password");
        }
        let me = Actor::from_session(&root);
        // Pages of 5: every account once, in username order, with the total.
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let page = auth
                .list_users_page(
                    &me,
                    &UserQuery {
                        search: None,
                        offset,
                        limit: 5,
                    },
                )
                .unwrap();
            assert_eq!(page.total, 13);
            if page.users.is_empty() {
                break;
            }
            seen.extend(page.users.into_iter().map(|u| u.username));
            offset += 5;
        }
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(seen, sorted, "every account once, in order");
        assert_eq!(seen.len(), 13);
        // Search by username (any case) and by the linked staff member's name.
        let find = |text: &str| {
            auth.list_users_page(
                &me,
                &UserQuery {
                    search: Some(text.into()),
                    offset: 0,
                    limit: 50,
                },
            )
            .unwrap()
        };
        let p = find("CLERK1");
        assert_eq!(p.total, 2);
        assert_eq!(
            p.users
                .iter()
                .map(|u| u.username.as_str())
                .collect::<Vec<_>>(),
            ["clerk10", "clerk11"]
        );
        let p = find("serr");
        assert_eq!(p.users.len(), 1);
        assert_eq!(p.users[0].username, "clerk07");
        assert_eq!(p.users[0].staff_name.as_deref(), Some("Genna Serrano"));
        // Backup codes left and when a lock-out ends.
        let all = auth.list_users(&me).unwrap();
        let get = |n: &str| all.iter().find(|u| u.username == n).unwrap().clone();
        assert_eq!(get("root").backup_codes_left, 10);
        assert_eq!(get("clerk01").backup_codes_left, 0);
        let locked = get("clerk03");
        assert!(locked.locked);
        assert!(locked.locked_until.is_some_and(|until| until > auth.now()));
        assert_eq!(get("clerk04").locked_until, None);
        // No administrator locks themself out; another administrator may act on them.
        for (what, r) in [
            ("deactivate", auth.set_active(&me, "root", false)),
            ("demote", auth.set_role(&me, "root", Role::Manager)),
            ("reset the 2FA of", auth.reset_2fa(&me, "root")),
            (
                "reset the password of",
                auth.reset_password(&me, "root", "An0ther-long-Pass!"),
            ),
        ] {
            let e = r.unwrap_err();
            assert!(
                matches!(&e, Error::Invalid(m) if m.contains(&format!("you cannot {what} your own account"))),
                "{what}: {e}"
            );
        }
        let root_row = get("root");
        assert!(root_row.active && root_row.totp_enabled);
        add(&auth, "ada", Role::Administrator);
        let (ada, _) = sign_in(&auth, "ada", PASSWORD, None);
        auth.set_role(&Actor::from_session(&ada), "root", Role::Manager)
            .unwrap();
    }
);
