//! The nine store tables as the services share them: each table's columns, kinds, keys and
//! parents ([`spec`]) and how one text cell becomes a typed value ([`cell`]). Below `store`
//! and `etl`, which both read it; it knows neither.

pub mod cell;
pub mod spec;
