//! Passwords (argon2id), sessions in the store, CSRF tokens and API bearer tokens.
use crate::{AppError, AppState};
use argon2::password_hash::PasswordHash;
use argon2::Argon2;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use base64::Engine;
use postflow_store::accounts::User;
use rand::RngCore;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "pf_session";
pub const LOGIN_CSRF_COOKIE: &str = "pf_login";

/// Hashes a password with argon2id and a random salt (PHC string): the application layer's.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    Ok(postflow_app::accounts::hash_password(password)?)
}

/// Checks a password against a PHC hash; a malformed hash never verifies.
///
/// The argon2 memory (19 MiB for our hashes) is kept per thread and reused, instead of being
/// allocated for every check: the allocator does not give such blocks back reliably, so 400
/// sign-ins at once used to leave hundreds of megabytes behind. Checks run on the few
/// [`PasswordGate`] threads, so this is a few blocks for the life of the server.
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::{Algorithm, Block, Params, Version};
    thread_local! {
        static MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    /// A stored hash asking for more than 256 MiB is not one of ours.
    const MAX_BLOCKS: usize = 256 * 1024;
    let Ok(h) = PasswordHash::new(phc) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(h.algorithm) else {
        return false;
    };
    let version = match h.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&h) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let blocks = params.block_count();
    if blocks > MAX_BLOCKS {
        return false;
    }
    let mut out = vec![0u8; expected.len()];
    let computed = MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        let ok = Argon2::new(algorithm, version, params)
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                &mut out,
                &mut memory[..blocks],
            )
            .is_ok();
        // Nothing derived from the password stays behind.
        memory[..blocks].fill(Block::default());
        ok
    });
    computed && constant_time_eq(&out, expected.as_bytes())
}

/// A hash of a password nobody knows, so a login for an unknown email costs as much time as one
/// for a known email (no user enumeration by timing).
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token(16)).unwrap_or_default())
}

/// A URL-safe random token with `bytes` bytes of entropy.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

pub use postflow_app::accounts::generate_password;

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Reads one cookie from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Bounds the argon2 work of the whole server: hashes run on `checks` dedicated threads (each
/// hash costs ~19 MiB and a core for tens of milliseconds) and at most `queue` more requests wait
/// for one. A request beyond that is refused at once with [`AppError::Busy`] (503 + Retry-After),
/// so a burst of sign-ins costs bounded memory and never fails with a 500. Dedicated threads,
/// rather than tokio's blocking pool, because the allocator keeps each thread's 19 MiB for
/// reuse: a few fixed threads hold a few blocks, a pool that grows under load holds one per thread.
pub struct PasswordGate {
    places: tokio::sync::Semaphore,
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>>,
}

/// A place in the password queue, taken before the login throttle counts the attempt so that a
/// refused-as-busy request is not counted as a guess.
pub struct PasswordTurn<'a> {
    gate: &'a PasswordGate,
    _place: tokio::sync::SemaphorePermit<'a>,
}

impl PasswordGate {
    pub fn new(checks: usize, queue: usize) -> PasswordGate {
        let checks = checks.max(1);
        let (tx, rx) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..checks {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-{i}"))
                .spawn(move || loop {
                    // The lock is held only while taking the next job; the gate's end ends it.
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        // A panicking check fails its request (its reply is dropped), not the thread.
                        Ok(job) => {
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(%e, "cannot start a password-check thread");
            }
        }
        PasswordGate {
            places: tokio::sync::Semaphore::new(checks + queue),
            jobs: std::sync::Mutex::new(tx),
        }
    }

    /// One check per core, and a queue eight times that.
    pub fn for_this_machine() -> PasswordGate {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        PasswordGate::new(cores, cores * 8)
    }

    /// A place in the queue, or `Busy` when it is full.
    pub fn enter(&self) -> Result<PasswordTurn<'_>, AppError> {
        match self.places.try_acquire() {
            Ok(place) => Ok(PasswordTurn {
                gate: self,
                _place: place,
            }),
            Err(_) => Err(AppError::Busy),
        }
    }

    pub async fn verify(&self, password: String, phc: String) -> Result<bool, AppError> {
        self.enter()?.verify(password, phc).await
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.enter()?.hash(password).await
    }

    /// Checks a new password against the one rule and hashes it, on the password threads.
    pub async fn hash_new(
        &self,
        password: String,
        field: &'static str,
    ) -> Result<postflow_app::accounts::NewPasswordHash, AppError> {
        let turn = self.enter()?;
        Ok(turn
            .run(move || postflow_app::accounts::hash_new_password(&password, field))
            .await??)
    }
}

impl PasswordTurn<'_> {
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Box<dyn FnOnce() + Send> = Box::new(move || {
            let _ = done.send(work());
        });
        self.gate
            .jobs
            .lock()
            .map_err(|_| AppError::Internal("the password-check threads stopped".into()))?
            .send(job)
            .map_err(|_| AppError::Internal("the password-check threads stopped".into()))?;
        result
            .await
            .map_err(|_| AppError::Internal("a password check did not finish".into()))
    }

    pub async fn verify(&self, password: String, phc: String) -> Result<bool, AppError> {
        self.run(move || verify_password(&password, &phc)).await
    }

    /// Checks against `phc`, or, for an account that does not exist, against [`dummy_hash`]
    /// (made on first use on a password thread, like every other hash).
    pub async fn verify_or_dummy(
        &self,
        password: String,
        phc: Option<String>,
    ) -> Result<bool, AppError> {
        self.run(move || {
            let ok = verify_password(&password, phc.as_deref().unwrap_or_else(|| dummy_hash()));
            ok && phc.is_some()
        })
        .await
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || hash_password(&password)).await?
    }
}

/// The address a request comes from: the peer, or, when the peer is one of the configured
/// reverse proxies, the last address in `X-Forwarded-For` that is not itself a trusted proxy.
/// A header from anyone else is ignored, so nobody can pick their own throttle key.
pub fn client_address(
    headers: &HeaderMap,
    peer: std::net::IpAddr,
    trusted_proxies: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|a| a.trim().parse::<std::net::IpAddr>())
        .collect::<Result<_, _>>()
        // A malformed chain cannot be trusted beyond the proxy itself.
        .unwrap_or_default();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted_proxies.contains(a))
        .unwrap_or(peer)
}

/// The network an address counts against in the sign-in throttle: the address itself for IPv4,
/// its /64 for IPv6 (one subscriber usually holds a whole /64 and could rotate through it).
pub fn throttle_network(address: std::net::IpAddr) -> String {
    match address {
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        v4 => v4.to_string(),
    }
}

/// Where a sign-in may send the person afterwards: a path on this site, or `/`.
/// Refused: anything not starting with exactly one `/`; `/\`; a backslash or whitespace in the
/// path; a control character anywhere; any raw character outside visible ASCII (browsers drop
/// tabs and newlines, so `/\t/evil.example` would become `//evil.example`). The path rules are
/// checked again after percent-decoding.
pub fn safe_next(next: &str) -> &str {
    fn local(p: &str) -> bool {
        let path = p.split('?').next().unwrap_or("");
        path.starts_with('/')
            && !path.starts_with("//")
            && !path.starts_with("/\\")
            && !path.contains('\\')
            && !path.chars().any(char::is_whitespace)
            && !p.chars().any(char::is_control)
    }
    // The raw value also goes into a Location header: visible ASCII only.
    let header_safe = next.bytes().all(|b| b.is_ascii_graphic());
    if next.len() <= 2048 && header_safe && local(next) && local(&percent_decode(next)) {
        next
    } else {
        "/"
    }
}

/// Percent-decodes once; bytes that are not valid UTF-8 afterwards become U+FFFD.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub const FLASH_COOKIE: &str = "pf_flash";

/// A one-time message for the next page ("Saved.", "Client archived."), carried in a short-lived
/// cookie across the redirect that follows a form; the page that shows it clears it.
pub fn flash_cookie(message: &str, secure: bool) -> String {
    let mut text: String = message.chars().take(300).collect();
    text.retain(|c| !c.is_control());
    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text.as_bytes());
    set_cookie(FLASH_COOKIE, &value, 60, secure)
}

fn read_flash(headers: &HeaderMap) -> Option<String> {
    let raw = cookie(headers, FLASH_COOKIE).filter(|v| !v.is_empty())?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw.as_bytes())
        .ok()?;
    String::from_utf8(bytes)
        .ok()
        .filter(|t| !t.trim().is_empty())
}

/// A redirect after a form that worked, with the one-time message the next page shows.
pub fn redirect_with_flash(to: &str, message: &str, secure: bool) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(header::SET_COOKIE, flash_cookie(message, secure))],
        axum::response::Redirect::to(to),
    )
        .into_response()
}

/// The signed-in person of a page request, with the session's CSRF token.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: User,
    pub csrf: String,
    pub session_hash: String,
    /// The one-time message left by the previous form, if any.
    pub flash: Option<String>,
}

impl<S> FromRequestParts<S> for CurrentUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::Unauthorized)?;
        let hash = sha256_hex(&token);
        match state.store.session_user(&hash).await? {
            Some((session, user)) => Ok(CurrentUser {
                user,
                csrf: session.csrf_token,
                session_hash: hash,
                flash: read_flash(&parts.headers),
            }),
            None => Err(AppError::Unauthorized),
        }
    }
}

/// A form posted by a signed-in user, accepted only with the session's CSRF token.
/// The body is parsed into `T` (all-string fields, validated by the handler so a bad value can be
/// shown back to the user in the re-rendered form).
pub struct Posted<T> {
    pub who: CurrentUser,
    pub form: T,
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<S, T> FromRequest<S> for Posted<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let who = CurrentUser::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, 1 << 20)
            .await
            .map_err(|_| AppError::BadRequest("the form is too large".into()))?;
        let csrf: CsrfField =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::BadCsrf)?;
        if !constant_time_eq(csrf.csrf.as_bytes(), who.csrf.as_bytes()) {
            return Err(AppError::BadCsrf);
        }
        let form = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| AppError::BadRequest(format!("the form could not be read: {e}")))?;
        Ok(Posted { who, form })
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The user behind an `Authorization: Bearer …` API token.
pub struct ApiUser(pub User);

impl<S> FromRequestParts<S> for ApiUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = crate::api_error::ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(crate::api_error::ApiError::Unauthorized)?;
        match state
            .store
            .user_by_token_hash(&sha256_hex(value.trim()))
            .await
        {
            Ok(Some(u)) => Ok(ApiUser(u)),
            Ok(None) => Err(crate::api_error::ApiError::Unauthorized),
            Err(e) => Err(crate::api_error::ApiError::from(AppError::from(e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; pf_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, "pf_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "zzz"), None);
    }

    #[test]
    fn next_accepts_only_paths_on_this_site() {
        for ok in ["/", "/projects/ACME-001", "/projects?q=a%20b", "/caf%C3%A9"] {
            assert_eq!(safe_next(ok), ok);
        }
        for bad in [
            "",
            "projects",
            "//evil.example/",
            "/\\evil.example/",
            "/\t/evil.example/",
            "/%09/evil.example/",
            "/%2F/evil.example/",
            "/%5Cevil.example",
            "/x\nSet-Cookie:a=b",
            "/%0d%0aSet-Cookie:a=b",
            "https://evil.example/",
            "/a b",
            "/café",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(5000))), "/");
    }

    #[test]
    fn forwarded_address_is_believed_only_from_a_trusted_proxy() {
        let proxy: std::net::IpAddr = "10.0.0.2".parse().unwrap();
        let stranger: std::net::IpAddr = "192.0.2.9".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "203.0.113.7, 198.51.100.4".parse().unwrap(),
        );
        // The proxy appends the address it saw last; earlier entries are the client's claims.
        assert_eq!(
            client_address(&h, proxy, &[proxy]).to_string(),
            "198.51.100.4"
        );
        assert_eq!(client_address(&h, stranger, &[proxy]), stranger);
        assert_eq!(client_address(&h, proxy, &[]), proxy);
        h.insert("x-forwarded-for", "not-an-address".parse().unwrap());
        assert_eq!(client_address(&h, proxy, &[proxy]), proxy);
    }

    #[tokio::test]
    async fn a_full_password_queue_answers_busy_instead_of_waiting() {
        let gate = PasswordGate::new(1, 1);
        let first = gate.enter().unwrap();
        let second = gate.enter().unwrap();
        assert!(matches!(gate.enter(), Err(AppError::Busy)));
        drop(first);
        drop(second);
        let h = gate.hash("correct horse".into()).await.unwrap();
        assert!(gate.verify("correct horse".into(), h).await.unwrap());
    }

    #[test]
    fn ipv6_addresses_are_throttled_by_their_64() {
        let a = |s: &str| throttle_network(s.parse().unwrap());
        assert_eq!(a("2001:db8:1:2:aaaa::1"), a("2001:db8:1:2:bbbb::9"));
        assert_eq!(a("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_ne!(a("2001:db8:1:2::1"), a("2001:db8:1:3::1"));
        assert_eq!(a("198.51.100.7"), "198.51.100.7");
        assert_eq!(a("::ffff:198.51.100.7"), "198.51.100.7");
    }

    #[test]
    fn the_reused_memory_check_agrees_with_the_library() {
        use argon2::password_hash::PasswordVerifier;
        let hashes = [
            hash_password("correct horse").unwrap(),
            // Other parameters and algorithms verify too (hashes made elsewhere).
            argon2::Argon2::new(
                argon2::Algorithm::Argon2i,
                argon2::Version::V0x10,
                argon2::Params::new(64, 3, 2, Some(24)).unwrap(),
            )
            .hash_password(b"correct horse", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string(),
        ];
        for h in &hashes {
            let parsed = PasswordHash::new(h).unwrap();
            for pw in ["correct horse", "correct hors", ""] {
                let library = Argon2::default()
                    .verify_password(pw.as_bytes(), &parsed)
                    .is_ok();
                assert_eq!(verify_password(pw, h), library, "{h} {pw:?}");
            }
        }
        assert!(!verify_password(
            "x",
            "$argon2id$v=19$m=999999999,t=1,p=1$c2FsdHNhbHQ$aGFzaA"
        ));
    }
}
