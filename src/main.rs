//! `kms-connect`: parse the arguments, build the one context (or the demo's), dispatch to the
//! wizard or to a scriptable command.

use clap::FromArgMatches;
use kms_connect::cli::account::AccountCommand;
use kms_connect::cli::{self, Cli, Command, EXIT_INPUT, EXIT_RUNTIME, GivenFlags};
use kms_connect::config::Context;
use kms_connect::config::resolve;
use kms_connect::sandbox::{Sandbox, demo_context};
use kms_connect::tui::{self, Opening};

fn main() {
    // Before anything can panic: a panic restores the terminal and prints one clean line.
    tui::terminal::install_panic_hook();
    let matches = kms_connect::cli::command().get_matches();
    let given = GivenFlags::from(&matches);
    let args = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // Completions and the man page need nothing but the clap definition.
    if let Some(cmd) = &args.command
        && let Some(written) = cli::generated(cmd, &mut std::io::stdout().lock())
    {
        std::process::exit(cli::report(written));
    }
    // The CLI does one request at a time; the wizard and the sandbox want a second thread.
    // Whatever draws the wizard (browse, an interactive login) must not share its thread with
    // the worker: the panic hook tells the two apart by the thread's name.
    let runtime = match runtime_for(&args) {
        Ok(r) => r,
        Err(e) => fail(&format!("Could not start: {e}"), EXIT_RUNTIME),
    };
    let code = runtime.block_on(run(args, given));
    // Do not wait for background tasks (a cancelled request, the sandbox) to wind down.
    runtime.shutdown_background();
    std::process::exit(code);
}

fn runtime_for(args: &Cli) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = if !args.draws_the_wizard() && !args.demo {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(2);
        b
    };
    builder.enable_all().build()
}

async fn run(args: Cli, given: GivenFlags) -> i32 {
    // The sandbox lives as long as the command: dropping it stops its servers.
    let (ctx, sandbox) = if args.demo {
        match demo_context::start(given.project.as_ref(), args.profile.clone()).await {
            Ok((s, ctx)) => (ctx, Some(s)),
            Err(e) => fail(&e, EXIT_RUNTIME),
        }
    } else {
        match resolve::for_command(
            given.kms_url,
            given.project,
            args.profile.clone(),
            args.uses_kms(),
        ) {
            Ok(ctx) => (ctx, None),
            Err(e) => fail(&e, EXIT_INPUT),
        }
    };
    // Debug builds only: a panic on demand, so tests can check what a bug looks like.
    #[cfg(debug_assertions)]
    if let Ok(message) = std::env::var("KMS_CONNECT_DEBUG_PANIC") {
        panic!("{message}");
    }
    // No identity anywhere: the sign-in comes first.
    let not_signed_in = ctx.reach.credentials.is_none();
    let (without_terminal, opening) = match args.command {
        Some(Command::Account(AccountCommand::Login(a))) if a.is_interactive() => (
            "Without a terminal give --client-id with --client-secret-stdin, or --token-stdin.",
            Opening {
                sign_in: true,
                exit_when_done: true,
                browse: false,
            },
        ),
        Some(Command::Browse) => (
            "Browsing needs a terminal. In scripts use kms-connect list.",
            Opening {
                sign_in: not_signed_in,
                exit_when_done: false,
                browse: true,
            },
        ),
        Some(cmd) => return cli::report(cli::run(cmd, &ctx).await),
        None => (
            "The wizard needs a terminal. In scripts use a subcommand: kms-connect --help.",
            Opening {
                sign_in: not_signed_in,
                ..Opening::default()
            },
        ),
    };
    if let Some(refusal) = tui::terminal::refusal(without_terminal) {
        fail(&refusal, EXIT_INPUT);
    }
    wizard(&ctx, sandbox.as_ref(), opening).await
}

async fn wizard(ctx: &Context, sandbox: Option<&Sandbox>, opening: Opening) -> i32 {
    match tui::wizard(ctx, sandbox.map(demo_context::screens), opening).await {
        Ok(ended) => ended.exit_code(),
        Err(e) => {
            eprintln!("kms-connect stopped: {e}");
            EXIT_RUNTIME
        }
    }
}

fn fail(line: &str, code: i32) -> ! {
    eprintln!("{line}");
    std::process::exit(code);
}
