//! The main screen's tabs: which exist, who may open them, and the one trait every tab
//! implements — keys in, commands out, replies folded, drawn with `&self`. A tab is one
//! module here; a new session builds new tabs, so nothing of one user reaches the next.

pub mod audit;
pub mod dashboard;
pub mod data;
pub mod etl;
pub mod orders;
pub mod reports;
pub mod settings;
pub mod stock;
pub mod users;

use std::any::Any;
use std::path::Path;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::keymap::Action;
use super::theme::Theme;
use super::work::{Reply, Work};
use crate::auth::{Permission, Role};
use crate::error::{Error, ErrorKind};

/// The tabs of the main screen, in their order on the tab bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TabId {
    Dashboard,
    Data,
    Orders,
    Stock,
    Reports,
    Etl,
    Users,
    Audit,
    Settings,
}

impl TabId {
    pub const ALL: [TabId; 9] = [
        TabId::Dashboard,
        TabId::Data,
        TabId::Orders,
        TabId::Stock,
        TabId::Reports,
        TabId::Etl,
        TabId::Users,
        TabId::Audit,
        TabId::Settings,
    ];

    /// The name on the tab bar.
    pub fn title(self) -> &'static str {
        match self {
            TabId::Dashboard => "Dashboard",
            TabId::Data => "Data",
            TabId::Orders => "Orders",
            TabId::Stock => "Stock",
            TabId::Reports => "Reports",
            TabId::Etl => "ETL",
            TabId::Users => "Users",
            TabId::Audit => "Audit",
            TabId::Settings => "Settings",
        }
    }

    /// The name on a tab bar too narrow for every title.
    pub fn short_title(self) -> &'static str {
        match self {
            TabId::Dashboard => "Dash",
            other => other.title(),
        }
    }

    /// What a role needs to see the tab (DESIGN §4, §7); the services check again.
    pub fn permission(self) -> Permission {
        match self {
            TabId::Dashboard | TabId::Data | TabId::Stock => Permission::ViewData,
            TabId::Orders => Permission::CreateOrders,
            TabId::Reports => Permission::ExportData,
            TabId::Etl => Permission::ImportCsv,
            TabId::Users => Permission::ViewUsers,
            TabId::Audit => Permission::ViewAudit,
            // Everyone manages their own password and codes; store-wide changes are checked
            // by the services.
            TabId::Settings => Permission::ViewData,
        }
    }

    /// The tabs a role may use, in order.
    pub fn for_role(role: Role) -> Vec<TabId> {
        TabId::ALL
            .into_iter()
            .filter(|t| role.allows(t.permission()))
            .collect()
    }
}

/// A key and what it does, for the hint bar and the help.
pub type Hint = (String, &'static str);

/// What a tab reads from around it.
pub struct Ctx<'a> {
    pub role: Role,
    pub theme: &'a Theme,
    /// Frames of the spinner so far.
    pub spinner: usize,
    /// The user's data folder (rejects files, exports).
    pub data_dir: &'a Path,
    /// The terminal's size (a tab sizes its pages from it).
    pub size: (u16, u16),
    /// The password rules, for feedback while one is typed (the service checks again).
    pub policy: &'a crate::auth::policy::PasswordPolicy,
    /// Settings in force, as (name, value), for the Settings tab.
    pub settings: &'a [(String, String)],
    /// The signed-in user's name.
    pub username: &'a str,
    /// The store-wide settings the Dashboard and Orders show with.
    pub shop: &'a ShopSettings,
    /// How PDF reports are made and where they go.
    pub reports: &'a crate::report::ReportOptions,
    /// The config file store-wide settings are saved to.
    pub config_path: &'a Path,
    /// How many writes of this session were answered (see [`Work::writes`]): a tab whose
    /// figures were read at a lower count shows old figures.
    pub wrote: u64,
}

/// Store-wide settings from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopSettings {
    /// Shown before amounts.
    pub currency: String,
    pub low_stock_threshold: u32,
    /// The sales target for one store and one month, in cents.
    pub target_per_store_month_cents: i64,
}

impl Default for ShopSettings {
    fn default() -> Self {
        use crate::config::defaults as d;
        ShopSettings {
            currency: d::CURRENCY_SYMBOL.into(),
            low_stock_threshold: d::LOW_STOCK_THRESHOLD,
            target_per_store_month_cents: i64::from(d::SALES_TARGET_PER_STORE_MONTH) * 100,
        }
    }
}

impl ShopSettings {
    /// `$1,799.99`.
    /// `$1,799.99`; a negative amount `-$30.00`.
    pub fn money(&self, cents: i64) -> String {
        let sign = if cents < 0 { "-" } else { "" };
        format!(
            "{sign}{}{}",
            self.currency,
            crate::money::format_cents(cents.abs())
        )
    }
}

/// A line of feedback; errors are marked in words, not only in colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub error: bool,
    pub text: String,
}

impl Notice {
    pub fn info(text: impl Into<String>) -> Notice {
        Notice {
            error: false,
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Notice {
        Notice {
            error: true,
            text: text.into(),
        }
    }
}

/// What a tab asks of the app after a key or a reply.
pub enum Cmd {
    /// Used; nothing more to do.
    Done,
    /// Show this on the notice line.
    Notice(Notice),
    /// Run this on a worker; its reply comes back to the tab.
    Run(Work),
    /// Put this text on the clipboard of the user's terminal (OSC 52, so it works over SSH).
    Copy(String),
    /// The session is over (the service said so): back to the sign-in screen.
    SessionEnded(String),
    /// An Administrator changed the store-wide settings: every tab uses these from now on.
    Shop(ShopSettings),
    /// Several of the above, in order.
    Batch(Vec<Cmd>),
}

impl Cmd {
    /// How a tab reports a failed service call: routed on its kind, never its wording.
    pub fn failed(e: &Error) -> Cmd {
        match e.kind() {
            ErrorKind::SessionEnded => Cmd::SessionEnded(e.to_string()),
            _ => Cmd::Notice(Notice::error(e.to_string())),
        }
    }
}

/// One tab of the main screen.
pub trait Tab: Any + std::fmt::Debug {
    fn id(&self) -> TabId;

    /// The tab was brought to the front (e.g. to load its figures).
    fn on_open(&mut self, _ctx: &Ctx) -> Option<Cmd> {
        None
    }

    /// The terminal was resized while the tab is in front (a paged list reads pages of the
    /// new height).
    fn on_resize(&mut self, _ctx: &Ctx) -> Option<Cmd> {
        None
    }

    /// A tick of the clock (every [`crate::tui::TICK`]) while the tab is in front.
    fn on_tick(&mut self, _ctx: &Ctx) -> Option<Cmd> {
        None
    }

    /// A key while the tab is in front; `None` leaves it to the app's global keys.
    fn handle_key(&mut self, key: &KeyEvent, action: Option<Action>, ctx: &Ctx) -> Option<Cmd>;

    /// A reply (or an event) of work the tab asked for.
    fn on_reply(&mut self, reply: Reply, ctx: &Ctx) -> Option<Cmd>;

    /// Draws the tab; reads only.
    fn draw(&self, ctx: &Ctx, f: &mut Frame, area: Rect);

    /// The tab's keys, most used first (the hint bar shows what fits).
    fn hints(&self, ctx: &Ctx) -> Vec<Hint>;

    /// Every key the tab takes where it is, for `?` (the hints unless a tab says more).
    fn help(&self, ctx: &Ctx) -> Vec<Hint> {
        self.hints(ctx)
    }

    /// Whether a text field has the keyboard (then `q` and digits are typed).
    fn editing(&self) -> bool {
        false
    }

    /// Whether work that should not be abandoned silently is running (quitting asks).
    fn busy(&self) -> bool {
        false
    }

    /// Cancels running work; returns whether there was any.
    fn cancel(&mut self) -> bool {
        false
    }

    fn as_any(&self) -> &dyn Any;
}

/// New tabs for a session of `role`.
pub fn build(role: Role) -> Vec<Box<dyn Tab>> {
    TabId::for_role(role)
        .into_iter()
        .map(|id| -> Box<dyn Tab> {
            match id {
                TabId::Etl => Box::new(etl::EtlTab::default()),
                TabId::Data => Box::new(data::DataTab::default()),
                TabId::Dashboard => Box::new(dashboard::DashboardTab::default()),
                TabId::Orders => Box::new(orders::OrdersTab::default()),
                TabId::Stock => Box::new(stock::StockTab::default()),
                TabId::Users => Box::new(users::UsersTab::default()),
                TabId::Audit => Box::new(audit::AuditTab::default()),
                TabId::Settings => Box::new(settings::SettingsTab::default()),
                TabId::Reports => Box::new(reports::ReportsTab::default()),
            }
        })
        .collect()
}
