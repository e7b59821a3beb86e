//! Outgoing mail: SMTP when `SMTP_URL` is set, otherwise the message is written to the log
//! (so a trial install without mail still shows invitation and reset links to its admin).

use std::sync::{Arc, Mutex};

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

#[derive(Clone, Debug)]
pub struct Mailer {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    /// Tests read what would have been sent here.
    outbox: Option<Arc<Mutex<Vec<SentMail>>>>,
}

/// A message as recorded by a recording mailer.
#[derive(Clone, Debug)]
pub struct SentMail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Mailer {
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let smtp = config
            .smtp_url
            .as_deref()
            .map(|url| AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map(|b| b.build()))
            .transpose()
            .map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?;
        let from = config
            .smtp_from
            .parse()
            .map_err(|e| anyhow::anyhow!("SMTP_FROM: {e}"))?;
        Ok(Mailer {
            smtp,
            from,
            outbox: None,
        })
    }

    /// A mailer that keeps every message in memory instead of sending it (tests).
    pub fn recording(&self) -> Self {
        Mailer {
            smtp: None,
            from: self.from.clone(),
            outbox: Some(Arc::default()),
        }
    }

    /// Messages recorded so far.
    pub fn sent(&self) -> Vec<SentMail> {
        self.outbox
            .as_ref()
            .and_then(|o| o.lock().ok().map(|v| v.clone()))
            .unwrap_or_default()
    }

    /// Send a plain-text message. Failure is logged, not returned: the action that triggered
    /// the mail (an invitation, a reset) has already been saved and its link is shown or logged.
    pub async fn send(&self, to: &str, subject: &str, body: &str) {
        if let Some(outbox) = &self.outbox
            && let Ok(mut outbox) = outbox.lock()
        {
            outbox.push(SentMail {
                to: to.into(),
                subject: subject.into(),
                body: body.into(),
            });
            return;
        }
        let Some(smtp) = &self.smtp else {
            tracing::info!(to, subject, body, "mail (no SMTP configured)");
            return;
        };
        let message = to
            .parse::<Mailbox>()
            .map_err(|e| e.to_string())
            .and_then(|to| {
                Message::builder()
                    .from(self.from.clone())
                    .to(to)
                    .subject(subject)
                    .body(body.to_owned())
                    .map_err(|e| e.to_string())
            });
        match message {
            Ok(m) => {
                if let Err(e) = smtp.send(m).await {
                    tracing::error!(to, error = %e, "sending mail failed");
                }
            }
            Err(e) => tracing::error!(to, error = %e, "building mail failed"),
        }
    }
}
