use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Logs go to stderr, filtered by `MEDICALEDU_LOG` (e.g. `debug` or
/// `medicaledu_api=debug,sqlx=warn`), by default `info`.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_env("MEDICALEDU_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests, embedding) is harmless: keep the first.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
