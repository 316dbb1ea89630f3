//! A fake SMS or push provider: an HTTP endpoint that records the signed
//! webhook calls the notification dispatcher makes and answers as told.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};

/// One call the fake provider received.
#[derive(Clone, Debug)]
pub struct Call {
    pub uri: axum::http::Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// An HTTP server playing the SMS or push provider: it records every call and
/// answers with the status `answer` gives for the call's number (1-based).
#[derive(Clone)]
pub struct Hook {
    /// Where the provider listens: `http://127.0.0.1:<port>/hook`.
    pub url: String,
    calls: Arc<Mutex<Vec<Call>>>,
}

/// A provider that answers at once.
pub async fn hook(answer: impl Fn(usize) -> StatusCode + Clone + Send + Sync + 'static) -> Hook {
    slow_hook(Duration::ZERO, answer).await
}

/// A provider that takes `delay` to answer each call.
pub async fn slow_hook(
    delay: Duration,
    answer: impl Fn(usize) -> StatusCode + Clone + Send + Sync + 'static,
) -> Hook {
    let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
    let recorded = calls.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
                let recorded = recorded.clone();
                let answer = answer.clone();
                async move {
                    let n = {
                        let mut calls = recorded.lock().expect("calls");
                        calls.push(Call { uri, headers, body });
                        calls.len()
                    };
                    tokio::time::sleep(delay).await;
                    answer(n)
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Hook { url, calls }
}

impl Hook {
    /// The calls received so far, oldest first.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("calls").clone()
    }
}
