//! The wizard: a pure state machine (`state`, `flow`, `form`), its view (`view`, `screens`),
//! and the runtime that feeds it keys and network results (`runtime`, `worker`).

pub mod browse;
pub mod clipboard;
pub mod flow;
pub mod form;
pub mod keys;
pub mod launch;
pub mod markdown;
pub mod runtime;
pub mod screens;
pub mod signin;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod worker;

pub use launch::{DemoScreens, Opening, wizard};
pub use runtime::{Ended, SignInConfig, TuiConfig, run};
pub use state::{DemoInfo, Effect, Msg, Scope, Session, State, Step, update};
