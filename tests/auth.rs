//! Accounts and security on both real backends: permissions, lockout, TOTP, backup codes,
//! sessions, policy, last-administrator protection.

mod common;

use std::time::{Duration, Instant};

use diesel::prelude::*;
use stockroom::Error;
use stockroom::auth::audit::AuditFilter;
use stockroom::auth::{Actor, Clock, Permission, Role, SIGN_IN_FAILED, SessionState, Step, totp};
use stockroom::db::models::User;
use stockroom::db::schema::{audit_events, users};

use common::TestDb;
use common::accounts::{self, PASSWORD, add, cli, sign_in};

fn events(t: &TestDb, name: &str) -> Vec<String> {
    audit_events::table
        .filter(audit_events::event.eq(name))
        .select(audit_events::details)
        .load(&mut *t.db.conn().unwrap())
        .unwrap()
}

both_backends!(every_cell_of_the_permission_matrix, |t: TestDb| {
    let (auth, _clock) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "mona", Role::Manager);
    add(&auth, "emil", Role::Employee);
    add(&auth, "tgt", Role::Employee);
    let (admin, _) = sign_in(&auth, "root", PASSWORD, None);
    let (manager, _) = sign_in(&auth, "mona", PASSWORD, None);
    let (employee, _) = sign_in(&auth, "emil", PASSWORD, None);
    for s in [&admin, &manager, &employee] {
        let actor = Actor::from_session(s);
        for p in Permission::ALL {
            let got = auth.require(&actor, p);
            assert_eq!(got.is_ok(), s.role.allows(p), "{} {p:?}: {got:?}", s.role);
            if let Err(e) = got {
                assert!(matches!(e, Error::Forbidden(_)), "{e}");
            }
        }
        // The service functions themselves check.
        let may_view_users = s.role >= Role::Manager;
        let listed = auth.list_users(&actor);
        assert_eq!(
            listed.is_ok(),
            may_view_users,
            "{} list_users: {:?}",
            s.role,
            listed.err()
        );
        assert_eq!(
            auth.audit_log(&actor, &AuditFilter::default()).is_ok(),
            may_view_users,
            "{} audit_log",
            s.role
        );
        let may_manage = s.role == Role::Administrator;
        let name = format!("new_{}", s.role.as_str());
        assert_eq!(
            auth.add_user(&actor, &name, Role::Employee, None, PASSWORD)
                .is_ok(),
            may_manage,
            "{} add_user",
            s.role
        );
        // Aimed at an account nobody here is signed in with: these end the target's sessions.
        assert_eq!(
            auth.unlock_user(&actor, "tgt").is_ok(),
            may_manage,
            "{} unlock",
            s.role
        );
        assert_eq!(
            auth.set_role(&actor, "tgt", Role::Employee).is_ok(),
            may_manage,
            "{} set_role",
            s.role
        );
        assert_eq!(
            auth.reset_2fa(&actor, "tgt").is_ok(),
            may_manage,
            "{} reset_2fa",
            s.role
        );
        assert_eq!(
            auth.set_active(&actor, "tgt", true).is_ok(),
            may_manage,
            "{} activate",
            s.role
        );
        assert_eq!(
            auth.reset_password(&actor, "tgt", &format!("Fresh-Start-{}", s.session_id))
                .is_ok(),
            may_manage,
            "{} reset_password",
            s.role
        );
    }
    // A demotion takes effect at once, on the next call, whatever the session believed.
    let (admin2, _) = {
        add(&auth, "root2", Role::Administrator);
        sign_in(&auth, "root2", PASSWORD, None)
    };
    let actor2 = Actor::from_session(&admin2);
    auth.set_role(&Actor::from_session(&admin), "root2", Role::Employee)
        .unwrap();
    assert!(matches!(
        auth.require(&actor2, Permission::ManageUsers),
        Err(Error::Forbidden(_))
    ));
});

both_backends!(
    lockout_at_exactly_the_threshold_and_unlock_after_the_lock_time,
    |t: TestDb| {
        let (auth, clock) = accounts::auth(&t);
        add(&auth, "root", Role::Administrator);
        add(&auth, "emil", Role::Employee);
        for i in 1..=4 {
            let e = auth.begin_sign_in("emil", "wrong-Password-1").unwrap_err();
            assert_eq!(e.to_string(), SIGN_IN_FAILED, "attempt {i}");
        }
        // Four failures do not lock: the right password still works, and resets the count.
        let (s, _) = sign_in(&auth, "emil", PASSWORD, None);
        auth.sign_out(&s, "test").unwrap();
        for _ in 1..=5 {
            assert!(auth.begin_sign_in("emil", "wrong-Password-1").is_err());
        }
        let user = User::by_username(&mut t.db.conn().unwrap(), "emil")
            .unwrap()
            .unwrap();
        assert_eq!(user.failed_attempts, 5);
        assert_eq!(user.locked_until, Some(clock_now(&auth) + 15 * 60));
        // Locked: the right password gets the same message.
        assert_eq!(
            auth.begin_sign_in("emil", PASSWORD)
                .unwrap_err()
                .to_string(),
            SIGN_IN_FAILED
        );
        clock.advance(15 * 60 - 1);
        assert!(
            auth.begin_sign_in("emil", PASSWORD).is_err(),
            "still locked a second before the end"
        );
        clock.advance(1);
        let (_s, _) = sign_in(&auth, "emil", PASSWORD, None);
        let user = User::by_username(&mut t.db.conn().unwrap(), "emil")
            .unwrap()
            .unwrap();
        assert_eq!((user.failed_attempts, user.locked_until), (0, None));
        assert_eq!(events(&t, "signin.locked").len(), 1);
        // An administrator can lift a lock before its time.
        for _ in 1..=5 {
            let _ = auth.begin_sign_in("emil", "nope");
        }
        auth.unlock_user(&cli(), "emil").unwrap();
        sign_in(&auth, "emil", PASSWORD, None);
    }
);

fn clock_now(auth: &stockroom::auth::Auth) -> i64 {
    auth.now()
}

both_backends!(
    eight_terminals_racing_leave_an_exact_count_and_a_lock,
    |t: TestDb| {
        let (auth, _clock) = accounts::auth(&t);
        add(&auth, "root", Role::Administrator);
        add(&auth, "emil", Role::Employee);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                let auth = auth.clone();
                scope.spawn(move || {
                    for _ in 0..4 {
                        assert!(auth.begin_sign_in("emil", "Wrong-Guess-9").is_err());
                    }
                });
            }
        });
        let user = User::by_username(&mut t.db.conn().unwrap(), "emil")
            .unwrap()
            .unwrap();
        assert_eq!(user.failed_attempts, 32, "every failure counted, none lost");
        assert!(user.locked_until.is_some(), "and the account is locked");
        assert_eq!(events(&t, "signin.locked").len(), 1, "locked exactly once");
        assert_eq!(events(&t, "signin.failure").len(), 32);
    }
);

both_backends!(
    unknown_user_and_wrong_password_look_the_same,
    |t: TestDb| {
        let (auth, _clock) = accounts::auth(&t);
        add(&auth, "root", Role::Administrator);
        add(&auth, "emil", Role::Employee);
        add(&auth, "gone", Role::Employee);
        auth.set_active(&cli(), "gone", false).unwrap();
        let time = |name: &str, pw: &str| {
            let started = Instant::now();
            let e = auth.begin_sign_in(name, pw).unwrap_err();
            (started.elapsed(), e.to_string())
        };
        // Warm up (the dummy hash is made once).
        let _ = time("nobody", "x");
        let mut unknown = Vec::new();
        let mut wrong = Vec::new();
        for i in 0..4 {
            let (d, m) = time(&format!("nobody{i}"), "Wrong-Guess-9");
            assert_eq!(m, SIGN_IN_FAILED);
            unknown.push(d);
            let (d, m) = time("emil", "Wrong-Guess-9");
            assert_eq!(m, SIGN_IN_FAILED);
            wrong.push(d);
        }
        assert_eq!(
            time("gone", PASSWORD).1,
            SIGN_IN_FAILED,
            "deactivated: same message"
        );
        unknown.sort();
        wrong.sort();
        let (u, w) = (unknown[2].as_secs_f64(), wrong[2].as_secs_f64());
        assert!(
            u > 0.5 * w && u < 2.0 * w,
            "unknown {u:.3}s vs wrong password {w:.3}s"
        );
        assert!(
            Duration::from_secs_f64(u) > Duration::from_millis(5),
            "a real bcrypt verify is spent"
        );
    }
);

both_backends!(totp_window_replay_and_backup_codes, |t: TestDb| {
    let (auth, clock) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    // First sign-in forces setup; the first code must be right before 2FA is on.
    let mut p = auth.begin_sign_in("root", PASSWORD).unwrap();
    assert_eq!(p.step(), Step::TotpSetup);
    let setup = auth.totp_setup(&mut p).unwrap();
    assert!(setup.uri.starts_with("otpauth://totp/Stockroom:root?"));
    let now_code = totp::code_at(&setup.secret, clock.now()).unwrap();
    let wrong = if now_code == "000000" {
        "111111"
    } else {
        "000000"
    };
    assert!(
        auth.confirm_totp_setup(&mut p, wrong).is_err(),
        "a wrong first code keeps 2FA off"
    );
    assert_eq!(p.step(), Step::TotpSetup);
    let backup = auth.confirm_totp_setup(&mut p, &now_code).unwrap();
    assert_eq!(p.step(), Step::Done);
    let s = auth.finish_sign_in(p).unwrap();
    assert_eq!(auth.backup_codes_remaining(s.user_id).unwrap(), 10);
    let secret = setup.secret;

    let second = |code: &str| {
        let mut p = auth.begin_sign_in("root", PASSWORD).unwrap();
        assert_eq!(p.step(), Step::SecondFactor);
        auth.verify_second_factor(&mut p, code).map(|_| p)
    };
    // The setup code cannot be used again (same step).
    assert!(second(&now_code).is_err(), "replay of the setup code");
    clock.advance(300);
    let c = totp::code_at(&secret, clock.now()).unwrap();
    let p = second(&c).expect("current code");
    auth.finish_sign_in(p).unwrap();
    assert!(second(&c).is_err(), "the same code twice");
    clock.advance(300);
    assert!(
        second(&totp::code_at(&secret, clock.now() + 30).unwrap()).is_ok(),
        "+1 step"
    );
    clock.advance(300);
    assert!(
        second(&totp::code_at(&secret, clock.now() - 30).unwrap()).is_ok(),
        "-1 step"
    );
    clock.advance(300);
    assert!(
        second(&totp::code_at(&secret, clock.now() + 60).unwrap()).is_err(),
        "+2 steps"
    );
    assert!(
        second(&totp::code_at(&secret, clock.now() - 60).unwrap()).is_err(),
        "-2 steps"
    );
    assert!(second("123").is_err());

    // A backup code works once, in any case and with or without dashes.
    let code = backup[0].to_uppercase().replace('-', "");
    let p = second(&code).expect("backup code");
    let s = auth.finish_sign_in(p).unwrap();
    assert!(second(&backup[0]).is_err(), "used once only");
    assert_eq!(auth.backup_codes_remaining(s.user_id).unwrap(), 9);
    assert_eq!(
        events(&t, "backup_code.used"),
        vec!["remaining=9".to_string()]
    );
    // Regenerating (asks for the password again) revokes the old set.
    assert!(auth.regenerate_backup_codes(&s, "not-my-password").is_err());
    let fresh = auth.regenerate_backup_codes(&s, PASSWORD).unwrap();
    assert!(second(&backup[1]).is_err(), "old set revoked");
    assert!(second(&fresh[0]).is_ok());
    assert_eq!(auth.backup_codes_remaining(s.user_id).unwrap(), 9);
});

both_backends!(no_step_can_be_skipped, |t: TestDb| {
    let (auth, clock) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    let mut p = auth.begin_sign_in("root", PASSWORD).unwrap();
    assert_eq!(p.step(), Step::TotpSetup);
    assert!(auth.verify_second_factor(&mut p, "123456").is_err());
    assert!(
        auth.change_password_at_sign_in(&mut p, "Other-Pass-42")
            .is_err()
    );
    let err = auth.finish_sign_in(p).unwrap_err().to_string();
    assert!(err.contains("out of order"), "{err}");
    // With 2FA on, finishing without the second factor is refused too.
    let (_, secret) = sign_in(&auth, "root", PASSWORD, None);
    let p = auth.begin_sign_in("root", PASSWORD).unwrap();
    assert!(auth.finish_sign_in(p).is_err());
    // A reset password forces a change, which the policy checks, before the session.
    add(&auth, "emil", Role::Employee);
    auth.reset_password(&cli(), "emil", "Temp-Pass-123")
        .unwrap();
    let mut p = auth.begin_sign_in("emil", "Temp-Pass-123").unwrap();
    assert_eq!(p.step(), Step::PasswordChange);
    let err = auth
        .change_password_at_sign_in(&mut p, "weak")
        .unwrap_err()
        .to_string();
    assert!(err.contains("at least 8 characters"), "{err}");
    assert!(
        auth.change_password_at_sign_in(&mut p, "Temp-Pass-123")
            .is_err(),
        "must differ"
    );
    auth.change_password_at_sign_in(&mut p, "Brand-New-Pass-9")
        .unwrap();
    auth.finish_sign_in(p).unwrap();
    // A pending sign-in goes stale.
    let p = auth.begin_sign_in("root", PASSWORD).unwrap();
    clock.advance(11 * 60);
    let mut p = p;
    let code = totp::code_at(secret.as_deref().unwrap(), clock.now()).unwrap();
    assert!(
        auth.verify_second_factor(&mut p, &code)
            .unwrap_err()
            .to_string()
            .contains("too long")
    );
});

both_backends!(policy_on_every_path_and_long_passwords, |t: TestDb| {
    let (auth, _clock) = accounts::auth(&t);
    let long = format!("Aa1!{}", "b".repeat(69)); // 73 bytes
    let err = auth
        .create_first_administrator("root", &long)
        .unwrap_err()
        .to_string();
    assert!(err.contains("73 bytes") && err.contains("72"), "{err}");
    let err = auth
        .create_first_administrator("root", "password")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("an uppercase letter") && err.contains("a digit"),
        "{err}"
    );
    let err = auth
        .add_user(&cli(), "emil", Role::Employee, None, PASSWORD)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("first account must be an administrator"),
        "{err}"
    );
    auth.create_first_administrator("root", PASSWORD).unwrap();
    assert!(
        auth.create_first_administrator("root2", PASSWORD).is_err(),
        "only on an empty store"
    );
    let err = auth
        .add_user(&cli(), "emil", Role::Employee, None, "Short1!")
        .unwrap_err()
        .to_string();
    assert!(err.contains("at least 8"), "{err}");
    assert!(
        auth.add_user(&cli(), "Bad Name", Role::Employee, None, PASSWORD)
            .is_err()
    );
    assert!(
        auth.add_user(&cli(), "emil", Role::Employee, Some(999), PASSWORD)
            .unwrap_err()
            .to_string()
            .contains("999")
    );
    add(&auth, "emil", Role::Employee);
    assert!(
        auth.add_user(&cli(), "EMIL", Role::Employee, None, PASSWORD)
            .unwrap_err()
            .to_string()
            .contains("already exists")
    );
    let err = auth
        .reset_password(&cli(), "emil", "alllowercase1!")
        .unwrap_err()
        .to_string();
    assert!(err.contains("an uppercase letter"), "{err}");
    let (s, _) = sign_in(&auth, "emil", PASSWORD, None);
    let err = auth
        .change_own_password(&s, PASSWORD, "NoDigits!!")
        .unwrap_err()
        .to_string();
    assert!(err.contains("a digit"), "{err}");
    assert!(
        auth.change_own_password(&s, "wrong", "Good-Pass-123")
            .unwrap_err()
            .to_string()
            .contains("current password")
    );
    auth.change_own_password(&s, PASSWORD, "Good-Pass-123")
        .unwrap();
    assert!(auth.begin_sign_in("emil", "Good-Pass-123").is_ok());
    // A 73-byte password at sign-in is simply wrong, never truncated into a match.
    assert!(
        auth.begin_sign_in("emil", &format!("Good-Pass-123{}", "x".repeat(60)))
            .is_err()
    );
});

both_backends!(last_administrator_is_protected, |t: TestDb| {
    let (auth, _clock) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    let err = auth
        .set_role(&cli(), "root", Role::Manager)
        .unwrap_err()
        .to_string();
    assert!(err.contains("last active administrator"), "{err}");
    assert!(
        auth.set_active(&cli(), "root", false)
            .unwrap_err()
            .to_string()
            .contains("last active administrator")
    );
    add(&auth, "root2", Role::Administrator);
    auth.set_role(&cli(), "root", Role::Manager).unwrap();
    assert!(
        auth.set_active(&cli(), "root2", false).is_err(),
        "root2 is now the last one"
    );
    assert!(
        auth.set_role(&cli(), "nobody", Role::Manager)
            .unwrap_err()
            .to_string()
            .contains("no user named")
    );
});

both_backends!(sessions_idle_expire_and_end_everywhere, |t: TestDb| {
    let (auth, clock) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "emil", Role::Employee);
    let (s, _) = sign_in(&auth, "emil", PASSWORD, None);
    assert!(matches!(
        auth.check_session(&s).unwrap(),
        SessionState::Active { .. }
    ));
    clock.advance(29 * 60);
    auth.touch_session(&s).unwrap();
    clock.advance(29 * 60);
    assert!(
        matches!(auth.check_session(&s).unwrap(), SessionState::Active { .. }),
        "activity moves the idle clock"
    );
    clock.advance(60);
    assert_eq!(auth.check_session(&s).unwrap(), SessionState::Idle);
    assert!(auth.unlock_session(&s, "wrong").is_err());
    auth.unlock_session(&s, PASSWORD).unwrap();
    assert!(matches!(
        auth.check_session(&s).unwrap(),
        SessionState::Active { .. }
    ));
    // The absolute limit ends it whatever the activity.
    for _ in 0..24 {
        clock.advance(29 * 60);
        auth.touch_session(&s).unwrap();
    }
    assert_eq!(auth.check_session(&s).unwrap(), SessionState::Expired);
    assert!(matches!(
        auth.check_session(&s).unwrap(),
        SessionState::Ended { .. }
    ));
    // Deactivation, password reset and 2FA reset end live sessions on every terminal.
    let (a, _) = sign_in(&auth, "emil", PASSWORD, None);
    let (b, _) = sign_in(&auth, "emil", PASSWORD, None);
    auth.set_active(&cli(), "emil", false).unwrap();
    for s in [&a, &b] {
        assert_eq!(
            auth.check_session(s).unwrap(),
            SessionState::Ended {
                reason: "account deactivated".into()
            }
        );
        assert!(
            auth.require(&Actor::from_session(s), Permission::ViewData)
                .is_err()
        );
    }
    auth.set_active(&cli(), "emil", true).unwrap();
    let (c, _) = sign_in(&auth, "emil", PASSWORD, None);
    auth.reset_password(&cli(), "emil", "Another-Pass-8")
        .unwrap();
    assert_eq!(
        auth.check_session(&c).unwrap(),
        SessionState::Ended {
            reason: "password reset".into()
        }
    );
    add(&auth, "root2", Role::Administrator);
    let (d, _) = sign_in(&auth, "root2", PASSWORD, None);
    auth.reset_2fa(&cli(), "root2").unwrap();
    assert_eq!(
        auth.check_session(&d).unwrap(),
        SessionState::Ended {
            reason: "2FA reset".into()
        }
    );
    let mut p = auth.begin_sign_in("root2", PASSWORD).unwrap();
    assert_eq!(
        p.step(),
        Step::TotpSetup,
        "after a 2FA reset an administrator sets it up again"
    );
    let _ = auth.totp_setup(&mut p).unwrap();
    // Sign-out is audited.
    let (e, _) = sign_in(&auth, "root", PASSWORD, None);
    auth.sign_out(&e, "user").unwrap();
    assert!(matches!(
        auth.check_session(&e).unwrap(),
        SessionState::Ended { .. }
    ));
    let n: i64 = audit_events::table
        .filter(audit_events::event.eq("signout"))
        .count()
        .get_result(&mut *t.db.conn().unwrap())
        .unwrap();
    assert_eq!(n, 1);
    let enabled: Vec<bool> = users::table
        .select(users::totp_enabled)
        .load(&mut *t.db.conn().unwrap())
        .unwrap();
    assert!(enabled.contains(&true));
});

both_backends!(
    two_admins_demoting_each_other_at_once_leave_one,
    |t: TestDb| {
        let (auth, _clock) = accounts::auth(&t);
        add(&auth, "ann", Role::Administrator);
        add(&auth, "bob", Role::Administrator);
        for round in 0..20 {
            let barrier = std::sync::Barrier::new(2);
            let results: Vec<bool> = std::thread::scope(|s| {
                let handles: Vec<_> = ["ann", "bob"]
                    .into_iter()
                    .map(|name| {
                        let (auth, barrier) = (auth.clone(), &barrier);
                        s.spawn(move || {
                            barrier.wait();
                            auth.set_role(&cli(), name, Role::Manager).is_ok()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let admins: i64 = users::table
                .filter(users::role.eq("administrator"))
                .filter(users::active.eq(true))
                .count()
                .get_result(&mut *t.db.conn().unwrap())
                .unwrap();
            assert_eq!(
                admins, 1,
                "round {round}: {results:?} left {admins} administrators"
            );
            assert_eq!(results.iter().filter(|ok| **ok).count(), 1, "round {round}");
            auth.set_role(&cli(), "ann", Role::Administrator).unwrap();
            auth.set_role(&cli(), "bob", Role::Administrator).unwrap();
        }
    }
);

both_backends!(
    two_terminals_creating_the_first_administrator_make_one,
    |t: TestDb| {
        let (auth, _clock) = accounts::auth(&t);
        let barrier = std::sync::Barrier::new(2);
        let ok: usize = std::thread::scope(|s| {
            let hs: Vec<_> = ["ann", "bob"]
                .into_iter()
                .map(|name| {
                    let (auth, barrier) = (auth.clone(), &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        auth.create_first_administrator(name, PASSWORD).is_ok()
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap() as usize).sum()
        });
        let n: i64 = users::table
            .count()
            .get_result(&mut *t.db.conn().unwrap())
            .unwrap();
        assert_eq!((ok, n), (1, 1), "exactly one first administrator");
    }
);

both_backends!(
    wrong_reconfirmations_count_toward_lockout_and_are_audited,
    |t: TestDb| {
        let (auth, _clock) = accounts::auth(&t);
        add(&auth, "root", Role::Administrator);
        add(&auth, "emil", Role::Employee);
        let (s, _) = sign_in(&auth, "emil", PASSWORD, None);
        for _ in 0..5 {
            assert!(
                auth.change_own_password(&s, "not-it", "Good-Pass-123")
                    .is_err()
            );
        }
        assert_eq!(events(&t, "signin.locked").len(), 1, "the lock is audited");
        assert!(
            events(&t, "signin.failure")
                .iter()
                .all(|d| d.contains("step=reconfirm"))
        );
        assert_eq!(
            auth.begin_sign_in("emil", PASSWORD)
                .unwrap_err()
                .to_string(),
            SIGN_IN_FAILED,
            "and it holds"
        );
    }
);

// Five wrong passwords at step 1 lock the account but say nothing about it: the kind and
// the words are those of an unknown user.
both_backends!(a_lock_at_the_password_step_stays_vague, |t: TestDb| {
    use stockroom::error::ErrorKind;
    let (auth, _clock) = accounts::auth(&t);
    add(&auth, "root", Role::Administrator);
    add(&auth, "emil", Role::Employee);
    let unknown = auth.begin_sign_in("nobody", "Wrong-Guess-9").unwrap_err();
    for i in 1..=5 {
        let e = auth.begin_sign_in("emil", "Wrong-Guess-9").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SignInFailed, "attempt {i}");
        assert_eq!(e.to_string(), unknown.to_string(), "attempt {i}");
    }
    let locked: Option<i64> = users::table
        .filter(users::username.eq("emil"))
        .select(users::locked_until)
        .first(&mut *t.db.conn().unwrap())
        .unwrap();
    assert!(locked.is_some(), "the fifth failure locked the account");
    let e = auth.begin_sign_in("emil", PASSWORD).unwrap_err();
    assert_eq!(
        (e.kind(), e.to_string()),
        (ErrorKind::SignInFailed, SIGN_IN_FAILED.to_string()),
        "the right password on a locked account: still the vague message"
    );
});

// After the password was right, a lock caused by wrong codes (sign-in or 2FA setup) or by
// wrong passwords at the lock screen comes back as `Locked`, so the front end can say so.
both_backends!(
    a_lock_after_the_password_is_reported_as_locked,
    |t: TestDb| {
        use stockroom::error::ErrorKind;
        let (auth, clock) = accounts::auth(&t);
        add(&auth, "root", Role::Administrator);
        add(&auth, "ann", Role::Administrator);
        add(&auth, "emil", Role::Employee);
        let (_s, secret) = sign_in(&auth, "root", PASSWORD, None);
        let secret = secret.unwrap();

        // Second factor: four wrong codes are plain failures, the fifth locks.
        let mut p = auth.begin_sign_in("root", PASSWORD).unwrap();
        assert_eq!(p.step(), Step::SecondFactor);
        let wrong = {
            let right = totp::code_at(&secret, auth.now()).unwrap();
            // A six-digit code that is none of the accepted window's.
            (0..1_000_000)
                .map(|n| format!("{n:06}"))
                .find(|c| {
                    (-2..=2).all(|k| totp::code_at(&secret, auth.now() + k * 30).unwrap() != *c)
                        && *c != right
                })
                .unwrap()
        };
        for i in 1..=4 {
            let e = auth.verify_second_factor(&mut p, &wrong).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::SignInFailed, "code {i}: {e}");
        }
        let e = auth.verify_second_factor(&mut p, &wrong).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Locked, "fifth code: {e}");
        assert!(e.to_string().contains("15 minutes"), "{e}");
        // The same pending sign-in with the right code: still locked.
        let right = totp::code_at(&secret, auth.now() + 30).unwrap();
        let e = auth.verify_second_factor(&mut p, &right).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Locked, "{e}");
        // Starting over at step 1 reveals nothing.
        let e = auth.begin_sign_in("root", PASSWORD).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SignInFailed);
        assert_eq!(e.to_string(), SIGN_IN_FAILED);
        assert_eq!(events(&t, "signin.locked").len(), 1);

        // 2FA setup: five wrong first codes lock as well.
        let mut p = auth.begin_sign_in("ann", PASSWORD).unwrap();
        assert_eq!(p.step(), Step::TotpSetup);
        auth.totp_setup(&mut p).unwrap();
        for i in 1..=4 {
            let e = auth.confirm_totp_setup(&mut p, "000000").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::SignInFailed, "setup code {i}: {e}");
        }
        let e = auth.confirm_totp_setup(&mut p, "000000").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Locked, "{e}");
        assert_eq!(events(&t, "signin.locked").len(), 2);

        // Lock screen: the fifth wrong password locks the account and ends the session.
        let (s, _) = sign_in(&auth, "emil", PASSWORD, None);
        clock.advance(31 * 60);
        assert_eq!(auth.check_session(&s).unwrap(), SessionState::Idle);
        for i in 1..=4 {
            let e = auth.unlock_session(&s, "Wrong-Guess-9").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::SignInFailed, "unlock {i}: {e}");
        }
        let e = auth.unlock_session(&s, "Wrong-Guess-9").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Locked, "{e}");
        assert!(matches!(
            auth.check_session(&s).unwrap(),
            SessionState::Ended { .. }
        ));
        let e = auth.unlock_session(&s, PASSWORD).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Locked, "still locked: {e}");
        assert_eq!(events(&t, "signin.locked").len(), 3);
    }
);
