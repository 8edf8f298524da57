//! Business operations on the store data: money rules, demo data, and (later) catalogue,
//! customers, orders and dashboard figures. Knows nothing of the terminal.

pub mod demo;
pub mod money;
mod names;
