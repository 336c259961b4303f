//! A tiny Markdown renderer for the instructions assets: `#`/`##` headings, paragraphs,
//! `- ` bullets, `1. ` steps, `> ` notes, `**bold**` and `` `code` ``. Hard-wrapped source lines
//! are joined so ratatui can wrap them to the window.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::theme::Theme;

enum Block {
    Heading(u8, String),
    Paragraph(String),
    Item(String, String),
    Note(String),
    Blank,
}

fn blocks(src: &str) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for raw in src.lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        let continuation = line.starts_with(' ') && !trimmed.is_empty();
        if trimmed.is_empty() {
            out.push(Block::Blank);
        } else if let Some(h) = trimmed
            .strip_prefix("## ")
            .or_else(|| trimmed.strip_prefix("### "))
        {
            out.push(Block::Heading(2, h.to_owned()));
        } else if let Some(h) = trimmed.strip_prefix("# ") {
            out.push(Block::Heading(1, h.to_owned()));
        } else if let Some(n) = trimmed.strip_prefix("> ") {
            out.push(Block::Note(n.to_owned()));
        } else if let Some(b) = trimmed.strip_prefix("- ").filter(|_| !continuation) {
            out.push(Block::Item("•".into(), b.to_owned()));
        } else if let Some((num, rest)) = numbered(trimmed).filter(|_| !continuation) {
            out.push(Block::Item(format!("{num}."), rest.to_owned()));
        } else {
            match out.last_mut() {
                Some(Block::Paragraph(p) | Block::Item(_, p) | Block::Note(p)) => {
                    p.push(' ');
                    p.push_str(trimmed);
                }
                _ => out.push(Block::Paragraph(trimmed.to_owned())),
            }
        }
    }
    out
}

fn numbered(s: &str) -> Option<(&str, &str)> {
    let (num, rest) = s.split_once(". ")?;
    (!num.is_empty() && num.len() <= 3 && num.bytes().all(|b| b.is_ascii_digit()))
        .then_some((num, rest))
}

/// Splits inline `**bold**` and `` `code` `` into styled spans.
fn inline(text: &str, base: Style, theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let bold = rest.find("**");
        let code = rest.find('`');
        let (at, marker) = match (bold, code) {
            (Some(b), Some(c)) if c < b => (c, "`"),
            (Some(b), _) => (b, "**"),
            (None, Some(c)) => (c, "`"),
            (None, None) => break,
        };
        let after = &rest[at + marker.len()..];
        let Some(end) = after.find(marker) else { break };
        if at > 0 {
            spans.push(Span::styled(rest[..at].to_owned(), base));
        }
        let style = if marker == "`" {
            theme.code()
        } else {
            base.add_modifier(Modifier::BOLD)
        };
        spans.push(Span::styled(after[..end].to_owned(), style));
        rest = &after[end + marker.len()..];
    }
    if !rest.is_empty() {
        spans.push(Span::styled(rest.to_owned(), base));
    }
    spans
}

/// Renders Markdown into lines wrapped at `width`, list items and notes with a hanging indent.
/// Blank lines collapse to one.
pub fn render(src: &str, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.max(20));
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut last_blank = true;
    for block in blocks(src) {
        let (prefix, spans) = match block {
            Block::Blank => {
                if !last_blank {
                    lines.push(Line::default());
                }
                last_blank = true;
                continue;
            }
            Block::Heading(1, h) => (Span::raw(""), vec![Span::styled(h, theme.title())]),
            Block::Heading(_, h) => (Span::raw(""), vec![Span::styled(h, theme.heading())]),
            Block::Paragraph(p) => (Span::raw(""), inline(&p, Style::new(), theme)),
            Block::Item(marker, text) => (
                Span::raw(format!("  {marker} ")),
                inline(&text, Style::new(), theme),
            ),
            Block::Note(n) => (
                Span::styled("! ", theme.warn()),
                inline(&n, theme.warn(), theme),
            ),
        };
        last_blank = false;
        lines.extend(wrap(prefix, spans, width));
    }
    lines
}

/// Word-wraps styled spans; continuation lines are indented as wide as the prefix. A word
/// split across spans (`**Save**.`) stays whole.
pub fn wrap(prefix: Span<'static>, spans: Vec<Span<'static>>, width: usize) -> Vec<Line<'static>> {
    let indent = prefix.width();
    let mut out = Vec::new();
    let mut current = vec![prefix];
    let mut used = indent;
    for word in words(spans) {
        let w: usize = word.iter().map(|(t, _)| t.chars().count()).sum();
        let visible = w - word
            .last()
            .map_or(0, |(t, _)| t.len() - t.trim_end_matches(' ').len());
        if used + visible > width && used > indent {
            out.push(Line::from(std::mem::take(&mut current)));
            current.push(Span::raw(" ".repeat(indent)));
            used = indent;
        }
        current.extend(word.into_iter().map(|(t, style)| Span::styled(t, style)));
        used += w;
    }
    out.push(Line::from(current));
    out
}

/// Splits spans into words (each ending with its spaces), keeping each piece's style.
fn words(spans: Vec<Span<'static>>) -> Vec<Vec<(String, Style)>> {
    let mut words = Vec::new();
    let mut word: Vec<(String, Style)> = Vec::new();
    for span in spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            piece.push(c);
            if c == ' ' {
                word.push((std::mem::take(&mut piece), span.style));
                words.push(std::mem::take(&mut word));
            }
        }
        if !piece.is_empty() {
            word.push((piece, span.style));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn joins_wrapped_lines_and_keeps_lists() {
        let src = "# T\n\nsome\ntext\n\n1. step **one**\n   continues\n10. ten\n- `a:b`\n> careful";
        let out = text(&render(src, &Theme { no_color: true }, 80));
        assert_eq!(
            out,
            [
                "T",
                "",
                "some text",
                "",
                "  1. step one continues",
                "  10. ten",
                "  • a:b",
                "! careful"
            ]
        );
    }

    #[test]
    fn wraps_with_a_hanging_indent() {
        let src = "1. one two three four five six seven eight nine ten eleven twelve";
        let out = text(&render(src, &Theme { no_color: true }, 30));
        assert_eq!(
            out,
            [
                "  1. one two three four five ",
                "     six seven eight nine ten ",
                "     eleven twelve"
            ]
        );
    }
}
