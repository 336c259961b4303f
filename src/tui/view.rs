//! Draws the whole screen from the state: header, the step's body, a notice line, the footer
//! of key hints, and the help overlay. Pure: reads the state, writes the frame.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::keys::hints;
pub use super::layout::{HEADER_ROWS, MIN_HEIGHT, MIN_WIDTH, body_area};
use super::model::State;
use super::screens;
use super::theme::Theme;

pub fn view(state: &State, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    header(state, theme, frame, area);
    screens::render_body(state, theme, frame, body_area(area));
    if let Some(notice) = &state.notice {
        let r = Rect {
            x: area.x + 1,
            y: area.bottom() - 2,
            width: area.width - 2,
            height: 1,
        };
        frame.render_widget(
            Paragraph::new(Span::styled(notice.clone(), theme.warn())),
            r,
        );
    }
    footer(
        state,
        theme,
        frame,
        Rect {
            y: area.bottom() - 1,
            height: 1,
            ..area
        },
    );
    if state.demo_values {
        screens::demo_values::render(state, theme, frame, area);
    }
    if state.help {
        screens::help::render(state, theme, frame, area);
    }
}

fn header(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut top = vec![Span::styled(" kms-connect ", theme.title())];
    if state.session.demo.is_some() {
        top.push(Span::styled(" DEMO ", theme.demo_badge()));
    }
    top.push(Span::raw("  "));
    top.push(Span::styled(state.step.header(), theme.heading()));
    if let Some(app) = state.app.filter(|_| {
        !matches!(
            state.step,
            super::msg::Step::Pick
                | super::msg::Step::Project
                | super::msg::Step::SignIn
                | super::msg::Step::Browse
                | super::msg::Step::Sync(_)
        )
    }) {
        top.push(Span::raw(format!(" · {}", app.name)));
    }
    if let (super::msg::Step::Sync(_), Some(f)) = (state.step, state.sync.as_ref()) {
        top.push(Span::raw(format!(" · {}", f.dest.name())));
    }
    let scope = state
        .scope
        .as_ref()
        .map_or_else(|| "not chosen".to_owned(), |s| s.label());
    // "Project organization level" reads wrong: organization level needs no "Project" label.
    let at_org = matches!(state.scope, Some(super::msg::Scope::Organization));
    let labels: [&str; 3] = [
        " Server ",
        if at_org { " · " } else { " · Project " },
        " · ",
    ];
    const LABELS: &[&str] = &[" Server ", " · Project ", " · "];
    let room =
        usize::from(area.width).saturating_sub(LABELS.iter().map(|l| l.chars().count()).sum());
    let [server, scope, identity] = fit_all(
        [
            state.session.server.clone(),
            scope,
            state.session.identity.clone(),
        ],
        room,
    );
    let second = Line::from(vec![
        Span::styled(LABELS[0], theme.dim()),
        Span::raw(server),
        Span::styled(labels[1], theme.dim()),
        Span::raw(scope),
        Span::styled(LABELS[2], theme.dim()),
        Span::raw(identity),
    ]);
    let rule = Line::from(Span::styled(
        "─".repeat(usize::from(area.width)),
        theme.dim(),
    ));
    frame.render_widget(
        Paragraph::new(vec![Line::from(top), second, rule]),
        Rect {
            height: HEADER_ROWS,
            ..area
        },
    );
}

/// Shortens the longest of the parts, one character at a time, until all fit in `room`: every
/// part keeps its start (the organization at the end of the identity may go, but the server,
/// project and identity are all still there to read).
fn fit_all<const N: usize>(parts: [String; N], room: usize) -> [String; N] {
    let mut lens = parts.each_ref().map(|p| p.chars().count());
    while lens.iter().sum::<usize>() > room {
        let Some(longest) = (0..N).max_by_key(|&i| lens[i]) else {
            break;
        };
        if lens[longest] <= 1 {
            break;
        }
        lens[longest] -= 1;
    }
    let mut i = 0;
    parts.map(|p| {
        let keep = lens[i];
        i += 1;
        if p.chars().count() <= keep {
            p
        } else {
            let mut cut: String = p.chars().take(keep.saturating_sub(1)).collect();
            cut.push('…');
            cut
        }
    })
}

/// One line of `key action` pairs; what does not fit is left to the help, whose own hint
/// always shows.
fn footer(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let all: Vec<_> = hints(state).into_iter().filter(|h| h.in_footer).collect();
    let width = |h: &super::keys::KeyHint| h.key.chars().count() + h.action.chars().count() + 3;
    let is_help = |h: &super::keys::KeyHint| h.action == "help";
    let reserved: usize = all.iter().filter(|h| is_help(h)).map(width).sum();
    let mut budget = usize::from(area.width).saturating_sub(1 + reserved);
    let mut spans = vec![Span::raw(" ")];
    for h in &all {
        if !is_help(h) {
            if width(h) > budget {
                continue;
            }
            budget -= width(h);
        }
        spans.push(Span::styled(h.key, theme.key()));
        spans.push(Span::raw(format!(" {}  ", h.action)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn too_small(frame: &mut Frame, area: Rect) {
    let msg = format!(
        "The window is {}x{}; kms-connect needs at least {MIN_WIDTH}x{MIN_HEIGHT}. Make it larger, or press Ctrl-C to quit.",
        area.width, area.height
    );
    frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
}
