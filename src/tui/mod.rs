//! The wizard: a pure state machine (`state`, `flow`, `form`), its view (`view`, `screens`),
//! and the runtime that feeds it keys and network results (`runtime`, `worker`).

pub mod browse;
pub mod clipboard;
pub mod flow;
pub mod form;
pub mod hint;
pub mod keys;
pub mod launch;
pub mod layout;
pub mod line_text;
pub mod markdown;
pub mod model;
pub mod msg;
pub mod runtime;
pub mod screens;
pub mod signin;
pub mod state;
pub mod sync;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod worker;

pub use launch::{DemoScreens, Opening, wizard};
pub use model::{DemoInfo, Session, State};
pub use msg::{Effect, Msg, Now, Scope, Step};
pub use runtime::{Ended, SignInConfig, TuiConfig, run};
pub use state::update;
