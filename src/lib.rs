//! Stockroom: terminal software for running a chain of retail stores.
//!
//! Services (`auth`, `store`, `etl`, `report`) know nothing of the terminal; the CLI and
//! the TUI are thin front ends over them. See DESIGN.md for the architecture.

pub mod auth;
pub mod barcode;
pub mod bounds;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod etl;
pub mod files;
pub mod logging;
pub mod money;
pub mod report;
pub mod store;
pub mod tables;
pub mod text;
pub mod tui;
pub mod worker;

pub use error::{Error, Result};
