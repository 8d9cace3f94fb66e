//! Sentry rate limits: `X-Sentry-Rate-Limits` on every response, `Retry-After` or 60 s on a bare
//! 429. Items of a limited category are dropped locally until the limit expires. Time is the
//! caller's: `Instant` on the native runtime, the host clock's `Duration` since the epoch in the
//! wasm build.

use std::collections::HashMap;
use std::ops::{Add, Sub};
use std::time::{Duration, Instant};

/// Data categories Sentry names in rate limits; a limit naming only others is ignored.
const KNOWN_CATEGORIES: &[&str] = &[
    "default",
    "error",
    "transaction",
    "span",
    "security",
    "attachment",
    "session",
    "profile",
    "profile_chunk",
    "replay",
    "monitor",
    "feedback",
    "log_item",
    "log_byte",
    "internal",
    "metric_bucket",
];

const BARE_429_WAIT: Duration = Duration::from_secs(60);

/// A point in time the limits can be kept in.
pub trait Moment: Copy + Ord + Add<Duration, Output = Self> + Sub<Output = Duration> {}
impl<T: Copy + Ord + Add<Duration, Output = T> + Sub<Output = Duration>> Moment for T {}

#[derive(Debug)]
pub struct RateLimits<T = Instant> {
    all: Option<T>,
    by_category: HashMap<String, T>,
}

impl<T> Default for RateLimits<T> {
    fn default() -> Self {
        RateLimits {
            all: None,
            by_category: HashMap::new(),
        }
    }
}

impl<T: Moment> RateLimits<T> {
    /// Reads the limits a response carries (200 included).
    pub fn update(
        &mut self,
        status: u16,
        rate_limits: Option<&str>,
        retry_after: Option<Duration>,
        now: T,
    ) {
        if let Some(header) = rate_limits {
            self.apply_header(header, now);
        } else if status == 429 {
            self.extend_all(now + retry_after.unwrap_or(BARE_429_WAIT));
        }
    }

    /// `retry_after:categories:scope[:reason]`, limits separated by `,`, categories by `;`.
    fn apply_header(&mut self, header: &str, now: T) {
        for limit in header.split(',').map(str::trim).filter(|l| !l.is_empty()) {
            let mut fields = limit.split(':');
            let Some(secs) = fields
                .next()
                .and_then(|s| crate::options::parse_number(s.trim()))
            else {
                continue;
            };
            if !secs.is_finite() || secs < 0.0 {
                continue;
            }
            let until = now + Duration::from_secs_f64(secs);
            let categories: Vec<&str> = fields
                .next()
                .unwrap_or("")
                .split(';')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            if categories.is_empty() {
                self.extend_all(until);
                continue;
            }
            for category in categories {
                if KNOWN_CATEGORIES.contains(&category) {
                    let slot = self.by_category.entry(category.to_owned()).or_insert(until);
                    *slot = (*slot).max(until);
                }
            }
        }
    }

    fn extend_all(&mut self, until: T) {
        self.all = Some(self.all.map_or(until, |a| a.max(until)));
    }

    /// Whether items of `category` must be dropped at `now`.
    pub fn is_limited(&self, category: &str, now: T) -> bool {
        self.all.is_some_and(|t| t > now)
            || self.by_category.get(category).is_some_and(|t| *t > now)
    }

    /// How long `category` stays limited (for diagnostics and tests).
    pub fn remaining(&self, category: &str, now: T) -> Option<Duration> {
        let until = [self.all, self.by_category.get(category).copied()]
            .into_iter()
            .flatten()
            .max()?;
        (until > now).then(|| until - now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(d: Option<Duration>) -> Option<u64> {
        d.map(|d| d.as_secs_f64().round() as u64)
    }

    #[test]
    fn categories_scopes_and_the_longest_limit_win() {
        let now = Instant::now();
        let mut rl = RateLimits::default();
        rl.update(
            200,
            Some("60:transaction;span:organization:quota_exceeded, 120:span:project, 10::key"),
            None,
            now,
        );
        assert_eq!(secs(rl.remaining("transaction", now)), Some(60));
        assert_eq!(secs(rl.remaining("span", now)), Some(120));
        // The empty category list limits everything, for 10 s.
        assert_eq!(secs(rl.remaining("error", now)), Some(10));
        assert!(!rl.is_limited("error", now + Duration::from_secs(11)));
        assert!(rl.is_limited("span", now + Duration::from_secs(100)));
        // A shorter limit later does not shorten a longer one.
        rl.update(200, Some("5:span:organization"), None, now);
        assert_eq!(secs(rl.remaining("span", now)), Some(120));
    }

    #[test]
    fn limits_naming_only_unknown_categories_are_ignored() {
        let now = Instant::now();
        let mut rl = RateLimits::default();
        rl.update(429, Some("60:nonsense;other:organization"), None, now);
        assert!(!rl.is_limited("transaction", now));
        assert!(!rl.is_limited("nonsense", now));
        rl.update(200, Some("garbage, :span:x, -5:span:y"), None, now);
        assert!(!rl.is_limited("span", now));
    }

    #[test]
    fn a_429_without_the_header_uses_retry_after_or_sixty_seconds() {
        let now = Instant::now();
        let mut rl = RateLimits::default();
        rl.update(429, None, Some(Duration::from_secs(7)), now);
        assert_eq!(secs(rl.remaining("span", now)), Some(7));
        let mut rl = RateLimits::default();
        rl.update(429, None, None, now);
        assert_eq!(secs(rl.remaining("transaction", now)), Some(60));
        let mut rl = RateLimits::default();
        rl.update(200, None, Some(Duration::from_secs(7)), now);
        assert!(!rl.is_limited("span", now));
    }
}
