use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    medicaledu::main().await
}
