//! Test support: a scriptable HTTP server on loopback, and readers for what it received.
#![allow(dead_code)]

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use flate2::read::GzDecoder;
use llmtel_core::{Client, Options, SpanKind, SpanStart};

/// A request as the server saw it; `body` is decompressed when the request was gzipped.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub raw_body: Vec<u8>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server answers one request with.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering (an in-flight request).
    pub delay: Duration,
}

impl Reply {
    pub fn ok() -> Self {
        Reply::status(200).body(br#"{"id":"00000000000000000000000000000000"}"#)
    }
    pub fn status(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }
    pub fn body(mut self, b: &[u8]) -> Self {
        self.body = b.to_vec();
        self
    }
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
}

type Script = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

/// A loopback HTTP server that answers by script and records every request.
pub struct Sink {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    server: Arc<tiny_http::Server>,
}

impl Sink {
    /// Answers 200 to everything.
    pub fn ok() -> Sink {
        Sink::scripted(|_, _| Reply::ok())
    }

    /// Answers request number `n` (from 0) with `script(n, request)`.
    pub fn scripted(script: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> Sink {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind loopback"));
        let addr = server.server_addr().to_ip().expect("an IP listener");
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let (srv, reqs) = (server.clone(), requests.clone());
        thread::spawn(move || {
            for mut request in srv.incoming_requests() {
                let mut raw = Vec::new();
                let _ = request.as_reader().read_to_end(&mut raw);
                let headers: Vec<(String, String)> = request
                    .headers()
                    .iter()
                    .map(|h| (h.field.to_string(), h.value.to_string()))
                    .collect();
                let gzipped = headers
                    .iter()
                    .any(|(k, v)| k.eq_ignore_ascii_case("content-encoding") && v == "gzip");
                let body = if gzipped {
                    let mut out = Vec::new();
                    GzDecoder::new(&raw[..])
                        .read_to_end(&mut out)
                        .expect("a valid gzip body");
                    out
                } else {
                    raw.clone()
                };
                let recorded = Recorded {
                    method: request.method().to_string(),
                    path: request.url().to_string(),
                    headers,
                    raw_body: raw,
                    body,
                    at: Instant::now(),
                };
                let n = {
                    let mut all = reqs.lock().unwrap();
                    all.push(recorded.clone());
                    all.len() - 1
                };
                let script = script.clone();
                // Each answer on its own thread, so a delayed reply does not hold up the next.
                thread::spawn(move || {
                    let reply = script(n, &recorded);
                    thread::sleep(reply.delay);
                    let mut response =
                        tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
                    for (k, v) in reply.headers {
                        response.add_header(
                            tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap(),
                        );
                    }
                    let _ = request.respond(response);
                });
            }
        });
        Sink {
            addr,
            requests,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A DSN whose envelope endpoint is this server.
    pub fn dsn(&self) -> String {
        format!("http://public@{}/42", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived (or panics after 10 s).
    pub fn wait_for(&self, n: usize) -> Vec<Recorded> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let all = self.requests();
            if all.len() >= n {
                return all;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} requests, got {}",
                all.len()
            );
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// The first `n` requests as envelopes, once they arrived.
    pub fn wait_for_envelopes(&self, n: usize) -> Vec<Envelope> {
        self.wait_for(n)
            .iter()
            .map(|r| Envelope::parse(&r.body))
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

/// A port on which nothing listens: connections are refused.
pub fn refused_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A server that accepts connections and never answers.
pub fn silent_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    addr
}

/// Options with nothing configured and no environment leaking in, quick to flush.
pub fn quiet_options() -> Options {
    Options {
        spool: Some(llmtel_core::options::Spool::Off),
        dsn: Some(String::new()),
        flush_interval: Duration::from_millis(50),
        export_timeout: Duration::from_secs(5),
        ..Options::default()
    }
}

/// Spans exported into memory, for tests that look at what the pipeline produced.
pub type Spans = Arc<Mutex<Vec<llmtel_core::SpanData>>>;

struct Memory(Spans);

impl llmtel_core::SpanExporter for Memory {
    fn name(&self) -> &str {
        "memory"
    }
    fn export(
        &mut self,
        segments: &[llmtel_core::Segment],
        _: Instant,
    ) -> llmtel_core::ExportTally {
        let mut spans = self.0.lock().unwrap();
        let before = spans.len();
        spans.extend(
            segments
                .iter()
                .flat_map(llmtel_core::Segment::spans)
                .cloned(),
        );
        llmtel_core::ExportTally::exported((spans.len() - before) as u64)
    }
}

/// `quiet_options()` with one more exporter that keeps every span in the returned list.
pub fn memory_options() -> (Options, Spans) {
    let spans = Spans::default();
    let mut options = quiet_options();
    let sink = spans.clone();
    options
        .exporters
        .push(Arc::new(move || Box::new(Memory(sink.clone()))));
    (options, spans)
}

pub fn sentry_client(sink: &Sink, tweak: impl FnOnce(&mut Options)) -> Client {
    let mut o = quiet_options();
    o.dsn = Some(sink.dsn());
    o.release = Some("app@1.0.0".into());
    o.environment = Some("test".into());
    tweak(&mut o);
    Client::init(o).expect("valid options")
}

/// A user root with one plain child and one GenAI child, like a traced AI task.
pub fn record_ai_task(client: &Client) -> (String, [String; 3]) {
    let mut root = client.start_span(
        SpanStart::new("Generate Report")
            .op("ai.task")
            .attribute("customer.tier", "premium"),
    );
    let mut db = client.start_span(
        SpanStart::new("SELECT reports")
            .op("db.query")
            .parent(root.context()),
    );
    db.set_attribute("db.system", "postgresql");
    let mut chat = client.start_span(
        SpanStart::new("chat gpt-4o")
            .op("gen_ai.chat")
            .origin("auto.ai.openai")
            .kind(SpanKind::Client)
            .parent(root.context())
            .attribute("gen_ai.operation.name", "chat")
            .attribute("gen_ai.provider.name", "openai")
            .attribute("gen_ai.request.model", "gpt-4o"),
    );
    chat.set_attribute("gen_ai.usage.input_tokens", 150);
    chat.set_attribute("gen_ai.usage.output_tokens", 300);
    chat.set_attribute("gen_ai.usage.cache_read.input_tokens", 100);
    chat.set_attribute("gen_ai.request.temperature", 0.5);
    chat.set_attribute("gen_ai.response.finish_reasons", vec!["stop"]);
    chat.set_attribute("gen_ai.request.stream", true);
    root.set_attribute("ai.use_case", "support");
    let ids = [
        root.context().span_id.to_hex(),
        db.context().span_id.to_hex(),
        chat.context().span_id.to_hex(),
    ];
    let trace = root.context().trace_id.to_hex();
    db.end();
    chat.end();
    root.end();
    (trace, ids)
}

/// A parsed envelope: header, then (item header, payload) pairs.
#[derive(Debug)]
pub struct Envelope {
    pub header: serde_json::Value,
    pub items: Vec<(serde_json::Value, Vec<u8>)>,
}

impl Envelope {
    /// Parses strictly: every item must carry a `length` that matches its payload.
    pub fn parse(body: &[u8]) -> Envelope {
        let (header, mut rest) = split_line(body);
        let header = serde_json::from_slice(header).expect("envelope header is JSON");
        let mut items = Vec::new();
        while !rest.is_empty() {
            let (item_header, after) = split_line(rest);
            if item_header.is_empty() && after.is_empty() {
                break;
            }
            let item_header: serde_json::Value =
                serde_json::from_slice(item_header).expect("item header is JSON");
            let length = item_header["length"]
                .as_u64()
                .expect("every item has a length") as usize;
            let payload = after[..length].to_vec();
            let after = &after[length..];
            assert!(
                after.is_empty() || after[0] == b'\n',
                "payload is followed by a newline"
            );
            rest = if after.is_empty() { after } else { &after[1..] };
            items.push((item_header, payload));
        }
        Envelope { header, items }
    }

    pub fn items_of(&self, kind: &str) -> Vec<serde_json::Value> {
        self.items
            .iter()
            .filter(|(h, _)| h["type"] == kind)
            .map(|(_, p)| serde_json::from_slice(p).expect("item payload is JSON"))
            .collect()
    }

    pub fn item_types(&self) -> Vec<String> {
        self.items
            .iter()
            .map(|(h, _)| h["type"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// Sums the client reports' `discarded_events` of these envelopes by (reason, category).
pub fn discarded(envelopes: &[Envelope]) -> std::collections::BTreeMap<(String, String), u64> {
    let mut out = std::collections::BTreeMap::new();
    for env in envelopes {
        for report in env.items_of("client_report") {
            for d in report["discarded_events"].as_array().unwrap() {
                *out.entry((
                    d["reason"].as_str().unwrap().to_owned(),
                    d["category"].as_str().unwrap().to_owned(),
                ))
                .or_default() += d["quantity"].as_u64().unwrap();
            }
        }
    }
    out
}
