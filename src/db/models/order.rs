//! An order placed at a store, taken by a member of staff.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::orders;

/// The life of an order, as stored in `orders.order_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum OrderStatus {
    Pending = 1,
    Processing = 2,
    Rejected = 3,
    Completed = 4,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 4] = [
        OrderStatus::Pending,
        OrderStatus::Processing,
        OrderStatus::Rejected,
        OrderStatus::Completed,
    ];

    /// The stored code.
    pub fn code(self) -> i16 {
        self as i16
    }

    /// The status for a stored code.
    pub fn from_code(code: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn name(self) -> &'static str {
        match self {
            OrderStatus::Pending => "Pending",
            OrderStatus::Processing => "Processing",
            OrderStatus::Rejected => "Rejected",
            OrderStatus::Completed => "Completed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = orders, check_for_backend(crate::db::MultiBackend))]
#[diesel(treat_none_as_default_value = false)]
pub struct Order {
    pub order_id: i32,
    pub customer_id: Option<i32>,
    pub order_status: i16,
    pub order_date: NaiveDate,
    pub required_date: NaiveDate,
    pub shipped_date: Option<NaiveDate>,
    pub store_id: i32,
    pub staff_id: i32,
}
