//! A bar chart drawn as vectors (filled rectangles and lines): one bar per month, a scale
//! rounded up to a readable amount, and month labels thinned out when they would touch.

use super::layout::{self, ACCENT, GREY, LIGHT, Layout, MARGIN};
use crate::text::group_digits;

const PLOT_H: f32 = 110.0;
const AXIS_W: f32 = 62.0;
const LABEL: f32 = 6.5;

/// The smallest 1, 2 or 5 × 10ⁿ cents at or above `max`.
fn nice_ceiling(max: i64) -> i64 {
    let mut step: i64 = 100;
    loop {
        for m in [1, 2, 5] {
            if step.saturating_mul(m) >= max {
                return step.saturating_mul(m);
            }
        }
        step = step.saturating_mul(10);
    }
}

/// Whole currency units, grouped: `$12,500`.
fn amount(cents: i64, currency: &str) -> String {
    format!("{currency}{}", group_digits((cents / 100).max(0) as u64))
}

/// Draws `bars` (`(label, cents)`, in order) under `title`.
pub fn bars(l: &mut Layout, title: &str, bars: &[(String, i64)], currency: &str) {
    l.heading(title, 11.0);
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0);
    if bars.is_empty() || max <= 0 {
        l.paragraph("No sales to chart.");
        l.skip(6.0);
        return;
    }
    l.room(PLOT_H + 30.0);
    let top = l.y - 4.0;
    let base = top - PLOT_H;
    let x0 = MARGIN + AXIS_W;
    let plot_w = layout::CONTENT_W - AXIS_W;
    let ceiling = nice_ceiling(max);

    // Scale: 0, half and the ceiling, with grid lines.
    for (frac, cents) in [(0.0, 0), (0.5, ceiling / 2), (1.0, ceiling)] {
        let y = base + PLOT_H * frac;
        l.hline(
            x0,
            x0 + plot_w,
            y,
            0.4,
            if frac == 0.0 { GREY } else { LIGHT },
        );
        l.text_right(x0 - 4.0, y - 2.0, LABEL, &amount(cents, currency));
    }

    let slot = plot_w / bars.len() as f32;
    let bar_w = (slot * 0.7).max(0.5);
    let widest = bars
        .iter()
        .map(|(label, _)| layout::width(label, LABEL))
        .fold(0.0, f32::max);
    let every = ((widest + 4.0) / slot).ceil().max(1.0) as usize;
    for (i, (label, cents)) in bars.iter().enumerate() {
        let x = x0 + slot * i as f32 + (slot - bar_w) / 2.0;
        let h = PLOT_H * (*cents).max(0) as f32 / ceiling as f32;
        if h > 0.0 {
            l.rect(x, base, bar_w, h, ACCENT);
        }
        if i % every == 0 {
            let w = layout::width(label, LABEL);
            let cx = x + bar_w / 2.0;
            l.text_colored(cx - w / 2.0, base - 9.0, LABEL, label, GREY);
        }
    }
    l.y = base - 24.0;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_rounds_up_to_a_readable_amount() {
        assert_eq!(nice_ceiling(1), 100);
        assert_eq!(nice_ceiling(101), 200);
        assert_eq!(nice_ceiling(1_234_567), 2_000_000);
        assert_eq!(nice_ceiling(5_000_000), 5_000_000);
        assert_eq!(amount(1_250_099, "$"), "$12,500");
    }
}
