//! `/`: the landing page, which tells a stranger what this camp is and how to come in.
//! It shows the camp's name and description (escaped) and the `ssh` command, never
//! anything a camper wrote.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::WebState;
use super::html::{escape, page};

/// The landing routes.
pub fn router(state: WebState) -> Router {
    Router::new().route("/", get(landing)).with_state(state)
}

async fn landing(State(web): State<WebState>) -> Response {
    let config = web.camp().config();
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{name}</title></head><body><main><h1>{name}</h1><p>{description}</p>\
         <pre><code>ssh {hint}</code></pre><p>Host key: <code>{fingerprint}</code></p>\
         </main></body></html>\n",
        name = escape(&config.camp.name),
        description = escape(&config.camp.description),
        hint = escape(&config.ssh_hint()),
        fingerprint = escape(&web.host_key().fingerprint),
    );
    page(StatusCode::OK, body)
}
