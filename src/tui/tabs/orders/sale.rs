//! What the new-order form sells: its running total and items, the order it makes for the
//! service (or the field to fix and why), and the field a refusal of the service names.

use super::editor::{Editor, Focus, discount_of};
use crate::money::line_total_cents;
use crate::store::orders::{NewLine, NewOrder};

impl Editor {
    /// The total of the lines, as far as their quantities and discounts read.
    pub fn running_total(&self) -> i64 {
        self.sold()
            .map(|(_, l, c)| {
                line_total_cents(
                    c.list_price_cents,
                    l.units().unwrap_or(0),
                    discount_of(&l.discount.value).unwrap_or(0),
                )
            })
            .sum()
    }

    /// Items on the lines.
    pub fn items(&self) -> i64 {
        self.sold()
            .map(|(_, l, _)| i64::from(l.units().unwrap_or(0)))
            .sum()
    }

    /// The order to save, or the field to fix and why.
    pub fn order(&self) -> Result<NewOrder, (Focus, String)> {
        let customer = match (&self.customer.chosen, self.customer.input.value.trim()) {
            (Some(c), _) => Some(c.id),
            (None, "") => None,
            (None, t) => {
                return Err((
                    Focus::Customer,
                    format!(
                        "Customer: “{t}” is not picked yet: ↑/↓ mark one of the matches, Enter takes it (empty: a walk-in)."
                    ),
                ));
            }
        };
        let store = self.store_id().ok_or((
            Focus::Store,
            "Store: pick the store (type part of its name; Enter takes the marked one).".into(),
        ))?;
        let staff = self.staff.chosen.as_ref().map(|c| c.id).ok_or((
            Focus::Staff,
            "Staff: pick who sells (Enter takes the marked one).".into(),
        ))?;
        let mut lines = Vec::new();
        for (i, l) in self.lines.iter().enumerate() {
            let n = i + 1;
            let Some(c) = &l.chosen else {
                if l.product.value.trim().is_empty() {
                    continue;
                }
                return Err((
                    Focus::Product(i),
                    format!(
                        "Line {n}: “{}” is not picked yet: Enter takes the marked match.",
                        l.product.value.trim()
                    ),
                ));
            };
            let quantity = l.units().filter(|q| *q > 0).ok_or((
                Focus::Quantity(i),
                format!(
                    "Line {n}: `{}` is not a quantity (a whole number, 1 or more).",
                    l.quantity.value.trim()
                ),
            ))?;
            let discount_bp = discount_of(&l.discount.value)
                .map_err(|m| (Focus::Discount(i), format!("Line {n}: {m}.")))?;
            lines.push(NewLine {
                product_id: c.product_id,
                quantity,
                discount_bp,
            });
        }
        if lines.is_empty() {
            return Err((
                Focus::Product(self.next_line()),
                "Add a line first: type a product's name, brand or id, or scan its barcode.".into(),
            ));
        }
        Ok(NewOrder {
            customer_id: customer,
            store_id: store,
            staff_id: staff,
            lines,
        })
    }

    /// The field a refusal of the service names (`line 2`, `staff`, …).
    pub fn field_named(&self, name: &str) -> Option<Focus> {
        match name {
            "customer" => Some(Focus::Customer),
            "store" => Some(Focus::Store),
            "staff" => Some(Focus::Staff),
            n => {
                let k: usize = n.strip_prefix("line ")?.parse().ok()?;
                let l = self.sold().nth(k.checked_sub(1)?)?.0;
                Some(Focus::Quantity(l))
            }
        }
    }
}
