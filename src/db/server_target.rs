//! A database server target: a `postgres://` or `mysql://` / `mariadb://` URL, or a libpq
//! keyword/value string, read with real parsers into named parameters, handed to the client
//! library in a form no character of a password can be misread in (libpq: a quoted keyword/value
//! string; MySQL: a URL rebuilt with every part percent-encoded), and shown with the password
//! masked.

use std::fmt;
use std::time::Duration;

use percent_encoding::percent_decode_str;

use super::{Backend, ConnectError};

/// The default for `--timeout`: how long a statement or a lock may take on the server.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// Beyond the server-side timeout, how long a client waits for a server that does not answer at
/// all (a frozen process cannot enforce its own timeout) before it stops waiting.
pub const CLIENT_GRACE: Duration = Duration::from_secs(5);
/// How long to wait for a server that does not answer the connection attempt.
const CONNECT_TIMEOUT_S: u32 = 5;

/// The server option every PostgreSQL session starts with (see [`ServerTarget::conninfo`]).
const QUIET: &str = "-c client_min_messages=error";

/// What masks a password.
const MASK: &str = "***";

/// Every parameter libpq 15–17 accepts; anything else is refused before connecting.
#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "require_auth",
    "channel_binding", "connect_timeout", "client_encoding", "options", "application_name",
    "fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval",
    "keepalives_count", "tcp_user_timeout", "replication", "gssencmode", "sslmode", "requiressl",
    "sslcompression", "sslcert", "sslkey", "sslpassword", "sslcertmode", "sslrootcert", "sslcrl",
    "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version", "ssl_max_protocol_version",
    "krbsrvname", "gsslib", "gssdelegation", "service", "target_session_attrs",
    "load_balance_hosts", "sslnegotiation",
];

/// What a `mysql://` URL may carry besides user, password, host, port and database (the options
/// diesel's MySQL connection reads).
#[rustfmt::skip]
const MYSQL_KEYWORDS: &[&str] = &[
    "host", "port", "dbname", "user", "password", "unix_socket", "ssl_mode", "ssl_ca", "ssl_cert",
    "ssl_key",
];

/// Parameters whose values are secrets.
const SECRET_KEYWORDS: &[&str] = &["password", "sslpassword"];

/// A database on a server: which kind of server, its parameters in the order given (a later one
/// wins, as in libpq), and the server-side timeout for statements and locks.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerTarget {
    backend: Backend,
    params: Vec<(String, String)>,
    timeout: Duration,
    /// The session refuses writes (`default_transaction_read_only`, `TRANSACTION READ ONLY`).
    read_only: bool,
}

impl ServerTarget {
    /// Reads `postgres://…` / `postgresql://…` / `mysql://…` / `mariadb://…` URLs and libpq
    /// keyword/value strings (`host=… dbname=…`, PostgreSQL).
    pub fn parse(text: &str) -> Result<ServerTarget, ConnectError> {
        let text = text.trim();
        let backend = url_backend(text).unwrap_or(Backend::Postgres);
        let bad = |reason: String| ConnectError::bad_target(backend, mask_password(text), reason);
        let params = if url_backend(text).is_some() {
            url_params(text).map_err(bad)?
        } else {
            keyword_params(text).map_err(|reason| bad(reason.to_owned()))?
        };
        let known = match backend {
            Backend::Mysql => MYSQL_KEYWORDS,
            _ => KEYWORDS,
        };
        let target = ServerTarget {
            backend,
            params,
            timeout: DEFAULT_TIMEOUT,
            read_only: false,
        };
        if let Some((unknown, _)) = target
            .params
            .iter()
            .find(|(key, _)| !known.contains(&key.as_str()))
        {
            let spelled = unknown.replace('-', "_");
            let hint = match backend {
                _ if spelled != *unknown && known.contains(&spelled.as_str()) => {
                    format!("; did you mean {spelled}?")
                }
                Backend::Mysql => format!("; known: {}", MYSQL_KEYWORDS[5..].join(", ")),
                _ => "; see libpq's connection parameters".to_owned(),
            };
            return Err(ConnectError::bad_target(
                backend,
                target.to_string(),
                format!("unknown connection parameter {}{hint}", quoted_cut(unknown)),
            ));
        }
        if backend == Backend::Mysql && target.get("dbname").is_none_or(str::is_empty) {
            return Err(ConnectError::bad_target(
                backend,
                target.to_string(),
                "no database named; add one to the URL, as in mysql://USER@HOST/DATABASE"
                    .to_owned(),
            ));
        }
        Ok(target)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The last value given for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// How long a statement, or a wait for a lock, may take on the server before it is cancelled.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn with_timeout(mut self, timeout: Duration) -> ServerTarget {
        self.timeout = timeout;
        self
    }

    /// The same target with `password` (from a named database's password_env or password_file).
    pub fn with_password(mut self, password: String) -> ServerTarget {
        self.params.retain(|(key, _)| key != "password");
        self.params.push(("password".to_owned(), password));
        self
    }

    /// Whether the session is opened read-only, so that the server refuses writes.
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    pub fn with_read_only(mut self, read_only: bool) -> ServerTarget {
        self.read_only = read_only;
        self
    }

    /// The keyword/value string handed to libpq: every value quoted, plus a connect timeout, TCP
    /// keepalives and a TCP user timeout unless given, so a dead or unreachable server is noticed.
    pub fn conninfo(&self) -> String {
        let user_timeout_ms = (self.timeout + CLIENT_GRACE).as_millis().to_string();
        let defaults = [
            ("connect_timeout", CONNECT_TIMEOUT_S.to_string()),
            ("keepalives", "1".to_owned()),
            ("keepalives_idle", "5".to_owned()),
            ("keepalives_interval", "2".to_owned()),
            ("keepalives_count", "3".to_owned()),
            ("tcp_user_timeout", user_timeout_ms),
            ("application_name", "profile-console".to_owned()),
        ];
        let missing = defaults
            .into_iter()
            .filter(|(key, _)| self.get(key).is_none())
            .map(|(key, value)| (key.to_owned(), value));
        // No notice, warning or debug message is sent: libpq would print each to standard
        // error, over the console's screen (`client_min_messages` set low on the server, the
        // role or in the URL). Errors still come back as errors. Last, so that it wins over the
        // URL's own options (or PGOPTIONS, which a given `options` would otherwise replace).
        let user_options = self
            .get("options")
            .map(str::to_owned)
            .or_else(|| std::env::var("PGOPTIONS").ok())
            .filter(|options| !options.trim().is_empty());
        let options = match user_options {
            Some(options) => format!("{options} {QUIET}"),
            None => QUIET.to_owned(),
        };
        let params = self
            .params
            .iter()
            .filter(|(key, _)| key != "options")
            .cloned();
        let mut conninfo = String::new();
        for (key, value) in params
            .chain(missing)
            .chain([("options".to_owned(), options)])
        {
            if !conninfo.is_empty() {
                conninfo.push(' ');
            }
            conninfo.push_str(&key);
            conninfo.push_str("='");
            for c in value.chars() {
                if matches!(c, '\\' | '\'') {
                    conninfo.push('\\');
                }
                conninfo.push(c);
            }
            conninfo.push('\'');
        }
        conninfo
    }

    /// A `mysql://` URL for diesel's MySQL connection, every part percent-encoded (diesel decodes
    /// them), with the client's own options.
    pub fn mysql_url(&self) -> String {
        let encode = |text: &str| percent_encoding::utf8_percent_encode(text, USERINFO).to_string();
        let mut url = String::from("mysql://");
        if let Some(user) = self.get("user") {
            url.push_str(&encode(user));
            if let Some(password) = self.get("password") {
                url.push(':');
                url.push_str(&encode(password));
            }
            url.push('@');
        }
        let host = self.get("host").unwrap_or("localhost");
        if host.contains(':') {
            url.push_str(&format!("[{host}]"));
        } else {
            url.push_str(&encode(host));
        }
        if let Some(port) = self.get("port") {
            url.push(':');
            url.push_str(&encode(port));
        }
        url.push('/');
        url.push_str(&encode(self.get("dbname").unwrap_or_default()));
        let mut separator = '?';
        for (key, value) in &self.params {
            if ["user", "password", "host", "port", "dbname"].contains(&key.as_str()) {
                continue;
            }
            url.push_str(&format!("{separator}{}={}", encode(key), encode(value)));
            separator = '&';
        }
        url
    }

    /// `text` with every secret of this target (raw, percent-encoded or quoted) masked: for
    /// messages that come back from libpq or the server.
    pub fn scrub(&self, text: &str) -> String {
        let mut scrubbed = text.to_owned();
        for (key, value) in &self.params {
            // Shorter ones would mask ordinary words in the message.
            if !SECRET_KEYWORDS.contains(&key.as_str()) || value.chars().count() < 3 {
                continue;
            }
            let encoded = percent_encoding::utf8_percent_encode(value, USERINFO).to_string();
            for form in [value.as_str(), encoded.as_str()] {
                scrubbed = scrubbed.replace(form, MASK);
            }
        }
        mask_password(&scrubbed)
    }
}

/// Shown as a URL with the password masked: `postgres://me:***@db:5432/profiles?sslmode=require`.
impl fmt::Display for ServerTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let encode = |text: &str| percent_encoding::utf8_percent_encode(text, USERINFO).to_string();
        f.write_str(match self.backend {
            Backend::Mysql => "mysql://",
            _ => "postgres://",
        })?;
        if let Some(user) = self.get("user") {
            f.write_str(&encode(user))?;
            if self.get("password").is_some() {
                write!(f, ":{MASK}")?;
            }
            f.write_str("@")?;
        } else if self.get("password").is_some() {
            write!(f, ":{MASK}@")?;
        }
        let host = self.get("host").unwrap_or_default();
        if host.contains(':') && !host.contains(',') {
            write!(f, "[{host}]")?;
        } else {
            f.write_str(&encode(host))?;
        }
        if let Some(port) = self.get("port") {
            write!(f, ":{}", encode(port))?;
        }
        if let Some(dbname) = self.get("dbname") {
            write!(f, "/{}", encode(dbname))?;
        }
        let mut separator = '?';
        let shown_in_url = ["user", "password", "host", "port", "dbname"];
        for (key, value) in &self.params {
            if shown_in_url.contains(&key.as_str()) {
                continue;
            }
            let value = if SECRET_KEYWORDS.contains(&key.as_str()) {
                MASK.to_owned()
            } else {
                encode(value)
            };
            write!(f, "{separator}{}={value}", encode(key))?;
            separator = '&';
        }
        Ok(())
    }
}

/// Never prints the password, even in `{:?}`.
impl fmt::Debug for ServerTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServerTarget({self})")
    }
}

/// Characters percent-encoded when a URL part is shown.
const USERINFO: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The server a URL's scheme names, any case: `postgres://`, `postgresql://`, `mysql://`,
/// `mariadb://`.
pub(super) fn url_backend(text: &str) -> Option<Backend> {
    let (scheme, _) = text.split_once("://")?;
    let is = |name: &str| scheme.eq_ignore_ascii_case(name);
    if is("postgres") || is("postgresql") {
        Some(Backend::Postgres)
    } else if is("mysql") || is("mariadb") {
        Some(Backend::Mysql)
    } else {
        None
    }
}

/// Whether `text` reads as a libpq keyword/value string: it starts with `keyword =`.
pub(super) fn looks_like_keywords(text: &str) -> bool {
    let text = text.trim_start();
    let word_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    word_end > 0 && text[word_end..].trim_start().starts_with('=')
}

fn url_params(text: &str) -> Result<Vec<(String, String)>, String> {
    let bad = |reason: String| reason;
    let url = url::Url::parse(text).map_err(|err| {
        bad(format!(
            "{err}; percent-encode special characters in the user name and password \
             (for example ? as %3F, / as %2F, @ as %40, # as %23)"
        ))
    })?;
    let decode = |part: &str| -> Result<String, String> {
        percent_decode_str(part)
            .decode_utf8()
            .map(|text| text.into_owned())
            .map_err(|_| bad("a percent-encoded part is not valid UTF-8".to_owned()))
    };
    let mut params = Vec::new();
    if let Some(host) = url.host_str().filter(|host| !host.is_empty()) {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        params.push(("host".to_owned(), decode(host)?));
    }
    if let Some(port) = url.port() {
        params.push(("port".to_owned(), port.to_string()));
    }
    if !url.username().is_empty() {
        params.push(("user".to_owned(), decode(url.username())?));
    }
    if let Some(password) = url.password() {
        params.push(("password".to_owned(), decode(password)?));
    }
    let dbname = url.path().trim_start_matches('/');
    if !dbname.is_empty() {
        params.push(("dbname".to_owned(), decode(dbname)?));
    }
    if url.fragment().is_some() {
        return Err(bad(
            "the URL has a # part; percent-encode # in a password as %23".to_owned(),
        ));
    }
    for (key, value) in url.query_pairs() {
        params.push((key.into_owned(), value.into_owned()));
    }
    Ok(params)
}

/// libpq's keyword/value syntax: `key = value` pairs separated by spaces; a value may be
/// single-quoted, and a backslash escapes the next character.
fn keyword_params(text: &str) -> Result<Vec<(String, String)>, String> {
    let bad = |reason: &str| reason.to_owned();
    let mut params = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(bad(&format!(
                "expected keyword=value, got {} without a value",
                quoted_cut(&key)
            )));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => return Err(bad("a quoted value is not closed")),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        params.push((key, value));
    }
    if params.is_empty() {
        return Err(bad("no connection parameters given"));
    }
    Ok(params)
}

/// Masks what looks like a password in text that could not be parsed: the user-info part of
/// anything that looks like a URL (up to its last `@`), and every `password=` / `sslpassword=`
/// value, quoted or not.
pub fn mask_password(text: &str) -> String {
    let mut masked = text.to_owned();
    if let Some(start) = masked.find("://").map(|at| at + 3)
        && let Some(at) = masked[start..].rfind('@').map(|at| start + at)
        && let Some(colon) = masked[start..at].find(':').map(|colon| start + colon)
    {
        masked.replace_range(colon + 1..at, MASK);
    }
    for key in SECRET_KEYWORDS {
        let mut from = 0;
        while let Some(found) = masked[from..].find(key).map(|at| from + at) {
            let after_key = found + key.len();
            let rest = &masked[after_key..];
            let Some(value_start) = rest
                .trim_start()
                .strip_prefix('=')
                .map(|value| masked.len() - value.trim_start().len())
            else {
                from = after_key;
                continue;
            };
            let value = &masked[value_start..];
            let value_len = if let Some(quoted) = value.strip_prefix('\'') {
                let mut escaped = false;
                quoted
                    .char_indices()
                    .find(|&(_, c)| {
                        let closes = c == '\'' && !escaped;
                        escaped = c == '\\' && !escaped;
                        closes
                    })
                    .map_or(value.len(), |(at, _)| at + 2)
            } else {
                value.find(['&', ' ', '\t', '\n']).unwrap_or(value.len())
            };
            masked.replace_range(value_start..value_start + value_len, MASK);
            from = value_start + MASK.len();
        }
    }
    masked
}

/// A value quoted for a message, cut to a readable length.
fn quoted_cut(text: &str) -> String {
    format!("{:?}", crate::domain::cut(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(text: &str) -> ServerTarget {
        ServerTarget::parse(text).unwrap_or_else(|err| panic!("{text}: {err}"))
    }

    #[test]
    fn a_url_becomes_libpq_parameters() {
        let t = target("postgres://me:s%3Fcr%2Ft@db.example:5433/profiles?sslmode=require");
        assert_eq!(t.get("host"), Some("db.example"));
        assert_eq!(t.get("port"), Some("5433"));
        assert_eq!(t.get("user"), Some("me"));
        assert_eq!(t.get("password"), Some("s?cr/t"));
        assert_eq!(t.get("dbname"), Some("profiles"));
        assert_eq!(t.get("sslmode"), Some("require"));
        assert_eq!(
            t.to_string(),
            "postgres://me:***@db.example:5433/profiles?sslmode=require"
        );
    }

    #[test]
    fn ipv6_hosts_and_socket_directories() {
        assert_eq!(target("postgres://[::1]:5432/x").get("host"), Some("::1"));
        assert_eq!(
            target("postgresql://%2Fvar%2Frun%2Fpostgresql/x").get("host"),
            Some("/var/run/postgresql")
        );
    }

    #[test]
    fn keyword_value_strings_are_postgres() {
        let t = target("host=127.0.0.1 user=u password='S3 c\\'ret' dbname = x");
        assert_eq!(t.get("password"), Some("S3 c'ret"));
        assert_eq!(t.get("dbname"), Some("x"));
        assert_eq!(t.to_string(), "postgres://u:***@127.0.0.1/x");
        assert!(looks_like_keywords("host=127.0.0.1 user=u"));
        assert!(!looks_like_keywords("./profiles.db"));
    }

    #[test]
    fn conninfo_quotes_every_value_and_adds_the_timeouts() {
        let t = target("postgres://u:a'b%5Cc@h/db");
        let conninfo = t.conninfo();
        assert!(conninfo.contains("password='a\\'b\\\\c'"), "{conninfo}");
        assert!(conninfo.contains("connect_timeout='5'"), "{conninfo}");
        assert!(conninfo.contains("keepalives='1'"), "{conninfo}");
        let t = target("postgres://h/db?connect_timeout=9");
        assert!(!t.conninfo().contains("connect_timeout='5'"));
    }

    /// Notices would be printed over the console: none is asked for, after the URL's options.
    #[test]
    fn conninfo_asks_for_no_notices_after_the_urls_own_options() {
        let quiet = |url: &str| {
            let conninfo = target(url).conninfo();
            let options: Vec<&str> = conninfo
                .split(" options='")
                .skip(1)
                .map(|rest| rest.split('\'').next().unwrap_or_default())
                .collect();
            assert_eq!(options.len(), 1, "{conninfo}");
            options[0].to_owned()
        };
        assert!(quiet("postgres://h/db").ends_with("-c client_min_messages=error"));
        assert_eq!(
            quiet("postgres://h/db?options=-c%20client_min_messages%3Ddebug5"),
            "-c client_min_messages=debug5 -c client_min_messages=error"
        );
    }

    #[test]
    fn a_mysql_url_must_name_its_database() {
        for url in [
            "mysql://root@127.0.0.1:3306/",
            "mysql://root@h",
            "mariadb://h/",
        ] {
            let err = ServerTarget::parse(url).expect_err(url).to_string();
            assert!(err.contains("no database named"), "{url}: {err}");
        }
    }

    #[test]
    fn an_unknown_parameter_is_named_with_a_hint() {
        let err = |url: &str| ServerTarget::parse(url).expect_err(url).to_string();
        assert!(err("mysql://h/db?ssl-mode=REQUIRED").contains("did you mean ssl_mode?"));
        assert!(err("mysql://h/db?tls=1").contains("known: unix_socket, ssl_mode"));
        assert!(err("postgres://h/db?connect-timeout=3").contains("did you mean connect_timeout?"));
    }

    #[test]
    fn bad_urls_are_refused_with_the_password_masked() {
        for text in [
            "postgres://u:S3cret?x@127.0.0.1:5999/db",
            "postgres://u:S3cr/et@127.0.0.1:5999/db",
            "postgres://u:S3cret#x@127.0.0.1/db",
        ] {
            let err = ServerTarget::parse(text).expect_err(text).to_string();
            assert!(!err.contains("S3cr"), "{err}");
            assert!(err.contains("percent-encode"), "{err}");
        }
        let err = ServerTarget::parse("host=h bogus=1 password=S3cret").unwrap_err();
        assert!(err.to_string().contains("bogus"), "{err}");
        assert!(!err.to_string().contains("S3cret"), "{err}");
    }

    #[test]
    fn masking_covers_every_form() {
        assert_eq!(
            mask_password("postgres://me:s3cr@t@db:5432/x"),
            "postgres://me:***@db:5432/x"
        );
        assert_eq!(
            mask_password("postgres://h/x?password=a&password=b&sslmode=require"),
            "postgres://h/x?password=***&password=***&sslmode=require"
        );
        assert_eq!(
            mask_password("host=h password = 'a b\\' c' user=u"),
            "host=h password = *** user=u"
        );
        assert_eq!(mask_password("postgres://me@h/x"), "postgres://me@h/x");
    }

    #[test]
    fn scrub_masks_the_password_wherever_it_appears() {
        let t = target("postgres://u:S3cret@h/db");
        assert_eq!(
            t.scrub("invalid port number: \"S3cret\""),
            "invalid port number: \"***\""
        );
    }
}
