//! kms-connect: connect Hanzo KMS (or any Infisical-compatible server) to TeamCity, Octopus
//! Deploy, Bitbucket and Northflank, from a terminal wizard or from scripts.

pub mod apps;
pub mod cli;
pub mod cli_account;
pub mod config;
pub mod http;
pub mod kms;
pub mod sandbox;
pub mod sanitize;
pub mod settings;
pub mod signin;
pub mod tui;
