//! HTTP for exporters: one keep-alive agent, gzip bodies, bounded retries with backoff that
//! honour `Retry-After` and never outlive the export deadline, and a few requests in flight at
//! once. Delivery is bound by round trips (tens of milliseconds to a real Sentry), so the flush
//! thread builds a batch of requests and a small pool of sender threads overlaps them; the flush
//! thread still waits for every answer before it settles the batch.

use std::io::Write;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender};

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

/// One request to make, retries included.
pub(crate) struct Request {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Compress the body (on the sender thread) and say so in `Content-Encoding`.
    pub gzip: bool,
    pub deadline: Instant,
    /// Which answers deserve another try.
    pub retryable: fn(&HttpResponse) -> bool,
}

type Outcome = Result<HttpResponse, HttpFailure>;

struct Job {
    index: usize,
    request: Request,
    reply: Sender<(usize, Outcome)>,
}

pub(crate) struct HttpClient {
    agent: ureq::Agent,
    debug: bool,
    concurrency: usize,
    /// Sender threads, started on the first batch of more than one request.
    pool: Mutex<Option<Pool>>,
}

struct Pool {
    jobs: Sender<Job>,
    _threads: Vec<JoinHandle<()>>,
}

/// Requests in flight; `finish` waits for all of them.
pub(crate) struct Batch<'a> {
    client: &'a HttpClient,
    pool: Option<Sender<Job>>,
    reply: Sender<(usize, Outcome)>,
    replies: Receiver<(usize, Outcome)>,
    outcomes: Vec<Option<Outcome>>,
}

impl Batch<'_> {
    pub fn push(&mut self, request: Request) {
        let index = self.outcomes.len();
        self.outcomes.push(None);
        let job = Job {
            index,
            request,
            reply: self.reply.clone(),
        };
        let job = match &self.pool {
            Some(jobs) => match jobs.send(job) {
                Ok(()) => return,
                Err(crossbeam_channel::SendError(job)) => job,
            },
            None => job,
        };
        self.outcomes[index] = Some(self.client.send(job.request));
    }

    /// Waits for every request pushed and returns the outcomes in push order.
    pub fn finish(mut self) -> Vec<Outcome> {
        drop(self.reply);
        let waiting = self.outcomes.iter().filter(|o| o.is_none()).count();
        for (index, outcome) in self.replies.iter().take(waiting) {
            self.outcomes[index] = Some(outcome);
        }
        self.outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Err(HttpFailure::Request("sender thread lost".into()))))
            .collect()
    }
}

/// Retry schedule: 100 ms doubling to 5 s, with ±50 % jitter.
const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

impl HttpClient {
    /// `concurrency` is the most requests in flight at once (at least 1).
    pub fn new(debug: bool, concurrency: usize) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(format!("llmtel/{}", crate::VERSION))
            .max_redirects(0)
            .max_idle_connections_per_host(concurrency.max(1))
            .build()
            .into();
        HttpClient {
            agent,
            debug,
            concurrency: concurrency.max(1),
            pool: Mutex::new(None),
        }
    }

    /// Starts a batch: each request pushed is sent at once (up to `concurrency` in flight), so
    /// the caller can build the next while earlier ones travel.
    pub fn batch(&self) -> Batch<'_> {
        let pool = if self.concurrency > 1 {
            self.pool_sender()
        } else {
            None
        };
        let (reply, replies) = crossbeam_channel::unbounded();
        Batch {
            client: self,
            pool,
            reply,
            replies,
            outcomes: Vec::new(),
        }
    }

    fn pool_sender(&self) -> Option<Sender<Job>> {
        let mut pool = self.pool.lock().ok()?;
        if pool.is_none() {
            let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
            let threads: Vec<JoinHandle<()>> = (0..self.concurrency)
                .filter_map(|i| {
                    let queue: Receiver<Job> = queue.clone();
                    let client = HttpClient {
                        agent: self.agent.clone(),
                        debug: self.debug,
                        concurrency: 1,
                        pool: Mutex::new(None),
                    };
                    std::thread::Builder::new()
                        .name(format!("llmtel-http-{i}"))
                        .spawn(move || {
                            for job in queue {
                                let _ = job.reply.send((job.index, client.send(job.request)));
                            }
                        })
                        .ok()
                })
                .collect();
            if threads.is_empty() {
                return None;
            }
            *pool = Some(Pool {
                jobs,
                _threads: threads,
            });
        }
        pool.as_ref().map(|p| p.jobs.clone())
    }

    /// One request with its retries, on the calling thread.
    pub fn send(&self, request: Request) -> Outcome {
        let body = if request.gzip {
            gzip(&request.body)
        } else {
            request.body
        };
        let mut headers: Vec<(&str, &str)> = request
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if request.gzip {
            headers.push(("Content-Encoding", "gzip"));
        }
        self.post_with_retry(
            &request.url,
            &headers,
            &body,
            request.deadline,
            request.retryable,
        )
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
