//! Operator tasks run from the command line.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use medicaledu_app::AppContext;
use medicaledu_app::accounts::{CreatedBy, NewAccount, create_account};
use medicaledu_credentials::KeyEncryptionKey;
use medicaledu_domain::{Email, FullName, Password, PasswordHasher, Role, TimeZone};
use medicaledu_store::audit::RequestMeta;

use crate::cli::{CreateUserArgs, SigningKeyCommand};
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

/// Lists, rotates, retires or re-seals the keys signing CME credentials.
pub async fn signing_keys(config: &Config, command: SigningKeyCommand) -> anyhow::Result<()> {
    use medicaledu_app::cme::keys;

    let db = crate::commands::connect(config).await?;
    db.migrate().await?;
    let ctx = AppContext::new(db.clone(), config.settings.clone())?;
    let meta = RequestMeta {
        user_agent: Some("medicaledu admin signing-keys".into()),
        ..RequestMeta::default()
    };
    let outcome = match command {
        SigningKeyCommand::List => {
            keys::list(&ctx)
                .await
                .map_err(anyhow::Error::from)
                .map(|list| {
                    if list.is_empty() {
                        println!("no signing key yet: the first certificate makes one");
                    }
                    for key in list {
                        let state = match (key.retired_at, key.signing) {
                            (Some(at), _) => format!("retired {at}"),
                            (None, true) => "signing, published".to_owned(),
                            (None, false) => "published".to_owned(),
                        };
                        println!(
                            "{}  created {}  {state}  {} certificates ({} in force)",
                            key.kid, key.created_at, key.certificates, key.certificates_in_force
                        );
                    }
                })
        }
        SigningKeyCommand::Rotate => keys::rotate(&ctx, &meta)
            .await
            .map_err(anyhow::Error::from)
            .map(|kid| println!("{kid} signs from now on; older keys stay published")),
        SigningKeyCommand::Retire(args) => {
            let kid = args.kid;
            keys::retire(&ctx, &meta, kid)
                .await
                .map_err(anyhow::Error::from)
                .map(|()| {
                    println!("{kid} retired: it signs nothing more and left the JWKS");
                })
        }
        SigningKeyCommand::Reseal(args) => {
            let old = KeyEncryptionKey::parse(&args.old_credential_key)
                .map_err(|e| anyhow::anyhow!("--old-credential-key: {e}"))?;
            keys::reseal(&ctx, &meta, &old)
                .await
                .map_err(anyhow::Error::from)
                .map(|done| {
                    println!(
                        "{} keys re-sealed under the configured credential key, {} already were",
                        done.resealed, done.unchanged
                    );
                })
        }
    };
    db.close().await;
    outcome
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
