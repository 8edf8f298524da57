//! One model per table, with its queries as associated functions.

pub mod brand;
pub mod category;
pub mod customer;
pub mod guard;
pub mod order;
pub mod order_item;
pub mod product;
pub mod staff;
pub mod stock;
pub mod store;

pub use brand::Brand;
pub use category::Category;
pub use customer::Customer;
pub use order::{Order, OrderStatus};
pub use order_item::OrderItem;
pub use product::Product;
pub use staff::Staff;
pub use stock::Stock;
pub use store::Store;

pub mod audit_event;
pub mod backup_code;
pub mod session;
pub mod user;

pub use audit_event::AuditEvent;
pub use backup_code::BackupCode;
pub use session::SessionRow;
pub use user::User;
