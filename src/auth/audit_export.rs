//! The audit trail, filtered, written to a new private CSV file (needs `ViewAudit` and
//! `ExportData`); the export is itself audited.

use std::path::Path;

use super::audit::{self, AuditFilter, Event};
use super::{Actor, Auth, Permission};
use crate::error::{Error, Result};

/// Rows read per query while exporting.
const CHUNK: i64 = 5_000;

impl Auth {
    /// Writes every event matching `filter` (newest first) to `path`; returns how many.
    pub fn export_audit(&self, actor: &Actor, filter: &AuditFilter, path: &Path) -> Result<u64> {
        let mut conn = self.db().conn()?;
        self.authorize(&mut conn, actor, Permission::ViewAudit)?;
        self.authorize(&mut conn, actor, Permission::ExportData)?;
        let file = crate::files::create_new_private(path)?;
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
        let fail = |e: csv::Error| Error::file(path, std::io::Error::other(e));
        w.write_record(["at_utc", "actor", "terminal", "event", "details"])
            .map_err(fail)?;
        let mut f = AuditFilter {
            limit: CHUNK,
            offset: 0,
            ..filter.clone()
        };
        let mut n = 0u64;
        loop {
            let events = audit::list(&mut conn, &f)?;
            for e in &events {
                let at = chrono::DateTime::from_timestamp(e.at, 0)
                    .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default();
                w.write_record([&at, &e.actor, &e.terminal, &e.event, &e.details])
                    .map_err(fail)?;
            }
            n += events.len() as u64;
            if (events.len() as i64) < CHUNK {
                break;
            }
            f.offset += CHUNK;
        }
        w.flush().map_err(|e| Error::file(path, e))?;
        audit::record(
            &mut conn,
            self.now(),
            &actor.name,
            &actor.terminal,
            Event::Export,
            &format!(
                "table=audit_events rows={n} file={}",
                crate::text::escape_bounded(&path.display().to_string(), 300)
            ),
        )?;
        Ok(n)
    }
}
