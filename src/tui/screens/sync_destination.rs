//! Sync step 2: the destination, picked level by level from the provider's lists (names shown,
//! IDs stored) or typed by hand, then the read-only checks as a checklist.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::test::checklist;
use super::{line_input, spinner, window, wrapped};
use crate::sanitize::{clean_line, clean_short};
use crate::tui::model::State;
use crate::tui::sync::{Mode, SyncFlow, levels};
use crate::tui::theme::Theme;

pub fn render(state: &State, f: &SyncFlow, theme: &Theme, frame: &mut Frame, area: Rect) {
    let d = &f.destination;
    let w = area.width;
    let all = levels::of(f.dest);
    let mut lines = vec![Line::from(format!(
        "Where the secrets go at {}.",
        f.dest.name()
    ))];
    // What is chosen so far, names shown (IDs go in the body).
    let chosen: Vec<String> = d
        .chosen
        .iter()
        .zip(all)
        .map(|(c, l)| match c {
            Some(n) => clean_short(&n.name, 30),
            None => l
                .none
                .unwrap_or("none")
                .split(':')
                .next()
                .unwrap_or("none")
                .to_owned(),
        })
        .collect();
    if d.mode == Mode::Pick && !chosen.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("  {}", chosen.join(" › ")),
            theme.dim(),
        )));
    }
    lines.push(Line::default());
    if let Some(secret) = &d.secret {
        lines.extend(wrapped(
            "",
            &format!(
                "Type the {} again to list the destinations (kept in memory only, never saved).",
                f.dest.app().secret_noun()
            ),
            Style::new(),
            w,
        ));
        if !f.target.public.is_empty() {
            lines.push(Line::from(Span::styled(
                format!("  for {}", clean_short(&f.target.public, 60)),
                theme.dim(),
            )));
        }
        lines.push(Line::default());
        lines.push(line_input("Secret", secret, true, 8, theme));
    } else if d.listing.is_some() {
        lines.push(Line::from(format!(
            "{} Listing what the credential reaches at {} (every page)…",
            spinner(state),
            f.dest.name()
        )));
    } else if d.checking.is_some() {
        lines.push(Line::from(format!(
            "{} Checking the destination with the calls the sync will make to read it…",
            spinner(state)
        )));
    } else if let Some(c) = &d.checks {
        // Provider text is in these lines: cleaned again before drawing.
        let cleaned: Vec<_> = c
            .lines
            .iter()
            .cloned()
            .map(|mut l| {
                l.message = clean_line(&l.message);
                l.hint = l.hint.as_deref().map(clean_line);
                l
            })
            .collect();
        lines.extend(checklist(&cleaned, theme, w));
        if let Some(n) = c.existing {
            lines.push(Line::from(Span::styled(
                format!(
                    "  {n} variable(s) already there; {} match the key schema.",
                    c.matching.len()
                ),
                theme.dim(),
            )));
        }
        lines.push(Line::default());
        lines.push(Line::from(if c.ok() {
            "Press Enter for the options."
        } else {
            "Fix the credential's permissions (then r), change the destination, or a to go on anyway."
        }));
    } else if d.mode == Mode::Manual {
        lines.extend(wrapped(
            "",
            "Type the IDs (not the names). The KMS server does not check them: a wrong one fails only when the sync runs.",
            Style::new(),
            w,
        ));
        lines.push(Line::default());
        for (i, (l, t)) in all.iter().zip(&d.manual).enumerate() {
            lines.push(line_input(
                levels::typed_label(l),
                t,
                d.manual_focus == i,
                34,
                theme,
            ));
        }
        if f.credential.is_none() {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                "  Ctrl-T types the credential to pick from lists and check the destination.",
                theme.dim(),
            )));
        }
    } else if let Some(e) = &d.list_error {
        lines.extend(wrapped("✗ ", &clean_line(e), theme.error(), w));
        lines.push(Line::from(
            "  r lists again, Ctrl-T types another credential, m enters the IDs by hand.",
        ));
    } else if let Some(level) = all.get(d.level) {
        picker(state, f, level, theme, area, &mut lines);
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn picker(
    state: &State,
    f: &SyncFlow,
    level: &levels::Level,
    theme: &Theme,
    area: Rect,
    lines: &mut Vec<Line<'static>>,
) {
    let d = &f.destination;
    let visible = f.visible();
    let total = f.level_entries().len();
    let mut head = vec![Span::styled(level.label.to_owned(), theme.heading())];
    head.push(Span::styled(
        format!("  {} of {total}", visible.len()),
        theme.dim(),
    ));
    if d.picker.filtering || !d.picker.filter.text().is_empty() {
        let (a, b) = d.picker.filter.shown_at_cursor();
        let cursor = if d.picker.filtering { "▏" } else { "" };
        head.push(Span::raw(format!(
            "  filter: {}{cursor}{}",
            clean_short(&a, 30),
            clean_short(&b, 30)
        )));
    }
    lines.push(Line::from(head));
    if level.many && !f.level_entries().is_empty() {
        lines.push(Line::from(Span::styled(
            format!(
                "  Space marks several ({} marked), Enter takes them.",
                d.marked.len()
            ),
            theme.dim(),
        )));
    }
    if d.lazy_loading.is_some() {
        lines.push(Line::from(format!("{} Listing…", spinner(state))));
        return;
    }
    if let Some(w) = f.destination.tree.as_ref().map(|t| &t.warnings) {
        for warn in w.iter().take(1) {
            lines.push(Line::from(Span::styled(
                format!("  ⚠ {}", clean_short(warn, 70)),
                theme.warn(),
            )));
        }
    }
    let mut rows: Vec<(String, String)> = Vec::new();
    if let Some(none) = f.none_row() {
        rows.push((format!("({none})"), String::new()));
    }
    let is_marked = |n: &crate::apps::destinations::Node| {
        d.marked.iter().any(|m| m.id == n.id && m.kind == n.kind)
    };
    rows.extend(visible.iter().map(|n| {
        let mark = match (level.many, is_marked(n)) {
            (false, _) => "",
            (true, true) => "[x] ",
            (true, false) => "[ ] ",
        };
        (
            format!("{mark}{}", clean_short(&n.name, 50)),
            crate::sanitize::clean_line(&n.id),
        )
    }));
    if rows.is_empty() {
        lines.push(Line::from(if total == 0 {
            "  Nothing listed here: the credential sees none (m enters the IDs by hand)."
        } else {
            "  Nothing matches the filter (Esc clears it)."
        }));
        return;
    }
    let room = usize::from(area.height).saturating_sub(lines.len()).max(1);
    for i in window(rows.len(), d.picker.selected, room) {
        let (name, id) = &rows[i];
        let here = i == d.picker.selected;
        let mut spans = vec![Span::styled(
            format!("{}{name}", if here { "> " } else { "  " }),
            if here { theme.selected() } else { Style::new() },
        )];
        if !id.is_empty() && id != name {
            // The ID gets the rest of the line (a Bitbucket environment's braced UUID is 38
            // characters, alike for the first 30), at least 12.
            let room = usize::from(area.width)
                .saturating_sub(name.chars().count() + 4)
                .max(12);
            spans.push(Span::styled(
                format!("  {}", clean_short(id, room)),
                theme.dim(),
            ));
        }
        lines.push(Line::from(spans));
    }
}
