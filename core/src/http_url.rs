//! An http(s) URL as DSNs and endpoint options are written, read to RFC 3986 (fluent-uri):
//! scheme and host are compared and kept in lower case, the rest as written (percent-encoded).

/// The parts of an http or https URL that has a host.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct HttpUrl<'a> {
    /// `http` or `https`.
    pub scheme: String,
    /// What precedes `@`, as written.
    pub userinfo: Option<&'a str>,
    /// A name, an IPv4 address, or an IPv6 address in brackets.
    pub host: String,
    pub port: Option<u16>,
    /// The path as written: `""` or starting with `/`.
    pub path: &'a str,
}

/// Reads `text`, explaining what is wrong with it when it is not an http(s) URL with a host.
pub(crate) fn parse(text: &str) -> Result<HttpUrl<'_>, String> {
    if !text.contains("://") {
        return Err("not a URL (no `scheme://`)".into());
    }
    let uri = fluent_uri::Uri::parse(text).map_err(|e| format!("not a URL ({e})"))?;
    let scheme = uri.scheme().as_str().to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(format!("scheme must be http or https, not {scheme:?}"));
    }
    let authority = uri.authority().filter(|a| !a.host().is_empty());
    let Some(authority) = authority else {
        return Err("the host is missing".into());
    };
    let port = authority.port_to_u16().map_err(|_| {
        let written = authority.port().map(|p| p.as_str()).unwrap_or_default();
        format!("the port {written:?} is not a number from 0 to 65535")
    })?;
    Ok(HttpUrl {
        scheme,
        userinfo: authority.userinfo().map(|u| u.as_str()),
        host: authority.host().to_ascii_lowercase(),
        port,
        path: uri.path().as_str(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_part() {
        let url = parse("HTTPS://pub:sec@Sentry.Example.COM:8443/prefix/42?x=1").unwrap();
        assert_eq!(
            url,
            HttpUrl {
                scheme: "https".into(),
                userinfo: Some("pub:sec"),
                host: "sentry.example.com".into(),
                port: Some(8443),
                path: "/prefix/42",
            }
        );
        let url = parse("http://[::1]:4318").unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.path),
            ("[::1]", Some(4318), "")
        );
        assert_eq!(parse("http://127.0.0.1:/").unwrap().port, None);
    }

    #[test]
    fn says_what_is_wrong() {
        for (text, why) in [
            ("not a url", "no `scheme://`"),
            ("localhost:4318", "no `scheme://`"),
            ("http://a b/", "unexpected character at index 8"),
            ("ftp://host/", "http or https, not \"ftp\""),
            ("http:///path", "host is missing"),
            ("http://k@:80/1", "host is missing"),
            ("http://host:99999/", "port \"99999\""),
            ("http://[::g]/", "not a URL"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
        }
    }
}
