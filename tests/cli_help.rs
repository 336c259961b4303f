//! The CLI's help, read from the one clap definition: every flag and argument of every
//! subcommand says what it does, and the global options stand under their own heading.

use kms_connect::cli::command;

/// Every (command path, argument id) without help text, over the whole tree.
fn undocumented(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        // clap's own --help and --version carry their text.
        if matches!(id, "help" | "version") {
            continue;
        }
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            out.push(format!("{path} {id}"));
        }
    }
    for sub in cmd.get_subcommands() {
        undocumented(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

#[test]
fn every_argument_of_every_subcommand_has_help() {
    let mut cmd = command();
    cmd.build();
    let mut missing = Vec::new();
    undocumented(&cmd, "kms-connect", &mut missing);
    assert!(missing.is_empty(), "arguments without help: {missing:#?}");
}

#[test]
fn global_options_stand_under_their_own_heading() {
    let mut cmd = command();
    cmd.build();
    for sub in cmd.get_subcommands() {
        for arg in sub.get_arguments().filter(|a| a.is_global_set()) {
            assert_eq!(
                arg.get_help_heading(),
                Some("Global options"),
                "{} --{}",
                sub.get_name(),
                arg.get_id()
            );
        }
    }
    let help = cmd.render_help().to_string();
    assert!(help.contains("Global options:"), "{help}");
}

#[test]
fn project_says_what_it_does_on_each_command() {
    let mut cmd = command();
    cmd.build();
    let mut texts = std::collections::HashSet::new();
    for name in ["create", "list", "get", "status"] {
        let sub = cmd.find_subcommand(name).unwrap();
        let project = sub
            .get_arguments()
            .find(|a| a.get_id() == "project")
            .unwrap_or_else(|| panic!("{name} has no --project"));
        let help = project
            .get_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        texts.insert(help);
    }
    assert_eq!(texts.len(), 4, "one text for every command: {texts:?}");
}
