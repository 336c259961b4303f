//! The Secret Syncs of one connection in its details, and the dialog that deletes one.
//! Every server string here was cleaned when it was read (`SecretSync::from_value`,
//! `decode_message`) and is cleaned again before drawing, as every screen does.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{spinner, wrapped};
use crate::kms::syncs::{Health, SecretSync};
use crate::sanitize::{clean_line, clean_short};
use crate::tui::model::State;
use crate::tui::theme::Theme;

/// The section's lines, and the index of the selected sync's first line (to keep it in view).
pub fn section(
    state: &State,
    theme: &Theme,
    conn_id: &str,
    width: u16,
) -> (Vec<Line<'static>>, Option<usize>) {
    let s = &state.browse.syncs;
    let list = s.of(conn_id);
    let w = 16;
    let mut lines = Vec::new();
    if list.is_empty() {
        let value = if s.loading.is_some() && !s.loaded {
            format!("{} being listed", spinner(state))
        } else if let Some(g) = &s.error {
            format!("not listed: {}", clean_line(&g.headline))
        } else if s.loaded {
            "none".to_owned()
        } else {
            "—".to_owned()
        };
        lines.extend(super::field_rows("Secret Syncs", value, w, width, theme));
        if let Some(missing) = &s.shortfall {
            lines.extend(wrapped("    ", &clean_line(missing), theme.warn(), width));
        }
        return (lines, None);
    }
    lines.push(Line::from(vec![
        Span::styled(format!(" Secret Syncs ({})", list.len()), theme.heading()),
        Span::styled("  Tab choose · r run now · x delete", theme.dim()),
    ]));
    let mut at = None;
    for sync in list {
        let selected = s.selected.as_deref() == Some(sync.id.as_str());
        if selected {
            at = Some(lines.len());
        }
        lines.extend(one(state, theme, sync, selected, width));
    }
    if let Some(missing) = &s.shortfall {
        lines.extend(wrapped("  ", &clean_line(missing), theme.warn(), width));
    }
    (lines, at)
}

/// One sync: name and health; destination and source; what went wrong, when it did.
fn one(
    state: &State,
    theme: &Theme,
    sync: &SecretSync,
    selected: bool,
    width: u16,
) -> Vec<Line<'static>> {
    let s = &state.browse.syncs;
    let health = sync.health(s.now);
    let style = match &health {
        Health::Ok { .. } => theme.ok(),
        Health::Failed { .. } | Health::SourceGone => theme.error(),
        Health::InProgress { stuck: true, .. } => theme.warn(),
        _ => Style::new(),
    };
    let mut status = health.label();
    if s.is_watched(&sync.id) {
        status = format!("{} {status}", spinner(state));
    }
    if let Some(at) = &sync.last_synced_at {
        // "3 min ago", as the list says it; the server's text when it cannot be read.
        let when =
            crate::apps::checks::when::ago_text(at, s.now).unwrap_or_else(|| clean_short(at, 24));
        status.push_str(&format!(" · last synced {when}"));
    }
    let marker = if selected { "▸ " } else { "  " };
    let name_style = if selected {
        theme.selected()
    } else {
        Style::new()
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!(" {marker}"), name_style),
        Span::styled(clean_short(&sync.name, 40), name_style),
        Span::raw("  "),
        Span::styled(status, style),
    ])];
    let dest = sync
        .dest()
        .map_or_else(|| clean_line(&sync.destination), |d| d.name().to_owned());
    lines.extend(wrapped(
        "     ",
        &format!(
            "{dest} → {} · from {}",
            clean_line(&sync.destination_label()),
            clean_line(&sync.source())
        ),
        theme.dim(),
        width,
    ));
    let why = match &health {
        Health::Failed { message: Some(m) } => {
            let mut t = clean_line(&m.text);
            if let Some(k) = &m.secret_key {
                t = format!("{t} (secret {})", clean_line(k));
            }
            if let Some(p) = &m.points_at {
                t = format!("{t} → check {}", clean_line(&p.what));
            }
            Some((t, theme.error()))
        }
        Health::InProgress { stuck: true, .. } => Some((
            "Stuck? The server's job queue may be down or busy (kms-connect sync get says more)."
                .to_owned(),
            theme.warn(),
        )),
        Health::SourceGone => Some((
            "Its source folder was deleted: choose a new source in the web UI.".to_owned(),
            theme.error(),
        )),
        _ => None,
    };
    if let Some((text, style)) = why {
        lines.extend(wrapped("     ", &clean_short(&text, 300), style, width));
    }
    if let Some(p) = s.problems.get(&sync.id) {
        lines.extend(wrapped("     ✗ ", &clean_line(p), theme.error(), width));
    }
    lines
}

pub fn delete(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(d) = &state.browse.syncs.delete else {
        return;
    };
    let name = clean_line(&d.name);
    let check = if d.remove_secrets { "[x]" } else { "[ ]" };
    let effect = if d.remove_secrets {
        "Its secrets at the destination are deleted first, then the sync."
    } else {
        "The secrets it wrote stay at the destination."
    };
    let mut lines = vec![
        Line::from(Span::styled(
            format!("Delete the Secret Sync {name}?"),
            theme.heading(),
        )),
        Line::default(),
        Line::from(format!(
            "It syncs into {}. Deleting it stops the syncing.",
            clean_line(&d.target)
        )),
        Line::from(vec![
            Span::raw(format!(
                "  {check} Also remove the synced secrets at the destination "
            )),
            Span::styled("(Tab)", theme.dim()),
        ]),
        Line::from(Span::styled(format!("      {effect}"), theme.dim())),
        Line::default(),
        Line::from("This cannot be undone."),
    ];
    lines.extend(super::browse_dialogs::typed_name(
        state, theme, &d.name, &d.typed, d.running,
    ));
    if let (None, Some(g)) = (d.running, &d.error) {
        lines.extend(wrapped("✗ ", &g.headline, theme.error(), area.width));
        if let Some(h) = &g.hint {
            lines.extend(wrapped("  ", h, Style::new(), area.width));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// The lines the connection's delete dialog adds when syncs use it. The server refuses that
/// delete without naming them: `deleteAppConnection` (Infisical/infisical
/// `backend/src/services/app-connection/app-connection-service.ts` @11a65b36) turns the
/// foreign-key violation from `secret_syncs` into 400 "Cannot delete App Connection with
/// existing connections…". The list may be older than the server's rows, so the server still
/// decides: Enter sends the delete.
pub fn used_by(names: &[String], theme: &Theme, width: u16) -> Vec<Line<'static>> {
    if names.is_empty() {
        return Vec::new();
    }
    let noun = if names.len() == 1 {
        "Secret Sync uses"
    } else {
        "Secret Syncs use"
    };
    let mut lines = wrapped(
        "⚠ ",
        &format!(
            "{} {noun} it, so the server will refuse: delete them first (x on a sync in the details).",
            names.len()
        ),
        theme.warn(),
        width,
    );
    // Five at most: the name to type must stay on screen.
    for n in names.iter().take(5) {
        lines.push(Line::from(format!("  · {}", clean_short(n, 72))));
    }
    if names.len() > 5 {
        lines.push(Line::from(format!("  · and {} more", names.len() - 5)));
    }
    lines
}
