//! HTTP for exporters: one keep-alive agent, gzip bodies, and bounded retries with backoff that
//! honour `Retry-After` and never outlive the export deadline.

use std::io::Write;
use std::time::{Duration, Instant, SystemTime};

use flate2::Compression;
use flate2::write::GzEncoder;

/// The parts of a response exporters look at.
#[derive(Debug)]
pub(crate) struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `Retry-After` as seconds or an HTTP date.
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.header("retry-after")?.trim();
        if let Ok(secs) = value.parse::<f64>() {
            return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
        }
        let at = httpdate::parse_http_date(value).ok()?;
        Some(
            at.duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO),
        )
    }
}

/// Why no response came back.
#[derive(Debug)]
pub(crate) enum HttpFailure {
    /// Connection refused or reset, DNS failure, timeout: worth another try.
    Network(String),
    /// The request could not be made at all (bad URL, bad header): retrying will not help.
    Request(String),
}

pub(crate) struct HttpClient {
    agent: ureq::Agent,
    debug: bool,
}

/// Retry schedule: 100 ms doubling to 5 s, with ±50 % jitter.
const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

impl HttpClient {
    pub fn new(debug: bool) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(format!("llmtel/{}", crate::VERSION))
            .max_redirects(0)
            .build()
            .into();
        HttpClient { agent, debug }
    }

    pub fn debug(&self) -> bool {
        self.debug
    }

    /// One POST, bounded by `timeout`.
    pub fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        timeout: Duration,
    ) -> Result<HttpResponse, HttpFailure> {
        let mut request = self
            .agent
            .post(url)
            .config()
            .timeout_global(Some(timeout.max(Duration::from_millis(1))))
            .build();
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        match request.send(body) {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let headers = response
                    .headers()
                    .iter()
                    .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                    .collect();
                // A body that cannot be read does not undo the status the server gave.
                let body = response
                    .body_mut()
                    .with_config()
                    .limit(1 << 20)
                    .read_to_vec()
                    .unwrap_or_default();
                Ok(HttpResponse {
                    status,
                    headers,
                    body,
                })
            }
            Err(e) => Err(classify(e)),
        }
    }

    /// POSTs until a response that `retryable` does not want retried, a request error, or the
    /// deadline. The last response (or failure) is returned.
    pub fn post_with_retry(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        deadline: Instant,
        retryable: impl Fn(&HttpResponse) -> bool,
    ) -> Result<HttpResponse, HttpFailure> {
        let mut backoff = BACKOFF_START;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(HttpFailure::Network("export deadline passed".into()));
            }
            let outcome = self.post(url, headers, body, remaining);
            let wait = match &outcome {
                Ok(r) if retryable(r) => r.retry_after().unwrap_or_else(|| jittered(backoff)),
                Err(HttpFailure::Network(_)) => jittered(backoff),
                _ => return outcome,
            };
            if self.debug {
                match &outcome {
                    Ok(r) => eprintln!("llmtel: {url} answered {}; retrying in {wait:?}", r.status),
                    Err(e) => eprintln!("llmtel: {url} failed ({e:?}); retrying in {wait:?}"),
                }
            }
            if Instant::now() + wait >= deadline {
                return outcome;
            }
            std::thread::sleep(wait);
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }
}

fn jittered(base: Duration) -> Duration {
    base.mul_f64(0.5 + crate::ids::unit_f64())
}

fn classify(e: ureq::Error) -> HttpFailure {
    use ureq::Error as E;
    match e {
        E::Io(_)
        | E::Timeout(_)
        | E::HostNotFound
        | E::ConnectionFailed
        | E::Protocol(_)
        | E::Tls(_) => HttpFailure::Network(e.to_string()),
        other => HttpFailure::Request(other.to_string()),
    }
}

/// Gzip at the fastest level: exports are small and the flush thread has other work.
pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(data.len() / 4 + 64), Compression::fast());
    encoder
        .write_all(data)
        .and_then(|_| encoder.finish())
        .expect("writing to a Vec cannot fail")
}
