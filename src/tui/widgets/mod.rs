//! Reusable pieces: text inputs, the QR code, the hint bar.

pub mod form;
pub mod grid;
pub mod input;
pub mod qr;
