//! Settings from, in order of precedence: command-line flags, the environment (including a
//! `.env` file in the working directory), the TOML config file, and built-in defaults.
//! Loading reads from a [`Sources`] value, so tests can give their own environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::db::DbTarget;
use crate::error::{Error, Result};

/// What the command line said.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub database_url: Option<String>,
    pub config: Option<PathBuf>,
    pub log_level: Option<String>,
}

/// The environment to read: variables (process environment over `.env`).
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub env: BTreeMap<String, String>,
}

impl Sources {
    /// The process environment, over the `.env` file of the working directory if any.
    pub fn from_process() -> Result<Self> {
        let mut env = BTreeMap::new();
        match dotenvy::from_path_iter(".env") {
            Ok(iter) => {
                for item in iter {
                    let (k, v) = item.map_err(|e| Error::Config(format!(".env: {e}")))?;
                    env.insert(k, v);
                }
            }
            Err(e) if e.not_found() => {}
            Err(e) => return Err(Error::Config(format!(".env: {e}"))),
        }
        env.extend(std::env::vars());
        Ok(Sources { env })
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.env
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// The config file's keys; every one optional. Unknown keys are refused (typos show).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub pool_size: Option<u32>,
    pub log_level: Option<String>,
    pub log_dir: Option<PathBuf>,
    pub log_max_files: Option<u32>,
    pub data_dir: Option<PathBuf>,
    pub bcrypt_cost: Option<u32>,
    pub lockout_threshold: Option<u32>,
    pub lockout_minutes: Option<u32>,
    pub idle_timeout_minutes: Option<u32>,
    pub session_max_hours: Option<u32>,
    pub secret_key_file: Option<PathBuf>,
    pub password_min_length: Option<u32>,
    pub db_connect_timeout_secs: Option<u32>,
    pub db_statement_timeout_secs: Option<u32>,
    pub db_lock_wait_secs: Option<u32>,
    pub import_max_columns: Option<u32>,
    pub import_max_field_bytes: Option<u32>,
    pub low_stock_threshold: Option<u32>,
    pub sales_target_per_store_month: Option<u32>,
    pub currency_symbol: Option<String>,
    pub chain_name: Option<String>,
    pub reports_dir: Option<PathBuf>,
    pub theme: Option<String>,
    pub keys: BTreeMap<String, String>,
}

/// Resolved settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the store is (from the URL, or the embedded SQLite file).
    pub database: DbTarget,
    pub pool_size: u32,
    pub log_level: String,
    pub log_dir: PathBuf,
    /// Daily log files kept (the oldest go when a new one starts).
    pub log_max_files: u32,
    pub data_dir: PathBuf,
    pub bcrypt_cost: u32,
    pub lockout_threshold: u32,
    pub lockout_minutes: u32,
    pub idle_timeout_minutes: u32,
    pub session_max_hours: u32,
    pub secret_key_file: PathBuf,
    pub password_min_length: u32,
    /// Time limits on the database (see [`crate::db::DbOptions`]).
    pub db_connect_timeout_secs: u32,
    pub db_statement_timeout_secs: u32,
    pub db_lock_wait_secs: u32,
    /// Input limits of the importer: columns in a header, bytes in one record.
    pub import_max_columns: u32,
    pub import_max_field_bytes: u32,
    /// The Dashboard: products at or below this many in a store are low stock.
    pub low_stock_threshold: u32,
    /// The Dashboard's sales target for one store and one month, in whole currency units.
    pub sales_target_per_store_month: u32,
    /// Shown before amounts (`$`, `€`, `CHF `).
    pub currency_symbol: String,
    /// The store chain's name, atop every PDF report.
    pub chain_name: String,
    /// Where PDF reports are written (default `<data_dir>/reports`).
    pub reports_dir: PathBuf,
    pub theme: String,
    /// Key-binding overrides: key → action name.
    pub keys: BTreeMap<String, String>,
    /// The config file that was read, if any (where the TUI saves the theme).
    pub config_file: Option<PathBuf>,
}

/// Defaults, also listed in the README.
pub mod defaults {
    pub const POOL_SIZE: u32 = 4;
    pub const LOG_LEVEL: &str = "info";
    pub const LOG_MAX_FILES: u32 = 14;
    pub const BCRYPT_COST: u32 = 12;
    pub const LOCKOUT_THRESHOLD: u32 = 5;
    pub const LOCKOUT_MINUTES: u32 = 15;
    pub const IDLE_TIMEOUT_MINUTES: u32 = 30;
    pub const SESSION_MAX_HOURS: u32 = 12;
    pub const PASSWORD_MIN_LENGTH: u32 = 8;
    pub const THEME: &str = "dark";
    pub const DB_CONNECT_TIMEOUT_SECS: u32 = 10;
    pub const DB_STATEMENT_TIMEOUT_SECS: u32 = 60;
    pub const DB_LOCK_WAIT_SECS: u32 = 10;
    pub const IMPORT_MAX_COLUMNS: u32 = 1_024;
    pub const IMPORT_MAX_FIELD_BYTES: u32 = 1 << 20;
    pub const LOW_STOCK_THRESHOLD: u32 = 5;
    pub const SALES_TARGET_PER_STORE_MONTH: u32 = 100_000;
    pub const CURRENCY_SYMBOL: &str = "$";
    pub const CHAIN_NAME: &str = "Stockroom";
}

/// The allowed range of each numeric setting: (config key, lowest, highest).
pub const RANGES: [(&str, u32, u32); 15] = [
    ("pool_size", 1, 64),
    ("log_max_files", 1, 3_650),
    ("bcrypt_cost", 10, 16),
    ("lockout_threshold", 1, 100),
    ("lockout_minutes", 1, 10_080),
    ("idle_timeout_minutes", 1, 1_440),
    ("session_max_hours", 1, 168),
    ("password_min_length", 8, 64),
    ("db_connect_timeout_secs", 1, 600),
    ("db_statement_timeout_secs", 1, 86_400),
    ("db_lock_wait_secs", 1, 3_600),
    ("import_max_columns", 1, 65_535),
    ("import_max_field_bytes", 1_024, 1 << 30),
    ("low_stock_threshold", 0, 1_000_000),
    ("sales_target_per_store_month", 1, 1_000_000_000),
];

fn home(src: &Sources) -> PathBuf {
    src.get("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn xdg(src: &Sources, var: &str, fallback: &str) -> PathBuf {
    src.get(var)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| home(src).join(fallback))
        .join("stockroom")
}

fn parse_num(name: &str, value: &str) -> Result<u32> {
    value
        .trim()
        .parse()
        .map_err(|_| Error::Config(format!("{name} must be a whole number, got `{value}`")))
}

impl Config {
    /// Resolves the settings from flags, environment, config file and defaults.
    pub fn load(flags: &Flags, src: &Sources) -> Result<Config> {
        let (file, config_file) = Self::read_file(flags, src)?;
        let env_num = |var: &str| -> Result<Option<u32>> {
            src.get(var).map(|v| parse_num(var, v)).transpose()
        };
        let data_dir = src
            .get("STOCKROOM_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir.clone())
            .unwrap_or_else(|| xdg(src, "XDG_DATA_HOME", ".local/share"));
        let log_dir = src
            .get("STOCKROOM_LOG_DIR")
            .map(PathBuf::from)
            .or(file.log_dir.clone())
            .unwrap_or_else(|| xdg(src, "XDG_STATE_HOME", ".local/state"));
        let url = flags
            .database_url
            .clone()
            .or_else(|| src.get("DATABASE_URL").map(String::from))
            .or(file.database_url.clone());
        let database = match url {
            Some(url) => DbTarget::parse(&url).map_err(Error::Config)?,
            None => DbTarget::Sqlite(data_dir.join("stockroom.db")),
        };
        let pick = |var: &str, file_value: Option<u32>, default: u32| -> Result<u32> {
            Ok(env_num(var)?.or(file_value).unwrap_or(default))
        };
        let cfg = Config {
            database,
            pool_size: pick("STOCKROOM_POOL_SIZE", file.pool_size, defaults::POOL_SIZE)?,
            log_level: flags
                .log_level
                .clone()
                .or_else(|| src.get("STOCKROOM_LOG_LEVEL").map(String::from))
                .or(file.log_level.clone())
                .unwrap_or_else(|| defaults::LOG_LEVEL.into()),
            log_max_files: pick(
                "STOCKROOM_LOG_MAX_FILES",
                file.log_max_files,
                defaults::LOG_MAX_FILES,
            )?,
            bcrypt_cost: pick(
                "STOCKROOM_BCRYPT_COST",
                file.bcrypt_cost,
                defaults::BCRYPT_COST,
            )?,
            lockout_threshold: pick(
                "STOCKROOM_LOCKOUT_THRESHOLD",
                file.lockout_threshold,
                defaults::LOCKOUT_THRESHOLD,
            )?,
            lockout_minutes: pick(
                "STOCKROOM_LOCKOUT_MINUTES",
                file.lockout_minutes,
                defaults::LOCKOUT_MINUTES,
            )?,
            idle_timeout_minutes: pick(
                "STOCKROOM_IDLE_TIMEOUT_MINUTES",
                file.idle_timeout_minutes,
                defaults::IDLE_TIMEOUT_MINUTES,
            )?,
            session_max_hours: pick(
                "STOCKROOM_SESSION_MAX_HOURS",
                file.session_max_hours,
                defaults::SESSION_MAX_HOURS,
            )?,
            password_min_length: pick(
                "STOCKROOM_PASSWORD_MIN_LENGTH",
                file.password_min_length,
                defaults::PASSWORD_MIN_LENGTH,
            )?,
            db_connect_timeout_secs: pick(
                "STOCKROOM_DB_CONNECT_TIMEOUT_SECS",
                file.db_connect_timeout_secs,
                defaults::DB_CONNECT_TIMEOUT_SECS,
            )?,
            db_statement_timeout_secs: pick(
                "STOCKROOM_DB_STATEMENT_TIMEOUT_SECS",
                file.db_statement_timeout_secs,
                defaults::DB_STATEMENT_TIMEOUT_SECS,
            )?,
            db_lock_wait_secs: pick(
                "STOCKROOM_DB_LOCK_WAIT_SECS",
                file.db_lock_wait_secs,
                defaults::DB_LOCK_WAIT_SECS,
            )?,
            import_max_columns: pick(
                "STOCKROOM_IMPORT_MAX_COLUMNS",
                file.import_max_columns,
                defaults::IMPORT_MAX_COLUMNS,
            )?,
            import_max_field_bytes: pick(
                "STOCKROOM_IMPORT_MAX_FIELD_BYTES",
                file.import_max_field_bytes,
                defaults::IMPORT_MAX_FIELD_BYTES,
            )?,
            low_stock_threshold: pick(
                "STOCKROOM_LOW_STOCK_THRESHOLD",
                file.low_stock_threshold,
                defaults::LOW_STOCK_THRESHOLD,
            )?,
            sales_target_per_store_month: pick(
                "STOCKROOM_SALES_TARGET_PER_STORE_MONTH",
                file.sales_target_per_store_month,
                defaults::SALES_TARGET_PER_STORE_MONTH,
            )?,
            currency_symbol: src
                .get("STOCKROOM_CURRENCY_SYMBOL")
                .map(String::from)
                .or(file.currency_symbol.clone())
                .unwrap_or_else(|| defaults::CURRENCY_SYMBOL.into())
                .chars()
                .filter(|c| !crate::text::is_invisible(*c))
                .take(8)
                .collect(),
            chain_name: src
                .get("STOCKROOM_CHAIN_NAME")
                .map(String::from)
                .or(file.chain_name.clone())
                .unwrap_or_else(|| defaults::CHAIN_NAME.into())
                .chars()
                .filter(|c| !crate::text::is_invisible(*c))
                .take(100)
                .collect(),
            reports_dir: src
                .get("STOCKROOM_REPORTS_DIR")
                .map(PathBuf::from)
                .or(file.reports_dir.clone())
                .unwrap_or_else(|| data_dir.join("reports")),
            secret_key_file: src
                .get("STOCKROOM_SECRET_KEY_FILE")
                .map(PathBuf::from)
                .or(file.secret_key_file.clone())
                .unwrap_or_else(|| data_dir.join("secret.key")),
            theme: src
                .get("STOCKROOM_THEME")
                .map(String::from)
                .or(file.theme.clone())
                .unwrap_or_else(|| defaults::THEME.into()),
            keys: file.keys.clone(),
            data_dir,
            log_dir,
            config_file,
        };
        cfg.validate()?;
        Ok(cfg)
    }

    fn read_file(flags: &Flags, src: &Sources) -> Result<(FileConfig, Option<PathBuf>)> {
        let explicit = flags
            .config
            .clone()
            .or_else(|| src.get("STOCKROOM_CONFIG").map(PathBuf::from));
        let path = match explicit {
            Some(p) => {
                if !p.exists() {
                    return Err(Error::Config(format!(
                        "{}: no such config file",
                        p.display()
                    )));
                }
                Some(p)
            }
            None => [
                xdg(src, "XDG_CONFIG_HOME", ".config").join("config.toml"),
                PathBuf::from("/etc/stockroom/config.toml"),
            ]
            .into_iter()
            .find(|p| p.exists()),
        };
        match path {
            Some(p) => Ok((Self::parse_file(&p)?, Some(p))),
            None => Ok((FileConfig::default(), None)),
        }
    }

    /// Parses one config file, naming the file and the problem on error.
    pub fn parse_file(path: &Path) -> Result<FileConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::file(path, e))?;
        toml::from_str(&text)
            .map_err(|e| Error::Config(format!("{}: {}", path.display(), e.message())))
    }

    /// The config file the user would edit (the one read, else the per-user one).
    pub fn user_config_path(src: &Sources) -> PathBuf {
        xdg(src, "XDG_CONFIG_HOME", ".config").join("config.toml")
    }

    /// The value of a numeric setting by its config key.
    fn number(&self, key: &str) -> Option<u32> {
        Some(match key {
            "pool_size" => self.pool_size,
            "log_max_files" => self.log_max_files,
            "bcrypt_cost" => self.bcrypt_cost,
            "lockout_threshold" => self.lockout_threshold,
            "lockout_minutes" => self.lockout_minutes,
            "idle_timeout_minutes" => self.idle_timeout_minutes,
            "session_max_hours" => self.session_max_hours,
            "password_min_length" => self.password_min_length,
            "db_connect_timeout_secs" => self.db_connect_timeout_secs,
            "db_statement_timeout_secs" => self.db_statement_timeout_secs,
            "db_lock_wait_secs" => self.db_lock_wait_secs,
            "import_max_columns" => self.import_max_columns,
            "import_max_field_bytes" => self.import_max_field_bytes,
            "low_stock_threshold" => self.low_stock_threshold,
            "sales_target_per_store_month" => self.sales_target_per_store_month,
            _ => return None,
        })
    }

    /// The database time limits and pool size.
    pub fn db_options(&self) -> crate::db::DbOptions {
        use std::time::Duration;
        crate::db::DbOptions {
            pool_size: self.pool_size,
            connect_timeout: Duration::from_secs(self.db_connect_timeout_secs.into()),
            statement_timeout: Duration::from_secs(self.db_statement_timeout_secs.into()),
            lock_wait: Duration::from_secs(self.db_lock_wait_secs.into()),
        }
    }

    fn validate(&self) -> Result<()> {
        for (key, lo, hi) in RANGES {
            let v = self.number(key).unwrap_or(lo);
            if v < lo || v > hi {
                return Err(Error::Config(format!(
                    "{key} must be between {} and {} (got {}){}",
                    crate::text::group_digits(lo.into()),
                    crate::text::group_digits(hi.into()),
                    crate::text::group_digits(v.into()),
                    if key == "bcrypt_cost" && v < lo {
                        "; lower costs are refused"
                    } else {
                        ""
                    }
                )));
            }
        }
        if !matches!(self.theme.as_str(), "dark" | "light") {
            return Err(Error::Config(format!(
                "theme must be `dark` or `light`, got `{}`",
                self.theme
            )));
        }
        Ok(())
    }
}

/// Sets `key = "value"` in a TOML config file, keeping its other lines and comments; creates
/// the file (and its folder) if needed. Used by the TUI to remember the theme.
pub fn save_setting(path: &Path, key: &str, value: &str) -> Result<()> {
    save_value(path, key, toml::Value::String(value.to_string()))
}

/// [`save_setting`] for any TOML value (a number is written as a number). The file is
/// read, changed and replaced whole under an exclusive lock beside it, so settings saved at
/// once by several processes all land, and a failed write (a full disk, a file-size limit)
/// leaves the old file as it was. A new file is private (0600); an existing one keeps its
/// mode and owner, and a symlinked config is written through.
pub fn save_value(path: &Path, key: &str, value: toml::Value) -> Result<()> {
    crate::files::replace::update(path, |old| Ok(with_value(old.unwrap_or(""), key, &value)))
}

/// `text` with `key = value` set at the top level, its other lines and comments kept.
fn with_value(text: &str, key: &str, value: &toml::Value) -> String {
    let line = format!("{key} = {value}");
    let mut replaced = false;
    let mut out: Vec<String> = Vec::new();
    let mut in_table = false;
    for l in text.lines() {
        let t = l.trim_start();
        if t.starts_with('[') {
            in_table = true;
        }
        let is_key = !in_table
            && t.strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with('='));
        if is_key && !replaced {
            out.push(line.clone());
            replaced = true;
        } else {
            out.push(l.to_string());
        }
    }
    if !replaced {
        // Top-level keys must come before any [table].
        let at = out
            .iter()
            .position(|l| l.trim_start().starts_with('['))
            .unwrap_or(out.len());
        out.insert(at, line);
    }
    let mut body = out.join("\n");
    body.push('\n');
    body
}

/// A warning when the config file holds a database password and other users can read it
/// (as ssh warns of a private key others can read).
pub fn exposure_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    if mode & 0o077 == 0 {
        return None;
    }
    let url = Config::parse_file(path).ok()?.database_url?;
    if crate::db::url::redact_url(&url) == url {
        return None;
    }
    let shown = crate::text::escape(&path.display().to_string()).into_owned();
    Some(format!(
        "{shown} holds a database password and other users can read it (mode {:04o}); \
         restrict it with `chmod 600 {shown}`",
        mode & 0o7777
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn saving_a_setting_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/config.toml");
        save_setting(&p, "theme", "light").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "theme = \"light\"\n");
        std::fs::write(
            &p,
            "# mine\npool_size = 3\ntheme = \"light\"\n[keys]\ntheme = \"quit\"\n",
        )
        .unwrap();
        save_setting(&p, "theme", "dark").unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(
            text,
            "# mine\npool_size = 3\ntheme = \"dark\"\n[keys]\ntheme = \"quit\"\n"
        );
        std::fs::write(&p, "[keys]\nq = \"quit\"\n").unwrap();
        save_setting(&p, "theme", "dark").unwrap();
        let parsed = Config::parse_file(&p).unwrap();
        assert_eq!(parsed.theme.as_deref(), Some("dark"));
        assert_eq!(parsed.keys.get("q").map(String::as_str), Some("quit"));
    }

    use super::*;

    fn src(pairs: &[(&str, &str)]) -> Sources {
        Sources {
            env: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn defaults_put_the_store_in_the_data_dir() {
        let cfg = Config::load(&Flags::default(), &src(&[("HOME", "/home/ann")])).unwrap();
        assert_eq!(
            cfg.database,
            DbTarget::Sqlite("/home/ann/.local/share/stockroom/stockroom.db".into())
        );
        assert_eq!(
            cfg.log_dir,
            PathBuf::from("/home/ann/.local/state/stockroom")
        );
        assert_eq!(cfg.bcrypt_cost, 12);
        assert_eq!(cfg.lockout_threshold, 5);
        let cfg = Config::load(
            &Flags::default(),
            &src(&[("HOME", "/h"), ("XDG_DATA_HOME", "/xdg/data")]),
        )
        .unwrap();
        assert_eq!(
            cfg.database,
            DbTarget::Sqlite("/xdg/data/stockroom/stockroom.db".into())
        );
    }

    #[test]
    fn flag_beats_env_beats_file_beats_default() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "database_url = \"sqlite://file.db\"\npool_size = 7\nlockout_minutes = 9\n",
        )
        .unwrap();
        let flags = Flags {
            config: Some(file.clone()),
            ..Flags::default()
        };
        let env = src(&[("HOME", "/h"), ("STOCKROOM_POOL_SIZE", "3")]);
        let cfg = Config::load(&flags, &env).unwrap();
        assert_eq!(cfg.database, DbTarget::Sqlite("file.db".into()));
        assert_eq!(cfg.pool_size, 3, "env beats file");
        assert_eq!(cfg.lockout_minutes, 9, "file beats default");
        assert_eq!(cfg.config_file.as_deref(), Some(file.as_path()));

        let env = src(&[("HOME", "/h"), ("DATABASE_URL", "sqlite://env.db")]);
        let cfg = Config::load(&flags, &env).unwrap();
        assert_eq!(
            cfg.database,
            DbTarget::Sqlite("env.db".into()),
            "env beats file"
        );

        let flags = Flags {
            database_url: Some("sqlite://flag.db".into()),
            ..flags
        };
        let cfg = Config::load(&flags, &env).unwrap();
        assert_eq!(
            cfg.database,
            DbTarget::Sqlite("flag.db".into()),
            "flag beats env"
        );
    }

    #[test]
    fn bad_settings_are_named() {
        let env = src(&[("HOME", "/h"), ("STOCKROOM_BCRYPT_COST", "8")]);
        let err = Config::load(&Flags::default(), &env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("bcrypt_cost"), "{err}");
        for (var, key, range) in [
            (
                "STOCKROOM_PASSWORD_MIN_LENGTH",
                "password_min_length",
                "between 8 and 64",
            ),
            (
                "STOCKROOM_LOCKOUT_THRESHOLD",
                "lockout_threshold",
                "between 1 and 100",
            ),
            ("STOCKROOM_BCRYPT_COST", "bcrypt_cost", "between 10 and 16"),
            (
                "STOCKROOM_IDLE_TIMEOUT_MINUTES",
                "idle_timeout_minutes",
                "between 1 and 1,440",
            ),
            (
                "STOCKROOM_IMPORT_MAX_COLUMNS",
                "import_max_columns",
                "between 1 and 65,535",
            ),
        ] {
            let env = src(&[("HOME", "/h"), (var, "100000")]);
            let err = Config::load(&Flags::default(), &env)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(key) && err.contains(range) && err.contains("100,000"),
                "{err}"
            );
        }
        let env = src(&[("HOME", "/h"), ("STOCKROOM_POOL_SIZE", "many")]);
        let err = Config::load(&Flags::default(), &env)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("STOCKROOM_POOL_SIZE") && err.contains("many"),
            "{err}"
        );

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "pool_sise = 3\n").unwrap();
        let flags = Flags {
            config: Some(file),
            ..Flags::default()
        };
        let err = Config::load(&flags, &src(&[("HOME", "/h")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("c.toml") && err.contains("pool_sise"), "{err}");

        let flags = Flags {
            config: Some("/nonexistent/c.toml".into()),
            ..Flags::default()
        };
        let err = Config::load(&flags, &src(&[])).unwrap_err().to_string();
        assert!(err.contains("no such config file"), "{err}");
    }
}
