//! Audit retention: the events older than a date removed from the trail (Administrators;
//! nothing is removed unless asked — the retention default is none). With a file named, the
//! events go there first, in the form the audit export writes, and are removed only once the
//! file is complete; the pruning is itself audited, after the removal and in the same
//! transaction, so it can never remove its own record.

use std::io::Write;
use std::path::{Path, PathBuf};

use diesel::prelude::*;

use super::audit::{self, AuditEvent, Event};
use super::{Actor, Auth, Permission};
use crate::db::schema::audit_events;
use crate::db::tx;
use crate::error::{Error, Result};

/// Events read per query while exporting.
const CHUNK: i64 = 5_000;

/// What a prune did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pruned {
    /// Events removed.
    pub removed: u64,
    /// Where they were written first, if asked.
    pub exported: Option<PathBuf>,
}

/// The export's header and one event as its row (the columns and time format of
/// `Auth::export_audit`).
const HEADER: [&str; 5] = ["at_utc", "actor", "terminal", "event", "details"];

fn row(e: &AuditEvent) -> [String; 5] {
    let at = chrono::DateTime::from_timestamp(e.at, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default();
    [
        at,
        e.actor.clone(),
        e.terminal.clone(),
        e.event.clone(),
        e.details.clone(),
    ]
}

/// Writes the events before `before` with ids up to `last` to a new private file beside
/// `path`, made durable, then linked in at `path` (which must not exist): the file is there
/// complete, or not at all. Returns how many were written.
fn export(conn: &mut crate::db::AnyConnection, before: i64, last: i32, path: &Path) -> Result<u64> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(Error::Invalid(format!(
            "{} already exists; name a new file (nothing was removed)",
            crate::etl::source::shown(path)
        )));
    }
    let partial = path.with_file_name(format!(
        ".{}.partial-{:08x}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        rand::random::<u32>()
    ));
    let written = (|| -> Result<u64> {
        let file = crate::files::create_new_private(&partial)?;
        let fail = |e: csv::Error| Error::file(path, std::io::Error::other(e));
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
        w.write_record(HEADER).map_err(fail)?;
        let mut after = 0i32;
        let mut n = 0u64;
        loop {
            let events: Vec<AuditEvent> = audit_events::table
                .filter(audit_events::at.lt(before))
                .filter(audit_events::audit_event_id.le(last))
                .filter(audit_events::audit_event_id.gt(after))
                .order(audit_events::audit_event_id.asc())
                .limit(CHUNK)
                .select(AuditEvent::as_select())
                .load(conn)?;
            for e in &events {
                w.write_record(row(e)).map_err(fail)?;
            }
            n += events.len() as u64;
            match events.last() {
                Some(e) if events.len() as i64 == CHUNK => after = e.audit_event_id,
                _ => break,
            }
        }
        let mut inner = w
            .into_inner()
            .map_err(|e| Error::file(path, std::io::Error::other(e.to_string())))?;
        inner.flush().map_err(|e| Error::file(path, e))?;
        inner
            .get_ref()
            .sync_all()
            .map_err(|e| Error::file(path, e))?;
        // A link never replaces what another process put there meanwhile.
        std::fs::hard_link(&partial, path).map_err(|e| Error::file(path, e))?;
        Ok(n)
    })();
    let _ = std::fs::remove_file(&partial);
    written
}

impl Auth {
    /// Removes the audit events from before `before` (a UTC time), writing them first to
    /// `export` when given; needs `PruneAudit` (Administrators). The prune is audited.
    pub fn prune_audit(
        &self,
        actor: &Actor,
        before: i64,
        export_to: Option<&Path>,
    ) -> Result<Pruned> {
        let mut conn = self.db().conn()?;
        self.authorize(&mut conn, actor, Permission::PruneAudit)?;
        let now = self.now();
        if before > now {
            return Err(Error::Invalid(
                "--before is in the future: only events that already happened can be removed"
                    .into(),
            ));
        }
        // The newest event to go: ids only grow, so what is exported is what is removed even
        // while other terminals add events.
        let last: Option<i32> = audit_events::table
            .filter(audit_events::at.lt(before))
            .select(diesel::dsl::max(audit_events::audit_event_id))
            .first(&mut conn)?;
        let exported = match (last, export_to) {
            (Some(last), Some(path)) => Some((export(&mut conn, before, last, path)?, path)),
            _ => None,
        };
        let day = chrono::DateTime::from_timestamp(before, 0)
            .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        let file = exported
            .map(|(n, p)| {
                format!(
                    " exported={n} file={}",
                    crate::text::escape_bounded(&p.display().to_string(), 300)
                )
            })
            .unwrap_or_default();
        let result = tx::write(&mut conn, |c| -> Result<u64> {
            let removed = match last {
                Some(last) => diesel::delete(
                    audit_events::table
                        .filter(audit_events::at.lt(before))
                        .filter(audit_events::audit_event_id.le(last)),
                )
                .execute(c)? as u64,
                None => 0,
            };
            audit::record(
                c,
                now,
                &actor.name,
                &actor.terminal,
                Event::AuditPruned,
                &format!("before={day} removed={removed}{file}"),
            )?;
            Ok(removed)
        });
        match result {
            Ok(removed) => Ok(Pruned {
                removed,
                exported: exported.map(|(_, p)| p.to_path_buf()),
            }),
            Err(e) => {
                // Nothing was removed: the file would only repeat what the trail still holds.
                if let Some((_, p)) = exported {
                    let _ = std::fs::remove_file(p);
                }
                Err(e)
            }
        }
    }
}
