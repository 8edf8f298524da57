//! How big a page of rows is: the rows a tab asks its service for, and the width its grid
//! is drawn in, both from the terminal's size. The Data, Orders, Users and Audit tabs page
//! alike.

/// Rows on a page for a terminal of `size` (the lines around the grid subtracted).
pub fn page_rows(size: (u16, u16)) -> u64 {
    u64::from(size.1.saturating_sub(12)).max(3)
}

/// The width the grid is drawn in (the body's margins and borders subtracted).
pub fn grid_width(size: (u16, u16)) -> u16 {
    size.0.saturating_sub(4)
}
