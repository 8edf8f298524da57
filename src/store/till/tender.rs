//! How an order is paid: tenders typed as `cash:50`, `card`, `other:12.50`, checked against
//! the order's total before anything is written. Card and other tenders pay at most what is
//! left (no change is given on a card); one of them without an amount takes what is left;
//! cash may exceed what is left, and the excess is the change. Too little is refused.

use crate::error::{Error, Result};
use crate::money::{format_cents, parse_cents};

/// A way of paying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tender {
    Cash,
    Card,
    Other,
}

impl Tender {
    pub const ALL: [Tender; 3] = [Tender::Cash, Tender::Card, Tender::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Tender::Cash => "cash",
            Tender::Card => "card",
            Tender::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Tender> {
        let t = text.trim().to_ascii_lowercase();
        Tender::ALL.into_iter().find(|x| x.as_str() == t)
    }
}

/// A tender as given: `cash:50.00`, `card` (what is left), `other:12.50`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenderSpec {
    pub tender: Tender,
    /// Cents handed over or charged; `None` takes what is left (card and other only).
    pub cents: Option<i64>,
}

fn pay_error(message: String) -> Error {
    Error::InvalidField {
        field: "pay".into(),
        message,
    }
}

impl TenderSpec {
    /// Parses `cash:AMOUNT`, `card`, `card:AMOUNT`, `other`, `other:AMOUNT`.
    pub fn parse(text: &str) -> Result<TenderSpec> {
        let (name, amount) = match text.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (text, None),
        };
        let tender = Tender::parse(name).ok_or_else(|| {
            pay_error(format!(
                "`{}` is not a tender (cash:AMOUNT, card[:AMOUNT] or other[:AMOUNT])",
                crate::text::escape_bounded(text, 40)
            ))
        })?;
        let cents = amount
            .map(|a| {
                parse_cents(a).map_err(|why| {
                    pay_error(format!(
                        "`{}` {why}",
                        crate::text::escape_bounded(a.trim(), 40)
                    ))
                })
            })
            .transpose()?;
        if let Some(c) = cents
            && !(1..=crate::bounds::MAX_TENDER_CENTS).contains(&c)
        {
            return Err(pay_error(format!(
                "{} is not an amount from 0.01 to {}",
                format_cents(c),
                format_cents(crate::bounds::MAX_TENDER_CENTS)
            )));
        }
        if tender == Tender::Cash && cents.is_none() {
            return Err(pay_error(
                "cash needs the amount handed over (cash:AMOUNT)".into(),
            ));
        }
        Ok(TenderSpec { tender, cents })
    }
}

/// One payment of an order: what the tender paid, and what was handed over (cash: the
/// change is `tendered - amount`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Paid {
    pub tender: Tender,
    pub amount_cents: i64,
    pub tendered_cents: i64,
}

impl Paid {
    pub fn change_cents(&self) -> i64 {
        self.tendered_cents - self.amount_cents
    }
}

/// Splits `total` over the tenders: card and other first (at most what is left each; the one
/// without an amount takes the rest), then cash (at least what is left; the excess is the
/// change). Refused, with what is short or over, when they do not cover the total exactly.
pub fn allocate(total: i64, specs: &[TenderSpec]) -> Result<Vec<Paid>> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let open: Vec<&TenderSpec> = specs.iter().filter(|s| s.cents.is_none()).collect();
    if open.len() > 1 {
        return Err(pay_error(
            "only one tender may take what is left; give the others an amount".into(),
        ));
    }
    if specs.iter().filter(|s| s.tender == Tender::Cash).count() > 1 {
        return Err(pay_error(
            "give cash once, with all that was handed over".into(),
        ));
    }
    let mut left = total;
    let mut out = Vec::with_capacity(specs.len());
    // Fixed card and other amounts first.
    for s in specs
        .iter()
        .filter(|s| s.tender != Tender::Cash && s.cents.is_some())
    {
        let c = s.cents.unwrap_or(0);
        if c > left {
            return Err(pay_error(format!(
                "{} {} is more than the {} left to pay (no change is given on a {})",
                s.tender.as_str(),
                format_cents(c),
                format_cents(left),
                s.tender.as_str()
            )));
        }
        left -= c;
        out.push(Paid {
            tender: s.tender,
            amount_cents: c,
            tendered_cents: c,
        });
    }
    let cash = specs.iter().find(|s| s.tender == Tender::Cash);
    // Cash pays before the open tender, which takes the rest.
    if let Some(s) = cash {
        let handed = s.cents.unwrap_or(0);
        let applied = if open.is_empty() {
            left
        } else {
            handed.min(left)
        };
        if handed < applied {
            return Err(pay_error(format!(
                "too little: {} short of the {} to pay; nothing was written",
                format_cents(applied - handed),
                format_cents(total)
            )));
        }
        if applied > 0 || open.is_empty() {
            out.push(Paid {
                tender: Tender::Cash,
                amount_cents: applied,
                tendered_cents: handed,
            });
        }
        left -= applied;
    }
    if let Some(s) = open.first() {
        if left > 0 {
            out.push(Paid {
                tender: s.tender,
                amount_cents: left,
                tendered_cents: left,
            });
        }
        left = 0;
    }
    if left > 0 {
        return Err(pay_error(format!(
            "too little: {} short of the {} to pay; nothing was written",
            format_cents(left),
            format_cents(total)
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(texts: &[&str]) -> Vec<TenderSpec> {
        texts
            .iter()
            .map(|t| TenderSpec::parse(t).unwrap())
            .collect()
    }

    #[test]
    fn tenders_cover_the_total_with_change_from_cash_only() {
        let paid = allocate(7_299, &specs(&["cash:100"])).unwrap();
        assert_eq!(paid[0].amount_cents, 7_299);
        assert_eq!(paid[0].change_cents(), 2_701);
        let paid = allocate(7_299, &specs(&["card"])).unwrap();
        assert_eq!(
            (paid[0].tender, paid[0].amount_cents),
            (Tender::Card, 7_299)
        );
        let paid = allocate(10_000, &specs(&["card:40", "cash:70"])).unwrap();
        assert_eq!(
            paid.iter()
                .map(|p| (p.tender, p.amount_cents, p.change_cents()))
                .collect::<Vec<_>>(),
            vec![(Tender::Card, 4_000, 0), (Tender::Cash, 6_000, 1_000)]
        );
        // Cash first, the card takes the rest.
        let paid = allocate(10_000, &specs(&["cash:30", "card"])).unwrap();
        assert_eq!(
            paid.iter()
                .map(|p| (p.tender, p.amount_cents))
                .collect::<Vec<_>>(),
            vec![(Tender::Cash, 3_000), (Tender::Card, 7_000)]
        );
    }

    #[test]
    fn too_little_or_too_much_on_a_card_is_refused() {
        let e = allocate(7_299, &specs(&["cash:50"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("22.99 short"), "{e}");
        let e = allocate(7_299, &specs(&["card:80"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no change is given on a card"), "{e}");
        assert!(allocate(100, &specs(&["card", "other"])).is_err());
        assert!(TenderSpec::parse("cash").is_err());
        assert!(TenderSpec::parse("cheque:5").is_err());
        assert!(TenderSpec::parse("cash:0.001").is_err());
        assert!(TenderSpec::parse("cash:-5").is_err());
    }
}
