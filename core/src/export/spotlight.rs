//! The Spotlight copy: envelopes go to the local sidecar from a small thread of their own, so a
//! slow or absent sidecar never delays delivery to Sentry. A full buffer drops the copy.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Sender, TrySendError};

use super::http::HttpClient;

/// Envelopes waiting for the sidecar; past this, copies are dropped.
const BUFFER: usize = 64;
const SEND_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) struct SpotlightSender {
    tx: Option<Sender<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
}

impl SpotlightSender {
    pub fn start(url: &str, debug: bool) -> Self {
        let (tx, rx) = crossbeam_channel::bounded::<Vec<u8>>(BUFFER);
        let url = url.to_owned();
        let thread = std::thread::Builder::new()
            .name("llmtel-spotlight".into())
            .spawn(move || {
                let http = HttpClient::new(debug, 1);
                let mut warned = false;
                for envelope in rx {
                    let headers = [("Content-Type", "application/x-sentry-envelope")];
                    let ok = matches!(
                        http.post(&url, &headers, &envelope, SEND_TIMEOUT),
                        Ok(r) if r.is_success()
                    );
                    if !ok && !warned {
                        eprintln!("llmtel: Spotlight at {url} did not accept an envelope; is the sidecar running?");
                        warned = true;
                    }
                }
            })
            .ok();
        SpotlightSender {
            tx: thread.is_some().then_some(tx),
            thread,
        }
    }

    pub fn send(&self, envelope: Vec<u8>) {
        if let Some(tx) = &self.tx
            && let Err(TrySendError::Full(_)) = tx.try_send(envelope)
        {
            // The sidecar is behind; Spotlight is a development aid, so the copy is skipped.
        }
    }

    /// Lets queued copies go out until `deadline`, then leaves the thread to finish alone.
    pub fn stop(mut self, deadline: Instant) {
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            while !thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if thread.is_finished() {
                let _ = thread.join();
            }
        }
    }
}
