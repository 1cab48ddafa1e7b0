//! Every API error is the same JSON shape, `{code, message, fields, error}`, with a status that
//! matches: for refused input, malformed bodies, bad paths, unknown routes, missing tokens,
//! hidden projects and refused permissions alike, so client programs can branch on `code`.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::Value;

async fn token_of(app: &TestApp, email: &str) -> String {
    let u = app.store.user_by_email(email).await.unwrap().unwrap();
    let token = format!("pft_errors_{}", u.id);
    app.store
        .create_api_token(u.id, "test".into(), postflow_web::auth::sha256_hex(&token))
        .await
        .unwrap();
    token
}

/// Sends the request and checks the error body's shape; returns (status, code, body).
async fn error_of(req: reqwest::RequestBuilder) -> (StatusCode, String, Value) {
    let r = req.send().await.unwrap();
    let status = r.status();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = r.text().await.unwrap();
    assert!(
        ctype.starts_with("application/json"),
        "{status} answered {ctype}: {text}"
    );
    let body: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: {e}: {text}"));
    let code = body["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code in {text}"))
        .to_string();
    let message = body["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message in {text}"));
    assert!(!message.is_empty());
    assert_eq!(
        body["error"].as_str(),
        Some(message),
        "error repeats message"
    );
    assert!(body["fields"].is_object(), "fields is an object: {text}");
    (status, code, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_share_one_shape() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = reqwest::Client::new();
    let producer = token_of(&app, "producer@demo.postflow").await;
    let client_user = token_of(&app, "client@acme.example").await;
    let api = |p: &str| format!("{}/api/v1{p}", app.base);

    // No token.
    let (s, code, _) = error_of(c.get(api("/projects"))).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );

    // Malformed JSON, wrong content type, JSON of the wrong shape.
    let post_volume = |body: &'static str, ctype: &'static str| {
        c.post(api("/volumes"))
            .bearer_auth(&producer)
            .header("content-type", ctype)
            .body(body)
    };
    let (s, code, _) = error_of(post_volume("{\"label\": ", "application/json")).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
    let (s, code, _) = error_of(post_volume("{\"label\": 5}", "application/json")).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "malformed_json")
    );
    let (s, code, _) = error_of(post_volume("label=x", "text/plain")).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );

    // A path that does not parse, an address that does not exist.
    let (s, code, _) = error_of(
        c.post(api("/projects/ACME-SPOT/deliverables/not-a-number/qc-runs"))
            .bearer_auth(&producer)
            .body("{}"),
    )
    .await;
    assert_eq!((s, code.as_str()), (StatusCode::BAD_REQUEST, "bad_path"));
    let (s, code, _) = error_of(c.get(api("/no/such/thing")).bearer_auth(&producer)).await;
    assert_eq!((s, code.as_str()), (StatusCode::NOT_FOUND, "not_found"));

    // A project that does not exist, and one the client may not see, answer the same.
    let (s1, code1, b1) =
        error_of(c.get(api("/projects/NOPE-NOPE")).bearer_auth(&client_user)).await;
    let projects: Vec<Value> = c
        .get(api("/projects"))
        .bearer_auth(&producer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let others = projects
        .iter()
        .find(|p| p["client_code"].as_str() != Some("ACME"))
        .expect("the demo has another company's project");
    let (s2, code2, b2) = error_of(
        c.get(api(&format!(
            "/projects/{}",
            others["code"].as_str().unwrap()
        )))
        .bearer_auth(&client_user),
    )
    .await;
    assert_eq!((s1, code1.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!((s2, code2), (s1, code1));
    assert_eq!(b1["message"], b2["message"]);

    // A refused permission, and refused input.
    let (s, code, _) = error_of(
        c.post(api("/volumes"))
            .bearer_auth(&client_user)
            .json(&serde_json::json!({"label": "RAID-9", "kind": "drive", "location": "onsite"})),
    )
    .await;
    assert_eq!((s, code.as_str()), (StatusCode::FORBIDDEN, "forbidden"));
    let (s, code, body) = error_of(
        c.post(api("/volumes"))
            .bearer_auth(&producer)
            .json(&serde_json::json!({"label": "RAID-9", "kind": "floppy", "location": "moon"})),
    )
    .await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::BAD_REQUEST, "invalid"),
        "{body}"
    );
    assert!(
        body["fields"]["kind"].as_str().unwrap().contains("floppy"),
        "{body}"
    );
    assert!(
        body["fields"]["location"]
            .as_str()
            .unwrap()
            .contains("moon"),
        "{body}"
    );
}

/// The OpenAPI document is collected from the handlers: every documented operation is routed
/// (asked without a token it answers 401, not the 404 of an unknown address), and the error
/// schema is the one the server sends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_routed() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = reqwest::Client::new();
    let spec: Value = c
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = spec["paths"].as_object().expect("paths");
    assert!(paths.len() >= 11, "{:?}", paths.keys().collect::<Vec<_>>());
    let mut operations = 0;
    for (path, item) in paths {
        let url = path
            .replace("{code}", "ACME-SPRING")
            .replace("{id}", "1")
            .replace("{key}", "edit")
            .replace("{token_id}", "1");
        for method in item.as_object().unwrap().keys() {
            let req = match method.as_str() {
                "get" => c.get(format!("{}{url}", app.base)),
                "post" => c
                    .post(format!("{}{url}", app.base))
                    .json(&serde_json::json!({})),
                "put" => c
                    .put(format!("{}{url}", app.base))
                    .json(&serde_json::json!({})),
                "patch" => c
                    .patch(format!("{}{url}", app.base))
                    .json(&serde_json::json!({})),
                "delete" => c.delete(format!("{}{url}", app.base)),
                other => panic!("unexpected method {other} on {path}"),
            };
            let (status, code, _) = error_of(req).await;
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::UNAUTHORIZED, "unauthorized"),
                "{method} {path}"
            );
            operations += 1;
        }
    }
    assert!(operations >= 12);
    let error_schema = &spec["components"]["schemas"]["ErrorDto"]["properties"];
    for field in ["code", "message", "fields", "error"] {
        assert!(
            error_schema[field].is_object(),
            "ErrorDto.{field} documented"
        );
    }
}
