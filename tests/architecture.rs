//! The boundaries of `src/lib.rs`'s overview, checked on the source: each room imports only the
//! rooms below it, `apps`, `kms` and `config` know nothing of the terminal, the client code
//! never imports the sandbox, and the wizard's messages import no other wizard file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, with its text (test modules cut off: they may use anything).
fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text
                    .split("#[cfg(test)]\nmod tests")
                    .next()
                    .unwrap()
                    .to_owned();
                out.push((path, code));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out
}

/// The room a file belongs to: the first component under `src/` (`cli`, `tui`, `http`, …).
fn room(path: &Path) -> String {
    let rel = path
        .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
        .unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// The rooms a file names through `crate::room` (or `kms_connect::room` in main.rs).
fn rooms_used(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for prefix in ["crate::", "kms_connect::"] {
        for (i, _) in code.match_indices(prefix) {
            let rest = &code[i + prefix.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                used.insert(name);
            }
        }
        // `use crate::{a, b}` groups.
        for (i, _) in code.match_indices(&format!("use {prefix}{{")) {
            let rest = &code[i..];
            let group = &rest[rest.find('{').unwrap() + 1..rest.find('}').unwrap()];
            for item in group.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    used.insert(name);
                }
            }
        }
    }
    used
}

fn room_graph() -> BTreeMap<String, BTreeSet<String>> {
    let rooms: BTreeSet<String> = sources().iter().map(|(p, _)| room(p)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, code) in sources() {
        let from = room(&path);
        for to in rooms_used(&code) {
            if to != from && rooms.contains(&to) {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    graph
}

#[test]
fn no_room_imports_a_room_that_imports_it_back() {
    let graph = room_graph();
    // Depth-first search for a path back to the start.
    fn reaches(
        graph: &BTreeMap<String, BTreeSet<String>>,
        from: &str,
        target: &str,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(from).into_iter().flatten() {
            if next == target || (seen.insert(next.clone()) && reaches(graph, next, target, seen)) {
                return true;
            }
        }
        false
    }
    for room in graph.keys() {
        assert!(
            !reaches(&graph, room, room, &mut BTreeSet::new()),
            "{room} is in an import cycle: {graph:?}"
        );
    }
    // The overview's picture: the front ends sit on top and never import each other.
    assert!(!graph.get("cli").is_some_and(|g| g.contains("tui")));
    assert!(!graph.get("tui").is_some_and(|g| g.contains("cli")));
}

#[test]
fn only_main_and_the_sandbox_itself_know_the_sandbox() {
    for (path, code) in sources() {
        let r = room(&path);
        if r == "sandbox" || r == "main" {
            continue;
        }
        assert!(
            !rooms_used(&code).contains("sandbox"),
            "{} imports the sandbox",
            path.display()
        );
    }
}

#[test]
fn the_catalog_the_kms_client_and_the_config_know_nothing_of_the_terminal() {
    for (path, code) in sources() {
        if !["apps", "kms", "config", "http", "sanitize"].contains(&room(&path).as_str()) {
            continue;
        }
        for word in ["ratatui", "crossterm", "crate::tui"] {
            assert!(!code.contains(word), "{} mentions {word}", path.display());
        }
    }
}

#[test]
fn the_wizards_messages_import_no_other_wizard_file() {
    let msg = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui/msg.rs");
    let code = std::fs::read_to_string(msg).unwrap();
    for word in ["super::", "crate::tui"] {
        assert!(!code.contains(word), "tui/msg.rs uses {word}");
    }
}

#[test]
fn the_state_machine_does_no_io() {
    for file in ["src/tui/state.rs", "src/tui/model.rs", "src/tui/flow.rs"] {
        let code =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
        for word in [
            "reqwest",
            "tokio::spawn",
            "std::fs",
            "Instant::now",
            "SystemTime::now",
        ] {
            assert!(!code.contains(word), "{file} uses {word}");
        }
    }
}
