//! The TaskTracker web app, shared by every phase.
//!
//! The frontend is the product, not the architecture: it is the same in every phase, and
//! it talks only to the public `/api/v1` contract. Its three files are compiled into the
//! binary with `include_str!`, so `cargo run` needs nothing else and nothing is fetched
//! from a CDN. Merge [`router`] into a phase's router to serve it at `/`.

use axum::{
    Router,
    http::{HeaderValue, header},
    response::IntoResponse,
    routing::get,
};

const INDEX_HTML: &str = include_str!("../static/index.html");
const APP_JS: &str = include_str!("../static/app.js");
const APP_CSS: &str = include_str!("../static/app.css");

/// `GET /`, `/app.js` and `/app.css`. Nothing else: unknown paths stay the phase's 404.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|| file(INDEX_HTML, "text/html; charset=utf-8")))
        .route(
            "/app.js",
            get(|| file(APP_JS, "text/javascript; charset=utf-8")),
        )
        .route("/app.css", get(|| file(APP_CSS, "text/css; charset=utf-8")))
}

async fn file(body: &'static str, content_type: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            // A new phase binary may ship a new app.js; make the browser check.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{body::Body, http::Request};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn get(path: &str) -> (u16, String, String) {
        let app: Router = router();
        let response = app
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            content_type,
            String::from_utf8(body.to_vec()).unwrap(),
        )
    }

    #[tokio::test]
    async fn serves_the_page_and_its_assets() {
        let (status, content_type, body) = get("/").await;
        assert_eq!(
            (status, content_type.as_str()),
            (200, "text/html; charset=utf-8")
        );
        assert!(body.contains(r#"<script type="module" src="/app.js">"#));
        assert_eq!(get("/app.js").await.1, "text/javascript; charset=utf-8");
        assert_eq!(get("/app.css").await.1, "text/css; charset=utf-8");
    }

    #[tokio::test]
    async fn loads_nothing_from_other_hosts() {
        for path in ["/", "/app.js", "/app.css"] {
            let (_, _, body) = get(path).await;
            assert!(
                !body.contains("http://") && !body.contains("https://"),
                "{path} references another host"
            );
        }
    }

    #[tokio::test]
    async fn other_paths_are_not_ours() {
        assert_eq!(get("/index.html").await.0, 404);
    }
}
