//! The new-order form, the till: the customer (found by name, e-mail, phone or id, or a
//! walk-in), the store and the staff member, then the lines — each product found by name,
//! brand, id or a scanned barcode, its quantity (1 unless changed) and discount — and the
//! running total. An empty line always follows the last one, so a sale has as many lines as
//! it needs. Each picker lists what matches as you type; ↑/↓ mark one, Enter takes it. This
//! module is the form's state and how it is filled; the order it makes is in `sale`, its keys
//! in `till`, its drawing in `form_draw`.
//! The sale goes through stages, so a step after the lines (the tender) can follow them.

use std::collections::VecDeque;

use crossterm::event::KeyEvent;

use crate::store::orders::choose::{CustomerChoice, ProductChoice, StaffChoice};
use crate::tui::keymap::Action;
use crate::tui::widgets::form::Form;
use crate::tui::widgets::input::TextInput;

/// Where the sale is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The customer, store, staff and lines are being typed.
    Lines,
    /// The lines are settled: how it is paid (see `pay`).
    Pay,
}

/// A field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Customer,
    Store,
    Staff,
    Product(usize),
    Quantity(usize),
    Discount(usize),
}

impl Focus {
    /// Whether the field picks a record from what matches the text.
    pub fn picks(self) -> bool {
        matches!(
            self,
            Focus::Customer | Focus::Store | Focus::Staff | Focus::Product(_)
        )
    }

    /// The line the field belongs to.
    pub fn line(self) -> Option<usize> {
        match self {
            Focus::Product(l) | Focus::Quantity(l) | Focus::Discount(l) => Some(l),
            _ => None,
        }
    }
}

/// A record picked: its id, how it is named, and a detail to tell namesakes apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub id: i32,
    pub name: String,
    pub detail: String,
}

/// A field that picks a record: the text typed, and the record taken.
#[derive(Debug, Clone, Default)]
pub struct Picker {
    pub input: TextInput,
    pub chosen: Option<Chosen>,
}

impl Picker {
    fn new(label: &'static str) -> Picker {
        let mut input = TextInput::new(label);
        input.max_chars = 100;
        Picker {
            input,
            chosen: None,
        }
    }

    /// Takes `c`: its name shows, selected, so typing starts a new search.
    fn take(&mut self, c: Chosen) {
        self.input.set(c.name.clone());
        self.chosen = Some(c);
    }
}

/// One line of the sale.
#[derive(Debug, Clone)]
pub struct Line {
    pub product: TextInput,
    pub chosen: Option<ProductChoice>,
    /// Empty means 1.
    pub quantity: TextInput,
    /// A percentage; empty means none.
    pub discount: TextInput,
}

impl Line {
    fn empty() -> Line {
        let mut product = TextInput::new("Product");
        product.max_chars = 100;
        let mut quantity = TextInput::new("Qty");
        quantity.max_chars = 9;
        let mut discount = TextInput::new("Disc %");
        discount.max_chars = 6;
        Line {
            product,
            chosen: None,
            quantity,
            discount,
        }
    }

    /// The units typed (1 when empty; `None` when not a whole number).
    pub fn units(&self) -> Option<i32> {
        match self.quantity.value.trim() {
            "" => Some(1),
            q => q.parse().ok(),
        }
    }
}

/// What the service offered for a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matches {
    Customers(Vec<CustomerChoice>),
    Products(Vec<ProductChoice>),
    /// Stores or staff, `(id, name)`: the whole list, narrowed here as the name is typed.
    Named(Vec<(i32, String)>),
}

/// Matches, and the field and text they were asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub focus: Focus,
    pub text: String,
    pub matches: Matches,
}

/// What to look up for the focused field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Customers(String),
    Stores,
    Staff(i32),
    Products(i32, String),
}

/// What taking the marked match did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Took {
    /// A customer, store or staff member.
    Party,
    /// A product found by name, brand or id, on this line.
    Product(usize),
    /// A product whose barcode was typed (scanned), on this line.
    Scanned(usize),
    /// Nothing matches what was typed (the sentence says so).
    NoMatch(String),
}

#[derive(Debug)]
pub struct Editor {
    pub stage: Stage,
    pub customer: Picker,
    pub store: Picker,
    pub staff: Picker,
    /// The lines; the last is always empty, for the next product.
    pub lines: Vec<Line>,
    pub focus: Focus,
    pub offer: Option<Offer>,
    /// The match marked with ↑/↓ (Enter takes it).
    pub marked: usize,
    pub saving: bool,
    /// Esc on a form holding something typed: waiting for `y` to drop it.
    pub confirm_drop: bool,
    /// The store and staff filled in from the account's linked staff member.
    pub defaulted: Option<StaffChoice>,
    /// A customer being added at the till (Ctrl-N on the customer field).
    pub new_customer: Option<Form>,
    /// Enter was pressed on this field before the matches of what is typed there came:
    /// the match is taken when they come, and the keys pressed meanwhile follow.
    pub waiting: Option<Focus>,
    pub typeahead: VecDeque<(KeyEvent, Option<Action>)>,
    /// How it is paid, in the pay stage.
    pub pay: super::pay::Pay,
}

impl Default for Editor {
    fn default() -> Self {
        Editor {
            stage: Stage::Lines,
            customer: Picker::new("Customer"),
            store: Picker::new("Store"),
            staff: Picker::new("Staff"),
            lines: vec![Line::empty()],
            focus: Focus::Customer,
            offer: None,
            marked: 0,
            saving: false,
            confirm_drop: false,
            defaulted: None,
            new_customer: None,
            waiting: None,
            typeahead: VecDeque::new(),
            pay: super::pay::Pay::default(),
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
    /// The last line: the empty one for the next product.
    pub fn next_line(&self) -> usize {
        self.lines.len() - 1
    }

    /// The lines holding a product.
    pub fn sold(&self) -> impl Iterator<Item = (usize, &Line, &ProductChoice)> {
        self.lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.chosen.as_ref().map(|c| (i, l, c)))
    }

    /// The fields in the order Tab walks them: a line's quantity and discount once it holds
    /// a product.
    pub fn fields(&self) -> Vec<Focus> {
        let mut v = vec![Focus::Customer, Focus::Store, Focus::Staff];
        for (i, l) in self.lines.iter().enumerate() {
            v.push(Focus::Product(i));
            if l.chosen.is_some() {
                v.push(Focus::Quantity(i));
                v.push(Focus::Discount(i));
            }
        }
        v
    }

    pub fn input(&self, f: Focus) -> &TextInput {
        match f {
            Focus::Customer => &self.customer.input,
            Focus::Store => &self.store.input,
            Focus::Staff => &self.staff.input,
            Focus::Product(l) => &self.lines[l].product,
            Focus::Quantity(l) => &self.lines[l].quantity,
            Focus::Discount(l) => &self.lines[l].discount,
        }
    }

    pub fn input_mut(&mut self, f: Focus) -> &mut TextInput {
        match f {
            Focus::Customer => &mut self.customer.input,
            Focus::Store => &mut self.store.input,
            Focus::Staff => &mut self.staff.input,
            Focus::Product(l) => &mut self.lines[l].product,
            Focus::Quantity(l) => &mut self.lines[l].quantity,
            Focus::Discount(l) => &mut self.lines[l].discount,
        }
    }

    /// The text of the focused field.
    pub fn typed_here(&self) -> &str {
        self.input(self.focus).value.trim()
    }

    /// Whether the focused field picks and holds text not yet resolved to a record.
    pub fn unresolved(&self) -> bool {
        match self.focus {
            Focus::Customer => self.customer.chosen.is_none() && !self.typed_here().is_empty(),
            Focus::Store => self.store.chosen.is_none(),
            Focus::Staff => self.staff.chosen.is_none(),
            Focus::Product(l) => self.lines[l].chosen.is_none() && !self.typed_here().is_empty(),
            _ => false,
        }
    }

    pub fn store_id(&self) -> Option<i32> {
        self.store.chosen.as_ref().map(|c| c.id)
    }

    /// What to ask the service for the focused field, if anything.
    pub fn lookup(&self) -> Option<Lookup> {
        if !self.unresolved() {
            return None;
        }
        let text = self.typed_here().to_string();
        match self.focus {
            Focus::Customer => Some(Lookup::Customers(text)),
            Focus::Store => Some(Lookup::Stores),
            Focus::Staff => self.store_id().map(Lookup::Staff),
            Focus::Product(_) => self.store_id().map(|s| Lookup::Products(s, text)),
            _ => None,
        }
    }

    /// The stores or staff offered that match the name typed (part of it, any case); all of
    /// them while it is empty or an id.
    pub fn named(&self) -> Vec<&(i32, String)> {
        let Some(Offer {
            matches: Matches::Named(list),
            ..
        }) = &self.offer
        else {
            return Vec::new();
        };
        let typed = self.typed_here().to_lowercase();
        if typed.is_empty() {
            return list.iter().collect();
        }
        if let Some(id) = id_of(&typed) {
            return list.iter().filter(|(i, _)| *i == id).collect();
        }
        list.iter()
            .filter(|(_, name)| {
                let name = name.to_lowercase();
                typed.split_whitespace().all(|w| name.contains(w))
            })
            .collect()
    }

    /// The matches shown for the focused field: those asked for this field and (for
    /// customers and products) this very text.
    pub fn current(&self) -> Option<&Offer> {
        self.offer.as_ref().filter(|o| {
            o.focus == self.focus
                && match o.matches {
                    Matches::Named(_) => true,
                    _ => o.text == self.typed_here(),
                }
        })
    }

    /// How many matches are shown for the focused field.
    pub fn shown(&self) -> usize {
        match self.current().map(|o| &o.matches) {
            Some(Matches::Customers(c)) => c.len(),
            Some(Matches::Products(p)) => p.len(),
            Some(Matches::Named(_)) => self.named().len(),
            None => 0,
        }
    }

    /// Moves the mark by `by` (±1) within the matches shown; whether there were any.
    pub fn mark(&mut self, up: bool) -> bool {
        let n = self.shown();
        if n == 0 || !self.unresolved() {
            return false;
        }
        self.marked = if up {
            self.marked.saturating_sub(1)
        } else {
            (self.marked + 1).min(n - 1)
        };
        true
    }

    /// The focused field was edited: what it held is no longer taken.
    pub fn edited(&mut self) {
        self.marked = 0;
        match self.focus {
            Focus::Customer => self.customer.chosen = None,
            // Another store: the staff member was of the one before.
            Focus::Store if self.store.chosen.take().is_some() => {
                self.staff.chosen = None;
                self.staff.input.clear();
            }
            Focus::Staff => self.staff.chosen = None,
            Focus::Product(l) => self.lines[l].chosen = None,
            _ => {}
        }
    }

    /// Moves to `f`, forgetting the matches of the field left.
    pub fn go(&mut self, f: Focus) {
        if self.focus != f {
            self.focus = f;
            self.marked = 0;
            self.offer = None;
        }
    }

    /// Tab (`forward`) or Shift-Tab.
    pub fn step(&mut self, forward: bool) {
        let fields = self.fields();
        let at = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = fields.len();
        let to = if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        };
        self.go(fields[to]);
    }

    /// After `from` is settled: the next field still to fill (the store, the staff, else the
    /// next product).
    pub fn advance(&mut self) {
        let to = match self.focus {
            Focus::Customer if self.store.chosen.is_none() => Focus::Store,
            Focus::Customer | Focus::Store if self.staff.chosen.is_none() => Focus::Staff,
            _ => Focus::Product(self.next_line()),
        };
        self.go(to);
    }

    /// Takes the marked match of the focused field, when the matches shown are for what is
    /// typed there.
    pub fn take_marked(&mut self) -> Option<Took> {
        let offer = self.current()?.clone();
        let i = self.marked;
        let typed = self.typed_here().to_string();
        Some(match (&offer.matches, self.focus) {
            (Matches::Customers(c), Focus::Customer) => match c.get(i) {
                Some(c) => {
                    self.customer.take(Chosen {
                        id: c.customer_id,
                        name: c.name.clone(),
                        detail: c.email.clone(),
                    });
                    Took::Party
                }
                None => Took::NoMatch(format!(
                    "No customer matches “{typed}”: Ctrl-N adds them, or leave it empty for a walk-in."
                )),
            },
            (Matches::Named(_), Focus::Store | Focus::Staff) => {
                let Some((id, name)) = self.named().get(i).map(|(id, n)| (*id, n.clone())) else {
                    return Some(Took::NoMatch(format!(
                        "No {} matches “{typed}”.",
                        if self.focus == Focus::Store {
                            "store"
                        } else {
                            "active staff member of this store"
                        }
                    )));
                };
                let c = Chosen {
                    id,
                    name,
                    detail: String::new(),
                };
                if self.focus == Focus::Store {
                    if self.store_id() != Some(id) {
                        self.staff.chosen = None;
                        self.staff.input.clear();
                    }
                    self.store.take(c);
                } else {
                    self.staff.take(c);
                }
                Took::Party
            }
            (Matches::Products(p), Focus::Product(l)) => {
                // A barcode names one product, whatever is marked.
                let scanned = p.iter().find(|c| {
                    c.barcode
                        .as_deref()
                        .is_some_and(|b| crate::barcode::same(&typed, b))
                });
                match scanned.or_else(|| p.get(i)) {
                    Some(c) => {
                        let c = c.clone();
                        let line = self.put(l, c);
                        if scanned.is_some() {
                            Took::Scanned(line)
                        } else {
                            Took::Product(line)
                        }
                    }
                    None => Took::NoMatch(no_product(&typed)),
                }
            }
            _ => return None,
        })
    }

    /// Puts product `c` on line `l`; a product already on another line gets one more unit
    /// there instead. Returns the line it is on.
    fn put(&mut self, l: usize, c: ProductChoice) -> usize {
        let last = self.next_line();
        if l == last
            && let Some(at) = self.lines.iter().position(|x| {
                x.chosen
                    .as_ref()
                    .is_some_and(|x| x.product_id == c.product_id)
            })
        {
            let line = &mut self.lines[at];
            let n = line.units().unwrap_or(1).saturating_add(1);
            line.quantity.set(n.to_string());
            self.lines[last].product.clear();
            return at;
        }
        let line = &mut self.lines[l];
        line.product.set(c.name.clone());
        line.chosen = Some(c);
        if line.quantity.value.trim().is_empty() {
            line.quantity.set("1");
        }
        if l == last {
            self.lines.push(Line::empty());
        }
        l
    }

    /// Drops lines emptied by hand (their product cleared), keeping the focus on its field.
    pub fn tidy(&mut self) {
        let last = self.next_line();
        let keep: Vec<bool> = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                i == last
                    || l.chosen.is_some()
                    || !l.product.value.trim().is_empty()
                    || self.focus == Focus::Product(i)
            })
            .collect();
        if keep.iter().all(|k| *k) {
            return;
        }
        let map = |i: usize| keep[..i].iter().filter(|k| **k).count();
        self.focus = match self.focus {
            Focus::Product(l) => Focus::Product(map(l)),
            Focus::Quantity(l) if keep[l] => Focus::Quantity(map(l)),
            Focus::Discount(l) if keep[l] => Focus::Discount(map(l)),
            f => f,
        };
        let mut i = 0;
        self.lines.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }

    /// Whether anything was typed beyond the defaults (Esc then asks before dropping it).
    pub fn typed(&self) -> bool {
        let defaulted = |p: &Picker, id: Option<i32>| match (&p.chosen, id) {
            (Some(c), Some(d)) => c.id != d,
            _ => !p.input.value.trim().is_empty(),
        };
        let d = self.defaulted.as_ref();
        !self.customer.input.value.trim().is_empty()
            || defaulted(&self.store, d.map(|d| d.store_id))
            || defaulted(&self.staff, d.map(|d| d.staff_id))
            || self
                .lines
                .iter()
                .any(|l| !l.product.value.trim().is_empty())
    }

    /// Opens the new-customer fields, the name typed so far split into first and last name.
    pub fn start_new_customer(&mut self) {
        let typed = match self.customer.chosen {
            Some(_) => String::new(),
            None => self.customer.input.value.trim().to_string(),
        };
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

    /// The customer just added at the till is this order's.
    pub fn customer_added(&mut self, id: i32) {
        let (name, email) = match &self.new_customer {
            Some(f) => (
                format!("{} {}", f.value(0).trim(), f.value(1).trim()),
                f.value(2).trim().to_string(),
            ),
            None => (format!("customer {id}"), String::new()),
        };
        self.new_customer = None;
        self.customer.take(Chosen {
            id,
            name,
            detail: email,
        });
        self.focus = Focus::Customer;
        self.advance();
    }

    /// Fills the store and staff with the account's linked staff member, unless something
    /// was typed there already or they no longer work here.
    pub fn default_to(&mut self, own: &StaffChoice) {
        if !own.active
            || !self.store.input.value.trim().is_empty()
            || !self.staff.input.value.trim().is_empty()
        {
            return;
        }
        self.store.take(Chosen {
            id: own.store_id,
            name: own.store_name.clone(),
            detail: String::new(),
        });
        self.staff.take(Chosen {
            id: own.staff_id,
            name: own.name.clone(),
            detail: "you".into(),
        });
        self.defaulted = Some(own.clone());
    }
}

/// Why nothing was taken for a product typed.
fn no_product(typed: &str) -> String {
    if crate::barcode::gtin_kind(typed).is_some() {
        match crate::barcode::check(typed) {
            Ok(_) => format!(
                "No product has the barcode {typed}; check the code or find the product by name."
            ),
            Err(why) => format!("{typed} {why}; scan it again or type it."),
        }
    } else {
        format!("No product matches “{typed}” (name, brand, id or barcode).")
    }
}
