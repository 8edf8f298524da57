//! The command line (DESIGN §8): clap definitions and dispatch. Each command only turns
//! arguments into service calls and results into lines; no business rule lives here.

mod bench;
mod bench_dashboard;
mod bench_data;
mod bench_orders;
mod bench_report;
mod bench_sales;
mod bench_store;
mod bench_timing;
mod data;
mod day;
mod db;
mod demo;
mod etl;
mod order;
pub mod output;
pub mod progress;
mod report;
mod settings;
mod stats;
mod stock;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, Flags, Sources};
use crate::db::Database;
use crate::error::Result;

#[derive(Debug, Parser)]
#[command(
    name = "stockroom",
    version,
    about = "Run a chain of retail stores from the terminal",
    long_about = "Run a chain of retail stores from the terminal.\n\n\
        Without a subcommand, opens the terminal UI on the configured store \
        (an embedded SQLite file unless DATABASE_URL or --database-url names a MySQL/MariaDB server)."
)]
pub struct Cli {
    /// The store: mysql://USER:PASS@HOST:PORT/DB, sqlite://PATH or a file path [env: DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Config file (default: $XDG_CONFIG_HOME/stockroom/config.toml, then /etc/stockroom/config.toml)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log level or filter (error, warn, info, debug, trace) [env: RUST_LOG]
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, upgrade or inspect the database schema
    Db {
        #[command(subcommand)]
        command: db::DbCommand,
    },
    /// Load generated, deterministic demo data
    Demo(demo::DemoArgs),
    /// Import CSV files or a REST API into the store
    Import {
        #[command(subcommand)]
        command: etl::ImportCommand,
    },
    /// Export a table to CSV or JSON, in the form `import` reads back
    Export(etl::ExportArgs),
    /// Browse and edit the store tables (list, show, set, add, delete)
    Data {
        #[command(subcommand)]
        command: data::DataCommand,
    },
    /// The Dashboard's figures for a store and a period
    Stats(stats::StatsArgs),
    /// Sell and advance orders (create, list, show, set-status)
    Order {
        #[command(subcommand)]
        command: order::OrderCommand,
    },
    /// The end of a store's day: report (X), close (Z)
    Day {
        #[command(subcommand)]
        command: day::DayCommand,
    },
    /// The stock ledger: verify, moves, receive, transfer, count
    Stock {
        #[command(subcommand)]
        command: stock::StockCommand,
    },
    /// Write a PDF report (customer or sales)
    Report {
        #[command(subcommand)]
        command: report::ReportCommand,
    },
    /// Manage user accounts
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// Show the audit trail, newest first
    Audit(user::AuditArgs),
    /// Show or change the store-wide settings (lockout, sessions, low stock, target, currency)
    Settings {
        #[command(subcommand)]
        command: settings::SettingsCommand,
    },
    /// Measure the speed targets and print the figures
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

/// Exit statuses (DESIGN §8).
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const REJECTED_ROWS: u8 = 3;
}

/// What every command gets: the resolved settings and the environment they came from.
pub struct Context {
    pub config: Config,
    pub sources: Sources,
}

impl Context {
    /// Connects to the configured store, creating an embedded one if there is none.
    pub fn database(&self) -> Result<Database> {
        let db = Database::connect_with(&self.config.database, &self.config.db_options())?;
        self.warn_if_exposed();
        Ok(db)
    }

    /// Connects to the configured store, which must exist (commands that only read).
    pub fn existing_database(&self) -> Result<Database> {
        let db = Database::open_existing(&self.config.database, &self.config.db_options())?;
        self.warn_if_exposed();
        Ok(db)
    }

    fn warn_if_exposed(&self) {
        if let crate::db::DbTarget::Sqlite(path) = &self.config.database
            && let Some(w) = crate::files::exposure_warning(path)
        {
            tracing::warn!(warning = %w, "store readable by others");
            eprintln!("stockroom: warning: {w}");
        }
    }

    /// Connects, brings the schema up to date and opens the account services.
    pub fn auth(&self) -> Result<crate::auth::Auth> {
        self.auth_on(self.database()?)
    }

    /// [`Context::auth`] for commands that only read: a missing store is reported, not made.
    pub fn auth_existing(&self) -> Result<crate::auth::Auth> {
        self.auth_on(self.existing_database()?)
    }

    fn auth_on(&self, db: Database) -> Result<crate::auth::Auth> {
        crate::db::migrate::run(&mut *db.conn()?)?;
        let terminal = crate::auth::terminal::describe(&self.sources.env);
        crate::auth::Auth::open(db, &self.config, &self.sources, terminal)
    }
}

/// Parses the command line, runs the command and returns the process exit status.
pub fn main() -> ExitCode {
    // Past a file-size limit (`ulimit -f`) a write fails with EFBIG, which every writer turns
    // into a failure in words that leaves nothing half-written, instead of the process being
    // killed mid-file by SIGXFSZ.
    // SAFETY: setting a signal's disposition to "ignore" before any thread starts.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // stderr may be gone with the terminal: never panic over the last words.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "stockroom: {}", one_line(&e.to_string()));
            ExitCode::from(match e {
                crate::Error::Usage(_) => exit::USAGE,
                _ => exit::FAILURE,
            })
        }
    }
}

fn one_line(text: &str) -> String {
    crate::db::url::redact_text(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn run(cli: Cli) -> Result<u8> {
    let sources = Sources::from_process()?;
    let flags = Flags {
        database_url: cli.database_url.clone(),
        config: cli.config.clone(),
        log_level: cli.log_level.clone(),
    };
    let config = Config::load(&flags, &sources)?;
    let _log = crate::logging::init(&config, &sources)?;
    if let Some(w) = config
        .config_file
        .as_deref()
        .and_then(crate::config::exposure_warning)
    {
        tracing::warn!(warning = %w, "config readable by others");
        eprintln!("stockroom: warning: {w}");
    }
    let ctx = Context { config, sources };
    let name = cli.command.as_ref().map(command_name).unwrap_or("tui");
    let span = crate::logging::operation_span(name);
    let _enter = span.enter();
    tracing::info!(command = name, store = %ctx.config.database.redacted(), "command started");
    let result = match cli.command {
        None => {
            if !crate::tui::has_terminal() {
                return Err(crate::Error::Usage(crate::tui::NO_TERMINAL.into()));
            }
            let auth = ctx.auth()?;
            crate::tui::run(&ctx.config, &ctx.sources, auth).map(|_| exit::OK)
        }
        Some(Command::Db { command }) => db::run(&ctx, command),
        Some(Command::Data { command }) => data::run(&ctx, command),
        Some(Command::Demo(args)) => demo::run(&ctx, args),
        Some(Command::User { command }) => user::run(&ctx, command),
        Some(Command::Order { command }) => order::run(&ctx, command),
        Some(Command::Stock { command }) => stock::run(&ctx, command),
        Some(Command::Day { command }) => day::run(&ctx, command),
        Some(Command::Stats(args)) => stats::run(&ctx, args),
        Some(Command::Report { command }) => report::run(&ctx, command),
        Some(Command::Import { command }) => etl::import(&ctx, command),
        Some(Command::Export(args)) => etl::export(&ctx, args),
        Some(Command::Audit(args)) => user::audit(&ctx, args),
        Some(Command::Settings { command }) => settings::run(&ctx, command),
        Some(Command::Bench { command }) => {
            let explicit =
                cli.database_url.is_some() || ctx.sources.env.contains_key("DATABASE_URL");
            bench::run(&ctx, explicit, command)
        }
    };
    match &result {
        Ok(code) => tracing::info!(command = name, exit = code, "command finished"),
        Err(e) => {
            tracing::warn!(command = name, error = %one_line(&e.to_string()), "command failed")
        }
    }
    result
}

fn command_name(c: &Command) -> &'static str {
    match c {
        Command::Db { .. } => "db",
        Command::Data { .. } => "data",
        Command::Demo(_) => "demo",
        Command::Bench { .. } => "bench",
        Command::User { .. } => "user",
        Command::Order { .. } => "order",
        Command::Stock { .. } => "stock",
        Command::Day { .. } => "day",
        Command::Stats(_) => "stats",
        Command::Report { .. } => "report",
        Command::Import { .. } => "import",
        Command::Export(_) => "export",
        Command::Audit(_) => "audit",
        Command::Settings { .. } => "settings",
    }
}
