//! Reusable pieces the screens and the tabs draw with: boxes, forms and text inputs, the
//! grid of rows and its page size, the QR code and the 2FA setup around it. None of them
//! knows the app or a tab.

pub mod boxed;
pub mod form;
pub mod grid;
pub mod input;
pub mod page;
pub mod qr;
pub mod totp;
