//! A strict reader of the `Server-Timing` header (W3C Server Timing), for the optional
//! `server-timing` area and for the phases' own tests of what their entries say.
//!
//! The grammar (RFC 9110 list, token and quoted-string rules):
//!
//! ```text
//! Server-Timing = #metric
//! metric        = token *( OWS ";" OWS param )
//! param         = token OWS "=" OWS ( token / quoted-string )
//! ```
//!
//! On top of it the workshop promises, for every metric, exactly one `dur` (milliseconds,
//! a non-negative decimal number) and at most one `desc`; and metric names unique within a
//! response, so a reader can look an entry up by name. A browser forgives more; this reader
//! forgives nothing, so that a header one browser would misread fails here.

/// One metric: `db;dur=0.42;desc="1 query"`.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub name: String,
    /// Milliseconds.
    pub duration: f64,
    pub description: Option<String>,
}

impl Metric {
    /// The metric called `name` among `metrics`.
    pub fn find<'a>(metrics: &'a [Metric], name: &str) -> Option<&'a Metric> {
        metrics.iter().find(|metric| metric.name == name)
    }

    /// The names of `metrics`, in order.
    pub fn names(metrics: &[Metric]) -> Vec<&str> {
        metrics.iter().map(|metric| metric.name.as_str()).collect()
    }
}

/// Every metric of a response's `Server-Timing` header fields (several fields are one list,
/// as RFC 9110 combines them), or why they do not parse.
pub fn parse_fields<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<Vec<Metric>, String> {
    let mut metrics: Vec<Metric> = Vec::new();
    for value in values {
        for metric in parse(value)? {
            if metrics.iter().any(|seen| seen.name == metric.name) {
                return Err(format!("the metric name `{}` appears twice", metric.name));
            }
            metrics.push(metric);
        }
    }
    if metrics.is_empty() {
        return Err("the header is empty".to_string());
    }
    Ok(metrics)
}

/// The metrics of one header value.
pub fn parse(value: &str) -> Result<Vec<Metric>, String> {
    let mut reader = Reader {
        text: value.as_bytes(),
        at: 0,
    };
    let mut metrics = Vec::new();
    loop {
        reader.skip_whitespace();
        metrics.push(reader.metric()?);
        reader.skip_whitespace();
        match reader.next() {
            None => return Ok(metrics),
            Some(b',') => {}
            Some(other) => {
                return Err(format!(
                    "expected `,` or the end after a metric at byte {}, found `{}` in {value:?}",
                    reader.at - 1,
                    other as char
                ));
            }
        }
    }
}

struct Reader<'a> {
    text: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    fn context(&self) -> String {
        String::from_utf8_lossy(self.text).into_owned()
    }

    fn token(&mut self, what: &str) -> Result<String, String> {
        let start = self.at;
        while self.peek().is_some_and(is_token_byte) {
            self.at += 1;
        }
        if self.at == start {
            return Err(format!(
                "expected a {what} (a token) at byte {start} of {:?}",
                self.context()
            ));
        }
        Ok(String::from_utf8_lossy(&self.text[start..self.at]).into_owned())
    }

    fn quoted_string(&mut self) -> Result<String, String> {
        let start = self.at;
        self.at += 1; // the opening quote
        let mut text = Vec::new();
        loop {
            match self.next() {
                None => {
                    return Err(format!(
                        "a quoted string opened at byte {start} never closes in {:?}",
                        self.context()
                    ));
                }
                Some(b'"') => return Ok(String::from_utf8_lossy(&text).into_owned()),
                Some(b'\\') => match self.next() {
                    Some(byte) if byte == b'\t' || byte >= 0x20 && byte != 0x7f => text.push(byte),
                    _ => return Err(format!("a bad escape in {:?}", self.context())),
                },
                Some(byte) if byte == b'\t' || byte >= 0x20 && byte != 0x7f => text.push(byte),
                Some(byte) => {
                    return Err(format!(
                        "control byte {byte:#04x} inside a quoted string in {:?}",
                        self.context()
                    ));
                }
            }
        }
    }

    fn metric(&mut self) -> Result<Metric, String> {
        let name = self.token("metric name")?;
        let mut duration = None;
        let mut description = None;
        loop {
            let before = self.at;
            self.skip_whitespace();
            if self.peek() != Some(b';') {
                self.at = before;
                break;
            }
            self.at += 1;
            self.skip_whitespace();
            let parameter = self.token("parameter name")?.to_ascii_lowercase();
            self.skip_whitespace();
            if self.next() != Some(b'=') {
                return Err(format!(
                    "parameter `{parameter}` of `{name}` has no `=value` in {:?}",
                    self.context()
                ));
            }
            self.skip_whitespace();
            let value = if self.peek() == Some(b'"') {
                self.quoted_string()?
            } else {
                self.token("parameter value")?
            };
            match parameter.as_str() {
                "dur" if duration.is_some() => {
                    return Err(format!("`{name}` has two `dur` parameters"));
                }
                "dur" => duration = Some(milliseconds(&name, &value)?),
                "desc" if description.is_some() => {
                    return Err(format!("`{name}` has two `desc` parameters"));
                }
                "desc" => description = Some(value),
                _ => {}
            }
        }
        let Some(duration) = duration else {
            return Err(format!("the metric `{name}` has no `dur`"));
        };
        Ok(Metric {
            name,
            duration,
            description,
        })
    }
}

/// `12`, `0.42`: digits, optionally a dot and digits. No sign, no exponent, no `NaN`.
fn milliseconds(name: &str, value: &str) -> Result<f64, String> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return Err(format!(
            "`dur` of `{name}` is {value:?}, not a number of milliseconds"
        ));
    }
    value
        .parse()
        .map_err(|_| format!("`dur` of `{name}` is {value:?}, not a number"))
}

/// RFC 9110's `tchar`.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(value: &str) -> Vec<String> {
        parse(value)
            .unwrap_or_else(|error| panic!("{value:?} should parse: {error}"))
            .into_iter()
            .map(|metric| metric.name)
            .collect()
    }

    #[test]
    fn what_the_phases_send_parses() {
        assert_eq!(
            names(r#"app;dur=1.92, db;dur=0.41;desc="1 query""#),
            ["app", "db"]
        );
        assert_eq!(
            names(
                "gateway;dur=5.1,stats-service.task-service.db ; dur = 0.58 ; desc=\"a \\\"b\\\", c\""
            ),
            ["gateway", "stats-service.task-service.db"]
        );
        let metrics = parse(r#"db;dur=0.41;desc="1 query, \"cached\"";extra=x"#).unwrap();
        assert_eq!(
            metrics,
            [Metric {
                name: "db".into(),
                duration: 0.41,
                description: Some(r#"1 query, "cached""#.into()),
            }]
        );
    }

    #[test]
    fn the_cheapest_wrong_headers_do_not() {
        for broken in [
            "",
            "app",                   // no dur
            "app;dur",               // no value
            "app;dur=",              // empty value
            "app;dur=fast",          // not a number
            "app;dur=-1",            // negative
            "app;dur=1e3",           // exponent
            "app;dur=1;dur=2",       // two durs
            "app dur=1",             // a space in place of `;`
            "my app;dur=1",          // a space in the name
            "app;dur=1,",            // an empty list element
            "app;dur=1,,db;dur=2",   // and another
            "app;dur=1;desc=\"open", // an unterminated quoted string
            "app;dur=1;desc=two words",
            "\"app\";dur=1", // a quoted name
        ] {
            assert!(parse(broken).is_err(), "{broken:?} should not parse");
        }
    }

    #[test]
    fn names_are_unique_across_header_fields() {
        assert!(parse_fields(["app;dur=1", "db;dur=2"]).is_ok());
        assert!(parse_fields(["app;dur=1", "app;dur=2"]).is_err());
        assert!(parse_fields(["app;dur=1, app;dur=2"]).is_err());
        assert!(parse_fields([]).is_err());
    }
}
