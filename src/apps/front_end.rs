//! How each front end names the actions a hint points at. The checks decide what to advise;
//! the front end that runs them picks its own words for where to do it (a choice in the
//! wizard, a flag on the command line), so one mapping serves both.

/// The words a front end uses for the actions hints refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrontEnd {
    /// Going ahead although the test could not pass from here, completing "…, {}.".
    pub go_ahead_untested: &'static str,
    /// Where the full scope list for the chosen use is, completing "a new token with {}.".
    pub scope_list: &'static str,
    /// Said after "Try again in 30 s" (starts with its own punctuation, may be empty).
    pub after_retry: &'static str,
    /// Where a CA certificate to trust is given, completing "give the CA with {}.".
    pub give_ca: &'static str,
    /// Where the project to check is named, completing "Name the target project {} to …".
    pub name_project: &'static str,
    /// Where the token's name is given, completing "Give the token's name {} to …".
    pub name_token: &'static str,
}

/// The wizard (the TUI).
pub const WIZARD: FrontEnd = FrontEnd {
    go_ahead_untested: "choose \"create anyway\"",
    // Not "step 2": rotating from the browser has no steps.
    scope_list: "the scopes the app's instructions list",
    after_retry: "; your input is kept",
    give_ca: "the CA certificate field",
    name_project: "in \"Project to check\"",
    name_token: "in \"Token name\"",
};

/// The commands `test`, `create` and `rotate`.
pub const COMMAND_LINE: FrontEnd = FrontEnd {
    go_ahead_untested: "run create or rotate with --skip-test",
    scope_list: "the missing scopes added",
    after_retry: "",
    give_ca: "--ca-cert FILE",
    name_project: "with --check-project ID",
    name_token: "with --token-name NAME",
};
