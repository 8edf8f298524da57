//! The new-order form: the customer (searched by name, e-mail or phone, or walk-in), the store
//! and the staff member, then up to five lines — each product searched by name or brand with
//! its price and the stock left in the store — and the running total as you type. Enter on a
//! field holding search text picks the first match; Enter on the last field sells.

use std::collections::HashMap;

use crate::money::line_total_cents;
use crate::store::orders::choose::{CustomerChoice, ProductChoice, StaffChoice};
use crate::store::orders::{NewLine, NewOrder};
use crate::tui::widgets::form::Form;
use crate::tui::widgets::input::TextInput;

/// Lines the form offers.
pub const LINES: usize = 5;
/// Fields before the lines: customer, store, staff.
pub const HEAD: usize = 3;

/// What the field under the cursor offers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Offer {
    #[default]
    Nothing,
    Customers(Vec<CustomerChoice>),
    Products(Vec<ProductChoice>),
    Stores(Vec<(i32, String)>),
    Staff(Vec<(i32, String)>),
}

#[derive(Debug)]
pub struct Editor {
    pub form: Form,
    pub offer: Offer,
    /// Products seen, by id: name, price, stock left in the store they were read for.
    pub known: HashMap<i32, ProductChoice>,
    pub saving: bool,
    /// Esc on a form holding something typed: waiting for `y` to drop it.
    pub confirm_drop: bool,
    /// The store and staff filled in from the account's linked staff member.
    pub defaulted: Option<StaffChoice>,
    /// A customer being added at the till (Ctrl-N on the customer field).
    pub new_customer: Option<Form>,
}

impl Default for Editor {
    fn default() -> Self {
        let mut fields = vec![
            TextInput::new("Customer"),
            TextInput::new("Store"),
            TextInput::new("Staff"),
        ];
        for _ in 0..LINES {
            fields.push(TextInput::new("Product"));
            fields.push(TextInput::new("Quantity"));
            fields.push(TextInput::new("Discount %"));
        }
        Editor {
            form: Form::new(fields),
            offer: Offer::Nothing,
            known: HashMap::new(),
            saving: false,
            confirm_drop: false,
            defaulted: None,
            new_customer: None,
        }
    }
}

/// What kind of field `i` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Customer,
    Store,
    Staff,
    Product(usize),
    Quantity(usize),
    Discount(usize),
}

pub fn kind(i: usize) -> FieldKind {
    match i {
        0 => FieldKind::Customer,
        1 => FieldKind::Store,
        2 => FieldKind::Staff,
        n => {
            let line = (n - HEAD) / 3;
            match (n - HEAD) % 3 {
                0 => FieldKind::Product(line),
                1 => FieldKind::Quantity(line),
                _ => FieldKind::Discount(line),
            }
        }
    }
}

/// A typed id (`12` or `#12`).
pub fn id_of(text: &str) -> Option<i32> {
    text.trim().trim_start_matches('#').parse().ok()
}

/// A percentage typed (`7`, `7.5`) in basis points.
pub fn discount_of(text: &str) -> Result<i32, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(0);
    }
    match crate::money::parse_cents(t.trim_end_matches('%').trim()) {
        Ok(bp) if (0..=10_000).contains(&bp) => Ok(bp as i32),
        _ => Err(format!("`{t}` is not a percentage from 0 to 100")),
    }
}

impl Editor {
    pub fn value(&self, i: usize) -> &str {
        self.form.value(i)
    }

    /// Whether anything was typed beyond the defaults (Esc then asks before dropping it).
    pub fn typed(&self) -> bool {
        let defaults = self
            .defaulted
            .as_ref()
            .map(|d| (d.store_id.to_string(), d.staff_id.to_string()));
        self.form.fields.iter().enumerate().any(|(i, f)| {
            let v = f.value.trim();
            match (i, &defaults) {
                (1, Some((store, _))) => v != store,
                (2, Some((_, staff))) => v != staff,
                _ => !v.is_empty(),
            }
        })
    }

    /// Opens the new-customer fields, the name typed so far split into first and last name.
    pub fn start_new_customer(&mut self) {
        let typed = self.value(0).trim().to_string();
        let (first, last) = match typed.rsplit_once(' ') {
            _ if id_of(&typed).is_some() => ("", ""),
            Some((f, l)) => (f.trim(), l.trim()),
            None => (typed.as_str(), ""),
        };
        let mut fields = vec![
            TextInput::new("First name"),
            TextInput::new("Last name"),
            TextInput::new("E-mail"),
            TextInput::new("Phone"),
        ];
        fields[0].value = first.to_string();
        fields[1].value = last.to_string();
        let mut form = Form::new(fields);
        form.focus = if first.is_empty() {
            0
        } else if last.is_empty() {
            1
        } else {
            2
        };
        self.new_customer = Some(form);
    }

    /// Fills the store and staff with the account's linked staff member, unless something
    /// was typed there already or they no longer work here.
    pub fn default_to(&mut self, own: &StaffChoice) {
        if !own.active || !self.value(1).trim().is_empty() || !self.value(2).trim().is_empty() {
            return;
        }
        self.form.fields[1].value = own.store_id.to_string();
        self.form.fields[2].value = own.staff_id.to_string();
        self.defaulted = Some(own.clone());
    }

    pub fn store(&self) -> Option<i32> {
        id_of(self.value(1))
    }

    /// The lines typed so far: (line, product id, quantity, discount).
    pub fn lines(&self) -> Vec<(usize, i32, i32, i32)> {
        (0..LINES)
            .filter_map(|l| {
                let base = HEAD + l * 3;
                let product = id_of(self.value(base))?;
                let qty = self.value(base + 1).trim().parse().unwrap_or(1);
                let disc = discount_of(self.value(base + 2)).unwrap_or(0);
                Some((l, product, qty, disc))
            })
            .collect()
    }

    /// The total of the lines whose product is known.
    pub fn running_total(&self) -> i64 {
        self.lines()
            .iter()
            .filter_map(|(_, p, q, d)| {
                self.known
                    .get(p)
                    .map(|c| line_total_cents(c.list_price_cents, *q, *d))
            })
            .sum()
    }

    /// The stores or staff offered for the focused field that match what is typed there
    /// (part of the name, any case); all of them while it is empty or an id.
    pub fn named_offers(&self) -> Vec<&(i32, String)> {
        let list = match &self.offer {
            Offer::Stores(s) | Offer::Staff(s) => s,
            _ => return Vec::new(),
        };
        let typed = self.value(self.form.focus).trim().to_lowercase();
        if typed.is_empty() || id_of(&typed).is_some() {
            return list.iter().collect();
        }
        list.iter()
            .filter(|(_, name)| name.to_lowercase().contains(&typed))
            .collect()
    }

    /// Replaces search text in the current field with the first offer's id; whether it did.
    pub fn pick_first(&mut self) -> bool {
        let i = self.form.focus;
        if id_of(self.value(i)).is_some() || self.value(i).trim().is_empty() {
            return false;
        }
        let id = match (&self.offer, kind(i)) {
            (Offer::Customers(c), FieldKind::Customer) => c.first().map(|c| c.customer_id),
            (Offer::Products(p), FieldKind::Product(_)) => p.first().map(|p| p.product_id),
            (Offer::Stores(_), FieldKind::Store) | (Offer::Staff(_), FieldKind::Staff) => {
                self.named_offers().first().map(|s| s.0)
            }
            _ => None,
        };
        match id {
            Some(id) => {
                self.form.fields[i].value = id.to_string();
                true
            }
            None => false,
        }
    }

    /// The order to save, or the first field to fix and why.
    pub fn order(&self) -> Result<NewOrder, (usize, String)> {
        let customer = match self.value(0).trim() {
            "" => None,
            t => Some(id_of(t).ok_or((0, format!("customer: pick one (Enter takes the first match) or leave empty for a walk-in; `{t}` is not an id")))?),
        };
        let store = self
            .store()
            .ok_or((1, "store: type a store's id".to_string()))?;
        let staff =
            id_of(self.value(2)).ok_or((2, "staff: type a staff member's id".to_string()))?;
        let mut lines = Vec::new();
        for l in 0..LINES {
            let base = HEAD + l * 3;
            let p = self.value(base).trim();
            if p.is_empty() {
                continue;
            }
            let product = id_of(p).ok_or((
                base,
                format!(
                    "line {}: pick a product (Enter takes the first match)",
                    l + 1
                ),
            ))?;
            let q = self.value(base + 1).trim();
            let quantity = if q.is_empty() {
                1
            } else {
                q.parse::<i32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or((base + 1, format!("line {}: `{q}` is not a quantity", l + 1)))?
            };
            let discount_bp = discount_of(self.value(base + 2))
                .map_err(|m| (base + 2, format!("line {}: {m}", l + 1)))?;
            lines.push(NewLine {
                product_id: product,
                quantity,
                discount_bp,
            });
        }
        if lines.is_empty() {
            return Err((HEAD, "add at least one line".into()));
        }
        Ok(NewOrder {
            customer_id: customer,
            store_id: store,
            staff_id: staff,
            lines,
        })
    }
}
