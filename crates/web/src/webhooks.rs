//! The webhook sender: claims due deliveries from the store's outbox under a lease, signs each
//! per the Standard Webhooks specification and posts it; a non-2xx answer or a network error is
//! retried with exponential backoff (base × 2^attempts, at most an hour) up to
//! `postflow_app::webhooks::MAX_ATTEMPTS`, then the delivery is marked failed (replayable from
//! the log). Runs inside `postflow serve`; several servers may run it on one store.
use hmac::{Hmac, Mac};
use postflow_store::webhooks::{AttemptOutcome, WebhookDelivery};
use postflow_store::Store;
use sha2::Sha256;
use std::time::Duration;

/// `v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}` under the secret (`whsec_<base64>`).
pub fn signature(secret: &str, message_id: &str, timestamp: i64, body: &str) -> Option<String> {
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{message_id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// When the next attempt is due after `attempts` failed ones.
pub fn backoff(base: Duration, attempts: i64) -> Duration {
    let factor = 1u32 << attempts.clamp(0, 16) as u32;
    (base * factor).min(Duration::from_secs(3600))
}

/// Sends what is due, forever (every `poll`), until the runtime stops.
pub async fn run_sender(store: Store, base: Duration, poll: Duration) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("webhooks: cannot build the HTTP client: {e}");
            return;
        }
    };
    loop {
        match store.claim_webhook_deliveries(20, 60).await {
            Ok(due) => {
                for d in due {
                    send_one(&store, &client, base, d).await;
                }
            }
            Err(e) => tracing::warn!("webhooks: cannot read the outbox: {e}"),
        }
        tokio::time::sleep(poll).await;
    }
}

async fn send_one(store: &Store, client: &reqwest::Client, base: Duration, d: WebhookDelivery) {
    let endpoint = match store.webhook_endpoint(d.endpoint_id).await {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!("webhooks: delivery {}: {e}", d.id);
            return;
        }
    };
    let retry_or_fail = |attempts: i64| {
        if attempts + 1 >= postflow_app::webhooks::MAX_ATTEMPTS || !endpoint.active {
            AttemptOutcome::Failed
        } else {
            let wait = backoff(base, attempts);
            AttemptOutcome::RetryAt(
                chrono::Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default(),
            )
        }
    };
    let timestamp = chrono::Utc::now().timestamp();
    let Some(sig) = signature(&endpoint.secret, &d.message_id, timestamp, &d.payload) else {
        let _ = store
            .record_webhook_attempt(
                d.id,
                None,
                Some("the endpoint's secret is not valid base64".into()),
                AttemptOutcome::Failed,
            )
            .await;
        return;
    };
    let sent = client
        .post(&endpoint.url)
        .header("content-type", "application/json")
        .header("webhook-id", &d.message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", sig)
        .body(d.payload.clone())
        .send()
        .await;
    let (status, error, outcome) = match sent {
        Ok(r) if r.status().is_success() => (
            Some(i64::from(r.status().as_u16())),
            None,
            AttemptOutcome::Delivered,
        ),
        Ok(r) => (
            Some(i64::from(r.status().as_u16())),
            Some(format!("the endpoint answered {}", r.status())),
            retry_or_fail(d.attempts),
        ),
        Err(e) => (
            None,
            Some(format!("cannot reach the endpoint: {e}")),
            retry_or_fail(d.attempts),
        ),
    };
    if let Err(e) = store
        .record_webhook_attempt(d.id, status, error, outcome)
        .await
    {
        tracing::warn!(
            "webhooks: delivery {}: cannot record the attempt: {e}",
            d.id
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The specification's example: secret, id, timestamp, payload and signature.
        let sig = signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(
            sig.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 0), Duration::from_secs(5));
        assert_eq!(backoff(base, 3), Duration::from_secs(40));
        assert_eq!(backoff(base, 20), Duration::from_secs(3600));
    }
}
