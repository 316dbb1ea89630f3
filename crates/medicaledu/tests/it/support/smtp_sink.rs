//! A real SMTP server for email delivery tests: `smtp_sink.py` (next to this
//! file) run by python3 with aiosmtpd.

use std::path::PathBuf;

use serde_json::Value;

/// Python's aiosmtpd as a child process, writing each accepted message to a
/// directory. `None` (with a message) when aiosmtpd is not installed, unless
/// MEDICALEDU_TEST_REQUIRE_SMTP is set, as CI does.
pub struct SmtpSink {
    child: std::process::Child,
    dir: PathBuf,
    port: u16,
}

impl SmtpSink {
    /// Starts the sink on a free port; `None` when aiosmtpd is missing (see
    /// above).
    pub fn start() -> Option<SmtpSink> {
        let available = std::process::Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !available {
            assert!(
                std::env::var_os("MEDICALEDU_TEST_REQUIRE_SMTP").is_none(),
                "MEDICALEDU_TEST_REQUIRE_SMTP is set but python3 cannot import aiosmtpd (pip install aiosmtpd)"
            );
            eprintln!("SKIPPED: SMTP delivery test (pip install aiosmtpd to run it)");
            return None;
        }
        let dir = std::env::temp_dir().join(format!("medicaledu-smtp-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("sink dir");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/support/smtp_sink.py");
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .arg(&dir)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start the SMTP sink");
        let stdout = child.stdout.take().expect("sink stdout");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .expect("sink port");
        let port = line.trim().parse().expect("sink prints its port");
        Some(SmtpSink { child, dir, port })
    }

    /// `smtp://127.0.0.1:<port>`, for the app's email settings.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages accepted so far, as the sink wrote them, oldest first.
    pub fn messages(&self) -> Vec<Value> {
        let mut paths: Vec<_> = std::fs::read_dir(&self.dir)
            .expect("sink dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).expect("message")).expect("json"))
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
