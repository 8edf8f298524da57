//! `stockroom user …` and `stockroom audit`: account management from a headless server.
//! The shell user acts as `cli:USER@HOST` with Administrator rights (DESIGN §8).

use std::io::{BufRead, IsTerminal};

use clap::{Args, Subcommand};

use super::Context;
use super::output::{Cell, Format, print_rows};
use crate::auth::audit::AuditFilter;
use crate::auth::clock::format_utc;
use crate::auth::{Actor, Role};
use crate::error::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (on an empty store: the first administrator)
    Add {
        username: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Link the account to a member of staff
        #[arg(long)]
        staff_id: Option<i32>,
        /// Read the password from one line of standard input instead of asking twice
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Change a user's role
    SetRole {
        username: String,
        #[arg(value_parser = parse_role)]
        role: Role,
    },
    /// Allow a deactivated user to sign in again
    Activate { username: String },
    /// Stop a user from signing in and end their sessions everywhere
    Deactivate { username: String },
    /// Lift a lockout
    Unlock { username: String },
    /// Set a new password the user must change at next sign-in (ends their sessions)
    ResetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Turn a user's 2FA off; administrators set it up again at next sign-in
    #[command(name = "reset-2fa")]
    Reset2fa { username: String },
    /// Link an account to a member of staff (by the staff id)
    Link { username: String, staff_id: i32 },
    /// Remove an account's link to a member of staff
    Unlink { username: String },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,
    /// Only this actor (username or cli:USER@HOST)
    #[arg(long = "user")]
    pub user: Option<String>,
    /// Only this event or family (e.g. signin, signin.failure, user.created)
    #[arg(long)]
    pub event: Option<String>,
    /// Only events on or after this date (YYYY-MM-DD, UTC) or time (RFC 3339)
    #[arg(long, value_parser = parse_since)]
    pub since: Option<i64>,
    /// Events listed at most: 0 to 100,000
    #[arg(long, default_value_t = 100)]
    pub limit: i64,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Remove the events before a date (Administrators; audited). Nothing is removed unless
    /// asked: the retention default is none
    Prune {
        /// Remove events before this date (YYYY-MM-DD, UTC midnight) or time (RFC 3339)
        #[arg(long, value_parser = parse_since, value_name = "DATE")]
        before: i64,
        /// First write the events removed to this new file, as `audit` exports write them
        #[arg(long, value_name = "FILE")]
        export: Option<std::path::PathBuf>,
    },
}

fn parse_role(s: &str) -> std::result::Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("`{s}` is not a role (employee, manager, administrator)"))
}

fn parse_since(s: &str) -> std::result::Result<i64, String> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp())
            .unwrap_or(0));
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp())
        .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD) or an RFC 3339 time"))
}

/// Reads a new password: one line of stdin, or asked twice without echo on the terminal.
fn read_new_password(from_stdin: bool) -> Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let pw = line.strip_suffix('\n').unwrap_or(&line);
        let pw = pw.strip_suffix('\r').unwrap_or(pw);
        if pw.is_empty() {
            return Err(Error::Invalid("no password on standard input".into()));
        }
        return Ok(pw.to_string());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Invalid(
            "no terminal to ask for the password on; pass --password-stdin and pipe it in".into(),
        ));
    }
    let first = rpassword::prompt_password("New password: ")?;
    let second = rpassword::prompt_password("Repeat it: ")?;
    if first != second {
        return Err(Error::Invalid(
            "the two passwords differ; nothing was changed".into(),
        ));
    }
    Ok(first)
}

pub fn run(ctx: &Context, cmd: UserCommand) -> Result<u8> {
    // Only `user add` may create a store (the first administrator of a new one).
    let auth = match cmd {
        UserCommand::Add { .. } => ctx.auth()?,
        _ => ctx.auth_existing()?,
    };
    let actor = Actor::cli(&ctx.sources);
    match cmd {
        UserCommand::Add {
            username,
            role,
            staff_id,
            password_stdin,
        } => {
            let pw = read_new_password(password_stdin)?;
            auth.add_user(&actor, &username, role, staff_id, &pw)?;
            crate::outln!("created {role} `{}`", username.trim().to_lowercase());
            if role == Role::Administrator {
                crate::outln!("they will set up two-factor authentication at their first sign-in");
            }
        }
        UserCommand::List { format } => {
            let users = auth.list_users(&actor)?;
            let rows: Vec<Vec<Cell>> = users
                .iter()
                .map(|u| {
                    vec![
                        Cell::Text(u.username.clone()),
                        Cell::Text(u.role.as_str().into()),
                        Cell::Bool(u.active),
                        Cell::Bool(u.locked),
                        Cell::Bool(u.totp_enabled),
                        Cell::Bool(u.must_change_password),
                        Cell::int_or_null(u.staff_id),
                        u.last_login_at.map_or(Cell::Null, Cell::Time),
                        Cell::Int(u.open_sessions),
                    ]
                })
                .collect();
            print_rows(
                format,
                &[
                    "username",
                    "role",
                    "active",
                    "locked",
                    "2fa",
                    "must_change_password",
                    "staff_id",
                    "last_login",
                    "open_sessions",
                ],
                &rows,
            );
        }
        UserCommand::SetRole { username, role } => {
            auth.set_role(&actor, &username, role)?;
            crate::outln!("`{username}` is now {role}");
        }
        UserCommand::Activate { username } => {
            auth.set_active(&actor, &username, true)?;
            crate::outln!("`{username}` is active");
        }
        UserCommand::Deactivate { username } => {
            auth.set_active(&actor, &username, false)?;
            crate::outln!("`{username}` is deactivated; their sessions have ended");
        }
        UserCommand::Unlock { username } => {
            auth.unlock_user(&actor, &username)?;
            crate::outln!("`{username}` is unlocked");
        }
        UserCommand::ResetPassword {
            username,
            password_stdin,
        } => {
            let pw = read_new_password(password_stdin)?;
            auth.reset_password(&actor, &username, &pw)?;
            crate::outln!("password of `{username}` reset; they must change it at next sign-in");
        }
        UserCommand::Reset2fa { username } => {
            auth.reset_2fa(&actor, &username)?;
            crate::outln!("2FA of `{username}` reset; backup codes revoked and sessions ended");
        }
        UserCommand::Link { username, staff_id } => {
            auth.link_staff(&actor, &username, Some(staff_id))?;
            crate::outln!("`{username}` is linked to member of staff {staff_id}");
        }
        UserCommand::Unlink { username } => {
            auth.link_staff(&actor, &username, None)?;
            crate::outln!("`{username}` is no longer linked to a member of staff");
        }
    }
    Ok(super::exit::OK)
}

/// The most audit events one command lists.
const AUDIT_MAX: i64 = 100_000;

pub fn audit(ctx: &Context, args: AuditArgs) -> Result<u8> {
    let auth = ctx.auth_existing()?;
    let actor = Actor::cli(&ctx.sources);
    if let Some(AuditCommand::Prune { before, export }) = args.command {
        let pruned = auth.prune_audit(&actor, before, export.as_deref())?;
        let file = match (&pruned.exported, &export) {
            (Some(p), _) => format!("; written first to {}", crate::etl::source::shown(p)),
            (None, Some(p)) => format!("; nothing to write to {}", crate::etl::source::shown(p)),
            (None, None) => String::new(),
        };
        crate::outln!(
            "removed {} audit events from before {}{file}",
            crate::text::group_digits(pruned.removed),
            format_utc(before),
        );
        return Ok(super::exit::OK);
    }
    if !(0..=AUDIT_MAX).contains(&args.limit) {
        return Err(Error::Usage(format!(
            "--limit {} is out of bounds: from 0 to {} events",
            args.limit,
            crate::text::group_digits(AUDIT_MAX as u64)
        )));
    }
    let filter = AuditFilter {
        actor: args.user,
        event: args.event,
        since: args.since,
        limit: args.limit,
        ..AuditFilter::default()
    };
    let events = if args.limit == 0 {
        Vec::new()
    } else {
        auth.audit_log(&actor, &filter)?
    };
    let rows: Vec<Vec<Cell>> = events
        .into_iter()
        .map(|e| {
            vec![
                Cell::Time(e.at),
                Cell::Text(e.actor),
                Cell::Text(e.terminal),
                Cell::Text(e.event),
                Cell::Text(e.details),
            ]
        })
        .collect();
    print_rows(
        args.format,
        &["time", "actor", "terminal", "event", "details"],
        &rows,
    );
    Ok(super::exit::OK)
}
