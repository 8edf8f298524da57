//! Business operations on the store data: money rules, demo data, browsing and editing the
//! tables, and (later) orders and dashboard figures. Knows nothing of the terminal.

pub mod data;
pub mod demo;
pub mod money;
mod names;
