//! HTTP for exporters: one keep-alive agent, gzip bodies, bounded retries with backoff that
//! honour `Retry-After` and never outlive the export deadline, and a few requests in flight at
//! once. Delivery is bound by round trips (tens of milliseconds to a real Sentry; seconds to a
//! struggling one), so a pool of sender threads, grown on demand up to the concurrency limit,
//! overlaps them while the flush thread takes the answers one by one.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

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
    /// Sender threads, started as requests wait for one and ended after a quiet spell.
    pool: Mutex<Option<Pool>>,
}

struct Pool {
    jobs: Sender<Job>,
    queue: Receiver<Job>,
    /// Jobs are sent and threads leave under this lock, so no job waits without a thread.
    state: Arc<Mutex<PoolState>>,
}

#[derive(Default)]
struct PoolState {
    threads: usize,
    /// Threads waiting for a job, less the jobs already queued for them.
    idle: usize,
}

/// A sender thread with nothing to do for this long ends (one is started again when needed).
const IDLE_THREAD_LIFETIME: Duration = Duration::from_secs(10);

/// Requests in flight. The caller keeps at most `HttpClient::concurrency()` of them pending,
/// taking answers one at a time with `next_answer`, so what one answer says (a rate limit) can
/// stop requests not yet made.
pub(crate) struct Batch<'a> {
    client: &'a HttpClient,
    reply: Sender<(usize, Outcome)>,
    replies: Receiver<(usize, Outcome)>,
    /// Answers of requests sent on the calling thread (no pool), not yet taken.
    inline: Vec<(usize, Outcome)>,
    pushed: usize,
    pending: usize,
}

impl Batch<'_> {
    /// Sends `request` (on a pool thread when the client has one) and returns its index.
    pub fn push(&mut self, request: Request) -> usize {
        let index = self.pushed;
        self.pushed += 1;
        self.pending += 1;
        let job = Job {
            index,
            request,
            reply: self.reply.clone(),
        };
        if let Some(job) = self.client.dispatch(job) {
            self.inline.push((index, self.client.send(job.request)));
        }
        index
    }

    /// Requests pushed and not yet answered through `next_answer`.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// Waits for the next answer (in the order they arrive); `None` once nothing is pending.
    pub fn next_answer(&mut self) -> Option<(usize, Outcome)> {
        if self.pending == 0 {
            return None;
        }
        self.pending -= 1;
        if let Some(answer) = self.inline.pop() {
            return Some(answer);
        }
        // Every job holds a reply sender until it answers, and `self.reply` keeps the channel
        // open, so this returns once the job ends (its deadline bounds it).
        Some(self.replies.recv().unwrap_or_else(|_| {
            (
                usize::MAX,
                Err(HttpFailure::Request("sender thread lost".into())),
            )
        }))
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

    /// Most requests in flight at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Starts a batch of requests in flight.
    pub fn batch(&self) -> Batch<'_> {
        let (reply, replies) = crossbeam_channel::unbounded();
        Batch {
            client: self,
            reply,
            replies,
            inline: Vec::new(),
            pushed: 0,
            pending: 0,
        }
    }

    /// Hands `job` to a sender thread, starting one when none is idle and fewer than
    /// `concurrency` run. Gives the job back when there is no pool (concurrency 1) or no thread
    /// could be started, for the caller to send itself.
    fn dispatch(&self, job: Job) -> Option<Job> {
        if self.concurrency <= 1 {
            return Some(job);
        }
        let Ok(mut pool) = self.pool.lock() else {
            return Some(job);
        };
        let pool = pool.get_or_insert_with(|| {
            let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
            Pool {
                jobs,
                queue,
                state: Arc::default(),
            }
        });
        let Ok(mut state) = pool.state.lock() else {
            return Some(job);
        };
        if state.idle > 0 {
            state.idle -= 1;
        } else if state.threads < self.concurrency && self.spawn_sender(pool) {
            state.threads += 1;
        } else if state.threads == 0 {
            return Some(job);
        }
        pool.jobs
            .send(job)
            .err()
            .map(|crossbeam_channel::SendError(job)| job)
    }

    /// Starts one sender thread; it ends after `IDLE_THREAD_LIFETIME` without work.
    fn spawn_sender(&self, pool: &Pool) -> bool {
        let queue = pool.queue.clone();
        let state = pool.state.clone();
        let client = HttpClient {
            agent: self.agent.clone(),
            debug: self.debug,
            concurrency: 1,
            pool: Mutex::new(None),
        };
        let serve = move || {
            loop {
                let job = match queue.recv_timeout(IDLE_THREAD_LIFETIME) {
                    Ok(job) => job,
                    Err(RecvTimeoutError::Disconnected) => return,
                    Err(RecvTimeoutError::Timeout) => {
                        let Ok(mut state) = state.lock() else { return };
                        match queue.try_recv() {
                            // Queued for us just before we could leave.
                            Ok(job) => job,
                            Err(_) => {
                                state.idle -= 1;
                                state.threads -= 1;
                                return;
                            }
                        }
                    }
                };
                // A panic must still answer: the exporter waits for every job it pushed.
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    client.send(job.request)
                }))
                .unwrap_or_else(|_| Err(HttpFailure::Request("a bug in the sender".into())));
                let _ = job.reply.send((job.index, outcome));
                if let Ok(mut state) = state.lock() {
                    state.idle += 1;
                }
            }
        };
        std::thread::Builder::new()
            .name("llmtel-http".into())
            .spawn(serve)
            .is_ok()
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
                    Ok(r) => eprintln!(
                        "llmtel: {} answered {}; retrying in {wait:?}",
                        shown(url),
                        r.status
                    ),
                    Err(e) => eprintln!(
                        "llmtel: {} failed ({e:?}); retrying in {wait:?}",
                        shown(url)
                    ),
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

/// A URL as diagnostics show it: credentials in it (`https://user:token@host`) filtered.
pub(crate) fn shown(url: &str) -> std::borrow::Cow<'_, str> {
    crate::scrub::Scrubber::builtin().scrub(url)
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

#[cfg(test)]
mod tests {
    #[test]
    fn diagnostics_show_urls_without_their_credentials() {
        assert_eq!(
            super::shown("https://otlp:s3cret-token@collector:4318/v1/traces"),
            "https://otlp:[Filtered]@collector:4318/v1/traces"
        );
        assert_eq!(
            super::shown("http://collector:4318/v1/traces"),
            "http://collector:4318/v1/traces"
        );
    }
}
