//! Operator tasks run from the command line.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use medicaledu_app::accounts::{CreatedBy, NewAccount, create_account};
use medicaledu_domain::{Email, FullName, Password, PasswordHasher, Role, TimeZone};
use medicaledu_store::audit::RequestMeta;

use crate::cli::CreateUserArgs;
use crate::config::Config;

const PASSWORD_VAR: &str = "MEDICALEDU_ADMIN_PASSWORD";

pub async fn create_user(config: &Config, args: CreateUserArgs) -> anyhow::Result<()> {
    let email = Email::parse(&args.email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let full_name = FullName::parse(&args.name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let role: Role = args
        .role
        .parse()
        .map_err(|e| anyhow::anyhow!("--role: {e}"))?;
    let timezone = match &args.timezone {
        Some(tz) => TimeZone::parse(tz).map_err(|e| anyhow::anyhow!("--timezone: {e}"))?,
        None => TimeZone::utc(),
    };
    let password =
        Password::parse(&read_password()?).map_err(|e| anyhow::anyhow!("password: {e}"))?;

    let hasher = PasswordHasher::new(config.settings.argon2)?;
    let db = crate::commands::connect(config).await?;
    // The first admin is usually created right after installation.
    db.migrate().await?;
    let account = NewAccount {
        email,
        password,
        full_name,
        role,
        timezone,
    };
    let meta = RequestMeta {
        user_agent: Some("medicaledu admin create-user".into()),
        ..RequestMeta::default()
    };
    let user = create_account(&db, &hasher, account, CreatedBy::Operator, &meta).await?;
    db.close().await;
    println!("created {} {} ({})", user.role, user.email, user.id);
    Ok(())
}

/// From the environment (for scripts), else a prompt that does not echo.
fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var(PASSWORD_VAR) {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return rpassword::prompt_password("Password for the new account: ")
            .context("cannot read the password");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the password")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password: set {PASSWORD_VAR} or type one");
    }
    Ok(password)
}
