//! The web app's static files, or a pointer to the API when none are configured.

use std::path::Path;

use axum::Router;
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};

/// With `web_dir`, serves its files and answers every other non-API path with its
/// `index.html`, so the single-page app's own routes survive a reload. Without, `/` says
/// where the API and its documentation are.
pub fn routes(web_dir: Option<&Path>) -> Router {
    match web_dir {
        Some(dir) => {
            let app = ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")));
            Router::new()
                .route_service("/", app.clone())
                .route_service("/{*path}", app)
        }
        None => Router::new().route(
            "/",
            get(|| async {
                axum::Json(serde_json::json!({
                    "service": crate::SERVICE,
                    "api": crate::routes::API_PREFIX,
                    "openapi": "/openapi.json",
                    "docs": "/docs",
                }))
            }),
        ),
    }
}
