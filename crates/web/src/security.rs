//! One layer around every response: the security headers, deep links kept across the sign-in
//! wall, and the one-time flash message cleared once a page has shown it.
use crate::auth::{self, FLASH_COOKIE};
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// Scripts and styles come from this site only (the templates have no inline script; the
/// `style-src 'unsafe-inline'` is for the few `style=""` attributes and the media pages'
/// `<style>` block, which cannot run code). No framing, no plugins, no `<base>` rewriting, and
/// forms post only here (which also stops a form's redirect from leaving the site in Chromium).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// Pages that show secrets (new API tokens, one-time passwords) or account details are never
/// stored by the browser or a proxy.
fn shows_secrets(path: &str) -> bool {
    ["/account", "/admin", "/login"]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
        || path.starts_with("/api/v1/users")
}

pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let is_get = req.method() == Method::GET;
    let had_flash = auth::cookie(req.headers(), FLASH_COOKIE).is_some_and(|v| !v.is_empty());
    let mut resp = next.run(req).await;

    // An unauthenticated GET of a page is sent to the sign-in form with where it was going.
    if is_get
        && resp.status() == StatusCode::SEE_OTHER
        && resp.headers().get(header::LOCATION) == Some(&HeaderValue::from_static("/login"))
        && path != "/login"
        && path != "/"
        && auth::safe_next(&target) == target
    {
        if let Ok(v) = HeaderValue::from_str(&format!("/login?next={}", query_escape(&target))) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
    }

    let h = resp.headers_mut();
    match h
        .get(header::CONTENT_SECURITY_POLICY)
        .map(|v| v.to_str().unwrap_or("").to_string())
    {
        // A handler with its own policy (the self-contained QC report) keeps it, unframeable.
        Some(own) if !own.contains("frame-ancestors") => {
            if let Ok(v) = HeaderValue::from_str(&format!("{own}; frame-ancestors 'none'")) {
                h.insert(header::CONTENT_SECURITY_POLICY, v);
            }
        }
        Some(_) => {}
        None => {
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            );
        }
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if shows_secrets(&path) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
    }

    // The flash was shown on this page: do not show it again.
    let shown = is_get
        && resp.status() == StatusCode::OK
        && resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
    if had_flash && shown {
        let clear = auth::set_cookie(FLASH_COOKIE, "", 0, state.config.secure_cookies);
        if let Ok(v) = HeaderValue::from_str(&clear) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// Escapes a path for use as a query value, leaving `/` and `?` readable.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@!$'()*,;?".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_escape_keeps_paths_readable() {
        assert_eq!(
            super::query_escape("/projects/ACME-001"),
            "/projects/ACME-001"
        );
        assert_eq!(
            super::query_escape("/media?q=a b&x=1"),
            "/media?q%3Da%20b%26x%3D1"
        );
    }
}
