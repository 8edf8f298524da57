//! Sessions left open by a process that died (SIGKILL, power loss): once idle past the limit
//! they count as ended, in `list_users` too, and are closed with an audit line when noticed
//! (a sign-in of that user, the user list, `close_stale_sessions` at TUI start).

mod common;

use diesel::prelude::*;
use stockroom::auth::clock::format_utc;
use stockroom::auth::{Clock, Role, SessionState};
use stockroom::db::schema::{audit_events, sessions, users};
use stockroom::error::ErrorKind;

use common::TestDb;
use common::accounts::{self, PASSWORD, add, cli, sign_in};

/// Open sessions of `name`, counted in SQL.
fn open_sessions(t: &TestDb, name: &str) -> i64 {
    sessions::table
        .inner_join(users::table)
        .filter(users::username.eq(name))
        .filter(sessions::ended_at.is_null())
        .count()
        .get_result(&mut *t.db.conn().unwrap())
        .unwrap()
}

/// The details of every `session.ended` audit line, oldest first.
fn ended_lines(t: &TestDb) -> Vec<(String, String)> {
    audit_events::table
        .filter(audit_events::event.eq("session.ended"))
        .order(audit_events::audit_event_id)
        .select((audit_events::actor, audit_events::details))
        .load(&mut *t.db.conn().unwrap())
        .unwrap()
}

both_backends!(
    a_dead_terminals_session_is_shown_ended_and_closed_with_a_line,
    |t: TestDb| {
        let (auth, clock) = accounts::auth(&t);
        let idle = auth.settings().idle_secs;
        add(&auth, "root", Role::Administrator);
        add(&auth, "emil", Role::Employee);
        // The process holding this session is killed: no sign-out, no more activity.
        let (dead, _) = sign_in(&auth, "emil", PASSWORD, None);
        let last_activity = clock.now();
        clock.advance(idle - 1);
        let listed = auth.list_users(&cli()).unwrap();
        let emil = listed.iter().find(|u| u.username == "emil").unwrap();
        assert_eq!(emil.open_sessions, 1, "a second before the limit: open");
        assert_eq!(open_sessions(&t, "emil"), 1);
        assert!(ended_lines(&t).is_empty());

        clock.advance(1);
        let listed = auth.list_users(&cli()).unwrap();
        let emil = listed.iter().find(|u| u.username == "emil").unwrap();
        assert_eq!(emil.open_sessions, 0, "idle to the limit: shown ended");
        assert_eq!(open_sessions(&t, "emil"), 0, "and closed in the store");
        let lines = ended_lines(&t);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0].0, "emil");
        assert!(
            lines[0].1.contains(&format!(
                "session={} stale, no activity since {}",
                dead.session_id,
                format_utc(last_activity)
            )),
            "{lines:?}"
        );
        let (ended_at, reason): (Option<i64>, Option<String>) = sessions::table
            .find(dead.session_id)
            .select((sessions::ended_at, sessions::end_reason))
            .first(&mut *t.db.conn().unwrap())
            .unwrap();
        assert_eq!(ended_at, Some(clock.now()));
        assert_eq!(
            reason.unwrap(),
            format!("stale: no activity since {}", format_utc(last_activity))
        );
        // Noticed once: listing again or sweeping closes and audits nothing more.
        auth.list_users(&cli()).unwrap();
        assert_eq!(auth.close_stale_sessions().unwrap(), 0);
        assert_eq!(ended_lines(&t).len(), 1);
        // A terminal still showing it finds it ended, and cannot unlock it.
        match auth.check_session(&dead).unwrap() {
            SessionState::Ended { reason } => assert!(reason.starts_with("stale"), "{reason}"),
            other => panic!("{other:?}"),
        }
        let e = auth.unlock_session(&dead, PASSWORD).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SessionEnded, "{e}");
    }
);

both_backends!(
    the_sweep_closes_only_stale_sessions_and_counts_them,
    |t: TestDb| {
        let (auth, clock) = accounts::auth(&t);
        let idle = auth.settings().idle_secs;
        add(&auth, "root", Role::Administrator);
        add(&auth, "emil", Role::Employee);
        add(&auth, "mona", Role::Manager);
        let (gone1, _) = sign_in(&auth, "emil", PASSWORD, None);
        let (gone2, _) = sign_in(&auth, "mona", PASSWORD, None);
        let (live, _) = sign_in(&auth, "mona", PASSWORD, None);
        clock.advance(idle / 2);
        auth.touch_session(&live).unwrap();
        clock.advance(idle / 2 + 1);
        let stale_in_sql: i64 = sessions::table
            .filter(sessions::ended_at.is_null())
            .filter(sessions::last_seen_at.le(clock.now() - idle))
            .count()
            .get_result(&mut *t.db.conn().unwrap())
            .unwrap();
        assert_eq!(stale_in_sql, 2);
        // Two terminals starting at once: each stale session is closed and audited once.
        let barrier = std::sync::Barrier::new(2);
        let closed: usize = std::thread::scope(|s| {
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let (auth, barrier) = (auth.clone(), &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        auth.close_stale_sessions().unwrap()
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(closed as i64, stale_in_sql);
        assert_eq!(ended_lines(&t).len(), 2);
        for s in [&gone1, &gone2] {
            assert!(matches!(
                auth.check_session(s).unwrap(),
                SessionState::Ended { .. }
            ));
        }
        assert!(matches!(
            auth.check_session(&live).unwrap(),
            SessionState::Active { .. }
        ));
        assert_eq!(open_sessions(&t, "mona"), 1);
    }
);

both_backends!(
    signing_in_again_closes_that_users_stale_sessions,
    |t: TestDb| {
        let (auth, clock) = accounts::auth(&t);
        let idle = auth.settings().idle_secs;
        add(&auth, "root", Role::Administrator);
        add(&auth, "emil", Role::Employee);
        add(&auth, "mona", Role::Manager);
        let (old, _) = sign_in(&auth, "emil", PASSWORD, None);
        let (other, _) = sign_in(&auth, "mona", PASSWORD, None);
        clock.advance(idle + 60);
        let (new, _) = sign_in(&auth, "emil", PASSWORD, None);
        assert_eq!(open_sessions(&t, "emil"), 1, "only the new one");
        assert!(matches!(
            auth.check_session(&old).unwrap(),
            SessionState::Ended { .. }
        ));
        assert!(matches!(
            auth.check_session(&new).unwrap(),
            SessionState::Active { .. }
        ));
        let lines = ended_lines(&t);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0]
                .1
                .starts_with(&format!("session={} stale", old.session_id))
        );
        // Another user's stale session is left for a later sweep.
        assert_eq!(open_sessions(&t, "mona"), 1);
        assert_eq!(auth.close_stale_sessions().unwrap(), 1);
        assert_eq!(open_sessions(&t, "mona"), 0);
        assert!(matches!(
            auth.check_session(&other).unwrap(),
            SessionState::Ended { .. }
        ));
    }
);
