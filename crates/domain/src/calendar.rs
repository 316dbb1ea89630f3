//! iCalendar (RFC 5545) feeds of a user's sessions, for subscription from
//! Google Calendar, Outlook or Apple Calendar.

use std::fmt::Write;

use chrono::{DateTime, Utc};

/// One session as a calendar event.
#[derive(Clone, Debug)]
pub struct CalendarEvent {
    /// Stable for the booking's whole life, so updates replace the event.
    pub uid: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub summary: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub url: Option<String>,
    /// Bumped on every change, so clients know which version is newer.
    pub sequence: i64,
    pub cancelled: bool,
    pub last_modified: DateTime<Utc>,
}

/// A complete `VCALENDAR` with CRLF line ends and lines folded at 75 octets.
pub fn render_calendar(name: &str, events: &[CalendarEvent], now: DateTime<Utc>) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//MedicalEdu//Sessions//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        format!("X-WR-CALNAME:{}", escape(name)),
    ];
    for event in events {
        lines.push("BEGIN:VEVENT".to_owned());
        lines.push(format!("UID:{}", escape(&event.uid)));
        lines.push(format!("DTSTAMP:{}", utc(now)));
        lines.push(format!("LAST-MODIFIED:{}", utc(event.last_modified)));
        lines.push(format!("DTSTART:{}", utc(event.starts_at)));
        lines.push(format!("DTEND:{}", utc(event.ends_at)));
        lines.push(format!("SEQUENCE:{}", event.sequence));
        lines.push(format!("SUMMARY:{}", escape(&event.summary)));
        if let Some(description) = &event.description {
            lines.push(format!("DESCRIPTION:{}", escape(description)));
        }
        if let Some(location) = &event.location {
            lines.push(format!("LOCATION:{}", escape(location)));
        }
        if let Some(url) = &event.url {
            lines.push(format!("URL:{url}"));
        }
        lines.push(format!(
            "STATUS:{}",
            if event.cancelled {
                "CANCELLED"
            } else {
                "CONFIRMED"
            }
        ));
        lines.push("END:VEVENT".to_owned());
    }
    lines.push("END:VCALENDAR".to_owned());
    let mut out = String::new();
    for line in lines {
        fold(&line, &mut out);
    }
    out
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT values escape backslash, semicolon, comma and newlines (RFC 5545 3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Lines longer than 75 octets continue on lines starting with a space,
/// never splitting a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    let _ = write!(out, "\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(cancelled: bool) -> CalendarEvent {
        CalendarEvent {
            uid: "booking-1@medicaledu".into(),
            starts_at: DateTime::parse_from_rfc3339("2026-03-30T07:00:00Z")
                .expect("time")
                .with_timezone(&Utc),
            ends_at: DateTime::parse_from_rfc3339("2026-03-30T08:00:00Z")
                .expect("time")
                .with_timezone(&Utc),
            summary: "ACLS; airway, breathing\\circulation".into(),
            description: Some("Line one\nLine two".into()),
            location: None,
            url: Some("https://meet.example.org/abc".into()),
            sequence: 3,
            cancelled,
            last_modified: DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
                .expect("time")
                .with_timezone(&Utc),
        }
    }

    #[test]
    fn renders_events_in_utc_with_escaping_and_status() {
        let now = DateTime::parse_from_rfc3339("2026-03-02T00:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let ics = render_calendar("My sessions", &[event(false), event(true)], now);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(ics.contains("DTSTART:20260330T070000Z\r\n"));
        assert!(ics.contains("SEQUENCE:3\r\n"));
        assert!(ics.contains("SUMMARY:ACLS\\; airway\\, breathing\\\\circulation\r\n"));
        assert!(ics.contains("DESCRIPTION:Line one\\nLine two\r\n"));
        assert!(ics.contains("STATUS:CONFIRMED") && ics.contains("STATUS:CANCELLED"));
        assert!(ics.lines().all(|l| !l.contains('\n')));
    }

    #[test]
    fn folds_long_lines_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(60));
        fold(&long, &mut out);
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        let unfolded: String = out.replace("\r\n ", "").trim_end().to_owned();
        assert_eq!(unfolded, long);
    }
}
