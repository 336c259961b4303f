//! Runs the sandbox on its own and prints how to reach it, for trying the CLI by hand and for
//! timing it against curl (see the README). Stops on Ctrl-C.

use kms_connect::sandbox::Sandbox;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let s = Sandbox::start().await?;
    println!("export KMS_API_URL={}", s.kms_url);
    println!("export KMS_TOKEN={}", s.token);
    println!("export KMS_PROJECT_ID={}", s.project_id);
    println!("export KMS_CONNECT_BITBUCKET_API_URL={}", s.bitbucket_api);
    println!("export KMS_CONNECT_NORTHFLANK_API_URL={}", s.northflank_api);
    println!(
        "# TeamCity instance: {}  Octopus instance: {}",
        s.teamcity_url, s.octopus_url
    );
    println!(
        "# Sign in instead of KMS_TOKEN: echo {} | kms-connect login --kms-url {} --client-id {} --client-secret-stdin",
        s.client_secret, s.kms_url, s.client_id
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
