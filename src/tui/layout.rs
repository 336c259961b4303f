//! The window's shape: the smallest size the screens are laid out for, and where the body of
//! a step goes (the key handlers need it to scroll, the view to draw).

use ratatui::layout::Rect;

/// The smallest window the screens are laid out for; below it only a message is drawn.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub const HEADER_ROWS: u16 = 3;
const FOOTER_ROWS: u16 = 2;

/// The rectangle the step's body gets inside a window of `area`.
pub fn body_area(area: Rect) -> Rect {
    Rect {
        x: area.x + 1,
        y: area.y + HEADER_ROWS,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(HEADER_ROWS + FOOTER_ROWS),
    }
}
