//! The append-only audit trail: every security-relevant event with actor, UTC time, terminal
//! and details, in `audit_events` and as a log line. Callers pass only names, roles and
//! reasons; a password, code, hash or secret never reaches here.

use diesel::prelude::*;

use crate::db::AnyConnection;
pub use crate::db::models::AuditEvent;
use crate::db::models::audit_event::NewAuditEvent;
use crate::db::schema::audit_events;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    SignInSuccess,
    SignInFailure,
    AccountLocked,
    SignOut,
    SessionLocked,
    SessionUnlocked,
    SessionEnded,
    TotpEnabled,
    TotpFailure,
    TotpReset,
    TotpDisabled,
    TotpShown,
    BackupCodeUsed,
    BackupCodesRegenerated,
    UserCreated,
    RoleChanged,
    UserActivated,
    UserDeactivated,
    UserUnlocked,
    PasswordReset,
    PasswordChanged,
    StaffLinked,
    StaffUnlinked,
    SettingChanged,
    Import,
    Export,
    Report,
    RecordEdited,
    RecordDeleted,
    OrderCreated,
    OrderStatusChanged,
    OrderReturned,
    DayClosed,
    StockReceived,
    StockTransferred,
    StockCounted,
    SchemaMigrated,
    ConnectionTested,
    AuditPruned,
}

impl Event {
    /// Every kind, in the order listed to users.
    pub const ALL: [Event; 39] = [
        Event::SignInSuccess,
        Event::SignInFailure,
        Event::AccountLocked,
        Event::SignOut,
        Event::SessionLocked,
        Event::SessionUnlocked,
        Event::SessionEnded,
        Event::TotpEnabled,
        Event::TotpFailure,
        Event::TotpReset,
        Event::TotpDisabled,
        Event::TotpShown,
        Event::BackupCodeUsed,
        Event::BackupCodesRegenerated,
        Event::UserCreated,
        Event::RoleChanged,
        Event::UserActivated,
        Event::UserDeactivated,
        Event::UserUnlocked,
        Event::PasswordReset,
        Event::PasswordChanged,
        Event::StaffLinked,
        Event::StaffUnlinked,
        Event::SettingChanged,
        Event::Import,
        Event::Export,
        Event::Report,
        Event::RecordEdited,
        Event::RecordDeleted,
        Event::OrderCreated,
        Event::OrderStatusChanged,
        Event::OrderReturned,
        Event::DayClosed,
        Event::StockReceived,
        Event::StockTransferred,
        Event::StockCounted,
        Event::SchemaMigrated,
        Event::ConnectionTested,
        Event::AuditPruned,
    ];

    /// Whether `filter` names an event kind or a family of them (`signin`).
    pub fn is_known_filter(filter: &str) -> bool {
        Event::ALL.iter().any(|e| {
            let name = e.as_str();
            name == filter
                || name
                    .strip_prefix(filter)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Event::SignInSuccess => "signin.success",
            Event::SignInFailure => "signin.failure",
            Event::AccountLocked => "signin.locked",
            Event::SignOut => "signout",
            Event::SessionLocked => "session.locked",
            Event::SessionUnlocked => "session.unlocked",
            Event::SessionEnded => "session.ended",
            Event::TotpEnabled => "2fa.enabled",
            Event::TotpFailure => "2fa.failure",
            Event::TotpReset => "2fa.reset",
            Event::TotpDisabled => "2fa.disabled",
            Event::TotpShown => "2fa.shown",
            Event::BackupCodeUsed => "backup_code.used",
            Event::BackupCodesRegenerated => "backup_codes.regenerated",
            Event::UserCreated => "user.created",
            Event::RoleChanged => "user.role_changed",
            Event::UserActivated => "user.activated",
            Event::UserDeactivated => "user.deactivated",
            Event::UserUnlocked => "user.unlocked",
            Event::PasswordReset => "user.password_reset",
            Event::PasswordChanged => "user.password_changed",
            Event::StaffLinked => "user.staff_linked",
            Event::StaffUnlinked => "user.staff_unlinked",
            Event::SettingChanged => "settings.changed",
            Event::Import => "import",
            Event::Export => "export",
            Event::Report => "report",
            Event::RecordEdited => "record.edited",
            Event::RecordDeleted => "record.deleted",
            Event::OrderCreated => "order.created",
            Event::OrderStatusChanged => "order.status_changed",
            Event::OrderReturned => "order.returned",
            Event::DayClosed => "day.closed",
            Event::StockReceived => "stock.received",
            Event::StockTransferred => "stock.transferred",
            Event::StockCounted => "stock.counted",
            Event::SchemaMigrated => "schema.migrated",
            Event::ConnectionTested => "connection.tested",
            Event::AuditPruned => "audit.pruned",
        }
    }
}

/// The longest actor name the audit trail holds (its column's size).
pub const ACTOR_CHARS: usize = 128;

/// Appends one event (and logs it). Text in it came partly from outside (file names, names
/// typed): control characters are escaped and the actor capped to its column.
pub fn record(
    conn: &mut AnyConnection,
    at: i64,
    actor: &str,
    terminal: &str,
    event: Event,
    details: &str,
) -> QueryResult<()> {
    let actor = &crate::text::escape_bounded(actor, ACTOR_CHARS);
    let terminal = &crate::text::escape_bounded(terminal, 255);
    let details: &str = &crate::text::escape(details);
    diesel::insert_into(audit_events::table)
        .values(NewAuditEvent {
            at,
            actor,
            terminal,
            event: event.as_str(),
            details,
        })
        .execute(conn)?;
    tracing::info!(target: "audit", event = event.as_str(), actor, terminal, details, "audit");
    Ok(())
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// An event name or prefix (`signin` matches `signin.success` and `signin.failure`).
    pub event: Option<String>,
    pub since: Option<i64>,
    /// Events before this time (exclusive).
    pub until: Option<i64>,
    /// The terminal, or the start of its name (`/dev/pts`, an SSH client address).
    pub terminal: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Newest first.
pub fn list(conn: &mut AnyConnection, f: &AuditFilter) -> QueryResult<Vec<AuditEvent>> {
    let mut q = audit_events::table.into_boxed();
    if let Some(a) = &f.actor {
        q = q.filter(audit_events::actor.eq(a.clone()));
    }
    if let Some(e) = &f.event {
        q = q.filter(
            audit_events::event
                .eq(e.clone())
                .or(audit_events::event.like(format!("{}.%", e.replace(['%', '_'], "")))),
        );
    }
    if let Some(s) = f.since {
        q = q.filter(audit_events::at.ge(s));
    }
    if let Some(u) = f.until {
        q = q.filter(audit_events::at.lt(u));
    }
    if let Some(t) = &f.terminal {
        let escaped = t.replace('!', "!!").replace('%', "!%").replace('_', "!_");
        q = q.filter(
            audit_events::terminal
                .like(format!("{escaped}%"))
                .escape('!'),
        );
    }
    q.order((audit_events::at.desc(), audit_events::audit_event_id.desc()))
        .limit(if f.limit > 0 { f.limit } else { 100 })
        .offset(f.offset.max(0))
        .select(AuditEvent::as_select())
        .load(conn)
}
