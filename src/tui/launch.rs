//! From the one context to a running wizard: what the header shows, where the sign-in
//! starts, what the worker may reach and save to.

use super::model::{DemoInfo, Session};
use super::msg::Scope;
use super::runtime::{Ended, SignInConfig, TuiConfig};
use super::signin::job::Account;
use super::signin::{DemoLogin, Start};
use crate::config::Context;
use crate::config::context::Source;

/// What the screens list in `--demo`: the sandbox's server and identities on the sign-in,
/// and per app the values to type.
#[derive(Debug, Clone)]
pub struct DemoScreens {
    pub login: DemoLogin,
    pub info: DemoInfo,
}

/// Which screen comes first and how the session ends.
#[derive(Debug, Clone, Copy, Default)]
pub struct Opening {
    /// Show the sign-in first.
    pub sign_in: bool,
    /// `kms-connect login`: quit once the profile is saved.
    pub exit_when_done: bool,
    /// Open on the list of existing connections.
    pub browse: bool,
}

/// Runs the wizard for `ctx` until the user quits or a signal arrives.
pub async fn wizard(
    ctx: &Context,
    demo: Option<DemoScreens>,
    opening: Opening,
) -> anyhow::Result<Ended> {
    super::run(config(ctx, demo, opening)).await
}

/// The wizard's configuration for `ctx` (in `--demo`, nothing is saved).
pub fn config(ctx: &Context, demo: Option<DemoScreens>, opening: Opening) -> TuiConfig {
    let scope = ctx.project_id.as_ref().map(|id| Scope::Project {
        id: id.clone(),
        name: ctx.project_name.clone().unwrap_or_default(),
    });
    let store = ctx.store.clone().filter(|_| demo.is_none());
    let (demo_login, demo_info) = match demo {
        Some(d) => (Some(d.login), Some(d.info)),
        None => (None, None),
    };
    let start = Start {
        profile: ctx.profile_name.clone(),
        server: Some(ctx.server.clone()),
        client_id: ctx.client_id(),
        method: ctx
            .profile
            .as_ref()
            .filter(|_| ctx.profile_applies)
            .map(|p| p.auth_method)
            .unwrap_or_default(),
        demo: demo_login,
        exit_when_done: opening.exit_when_done,
        can_save: store.is_some(),
    };
    TuiConfig {
        session: Session {
            server: ctx.reach.server_label(),
            identity: ctx.identity_label(),
            demo: demo_info,
        },
        scope,
        reach: ctx.reach.clone(),
        browse: opening.browse,
        check_scope: ctx.project_id.as_deref().is_some_and(|id| {
            // A profile's project was picked from the list at login; a typed one may be a
            // slug, or one this identity cannot see.
            uuid::Uuid::parse_str(id).is_err()
                || matches!(ctx.project_source, Some(Source::Flag | Source::Env))
        }),
        signin: SignInConfig {
            start,
            show: opening.sign_in,
            note: ctx.why_sign_in(),
            account: Account {
                token_home: ctx.token_home(),
                store,
                signed_in: None,
                relogin: ctx.relogin.clone(),
            },
        },
    }
}
