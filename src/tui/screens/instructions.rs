//! Step 2: how to make the token on the provider's side, scrollable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::apps::AppSpec;
use crate::tui::markdown;
use crate::tui::model::State;
use crate::tui::theme::Theme;

/// The instructions as lines: the token page, the asset (with the chosen scope list), and in
/// demo mode the sandbox values to type.
pub fn lines(
    app: &AppSpec,
    scope_set: usize,
    state: &State,
    theme: &Theme,
    width: u16,
) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(vec![
        Span::styled("Make it at: ", theme.dim()),
        Span::styled(app.token_page, theme.code()),
    ])];
    if let Some(demo) = &state.session.demo {
        out.push(Line::default());
        out.push(Line::from(Span::styled(
            "DEMO: type these values in the form",
            theme.demo_badge(),
        )));
        out.extend(super::demo_values::rows(demo, app, theme));
    }
    out.push(Line::default());
    let body = match app.scope_sets.get(scope_set) {
        Some(set) => {
            let others: Vec<_> = app
                .scope_sets
                .iter()
                .filter(|s| s.use_name != set.use_name)
                .map(|s| s.use_name)
                .collect();
            let mut list = format!(
                "For **{}** (press s for {}):\n\n",
                set.use_name,
                others.join(" / ")
            );
            for scope in set.scopes {
                list.push_str(&format!("- `{scope}`\n"));
            }
            // Said near the top too, so the choice is seen before the list scrolls into view.
            let choice = format!(
                "The scopes below are for **{}**; press s to see those for {} instead.",
                set.use_name,
                others.join(" / ")
            );
            app.instructions
                .replace("{{use}}", &choice)
                .replace("{{scopes}}", &list)
        }
        None => app.instructions.to_owned(),
    };
    out.extend(markdown::render(&body, theme, width));
    out
}

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(app) = state.app else { return };
    let text = text_area(area);
    let lines = lines(app, state.scope_set, state, theme, text.width);
    let max = max_scroll(&lines, text);
    let scroll = state.scroll.min(max);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), text);
    // The last row says where in the text the user is.
    let position = match (scroll, max) {
        (_, 0) => String::new(),
        (0, _) => "↓ more below (↓ or PgDn)".to_owned(),
        (s, m) if s >= m => "end of the instructions ↑".to_owned(),
        (s, m) => format!("{}% ↕", u32::from(s) * 100 / u32::from(m)),
    };
    let r = Rect {
        y: area.bottom().saturating_sub(1),
        height: 1,
        ..area
    };
    let hint = Paragraph::new(Span::styled(position, theme.dim()));
    frame.render_widget(hint.alignment(ratatui::layout::Alignment::Right), r);
}

/// The part of the body the text scrolls in: all but the last row.
pub fn text_area(body: Rect) -> Rect {
    Rect {
        height: body.height.saturating_sub(1),
        ..body
    }
}

/// The furthest the text can scroll in `area` (the lines are already wrapped to it).
pub fn max_scroll(lines: &[Line<'_>], area: Rect) -> u16 {
    u16::try_from(lines.len().saturating_sub(usize::from(area.height))).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::model::{Session, State};

    fn text(app: &AppSpec, set: usize) -> String {
        let state = State::new(
            Session {
                server: String::new(),
                identity: String::new(),
                demo: None,
            },
            None,
        );
        let theme = Theme { no_color: true };
        lines(app, set, &state, &theme, 78)
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The scopes shown, in order, exactly as the Bitbucket page lists them per use.
    fn scopes(text: &str) -> Vec<&str> {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("• "))
            .filter(|s| s.ends_with(":bitbucket"))
            .collect()
    }

    #[test]
    fn bitbucket_shows_the_list_for_the_chosen_use() {
        let bb = AppSpec::by_slug("bitbucket").unwrap();
        let sync = text(bb, 0);
        assert!(
            sync.contains("For Secret Sync (press s for Secret Scanning)"),
            "{sync}"
        );
        assert_eq!(
            scopes(&sync),
            [
                "read:workspace:bitbucket",
                "admin:workspace:bitbucket",
                "read:user:bitbucket",
                "read:repository:bitbucket",
                "read:pipeline:bitbucket",
                "write:pipeline:bitbucket",
                "admin:pipeline:bitbucket",
            ]
        );
        let scanning = text(bb, 1);
        assert_eq!(
            scopes(&scanning),
            [
                "read:workspace:bitbucket",
                "read:user:bitbucket",
                "read:webhook:bitbucket",
                "write:webhook:bitbucket",
                "delete:webhook:bitbucket",
                "read:repository:bitbucket",
            ]
        );
    }

    #[test]
    fn every_app_shows_its_token_page_and_the_rotation_warning() {
        for app in crate::apps::CATALOG {
            let t = text(app, 0);
            assert!(t.contains(app.token_page), "{}", app.slug);
            assert!(
                t.contains("by hand"),
                "{}: no warning about replacing the token by hand",
                app.slug
            );
            assert!(!t.contains("{{"), "{}: a placeholder was left in", app.slug);
        }
    }

    /// The text with wrapping undone, for finding phrases that a line break may split.
    fn flat(app: &str) -> String {
        text(AppSpec::by_slug(app).unwrap(), 0)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn the_docs_facts_appear_exactly() {
        let tc = flat("teamcity");
        for fact in [
            "Same as current user",
            "Limit per project",
            "View build configuration settings",
            "Edit project",
        ] {
            assert!(tc.contains(fact), "TeamCity: {fact}");
        }
        let oc = flat("octopus-deploy");
        for fact in [
            "Configuration > Users",
            "Create Service Accounts",
            "Configuration > Teams",
            "Project Contributor",
            "My profile",
            "My API Keys",
            "New API Key",
            "Generate New",
        ] {
            assert!(oc.contains(fact), "Octopus: {fact}");
        }
        let nf = flat("northflank");
        for fact in [
            "Projects -> Manage -> Read",
            "Config & Secrets -> Secret Groups -> List, Update and Read Values",
            "API -> Tokens",
            "Create API role",
            "Use role",
        ] {
            assert!(nf.contains(fact), "Northflank: {fact}");
        }
        let bb = flat("bitbucket");
        assert!(bb.contains("Create API token with scopes") && bb.contains("Account API Tokens"));
    }
}
