//! kms-connect: connect Hanzo KMS (or any Infisical-compatible server) to TeamCity, Octopus
//! Deploy, Bitbucket and Northflank, from a terminal wizard or from scripts.
//!
//! # Rooms, and the one way data flows
//!
//! ```text
//!  main.rs ── parses the arguments, builds the one config::Context (or the sandbox's), dispatches
//!     │
//!     ├── cli::    the scriptable commands (connect, connections, account)
//!     └── tui::    the wizard: keys → Msg → update(&mut State) → Effect → worker → Msg
//!             │
//!             ▼
//!  config::  the context (where, as whom, which project, and where each came from), profiles,
//!            stored secrets, cached tokens, and the sign-in that fills them
//!  apps::    the catalog (one file per app: fields, rules), the server's own check (probe:
//!            request, then verdict) and the deeper checks (who, expiry, permissions)
//!  kms::     the KMS client and the one mapping from server errors to guidance
//!  http, sanitize   crate-wide: HTTP clients with timeouts and capped bodies; the one cleaning
//!                   function for every string a server sends
//!  sandbox:: offline servers (a KMS and the four providers) for --demo, tests and benchmarks
//! ```
//!
//! Each room imports only the rooms below it: `cli` and `tui` never import each other,
//! `apps` and `kms` know nothing of the terminal, and the client code never imports
//! `sandbox` (only `main` does, for `--demo`).

pub mod apps;
pub mod cli;
pub mod config;
pub mod http;
pub mod kms;
pub mod sandbox;
pub mod sanitize;
pub mod tui;
