//! The pickers of step 2 per destination, as data: which `destinationConfig` key each level
//! fills (and which display-name key, where the schema has one), whether it may be left empty,
//! and whether its entries come with the listing or are fetched when the level opens.

use serde_json::{Map, Value, json};

use super::{Dest, Mode};
use crate::apps::sync_spec::Destination;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    /// What the level is called on screen.
    pub label: &'static str,
    /// The `destinationConfig` key the chosen ID goes in.
    pub key: &'static str,
    /// The key for the chosen entry's name (display only), if the schema has one.
    pub name_key: Option<&'static str>,
    /// What leaving it empty means, for an optional level.
    pub none: Option<&'static str>,
    /// Listed when the level opens (the listing does not include it).
    pub lazy: bool,
    /// Several entries may be taken (Space marks them).
    pub many: bool,
}

/// The Octopus level whose entries are scope values: each entry's kind names the
/// `scopeValues` list (`environments`, `channels`, …) its ID goes in.
pub const SCOPE_VALUES: &str = "scopeValues";

const fn level(label: &'static str, key: &'static str) -> Level {
    Level {
        label,
        key,
        name_key: None,
        none: None,
        lazy: false,
        many: false,
    }
}

const TEAMCITY: &[Level] = &[
    level("TeamCity project", "project"),
    Level {
        none: Some("none: the project's own parameters"),
        ..level("Build configuration (optional)", "buildConfig")
    },
];

const OCTOPUS: &[Level] = &[
    Level {
        name_key: Some("spaceName"),
        ..level("Octopus space", "spaceId")
    },
    Level {
        name_key: Some("projectName"),
        ..level("Octopus project", "projectId")
    },
    Level {
        none: Some("none: unscoped, every environment and channel"),
        lazy: true,
        many: true,
        ..level("Scope value (optional)", SCOPE_VALUES)
    },
];

const BITBUCKET: &[Level] = &[
    level("Bitbucket workspace", "workspaceSlug"),
    level("Repository", "repositorySlug"),
    Level {
        none: Some("none: the repository's pipeline variables"),
        lazy: true,
        ..level("Deployment environment (optional)", "environmentId")
    },
];

const NORTHFLANK: &[Level] = &[
    Level {
        name_key: Some("projectName"),
        ..level("Northflank project", "projectId")
    },
    Level {
        name_key: Some("secretGroupName"),
        ..level("Secret group", "secretGroupId")
    },
];

pub fn of(dest: Destination) -> &'static [Level] {
    match dest {
        Destination::TeamCity => TEAMCITY,
        Destination::OctopusDeploy => OCTOPUS,
        Destination::Bitbucket => BITBUCKET,
        Destination::Northflank => NORTHFLANK,
    }
}

/// A level's label where its ID is typed by hand.
pub fn typed_label(l: &Level) -> &'static str {
    if l.key == SCOPE_VALUES {
        "Environment IDs (optional, A,B)"
    } else {
        l.label
    }
}

/// `destinationConfig` from what was picked (IDs and names) or typed (IDs only).
pub fn config(dest: Destination, d: &Dest) -> Map<String, Value> {
    let mut out = Map::new();
    for (i, l) in of(dest).iter().enumerate() {
        match d.mode {
            Mode::Pick => {
                if let Some(Some(n)) = d.chosen.get(i) {
                    if l.key == SCOPE_VALUES {
                        // Several marked ones are the children of the chosen entry.
                        let picked = if n.children.is_empty() {
                            std::slice::from_ref(n)
                        } else {
                            &n.children[..]
                        };
                        let mut by_kind = Map::new();
                        for p in picked {
                            if let Value::Array(ids) = by_kind
                                .entry(p.kind.to_owned())
                                .or_insert_with(|| Value::Array(Vec::new()))
                            {
                                ids.push(Value::String(p.id.clone()));
                            }
                        }
                        out.insert(l.key.into(), Value::Object(by_kind));
                        continue;
                    }
                    out.insert(l.key.into(), Value::String(n.id.clone()));
                    if let Some(k) = l.name_key {
                        out.insert(k.into(), Value::String(n.name.clone()));
                    }
                }
            }
            Mode::Manual => {
                let v = d.manual.get(i).map(|t| t.text()).unwrap_or_default();
                if l.key == SCOPE_VALUES {
                    // Typed by hand: a comma-separated list of environment IDs.
                    let ids: Vec<&str> = v
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect();
                    if !ids.is_empty() {
                        out.insert(l.key.into(), json!({ "environments": ids }));
                    }
                    continue;
                }
                if !v.trim().is_empty() {
                    out.insert(l.key.into(), Value::String(v.trim().to_owned()));
                }
            }
        }
    }
    if dest == Destination::OctopusDeploy {
        out.insert("scope".into(), Value::String("project".into()));
    }
    out
}
