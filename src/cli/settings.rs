//! `stockroom settings show|set`: the store-wide settings an Administrator may change, checked
//! and audited by the same service as the Settings tab, saved to the config file.

use clap::Subcommand;

use super::Context;
use crate::auth::Actor;
use crate::auth::store_settings::{EDITABLE, auth_value};
use crate::config::Config;
use crate::error::Result;

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// The settings that may be changed, with their values in force
    Show,
    /// Change one (e.g. `settings set lockout_threshold 7`); applies at the next start
    Set { key: String, value: String },
}

pub fn run(ctx: &Context, cmd: SettingsCommand) -> Result<u8> {
    match cmd {
        SettingsCommand::Show => {
            let auth = crate::auth::AuthSettings::from_config(&ctx.config);
            for e in EDITABLE {
                let value = auth_value(&auth, e.key).map_or_else(
                    || match e.key {
                        "low_stock_threshold" => ctx.config.low_stock_threshold.to_string(),
                        "sales_target_per_store_month" => {
                            ctx.config.sales_target_per_store_month.to_string()
                        }
                        _ => format!("{:?}", ctx.config.currency_symbol),
                    },
                    |n| n.to_string(),
                );
                crate::outln!("{:<30} {value}  ({})", e.key, e.unit);
            }
        }
        SettingsCommand::Set { key, value } => {
            let auth = ctx.auth_existing()?;
            let file = config_file(ctx);
            let v = auth.change_store_setting(&Actor::cli(&ctx.sources), &file, &key, &value)?;
            crate::outln!(
                "{key} = {v} saved to {}; Stockroom uses it from its next start",
                file.display()
            );
        }
    }
    Ok(super::exit::OK)
}

/// The config file that was read, else the per-user one (created).
fn config_file(ctx: &Context) -> std::path::PathBuf {
    ctx.config
        .config_file
        .clone()
        .unwrap_or_else(|| Config::user_config_path(&ctx.sources))
}
