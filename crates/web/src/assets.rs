//! Static assets, embedded in the binary. Each is served under a name that
//! carries a hash of its content (`app.3f2a9c1e.css`), so browsers may keep
//! it for a year: a changed file gets a new name, and pages name the new one.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    logical: &'static str,
    served: String,
    bytes: &'static [u8],
    content_type: &'static str,
}

macro_rules! assets {
    ($(($logical:literal, $file:literal, $type:literal)),+ $(,)?) => {
        [$(($logical, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $file)) as &[u8], $type)),+]
    };
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    assets![
        ("app.css", "app.css", "text/css; charset=utf-8"),
        ("app.js", "app.js", "text/javascript; charset=utf-8"),
        ("card.js", "card.js", "text/javascript; charset=utf-8"),
        ("paypal.js", "paypal.js", "text/javascript; charset=utf-8"),
        ("learn.js", "learn.js", "text/javascript; charset=utf-8"),
        ("cme.js", "cme.js", "text/javascript; charset=utf-8"),
        ("teach.js", "teach.js", "text/javascript; charset=utf-8"),
        (
            "htmx.js",
            "vendor/htmx-2.0.11.min.js",
            "text/javascript; charset=utf-8"
        ),
        ("favicon.svg", "favicon.svg", "image/svg+xml"),
    ]
    .into_iter()
    .map(|(logical, bytes, content_type)| {
        let digest = Sha256::digest(bytes);
        let hash: String = digest[..5].iter().map(|b| format!("{b:02x}")).collect();
        let (stem, ext) = logical.rsplit_once('.').unwrap_or((logical, ""));
        Asset {
            logical,
            served: format!("{stem}.{hash}.{ext}"),
            bytes,
            content_type,
        }
    })
    .collect()
});

/// The URL of an asset by its plain name (`app.css`). Naming an asset that
/// does not exist is a programming error caught by the tests of every page.
pub fn url(logical: &str) -> String {
    ASSETS
        .iter()
        .find(|a| a.logical == logical)
        .map_or_else(String::new, |a| format!("/assets/{}", a.served))
}

/// `GET /assets/{file}`.
pub async fn serve(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.served == file) {
        Some(asset) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(asset.content_type),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
                (
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ),
            ],
            asset.bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_hashed_url() {
        for asset in ASSETS.iter() {
            let url = url(asset.logical);
            assert!(url.starts_with("/assets/"), "{url}");
            assert_ne!(url, format!("/assets/{}", asset.logical));
        }
        assert_eq!(url("missing.css"), "");
    }
}
