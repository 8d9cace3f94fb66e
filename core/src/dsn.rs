//! Sentry DSN: `{scheme}://{public_key}[:{secret}]@{host}[:{port}]{path}/{project_id}`.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Dsn {
    pub scheme: String,
    pub public_key: String,
    pub secret_key: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    /// Path prefix before the project id, without a trailing slash (`""` or `/sentry`).
    pub path: String,
    pub project_id: String,
}

impl Dsn {
    /// Parses a DSN, explaining what is wrong with it when it cannot be used.
    pub fn parse(text: &str) -> Result<Dsn, String> {
        let url = crate::http_url::parse(text).map_err(|e| format!("{e} in {text:?}"))?;
        let userinfo = url.userinfo.unwrap_or_default();
        let (public_key, secret_key) = match userinfo.split_once(':') {
            Some((key, secret)) => (key, Some(secret.to_owned())),
            None => (userinfo, None),
        };
        if public_key.is_empty() {
            return Err("the public key (the part before '@') is missing".into());
        }
        let path = url.path.trim_end_matches('/');
        let (prefix, project_id) = path.rsplit_once('/').unwrap_or(("", path));
        if project_id.is_empty() {
            return Err("the project id (the last path segment) is missing".into());
        }
        Ok(Dsn {
            scheme: url.scheme,
            public_key: public_key.to_owned(),
            secret_key,
            host: url.host,
            port: url.port,
            path: prefix.to_owned(),
            project_id: project_id.to_owned(),
        })
    }

    /// The envelope endpoint: `{scheme}://{host}[:{port}]{path}/api/{project_id}/envelope/`.
    pub fn envelope_url(&self) -> String {
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        format!(
            "{}://{}{}{}/api/{}/envelope/",
            self.scheme, self.host, port, self.path, self.project_id
        )
    }

    /// The DSN without its secret, as envelopes sent through a tunnel name it in their header
    /// (the tunnel forwards them by it).
    pub fn public_form(&self) -> String {
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        format!(
            "{}://{}@{}{}{}/{}",
            self.scheme, self.public_key, self.host, port, self.path, self.project_id
        )
    }

    /// The `X-Sentry-Auth` header value.
    pub fn auth_header(&self, client: &str) -> String {
        let mut auth = format!(
            "Sentry sentry_key={}, sentry_version=7, sentry_client={client}",
            self.public_key
        );
        if let Some(secret) = &self.secret_key {
            auth.push_str(", sentry_secret=");
            auth.push_str(secret);
        }
        auth
    }
}

impl fmt::Debug for Dsn {
    // The secret never reaches logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dsn({})", self.envelope_url())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_part_and_builds_the_endpoint() {
        let d = Dsn::parse("https://pub:sec@sentry.example.com:8443/prefix/sub/42").unwrap();
        assert_eq!(d.public_key, "pub");
        assert_eq!(d.secret_key.as_deref(), Some("sec"));
        assert_eq!(d.port, Some(8443));
        assert_eq!(d.project_id, "42");
        assert_eq!(
            d.envelope_url(),
            "https://sentry.example.com:8443/prefix/sub/api/42/envelope/"
        );
        assert_eq!(
            d.auth_header("llmtel/0.1.0"),
            "Sentry sentry_key=pub, sentry_version=7, sentry_client=llmtel/0.1.0, sentry_secret=sec"
        );
        assert_eq!(
            d.public_form(),
            "https://pub@sentry.example.com:8443/prefix/sub/42"
        );
        let d = Dsn::parse("http://k@127.0.0.1/project-x").unwrap();
        assert_eq!(d.envelope_url(), "http://127.0.0.1/api/project-x/envelope/");
        assert_eq!(d.public_form(), "http://k@127.0.0.1/project-x");
    }

    #[test]
    fn rejects_with_a_reason() {
        for (dsn, why) in [
            ("https://sentry.io/1", "public key"),
            ("https://k@sentry.io/", "project id"),
            ("https://k@sentry.io", "project id"),
            ("gopher://k@sentry.io/1", "scheme"),
            ("not a dsn", "not a URL"),
            ("https://k@sentry.io:99999/1", "port"),
        ] {
            let e = Dsn::parse(dsn).unwrap_err();
            assert!(e.contains(why), "{dsn}: {e}");
        }
    }
}
