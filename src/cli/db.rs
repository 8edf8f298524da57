//! `stockroom db migrate|status`.

use clap::Subcommand;

use super::Context;
use super::output::Format;
use crate::db::{migrate, status};
use crate::error::Result;

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create the schema or apply pending migrations
    Migrate,
    /// Backend, server version, schema version and rows per table (exit 1 if unreachable)
    Status {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub fn run(ctx: &Context, cmd: DbCommand) -> Result<u8> {
    match cmd {
        DbCommand::Migrate => {
            let db = ctx.database()?;
            let mut conn = db.conn()?;
            let applied = migrate::run(&mut conn)?;
            let version = migrate::version(&mut conn)?;
            if applied.is_empty() {
                crate::outln!(
                    "schema is up to date (version {})",
                    version.current().unwrap_or("none")
                );
            } else {
                crate::outln!(
                    "applied {} migration(s): {}; schema version {}",
                    applied.len(),
                    applied.join(", "),
                    version.current().unwrap_or("none")
                );
            }
            tracing::info!(applied = ?applied, "migrations run");
        }
        DbCommand::Status { format } => {
            let st = status::read(&ctx.existing_database()?)?;
            match format {
                Format::Json => {
                    crate::outln!("{}", serde_json::to_string_pretty(&st).unwrap_or_default())
                }
                Format::Table | Format::Csv => {
                    let sep = if format == Format::Csv { "," } else { "  " };
                    crate::outln!("backend{sep}{}", st.backend);
                    crate::outln!("store{sep}{}", st.location);
                    crate::outln!("server{sep}{}", st.server_version);
                    crate::outln!(
                        "schema{sep}{}",
                        st.schema_version
                            .as_deref()
                            .unwrap_or("none (run `stockroom db migrate`)")
                    );
                    if !st.pending_migrations.is_empty() {
                        crate::outln!("pending{sep}{}", st.pending_migrations.join(" "));
                    }
                    for crate::db::status::TableRows { table, rows } in &st.tables {
                        if format == Format::Csv {
                            crate::outln!("{table},{rows}");
                        } else {
                            crate::outln!("  {table:<14} {rows:>12}");
                        }
                    }
                }
            }
        }
    }
    Ok(super::exit::OK)
}
