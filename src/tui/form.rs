//! The connection form: one single-line text field per [`FieldId`], the focus, and which
//! messages to show under which field. Editing only; no I/O.

use std::collections::HashMap;

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;
use secrecy::SecretString;

use crate::apps::{self, AppSpec, ConnectionInput, FieldError, FieldId, RawInput};

/// The character shown instead of each secret character.
pub const MASK: char = '•';

/// A field ready to draw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldView {
    pub text: String,
    /// Cursor position in characters.
    pub cursor: usize,
    pub placeholder: String,
}

/// What to draw for a one-line text area: its text (masked when it has a mask character),
/// the cursor column and the placeholder. A masked secret is never copied: only its length
/// is read.
pub fn field_view(ta: &TextArea<'_>) -> FieldView {
    let line = ta.lines().first().map_or("", String::as_str);
    let text = match ta.mask_char() {
        Some(mask) => std::iter::repeat_n(mask, line.chars().count()).collect(),
        None => line.to_owned(),
    };
    FieldView {
        text,
        cursor: ta.cursor().1,
        placeholder: ta.placeholder_text().to_owned(),
    }
}

#[derive(Clone)]
pub struct Form {
    pub app: &'static AppSpec,
    pub fields: Vec<FieldId>,
    inputs: HashMap<FieldId, TextArea<'static>>,
    pub focus: usize,
    /// Fields the user has typed in: their validation shows as they type.
    touched: Vec<FieldId>,
    /// After a submit attempt every field shows its problem.
    pub show_all: bool,
    /// Problems the KMS server reported, until the field is edited.
    server_errors: Vec<(FieldId, String)>,
    /// The name offered while Name is empty (one key takes it).
    suggestion: String,
}

impl std::fmt::Debug for Form {
    // The text areas hold the secret in plain text; show only what is safe.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Form")
            .field("app", &self.app.slug)
            .field("focus", &self.focused())
            .field("name", &self.text(FieldId::Name))
            .finish_non_exhaustive()
    }
}

impl Form {
    pub fn new(app: &'static AppSpec) -> Self {
        let fields = app.fields();
        let inputs = fields
            .iter()
            .map(|&id| {
                let mut ta = TextArea::default();
                match id {
                    FieldId::Name => ta.set_placeholder_text(app.suggested_name()),
                    FieldId::Description => ta.set_placeholder_text("what this connection is for"),
                    FieldId::Target => {
                        ta.set_placeholder_text(app.target.as_ref().map_or("", |t| t.placeholder))
                    }
                    FieldId::CheckProject | FieldId::TokenName | FieldId::CaCert => {
                        let spec = apps::checks::check_fields(app).iter().find(|c| c.id == id);
                        ta.set_placeholder_text(spec.map_or("", |c| c.placeholder));
                    }
                    FieldId::Secret => {
                        ta.set_placeholder_text(app.secret.placeholder);
                        ta.set_mask_char(MASK);
                        // No undo history: it would keep old copies of the secret around.
                        ta.set_max_histories(0);
                    }
                }
                (id, ta)
            })
            .collect();
        Form {
            app,
            fields,
            inputs,
            focus: 0,
            touched: Vec::new(),
            show_all: false,
            server_errors: Vec::new(),
            suggestion: app.suggested_name(),
        }
    }

    /// Offers a name that none of `taken` has: the app's suggestion, else with `-2`, `-3`…
    /// (so a second connection in one session is not offered a name that is already used).
    pub fn avoiding(mut self, taken: &[&str]) -> Self {
        let base = self.app.suggested_name();
        let free = std::iter::once(base.clone())
            .chain((2..).map(|n| format!("{base}-{n}")))
            .find(|name| !taken.contains(&name.as_str()))
            .unwrap_or(base);
        if let Some(ta) = self.inputs.get_mut(&FieldId::Name) {
            ta.set_placeholder_text(free.clone());
        }
        self.suggestion = free;
        self
    }

    /// The credentials of an existing connection: its non-secret field filled in and
    /// editable, the secret empty. The name is not shown or sent; it holds the suggestion so
    /// that the usual validation passes.
    pub fn for_rotation(app: &'static AppSpec, target: &str) -> Self {
        let mut form = Form::new(app);
        form.set_text(FieldId::Name, &app.suggested_name());
        form.fields = app
            .fields()
            .into_iter()
            .filter(|f| !matches!(f, FieldId::Name | FieldId::Description))
            .collect();
        if app.target.is_some() {
            form.set_text(FieldId::Target, target);
        }
        form.touched.clear();
        // The new secret is what almost everyone came to type.
        form.focus_on(FieldId::Secret);
        form
    }

    /// Name and description of an existing connection, filled in.
    pub fn for_details(app: &'static AppSpec, name: &str, description: &str) -> Self {
        let mut form = Form::new(app);
        form.fields = vec![FieldId::Name, FieldId::Description];
        form.set_text(FieldId::Name, name);
        form.set_text(FieldId::Description, description);
        form.touched.clear();
        form
    }

    /// Validates name and description only (for editing details).
    pub fn submit_details(&mut self) -> Result<(String, Option<String>), Vec<FieldError>> {
        self.show_all = true;
        let raw = self.raw();
        let mut errors = Vec::new();
        let name = apps::validate::name(&raw.name).map_err(|message| FieldError {
            field: FieldId::Name,
            message,
        });
        let description =
            apps::validate::description(&raw.description).map_err(|message| FieldError {
                field: FieldId::Description,
                message,
            });
        errors.extend(name.clone().err());
        errors.extend(description.clone().err());
        errors.extend(
            self.server_errors
                .iter()
                .map(|(field, message)| FieldError {
                    field: *field,
                    message: message.clone(),
                }),
        );
        if let Some(first) = errors.first() {
            self.focus_on(first.field);
            return Err(errors);
        }
        Ok((name.unwrap_or_default(), description.unwrap_or_default()))
    }

    pub fn focused(&self) -> FieldId {
        self.fields[self.focus]
    }

    /// True when no required field follows the focused one (Enter then submits; the optional
    /// check fields after the secret are reached with Tab).
    pub fn is_last(&self) -> bool {
        self.fields[self.focus + 1..]
            .iter()
            .all(|f| f.is_optional_check())
    }

    /// The optional check fields as typed (trimmed; empty ones left out).
    pub fn check_inputs(&self) -> apps::checks::CheckInputs {
        let value = |id| Some(self.text(id).trim().to_owned()).filter(|v| !v.is_empty());
        apps::checks::CheckInputs {
            project: value(FieldId::CheckProject),
            token_name: value(FieldId::TokenName),
            use_name: None,
            ca_cert: value(FieldId::CaCert),
        }
    }

    pub fn next(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len();
    }

    pub fn prev(&mut self) {
        self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
    }

    pub fn focus_on(&mut self, id: FieldId) {
        if let Some(i) = self.fields.iter().position(|&f| f == id) {
            self.focus = i;
        }
    }

    /// What to draw for a field: its text (masked for the secret), the cursor column and the
    /// placeholder. The secret is never copied for display: only its length is read.
    pub fn display(&self, id: FieldId) -> FieldView {
        self.inputs.get(&id).map(field_view).unwrap_or_default()
    }

    /// True while the user has typed nothing in the field.
    pub fn is_empty(&self, id: FieldId) -> bool {
        self.inputs
            .get(&id)
            .is_none_or(|t| t.lines().iter().all(String::is_empty))
    }

    /// The field's text (for the secret too: callers must wrap it at once).
    fn text(&self, id: FieldId) -> String {
        self.inputs
            .get(&id)
            .map(|t| t.lines().join(""))
            .unwrap_or_default()
    }

    /// Passes a key to the focused field, edited like a shell line (`line_text`).
    pub fn edit(&mut self, key: KeyEvent) {
        let id = self.focused();
        if let Some(ta) = self.inputs.get_mut(&id)
            && super::line_text::edit(ta, key)
        {
            self.mark_edited(id);
        }
    }

    /// Inserts pasted text into the focused field, without line breaks.
    pub fn paste(&mut self, text: &str) {
        let id = self.focused();
        // One line, no control characters (a pasted tab or escape would be invisible).
        let one_line: String = text.chars().filter(|c| !c.is_control()).collect();
        if let Some(ta) = self.inputs.get_mut(&id)
            && ta.insert_str(one_line)
        {
            self.mark_edited(id);
        }
    }

    /// Fills the name with the suggestion, when the user has not typed one.
    pub fn accept_suggestion(&mut self) -> bool {
        if self.focused() != FieldId::Name || !self.text(FieldId::Name).is_empty() {
            return false;
        }
        self.put_suggestion();
        true
    }

    /// The suggested name in the Name field, in place of what is there.
    fn put_suggestion(&mut self) {
        let suggestion = self.suggestion.clone();
        self.set_text(FieldId::Name, &suggestion);
    }

    pub fn set_text(&mut self, id: FieldId, text: &str) {
        if let Some(ta) = self.inputs.get_mut(&id) {
            ta.select_all();
            ta.cut();
            ta.insert_str(text);
        }
        self.mark_edited(id);
    }

    fn mark_edited(&mut self, id: FieldId) {
        if !self.touched.contains(&id) {
            self.touched.push(id);
        }
        self.server_errors.retain(|(f, _)| *f != id);
    }

    pub fn raw(&self) -> RawInput {
        RawInput {
            name: self.text(FieldId::Name),
            description: self.text(FieldId::Description),
            target: self.text(FieldId::Target),
            secret: SecretString::from(self.text(FieldId::Secret)),
        }
    }

    /// The message to show under a field now, if any.
    pub fn message(&self, id: FieldId) -> Option<String> {
        if let Some((_, m)) = self.server_errors.iter().find(|(f, _)| *f == id) {
            return Some(m.clone());
        }
        if !(self.show_all || self.touched.contains(&id)) {
            return None;
        }
        // The example is this app's own suggested name, not TeamCity's on every form.
        apps::validate::field(self.app, id, &self.raw())
            .err()
            .map(|m| m.replace("(e.g. ci-teamcity)", &format!("(e.g. {})", self.suggestion)))
    }

    pub fn set_server_errors(&mut self, errors: Vec<(FieldId, String)>) {
        self.server_errors = errors;
    }

    /// Validates everything; on failure shows every message and focuses the first bad field.
    pub fn submit(&mut self) -> Result<ConnectionInput, Vec<FieldError>> {
        self.show_all = true;
        // The suggestion is on screen in the empty Name field: an empty name takes it (and
        // shows it), as pressing Enter or → there would have.
        if self.text(FieldId::Name).trim().is_empty() {
            self.put_suggestion();
        }
        let result = apps::validate::connection(self.app, &self.raw());
        if let Err(errors) = &result
            && let Some(first) = errors.first()
        {
            self.focus_on(first.field);
        }
        if result.is_ok() && !self.server_errors.is_empty() {
            // The server's objection stands until the user changes that field.
            let first = self.server_errors[0].0;
            self.focus_on(first);
            return Err(self
                .server_errors
                .iter()
                .map(|(field, message)| FieldError {
                    field: *field,
                    message: message.clone(),
                })
                .collect());
        }
        result
    }

    pub fn secret_len(&self) -> usize {
        self.text(FieldId::Secret).chars().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn northflank() -> Form {
        Form::new(AppSpec::by_slug("northflank").unwrap())
    }

    #[test]
    fn messages_appear_once_a_field_is_touched() {
        let mut f = northflank();
        assert_eq!(f.message(FieldId::Name), None);
        f.edit(key('X'));
        assert!(f.message(FieldId::Name).unwrap().contains("lowercase"));
    }

    #[test]
    fn paste_strips_newlines() {
        let mut f = northflank();
        f.focus_on(FieldId::Secret);
        f.paste("abc\r\ndef\n");
        assert_eq!(f.secret_len(), 6);
    }

    #[test]
    fn an_empty_name_takes_the_suggestion_on_submit() {
        let mut f = northflank();
        f.focus_on(FieldId::Secret);
        f.paste("nf-token-123456");
        let input = f.submit().expect("valid with the suggested name");
        assert_eq!(input.name, f.text(FieldId::Name));
        assert_eq!(input.name, f.app.suggested_name());
    }

    #[test]
    fn submit_focuses_the_first_invalid_field() {
        let mut f = northflank();
        f.accept_suggestion();
        f.focus_on(FieldId::Secret);
        f.focus_on(FieldId::Description);
        let errs = f.submit().unwrap_err();
        assert_eq!(errs[0].field, FieldId::Secret);
        assert_eq!(f.focused(), FieldId::Secret);
    }

    #[test]
    fn server_errors_clear_when_the_field_changes() {
        let mut f = northflank();
        f.set_server_errors(vec![(FieldId::Name, "taken".into())]);
        assert_eq!(f.message(FieldId::Name).as_deref(), Some("taken"));
        f.edit(key('a'));
        assert_ne!(f.message(FieldId::Name).as_deref(), Some("taken"));
    }

    #[test]
    fn debug_does_not_show_the_secret() {
        let mut f = northflank();
        f.focus_on(FieldId::Secret);
        f.paste("super-secret-value");
        assert!(!format!("{f:?}").contains("super-secret"));
    }
}
