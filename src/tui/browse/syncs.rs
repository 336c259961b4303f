//! The Secret Syncs in the browser: one list request per project (every visible project at
//! organization level), the SYNCS cell of each connection computed when the list arrives (never
//! while drawing), and, in the details, running a sync now and deleting one.
//!
//! No clock here: the worker sends its time with each answer, and waits between refreshes.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent};

use super::View;
use crate::apps::sync_spec::Destination;
use crate::kms::Guidance;
use crate::kms::sync_lists::SyncList;
use crate::kms::syncs::{Health, SecretSync};
use crate::sanitize::{clean_line, clean_short};
use crate::tui::model::{State, fresh_id};
use crate::tui::msg::{BrowseSyncReply, Effect, RequestId, Scope};

/// Refreshes after a run before the details stop following it (about five minutes with
/// `poll_delay`); by then the health says "stuck".
pub const MAX_REFRESHES: u32 = 60;

/// Deleting one sync: the user types its name; removing the synced secrets is a choice.
#[derive(Debug, Clone)]
pub struct SyncDeleteState {
    pub sync_id: String,
    pub dest: Destination,
    pub name: String,
    /// The destination in words, for the question.
    pub target: String,
    pub typed: super::typed_name::TypedName,
    /// `removeSecrets`: also delete the secrets this sync wrote at the destination.
    pub remove_secrets: bool,
    pub running: Option<RequestId>,
    pub error: Option<Guidance>,
}

#[derive(Debug, Clone, Default)]
pub struct BrowseSyncs {
    pub loading: Option<RequestId>,
    pub loaded: bool,
    pub error: Option<Guidance>,
    /// Projects whose syncs could not be listed, as one sentence.
    pub shortfall: Option<String>,
    /// Every sync, by the ID of the connection it uses.
    by_conn: HashMap<String, Vec<SecretSync>>,
    /// The SYNCS cell of each connection that has syncs.
    cells: HashMap<String, String>,
    /// The worker's clock at the last answer (Unix seconds).
    pub now: i64,
    /// The sync chosen in the details (by ID, so a reload keeps it).
    pub selected: Option<String>,
    /// Runs and refreshes in flight: request → (sync ID, refreshes so far).
    pub watching: HashMap<RequestId, (String, u32)>,
    /// The last run or refresh error of a sync, shown under it.
    pub problems: HashMap<String, String>,
    pub delete: Option<SyncDeleteState>,
    /// Deletions waiting for the server to remove the synced secrets first: request → (sync
    /// ID, name, refreshes so far). The sync is read again until it is gone.
    pub removing: HashMap<RequestId, (String, String, u32)>,
    /// A sync was created (or deleted) outside the browser, in the sync flow, since the list
    /// was read: the SYNCS column and the details are read again when the browser shows.
    pub stale: bool,
}

impl BrowseSyncs {
    /// The connection's syncs, in the server's order.
    pub fn of(&self, conn_id: &str) -> &[SecretSync] {
        self.by_conn.get(conn_id).map_or(&[], Vec::as_slice)
    }

    /// The SYNCS cell: precomputed, so drawing 10,000 rows looks up a map, nothing more.
    pub fn cell(&self, conn_id: &str) -> &str {
        if let Some(c) = self.cells.get(conn_id) {
            return c;
        }
        if self.loaded {
            "—"
        } else if self.loading.is_some() {
            "…"
        } else if self.error.is_some() {
            // The summary line says why.
            "?"
        } else {
            ""
        }
    }

    /// The selected sync, if it belongs to this connection.
    pub fn selected_of(&self, conn_id: &str) -> Option<&SecretSync> {
        let id = self.selected.as_deref()?;
        self.of(conn_id).iter().find(|s| s.id == id)
    }

    /// Whether a run or a refresh of this sync is in flight.
    pub fn is_watched(&self, sync_id: &str) -> bool {
        self.watching.values().any(|(id, _)| id == sync_id)
    }

    fn set_list(&mut self, syncs: Vec<SecretSync>) {
        self.by_conn.clear();
        for s in syncs {
            self.by_conn.entry(conn_of(&s)).or_default().push(s);
        }
        let ids: Vec<String> = self.by_conn.keys().cloned().collect();
        self.cells.clear();
        for id in ids {
            self.recount(&id);
        }
    }

    fn recount(&mut self, conn_id: &str) {
        match self.by_conn.get(conn_id) {
            Some(list) if !list.is_empty() => {
                let label = cell_label(list, self.now);
                self.cells.insert(conn_id.to_owned(), label);
            }
            _ => {
                self.by_conn.remove(conn_id);
                self.cells.remove(conn_id);
            }
        }
    }

    /// Puts a fresh copy of a sync in place (or adds it); returns its connection.
    fn put(&mut self, sync: SecretSync) -> String {
        let conn = conn_of(&sync);
        let list = self.by_conn.entry(conn.clone()).or_default();
        match list.iter_mut().find(|s| s.id == sync.id) {
            Some(old) => *old = sync,
            None => list.push(sync),
        }
        self.recount(&conn);
        conn
    }

    fn drop_sync(&mut self, sync_id: &str) {
        let conns: Vec<String> = self
            .by_conn
            .iter()
            .filter(|(_, l)| l.iter().any(|s| s.id == sync_id))
            .map(|(c, _)| c.clone())
            .collect();
        for c in conns {
            if let Some(l) = self.by_conn.get_mut(&c) {
                l.retain(|s| s.id != sync_id);
            }
            self.recount(&c);
        }
        if self.selected.as_deref() == Some(sync_id) {
            self.selected = None;
        }
    }

    /// Every request in flight (to cancel on quit or on a new list).
    pub fn running(&mut self) -> Vec<RequestId> {
        let mut ids: Vec<RequestId> = self.loading.take().into_iter().collect();
        ids.extend(self.watching.drain().map(|(id, _)| id));
        ids.extend(self.removing.drain().map(|(id, _)| id));
        if let Some(d) = self.delete.as_mut() {
            ids.extend(d.running.take());
        }
        ids
    }
}

fn conn_of(s: &SecretSync) -> String {
    if s.connection_id.is_empty() {
        s.connection
            .as_ref()
            .map(|c| c.id.clone())
            .unwrap_or_default()
    } else {
        s.connection_id.clone()
    }
}

/// How many syncs use the connection and the worst state, in at most 13 columns:
/// `✓ 2`, `✓ 1/2` (the other never ran), `✗ 1 failed`, `✗ 1/3 failed`, `… running`,
/// `… 2 running`, `… stuck?`, `never synced`.
pub fn cell_label(syncs: &[SecretSync], now: i64) -> String {
    let total = syncs.len();
    let (mut ok, mut failed, mut busy, mut stuck, mut never) = (0, 0, 0, 0, 0);
    let mut status = "running";
    for s in syncs {
        match s.health(now) {
            Health::Ok { .. } => ok += 1,
            Health::Failed { .. } | Health::SourceGone => failed += 1,
            Health::InProgress { stuck: true, .. } => stuck += 1,
            Health::InProgress { status: st, .. } => {
                busy += 1;
                status = st.as_str();
            }
            Health::Never => never += 1,
        }
    }
    let of = |n: usize| {
        if n == total {
            n.to_string()
        } else {
            format!("{n}/{total}")
        }
    };
    if failed > 0 {
        format!("✗ {} failed", of(failed))
    } else if stuck > 0 {
        format!("… {} stuck?", of(stuck))
    } else if busy == 1 && total == 1 {
        format!("… {status}")
    } else if busy > 0 {
        format!("… {} running", of(busy))
    } else if never == total {
        "never synced".into()
    } else {
        format!("✓ {}", of(ok))
    }
}

/// Asks for the scope's syncs (after its connections arrived), cancelling an older request.
pub fn load(state: &mut State) -> Vec<Effect> {
    let mut effects: Vec<Effect> = state
        .browse
        .syncs
        .loading
        .take()
        .map(Effect::Cancel)
        .into_iter()
        .collect();
    let id = fresh_id(state);
    let s = &mut state.browse.syncs;
    s.loading = Some(id);
    s.error = None;
    s.stale = false;
    let project = state
        .scope
        .as_ref()
        .and_then(Scope::project_id)
        .map(str::to_owned);
    effects.push(Effect::LoadSyncs(id, project));
    effects
}

/// The browser is shown again: reads the syncs again if the sync flow changed them since,
/// so the counts do not wait for `r`. A list not read yet, or being read, is left alone.
pub fn refresh_if_stale(state: &mut State) -> Vec<Effect> {
    let b = &state.browse;
    if b.syncs.stale && b.loaded && b.loading.is_none() && b.scope == state.scope {
        load(state)
    } else {
        Vec::new()
    }
}

/// An answer from the worker.
pub fn arrived(state: &mut State, id: RequestId, now: i64, reply: BrowseSyncReply) -> Vec<Effect> {
    let s = &mut state.browse.syncs;
    match reply {
        BrowseSyncReply::Listed(result) => {
            if s.loading != Some(id) {
                return Vec::new();
            }
            s.loading = None;
            s.now = now;
            match result {
                Ok(list) => listed(s, list),
                Err(g) => s.error = Some(g),
            }
            Vec::new()
        }
        BrowseSyncReply::One(result) if s.removing.contains_key(&id) => removing(state, id, result),
        BrowseSyncReply::One(result) => one(state, id, now, result),
        BrowseSyncReply::Deleted(result) => deleted(state, id, result),
    }
}

fn listed(s: &mut BrowseSyncs, list: SyncList) {
    s.shortfall = list.shortfall();
    s.set_list(list.syncs);
    s.loaded = true;
}

/// A run was queued or a refresh came back: show it, and read it again until it ends.
fn one(
    state: &mut State,
    id: RequestId,
    now: i64,
    result: Result<SecretSync, Guidance>,
) -> Vec<Effect> {
    let Some((sync_id, attempt)) = state.browse.syncs.watching.remove(&id) else {
        return Vec::new();
    };
    let sync = match result {
        Ok(sync) => sync,
        Err(g) => {
            let text = clean_short(&g.headline, 200);
            state.notice = Some(text.clone());
            state.browse.syncs.problems.insert(sync_id, text);
            return Vec::new();
        }
    };
    let s = &mut state.browse.syncs;
    s.now = now;
    s.problems.remove(&sync_id);
    let done = sync.sync_status.is_some_and(|st| st.is_done());
    let dest = sync.dest();
    if done {
        // The outcome replaces "Running … now…", which no longer holds.
        state.notice = Some(outcome(&sync, now));
    }
    let s = &mut state.browse.syncs;
    s.put(sync);
    match dest {
        Some(dest) if !done && attempt < MAX_REFRESHES => {
            let next = fresh_id(state);
            state
                .browse
                .syncs
                .watching
                .insert(next, (sync_id.clone(), attempt + 1));
            vec![Effect::RefreshSync(next, dest, sync_id, attempt)]
        }
        _ => Vec::new(),
    }
}

/// The status line once a run ended: the sync's name and how it went.
fn outcome(sync: &SecretSync, now: i64) -> String {
    let name = clean_short(&sync.name, 40);
    match sync.health(now) {
        Health::Failed { message: Some(m) } => {
            clean_short(&format!("✗ {name} failed: {}", m.text), 200)
        }
        Health::Failed { message: None } => format!("✗ {name} failed."),
        Health::Ok { .. } => format!("✓ {name} succeeded."),
        other => format!("{name}: {}", other.label()),
    }
}

fn deleted(state: &mut State, id: RequestId, result: Result<SecretSync, Guidance>) -> Vec<Effect> {
    let b = &mut state.browse;
    let Some(d) = b.syncs.delete.as_mut().filter(|d| d.running == Some(id)) else {
        return Vec::new();
    };
    d.running = None;
    match result {
        Ok(gone) => {
            let (sync_id, name, remove) = (d.sync_id.clone(), d.name.clone(), d.remove_secrets);
            b.syncs.delete = None;
            b.syncs.drop_sync(&sync_id);
            b.view = View::Details;
            // With removeSecrets the server removes the secrets first, then the row: follow
            // it until it is gone, so the line ends with "Deleted".
            let pending = gone.remove_status.is_some_and(|st| !st.is_done());
            let short = clean_short(&name, 30);
            if remove
                && pending
                && let Some(dest) = gone.dest()
            {
                state.notice = Some(format!("Removing the synced secrets of {short}…"));
                let next = fresh_id(state);
                state
                    .browse
                    .syncs
                    .removing
                    .insert(next, (sync_id.clone(), name, 0));
                return vec![Effect::RefreshSync(next, dest, sync_id, 0)];
            }
            record_deleted(state, &name, &sync_id);
            state.notice = Some(format!("Deleted the sync {short}."));
        }
        Err(g) => d.error = Some(g),
    }
    Vec::new()
}

/// For the summary printed on quit.
fn record_deleted(state: &mut State, name: &str, sync_id: &str) {
    state.changes.push(format!(
        "Deleted Secret Sync {} (ID {})",
        clean_line(name),
        clean_line(sync_id)
    ));
}

/// A deletion after removing the synced secrets: the sync read again. Gone (the server's
/// "Could not find … Sync") means deleted; still there means read it again.
fn removing(state: &mut State, id: RequestId, result: Result<SecretSync, Guidance>) -> Vec<Effect> {
    let Some((sync_id, name, attempt)) = state.browse.syncs.removing.remove(&id) else {
        return Vec::new();
    };
    let short = clean_short(&name, 30);
    match result {
        Err(g) if g.headline.contains("Could not find") => {
            record_deleted(state, &name, &sync_id);
            state.notice = Some(format!("Deleted the sync {short}."));
            Vec::new()
        }
        Err(g) => {
            state.notice = Some(clean_short(
                &format!("{short} may not be deleted yet: {}", g.headline),
                200,
            ));
            Vec::new()
        }
        Ok(sync) => match sync.dest() {
            Some(dest) if attempt < MAX_REFRESHES => {
                let next = fresh_id(state);
                state
                    .browse
                    .syncs
                    .removing
                    .insert(next, (sync_id.clone(), name, attempt + 1));
                vec![Effect::RefreshSync(next, dest, sync_id, attempt + 1)]
            }
            _ => {
                state.notice = Some(format!(
                    "{short} is still there: the server has not removed its secrets yet."
                ));
                Vec::new()
            }
        },
    }
}

/// The connection shown in the details and the sync a key acts on: the selected one, or the
/// only one.
fn target(state: &mut State) -> Option<SecretSync> {
    let conn = state.browse.selected_row()?.conn.id.clone();
    let syncs = &state.browse.syncs;
    let found = syncs
        .selected_of(&conn)
        .cloned()
        .or_else(|| match syncs.of(&conn) {
            [only] => Some(only.clone()),
            _ => None,
        });
    if found.is_none() {
        state.notice = Some(if syncs.of(&conn).is_empty() {
            "This connection has no Secret Syncs.".into()
        } else {
            "Press Tab to choose a sync first.".into()
        });
    }
    found
}

/// Keys for the syncs in the details; `None` when the key is not one of them.
pub fn details_key(state: &mut State, key: KeyEvent) -> Option<Vec<Effect>> {
    match key.code {
        KeyCode::Tab => select(state, true),
        KeyCode::BackTab => select(state, false),
        KeyCode::Char('r') => return Some(run(state)),
        KeyCode::Char('x') => open_delete(state),
        _ => return None,
    }
    Some(Vec::new())
}

/// Tab: the next sync of this connection (after the last, none again).
fn select(state: &mut State, forward: bool) {
    let Some(conn) = state.browse.selected_row().map(|r| r.conn.id.clone()) else {
        return;
    };
    let s = &mut state.browse.syncs;
    let ids: Vec<String> = s.of(&conn).iter().map(|x| x.id.clone()).collect();
    if ids.is_empty() {
        state.notice = Some("This connection has no Secret Syncs.".into());
        return;
    }
    let at = s
        .selected
        .as_ref()
        .and_then(|sel| ids.iter().position(|i| i == sel));
    let next = match (at, forward) {
        (None, true) => Some(0),
        (None, false) => Some(ids.len() - 1),
        (Some(i), true) => (i + 1 < ids.len()).then_some(i + 1),
        (Some(i), false) => i.checked_sub(1),
    };
    s.selected = next.map(|i| ids[i].clone());
}

fn run(state: &mut State) -> Vec<Effect> {
    let Some(sync) = target(state) else {
        return Vec::new();
    };
    let Some(dest) = sync.dest() else {
        state.notice =
            Some("kms-connect does not know this destination; run it in the web UI.".into());
        return Vec::new();
    };
    if state.browse.syncs.is_watched(&sync.id) {
        state.notice = Some("Already following this sync's run.".into());
        return Vec::new();
    }
    let id = fresh_id(state);
    let s = &mut state.browse.syncs;
    s.selected = Some(sync.id.clone());
    s.watching.insert(id, (sync.id.clone(), 0));
    state.notice = Some(format!("Running {} now…", sync.name));
    vec![Effect::RunSync(id, dest, sync.id)]
}

fn open_delete(state: &mut State) {
    let Some(sync) = target(state) else {
        return;
    };
    let Some(dest) = sync.dest() else {
        state.notice =
            Some("kms-connect does not know this destination; delete it in the web UI.".into());
        return;
    };
    let s = &mut state.browse.syncs;
    s.selected = Some(sync.id.clone());
    // Reopening the same sync keeps what was typed and the choice made.
    if s.delete.as_ref().map(|d| &d.sync_id) != Some(&sync.id) {
        s.delete = Some(SyncDeleteState {
            sync_id: sync.id.clone(),
            dest,
            name: sync.name.clone(),
            target: format!("{} {}", dest.name(), sync.destination_label()),
            typed: Default::default(),
            remove_secrets: false,
            running: None,
            error: None,
        });
    }
    state.browse.view = View::DeleteSync;
}

pub fn delete_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(d) = state.browse.syncs.delete.as_mut() else {
        state.browse.view = View::Details;
        return Vec::new();
    };
    if let Some(id) = d.running {
        if key.code == KeyCode::Esc {
            d.running = None;
            state.notice = Some("Stopped waiting. The server may still delete it.".into());
            return vec![Effect::Cancel(id)];
        }
        return Vec::new();
    }
    match key.code {
        KeyCode::Esc => state.browse.view = View::Details,
        // The one choice besides the name: a key that cannot be part of a name.
        KeyCode::Tab | KeyCode::BackTab => d.remove_secrets = !d.remove_secrets,
        KeyCode::Enter if d.typed.matches(&d.name) => {
            let id = fresh_id(state);
            let Some(d) = state.browse.syncs.delete.as_mut() else {
                return Vec::new();
            };
            d.running = Some(id);
            d.error = None;
            return vec![Effect::DeleteSync(
                id,
                d.dest,
                d.sync_id.clone(),
                d.remove_secrets,
            )];
        }
        KeyCode::Enter => state.notice = Some(d.typed.refusal("sync's", &d.name)),
        _ => d.typed.input(key),
    }
    Vec::new()
}

/// The names of the syncs that use a connection, for its delete dialog.
pub fn names_using(state: &State, conn_id: &str) -> Vec<String> {
    state
        .browse
        .syncs
        .of(conn_id)
        .iter()
        .map(|s| match s.dest() {
            Some(d) => format!("{} ({} {})", s.name, d.name(), s.destination_label()),
            None => s.name.clone(),
        })
        .collect()
}
