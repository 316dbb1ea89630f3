//! Email over SMTP, configured by one URL: `smtp://host:25` (plain, for a
//! local relay), `smtp://user:pass@host:587?tls=starttls` (STARTTLS required)
//! or `smtps://user:pass@host:465` (TLS from the first byte).

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use medicaledu_store::notifications::Claimed;
use percent_encoding::percent_decode_str;

use crate::DeliveryError;

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text: only for a relay on the same host or network.
    None,
    /// Upgrade with STARTTLS, and refuse to send if the server cannot.
    StartTls,
    /// Implicit TLS (`smtps://`).
    Wrapper,
}

#[derive(Clone)]
pub struct EmailConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    credentials: Option<(String, String)>,
    pub from: Mailbox,
}

impl std::fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .field("from", &self.from.to_string())
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EmailConfigError {
    #[error("MEDICALEDU_SMTP_URL is not a URL: {0}")]
    Url(#[from] url::ParseError),
    #[error("MEDICALEDU_SMTP_URL must start with smtp:// or smtps://, not {0}://")]
    Scheme(String),
    #[error("MEDICALEDU_SMTP_URL names no host")]
    Host,
    #[error("MEDICALEDU_SMTP_URL: tls={0} is not one of none, starttls")]
    Tls(String),
    #[error("MEDICALEDU_EMAIL_FROM is not an email address: {0}")]
    From(String),
}

impl EmailConfig {
    pub fn parse(smtp_url: &str, from: &str) -> Result<Self, EmailConfigError> {
        let url = url::Url::parse(smtp_url)?;
        let tls_param = url
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.into_owned());
        let tls = match (url.scheme(), tls_param.as_deref()) {
            ("smtps", None) => SmtpTls::Wrapper,
            ("smtp", None | Some("none")) => SmtpTls::None,
            ("smtp", Some("starttls" | "required")) => SmtpTls::StartTls,
            ("smtp" | "smtps", Some(other)) => return Err(EmailConfigError::Tls(other.to_owned())),
            (scheme, _) => return Err(EmailConfigError::Scheme(scheme.to_owned())),
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or(EmailConfigError::Host)?
            .to_owned();
        let port = url.port().unwrap_or(match tls {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Wrapper => 465,
        });
        let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
        let credentials = (!url.username().is_empty()).then(|| {
            (
                decode(url.username()),
                decode(url.password().unwrap_or_default()),
            )
        });
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| EmailConfigError::From(format!("{from:?} ({e})")))?;
        Ok(Self {
            host,
            port,
            tls,
            credentials,
            from,
        })
    }
}

/// Sends notifications as email, reusing connections between messages.
#[derive(Clone)]
pub(crate) struct EmailSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl EmailSender {
    pub(crate) fn new(config: &EmailConfig, timeout: Duration) -> Result<Self, DeliveryError> {
        let tls_parameters = || {
            TlsParameters::new(config.host.clone())
                .map_err(|e| DeliveryError::Permanent(format!("SMTP TLS setup failed: {e}")))
        };
        let tls = match config.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTls => Tls::Required(tls_parameters()?),
            SmtpTls::Wrapper => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(timeout));
        if let Some((user, password)) = &config.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            from: config.from.clone(),
        })
    }

    pub(crate) async fn send(&self, row: &Claimed) -> Result<(), DeliveryError> {
        let to = row
            .email
            .parse()
            .map(|address| Mailbox::new(Some(row.full_name.clone()), address))
            .map_err(|e| {
                DeliveryError::Permanent(format!("unusable address {:?}: {e}", row.email))
            })?;
        let (text, html) = render(row);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&row.title)
            // The notification's id, so a message delivered twice after a
            // crash can be recognised as the same one.
            .message_id(Some(format!("<{}@medicaledu.notifications>", row.id)))
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| DeliveryError::Permanent(format!("cannot build the message: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(DeliveryError::Permanent(format!("SMTP: {e}"))),
            Err(e) => Err(DeliveryError::Transient(format!("SMTP: {e}"))),
        }
    }
}

/// The plain-text and HTML bodies of a notification email.
pub(crate) fn render(row: &Claimed) -> (String, String) {
    const FOOTER: &str = "You receive this because of your MedicalEdu notification settings.";
    let text = format!("{}\n\n{}\n\n-- \n{FOOTER}\n", row.title, row.body);
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{locale}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;line-height:1.5;color:#1f2933\">\
         <h1 style=\"font-size:1.25rem\">{title}</h1><p>{body}</p>\
         <hr><p style=\"font-size:0.8rem;color:#616e7c\">{FOOTER}</p></body></html>\n",
        locale = escape(&row.locale),
        title = escape(&row.title),
        body = escape(&row.body).replace('\n', "<br>"),
    );
    (text, html)
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_tls_port_and_credentials() {
        let plain =
            EmailConfig::parse("smtp://127.0.0.1:2525", "MedicalEdu <no-reply@example.org>")
                .expect("valid");
        assert_eq!(
            (plain.host.as_str(), plain.port, plain.tls),
            ("127.0.0.1", 2525, SmtpTls::None)
        );
        assert!(plain.credentials.is_none());

        let wrapped = EmailConfig::parse("smtps://user:p%40ss@mail.example.org", "a@example.org")
            .expect("valid");
        assert_eq!((wrapped.port, wrapped.tls), (465, SmtpTls::Wrapper));
        assert_eq!(
            wrapped.credentials,
            Some(("user".to_owned(), "p@ss".to_owned()))
        );

        let upgraded =
            EmailConfig::parse("smtp://mail.example.org:587?tls=starttls", "a@example.org")
                .expect("valid");
        assert_eq!(upgraded.tls, SmtpTls::StartTls);
    }

    #[test]
    fn bad_settings_are_named() {
        assert!(matches!(
            EmailConfig::parse("http://mail", "a@example.org"),
            Err(EmailConfigError::Scheme(_))
        ));
        assert!(matches!(
            EmailConfig::parse("smtp://mail?tls=maybe", "a@example.org"),
            Err(EmailConfigError::Tls(_))
        ));
        assert!(matches!(
            EmailConfig::parse("smtp://mail", "not an address"),
            Err(EmailConfigError::From(_))
        ));
    }

    #[test]
    fn debug_output_hides_the_password() {
        let config = EmailConfig::parse("smtps://user:secret@mail.example.org", "a@example.org")
            .expect("valid");
        assert!(!format!("{config:?}").contains("secret"));
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("<b>\"R&D\"</b>"),
            "&lt;b&gt;&quot;R&amp;D&quot;&lt;/b&gt;"
        );
    }
}
