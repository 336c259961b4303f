//! The KMS server: its API client, its types and the translation of its errors into guidance.

pub mod auth;
pub mod client;
pub mod connections;
pub mod error;
pub mod identity;
pub mod status;
pub mod sync_lists;
pub mod syncs;
pub mod types;

pub use client::KmsClient;
pub use connections::ConnectionList;
pub use connections::{Changes, ConnectionRef};
pub use error::{Guidance, KmsError};
pub use types::{AppConnection, Project, RawJson};
