//! Reading an import's records, streamed: CSV with a header row, one JSON array, or JSON Lines.
//! Each record keeps its line number and the text it was read from (for a rejects file). A
//! record that cannot be made sense of is one rejected row; only a file whose structure is broken
//! (no header, an unclosed array, unreadable bytes) stops the reading.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Mutex, MutexGuard};

use super::Format;

/// A column's value in one record: `None` for JSON `null` (an empty CSV field is `Some("")`).
pub type Values = Vec<(String, Option<String>)>;

/// One record of the input.
#[derive(Clone, Debug)]
pub struct Record {
    /// The line it starts on (1 is the file's first line).
    pub line: u64,
    /// Its values by column, or why they could not be read.
    pub values: Result<Values, String>,
    /// The record as read, to be written again to a rejects file.
    pub raw: Raw,
}

/// A record as read.
#[derive(Clone, Debug)]
pub enum Raw {
    /// The CSV fields, bytes as they were (quoting is the writer's business).
    Csv(csv::ByteRecord),
    /// The JSON text of one array element or one line.
    Json(String),
}

/// Why the input cannot be read on: a broken structure or an I/O error.
#[derive(Debug, thiserror::Error)]
#[error("{}", match .line { Some(line) => format!("line {line}: {}", .message), None => .message.clone() })]
pub struct ReadError {
    pub line: Option<u64>,
    pub message: String,
}

impl ReadError {
    fn at(line: u64, message: impl Into<String>) -> Self {
        ReadError {
            line: Some(line),
            message: message.into(),
        }
    }

    fn io(err: &std::io::Error) -> Self {
        ReadError {
            line: None,
            message: format!("cannot read the input: {err}"),
        }
    }
}

/// The records of one input, in order.
pub struct Records {
    inner: Inner,
}

enum Inner {
    Csv {
        reader: csv::Reader<NewlineTracker>,
        header: Vec<String>,
        header_raw: csv::ByteRecord,
        newlines: Arc<Mutex<Newlines>>,
    },
    Lines {
        input: BufReader<Box<dyn Read + Send>>,
        line: u64,
    },
    Array(JsonArray),
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl Records {
    /// Starts reading `input` as `format` (for CSV, reads the header row).
    pub fn open(input: Box<dyn Read + Send>, format: Format) -> Result<Records, ReadError> {
        let inner = match format {
            Format::Csv => {
                let newlines = Arc::new(Mutex::new(Newlines::default()));
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(true)
                    .flexible(true)
                    .from_reader(NewlineTracker {
                        inner: input,
                        read: 0,
                        newlines: Arc::clone(&newlines),
                        line_bytes: 0,
                    });
                let mut header_raw = reader
                    .byte_headers()
                    .map_err(|err| csv_error(&err, 1))?
                    .clone();
                if header_raw
                    .get(0)
                    .is_some_and(|first| first.starts_with(BOM))
                {
                    header_raw = header_raw
                        .iter()
                        .enumerate()
                        .map(|(at, name)| if at == 0 { &name[BOM.len()..] } else { name })
                        .collect();
                }
                if header_raw.iter().all(<[u8]>::is_empty) {
                    return Err(ReadError::at(
                        1,
                        "no header row: the first line must name the columns, e.g. \
                         first_name,last_name,gender,age",
                    ));
                }
                let header = header_raw
                    .iter()
                    .map(|name| {
                        std::str::from_utf8(name)
                            .map(|name| name.trim().to_owned())
                            .map_err(|_| ReadError::at(1, not_utf8(&header_raw)))
                    })
                    .collect::<Result<Vec<String>, ReadError>>()?;
                Inner::Csv {
                    reader,
                    header,
                    header_raw,
                    newlines,
                }
            }
            Format::Jsonl => Inner::Lines {
                input: BufReader::with_capacity(1 << 16, input),
                line: 0,
            },
            Format::Json => Inner::Array(JsonArray::new(input)),
        };
        Ok(Records { inner })
    }

    /// The CSV header's column names (`None` for JSON, whose records name their own).
    pub fn header(&self) -> Option<&[String]> {
        match &self.inner {
            Inner::Csv { header, .. } => Some(header),
            _ => None,
        }
    }

    /// Renames the CSV header's columns that `canonical` knows by another spelling (the rejects
    /// file keeps the header as read).
    pub fn rename_columns(&mut self, canonical: impl Fn(&str) -> Option<&'static str>) {
        if let Inner::Csv { header, .. } = &mut self.inner {
            for name in header.iter_mut() {
                if let Some(column) = canonical(name) {
                    column.clone_into(name);
                }
            }
        }
    }

    /// The CSV header as read, for a rejects file.
    pub fn header_raw(&self) -> Option<&csv::ByteRecord> {
        match &self.inner {
            Inner::Csv { header_raw, .. } => Some(header_raw),
            _ => None,
        }
    }

    /// The next record; `None` at the end.
    pub fn next_record(&mut self) -> Result<Option<Record>, ReadError> {
        match &mut self.inner {
            Inner::Csv {
                reader,
                header,
                newlines,
                ..
            } => {
                let mut raw = csv::ByteRecord::new();
                let start = reader.position().byte();
                let before = {
                    let mut newlines = lock(newlines);
                    let line = newlines.line_at(start);
                    newlines.record_start = (start, line);
                    line
                };
                if !reader
                    .read_byte_record(&mut raw)
                    .map_err(|err| csv_error(&err, before))?
                {
                    return Ok(None);
                }
                // The csv crate's own line count is off after CRLF endings. The record's last
                // line is the line of the byte before its terminator; its first is that, less
                // the line breaks inside its (quoted) fields.
                let end = reader.position().byte().saturating_sub(1);
                let inside = raw.iter().flatten().filter(|byte| **byte == b'\n').count() as u64;
                // (A quote left open at the end of the file takes the file's last line break
                // into its field: that one ends the record, and it starts no earlier than where
                // the reading began.)
                let line = lock(newlines)
                    .line_at(end)
                    .saturating_sub(inside)
                    .max(before);
                let values = csv_values(&raw, header);
                Ok(Some(Record {
                    line,
                    values,
                    raw: Raw::Csv(raw),
                }))
            }
            Inner::Lines { input, line } => {
                let mut bytes = Vec::new();
                loop {
                    bytes.clear();
                    let limit = u64::try_from(MAX_LINE_BYTES).unwrap_or(u64::MAX) + 1;
                    if (&mut *input)
                        .take(limit)
                        .read_until(b'\n', &mut bytes)
                        .map_err(|err| ReadError::io(&err))?
                        == 0
                    {
                        return Ok(None);
                    }
                    *line += 1;
                    if bytes.len() > MAX_LINE_BYTES {
                        return Err(ReadError::at(*line, too_long("the line")));
                    }
                    let mut text: &[u8] = &bytes;
                    if *line == 1 {
                        text = text.strip_prefix(BOM).unwrap_or(text);
                    }
                    let text = text.trim_ascii();
                    if text.is_empty() {
                        continue;
                    }
                    let raw = String::from_utf8_lossy(text).into_owned();
                    return Ok(Some(Record {
                        line: *line,
                        values: json_values(text),
                        raw: Raw::Json(raw),
                    }));
                }
            }
            Inner::Array(array) => Ok(array.next_element()?.map(|(line, text)| Record {
                line,
                values: json_values(text.as_bytes()),
                raw: Raw::Json(text),
            })),
        }
    }
}

/// Where the line breaks are in the bytes read so far, for line numbers.
#[derive(Default)]
struct Newlines {
    /// Offsets of line breaks read but not yet counted.
    ahead: VecDeque<u64>,
    /// Line breaks before `ahead`'s.
    counted: u64,
    /// Where the record being read starts, and its line.
    record_start: (u64, u64),
}

impl Newlines {
    /// The line of the byte at `offset` (offsets only grow from call to call).
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.ahead.front().is_some_and(|at| *at < offset) {
            self.ahead.pop_front();
            self.counted += 1;
        }
        self.counted + 1
    }
}

/// The line breaks noted so far. (Shared between the CSV reader's input and the records, on the
/// one thread that reads them: a panic cannot leave them half-written for anyone else.)
fn lock(newlines: &Mutex<Newlines>) -> MutexGuard<'_, Newlines> {
    newlines
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The CSV input, noting where its line breaks are.
struct NewlineTracker {
    inner: Box<dyn Read + Send>,
    read: u64,
    newlines: Arc<Mutex<Newlines>>,
    /// Bytes since the last line break.
    line_bytes: usize,
}

impl Read for NewlineTracker {
    /// Also refuses a line longer than [`MAX_LINE_BYTES`], and a record that runs on for more
    /// than that over several lines (a quote left open), before the reader holds it all.
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut newlines = lock(&self.newlines);
        let (record_start, record_line) = newlines.record_start;
        for (at, byte) in buf[..n].iter().enumerate() {
            if *byte == b'\n' {
                let offset = self.read + at as u64;
                newlines.ahead.push_back(offset);
                self.line_bytes = 0;
                // The reader reads ahead of the record a buffer at a time, far less than this.
                if offset.saturating_sub(record_start) > 2 * MAX_LINE_BYTES as u64 {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!(
                            "the record starting on line {record_line} runs on for more than \
                             2 MiB; is a closing quote (\") missing there?"
                        ),
                    ));
                }
            } else {
                self.line_bytes += 1;
                if self.line_bytes > MAX_LINE_BYTES {
                    let line = newlines.counted + newlines.ahead.len() as u64 + 1;
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        too_long(&format!("line {line}")),
                    ));
                }
            }
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// The longest line (CSV, JSON Lines) or JSON array element read: far more than any profile
/// needs, and a bound on the memory a file that is not one (`/dev/zero`, a binary) can take.
const MAX_LINE_BYTES: usize = 1 << 20;

fn too_long(what: &str) -> String {
    format!("{what} is longer than 1 MiB; is the file what its name or --format says?")
}

fn csv_error(err: &csv::Error, line: u64) -> ReadError {
    match err.kind() {
        csv::ErrorKind::Io(io) => ReadError::io(io),
        _ => ReadError::at(line, err.to_string()),
    }
}

fn csv_values(raw: &csv::ByteRecord, header: &[String]) -> Result<Values, String> {
    if raw.len() != header.len() {
        return Err(format!(
            "has {} field{}, the header has {}",
            raw.len(),
            if raw.len() == 1 { "" } else { "s" },
            header.len()
        ));
    }
    header
        .iter()
        .zip(raw.iter())
        .map(|(column, value)| match std::str::from_utf8(value) {
            Ok(value) => Ok((column.clone(), Some(value.to_owned()))),
            Err(_) => Err(format!(
                "the {column} field is not UTF-8 text (a file saved as Latin-1 or Windows-1252? \
                 save it as UTF-8)"
            )),
        })
        .collect()
}

/// Why a header row is not UTF-8, saying which encoding it looks like.
fn not_utf8(header: &csv::ByteRecord) -> &'static str {
    let first = header.get(0).unwrap_or_default();
    if first.starts_with(&[0xff, 0xfe]) || first.starts_with(&[0xfe, 0xff]) || first.contains(&0) {
        "the file is UTF-16 text (as some spreadsheets save \"Unicode text\"); save it as UTF-8 \
         CSV"
    } else {
        "the header row is not UTF-8 text (a file saved as Latin-1 or Windows-1252? save it as \
         UTF-8)"
    }
}

/// One JSON object's values: text and numbers as text, `null` as no value.
fn json_values(text: &[u8]) -> Result<Values, String> {
    let Members(members) = serde_json::from_slice(text).map_err(|err| {
        if err.is_data() {
            // Valid JSON of another shape: members take any value.
            NOT_AN_OBJECT.to_owned()
        } else {
            format!("is not valid JSON ({})", strip_position(&err.to_string()))
        }
    })?;
    let mut values: Values = Vec::with_capacity(members.len());
    for (key, value) in members {
        // As a CSV header may not name a column twice: which of the two would be meant?
        if values.iter().any(|(seen, _)| *seen == key) {
            return Err(format!("names {key} twice"));
        }
        let value = match value {
            serde_json::Value::String(text) => Some(text),
            serde_json::Value::Number(number) => Some(number.to_string()),
            serde_json::Value::Null => None,
            _ => return Err(format!("{key} must be text or a number")),
        };
        values.push((key, value));
    }
    Ok(values)
}

/// What [`json_values`] says of a record that is JSON but not an object.
const NOT_AN_OBJECT: &str = "is not a JSON object";

/// A JSON object's members in their order, each one kept even where a name repeats
/// (`serde_json::Map` keeps only the last).
struct Members(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Members;

            fn expecting(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                out.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Members, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// serde_json's " at line 1 column 5" means little once a record is one of many.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at])
}

/// The elements of one JSON array, read one at a time: each element's text is found by
/// tracking brackets and strings, then parsed on its own, so a bad element is one rejected
/// row and memory holds one element at a time.
struct JsonArray {
    input: BufReader<Box<dyn Read + Send>>,
    line: u64,
    state: ArrayState,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ArrayState {
    Start,
    First,
    Next,
    Done,
}

impl JsonArray {
    fn new(input: Box<dyn Read + Send>) -> Self {
        JsonArray {
            input: BufReader::with_capacity(1 << 16, input),
            line: 1,
            state: ArrayState::Start,
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, ReadError> {
        let buffer = self.input.fill_buf().map_err(|err| ReadError::io(&err))?;
        Ok(buffer.first().copied())
    }

    fn take(&mut self) -> Result<Option<u8>, ReadError> {
        let byte = self.peek()?;
        if let Some(byte) = byte {
            self.input.consume(1);
            if byte == b'\n' {
                self.line += 1;
            }
        }
        Ok(byte)
    }

    fn skip_space(&mut self) -> Result<Option<u8>, ReadError> {
        loop {
            match self.peek()? {
                Some(b' ' | b'\t' | b'\r' | b'\n') => {
                    self.take()?;
                }
                other => return Ok(other),
            }
        }
    }

    fn next_element(&mut self) -> Result<Option<(u64, String)>, ReadError> {
        if self.state == ArrayState::Start {
            let buffer = self.input.fill_buf().map_err(|err| ReadError::io(&err))?;
            if buffer.starts_with(BOM) {
                self.input.consume(BOM.len());
            }
            match self.skip_space()? {
                Some(b'[') => {
                    self.take()?;
                    self.state = ArrayState::First;
                }
                _ => {
                    return Err(ReadError::at(
                        self.line,
                        "a .json file must hold one array of objects, starting with [ \
                         (JSON Lines, one object a line, is --format jsonl)",
                    ));
                }
            }
        }
        if self.state == ArrayState::Done {
            return Ok(None);
        }
        match self.skip_space()? {
            None => {
                return Err(ReadError::at(
                    self.line,
                    "the JSON array is not closed (no ])",
                ));
            }
            Some(b']') => {
                self.take()?;
                self.state = ArrayState::Done;
                if self.skip_space()?.is_some() {
                    return Err(ReadError::at(self.line, "text after the JSON array's ]"));
                }
                return Ok(None);
            }
            Some(b',') if self.state == ArrayState::Next => {
                self.take()?;
                if self.skip_space()? == Some(b']') {
                    return self.next_element();
                }
            }
            Some(_) if self.state == ArrayState::Next => {
                return Err(ReadError::at(
                    self.line,
                    "expected , or ] after an element of the JSON array",
                ));
            }
            Some(_) => {}
        }
        self.state = ArrayState::Next;
        let line = self.line;
        let mut text = Vec::new();
        let (mut depth, mut in_string, mut escaped) = (0u32, false, false);
        loop {
            if text.len() > MAX_LINE_BYTES {
                return Err(ReadError::at(line, too_long("the element starting here")));
            }
            let Some(byte) = self.peek()? else {
                return Err(ReadError::at(
                    line,
                    "the file ends inside an element of the JSON array",
                ));
            };
            if in_string {
                self.take()?;
                text.push(byte);
                if escaped {
                    escaped = false;
                } else if byte == b'\\' {
                    escaped = true;
                } else if byte == b'"' {
                    in_string = false;
                    if depth == 0 {
                        break;
                    }
                }
                continue;
            }
            match byte {
                b',' | b']' | b'}' if depth == 0 => break,
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => depth -= 1,
                _ => {}
            }
            self.take()?;
            text.push(byte);
            if depth == 0 && matches!(byte, b'}' | b']') {
                break;
            }
        }
        let text = String::from_utf8_lossy(&text).trim().to_owned();
        Ok(Some((line, text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(format: Format, text: &str) -> Result<Vec<Record>, ReadError> {
        let mut records = Records::open(Box::new(std::io::Cursor::new(text.to_owned())), format)?;
        let mut all = Vec::new();
        while let Some(record) = records.next_record()? {
            all.push(record);
        }
        Ok(all)
    }

    fn values(record: &Record) -> Vec<(String, Option<String>)> {
        record.values.clone().unwrap_or_default()
    }

    /// A file that is not text (`/dev/zero`, a binary) is refused at its first long line, not
    /// held in memory whole; a long file of short lines is fine.
    #[test]
    fn a_line_longer_than_a_mebibyte_is_refused() {
        let endless = "x".repeat(MAX_LINE_BYTES + 10);
        for (format, text) in [
            (Format::Csv, endless.clone()),
            (Format::Csv, format!("first_name\n{endless}")),
            (Format::Jsonl, endless.clone()),
            (Format::Json, format!("[\"{endless}\"]")),
        ] {
            let err = records(format, &text).map(|_| ()).expect_err("too long");
            assert!(
                err.to_string().contains("longer than 1 MiB"),
                "{format:?}: {err}"
            );
        }
        // A quote left open runs on over short lines: refused where it was opened.
        let open_quote = format!("first_name\nAnn\n\"Bo\n{}", "Ann\n".repeat(1_000_000));
        let err = records(Format::Csv, &open_quote)
            .map(|_| ())
            .expect_err("runs on");
        assert_eq!(
            err.to_string(),
            "cannot read the input: the record starting on line 3 runs on for more than 2 MiB; \
             is a closing quote (\") missing there?"
        );
        let many = format!("first_name\n{}", "Ann\n".repeat(300_000));
        assert_eq!(
            records(Format::Csv, &many).map(|all| all.len()).ok(),
            Some(300_000)
        );
    }

    /// Files in another encoding are named as such, with what to do.
    #[test]
    fn a_file_in_another_encoding_says_which() {
        let open = |bytes: Vec<u8>| {
            let mut records = Records::open(Box::new(std::io::Cursor::new(bytes)), Format::Csv)?;
            records.next_record().map(|_| ())
        };
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain(
                "first_name,last_name\n"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        let err = open(utf16).expect_err("UTF-16").to_string();
        assert!(err.contains("the file is UTF-16 text"), "{err}");
        let latin1 = b"first_name,last_name\nJos\xe9,Lee\n".to_vec();
        let mut records = Records::open(Box::new(std::io::Cursor::new(latin1)), Format::Csv)
            .expect("the header is ASCII");
        let record = records.next_record().expect("a record").expect("one row");
        let err = record.values.expect_err("not UTF-8");
        assert!(err.contains("Latin-1 or Windows-1252"), "{err}");
    }

    #[test]
    fn csv_with_bom_crlf_quotes_and_newlines() -> Result<(), ReadError> {
        let text = "\u{feff}first_name,last_name\r\n\"Ann, Jr\",\"Lee\nSmith\"\nBo,Ek\r\n";
        let all = records(Format::Csv, text)?;
        assert_eq!(all.len(), 2);
        assert_eq!(
            values(&all[0]),
            [
                ("first_name".to_owned(), Some("Ann, Jr".to_owned())),
                ("last_name".to_owned(), Some("Lee\nSmith".to_owned()))
            ]
        );
        assert_eq!((all[0].line, all[1].line), (2, 4));
        Ok(())
    }

    #[test]
    fn a_quote_left_open_at_the_end_is_a_record_of_its_own_line() -> Result<(), ReadError> {
        for (text, line) in [
            ("a,b\n1,2\n\"x\n", 3),
            ("a,b\n1,2\n\"x\ny\n", 3),
            ("a,b\n1,2\n\"x", 3),
        ] {
            let all = records(Format::Csv, text)?;
            assert_eq!(all.len(), 2, "{text:?}");
            assert_eq!((all[0].line, all[1].line), (2, line), "{text:?}");
        }
        Ok(())
    }

    #[test]
    fn csv_row_with_the_wrong_number_of_fields_is_one_bad_record() -> Result<(), ReadError> {
        let all = records(Format::Csv, "a,b\n1\n1,2\n")?;
        assert_eq!(
            all[0].values.clone().err().as_deref(),
            Some("has 1 field, the header has 2")
        );
        assert!(all[1].values.is_ok());
        Ok(())
    }

    #[test]
    fn json_array_elements_one_at_a_time() -> Result<(), ReadError> {
        let text =
            "\u{feff}[\n {\"a\": \"x,]}\\\"\", \"b\": [1, {\"c\": 2}]},\n 7,\n {\"a\": null}\n]\n";
        let all = records(Format::Json, text)?;
        assert_eq!(all.len(), 3);
        assert_eq!(
            all[0].values.clone().err().as_deref(),
            Some("b must be text or a number")
        );
        assert_eq!(
            all[1].values.clone().err().as_deref(),
            Some("is not a JSON object")
        );
        assert_eq!(values(&all[2]), [("a".to_owned(), None)]);
        assert_eq!((all[0].line, all[1].line, all[2].line), (2, 3, 4));
        Ok(())
    }

    /// As a CSV header may not name a column twice, a JSON record may not either: which of the
    /// two values would be meant? (`serde_json::Map` would keep the last one, silently.)
    #[test]
    fn a_json_record_naming_a_column_twice_is_rejected() -> Result<(), ReadError> {
        let text = "{\"a\": \"x\", \"b\": 1, \"a\": \"y\"}\n\"a\"\n{\"a\": \"x\", \"b\": 1}\n";
        let all = records(Format::Jsonl, text)?;
        assert_eq!(
            all[0].values.clone().err().as_deref(),
            Some("names a twice")
        );
        assert_eq!(
            all[1].values.clone().err().as_deref(),
            Some("is not a JSON object")
        );
        assert_eq!(
            values(&all[2]),
            [
                ("a".to_owned(), Some("x".to_owned())),
                ("b".to_owned(), Some("1".to_owned()))
            ]
        );
        Ok(())
    }

    #[test]
    fn broken_json_arrays_stop_the_reading() {
        for text in [
            "{\"a\": 1}",
            "[{\"a\": 1}",
            "[{\"a\": 1} {\"a\": 2}]",
            "[{\"a\": 1",
            "[] x",
        ] {
            assert!(records(Format::Json, text).is_err(), "{text}");
        }
        assert!(records(Format::Json, "[]").is_ok_and(|all| all.is_empty()));
    }

    #[test]
    fn json_lines_skip_blank_lines_and_keep_line_numbers() -> Result<(), ReadError> {
        let all = records(Format::Jsonl, "{\"a\": \"1\"}\r\n\n{oops\n{\"a\": 2}")?;
        assert_eq!(all.len(), 3);
        assert_eq!((all[0].line, all[1].line, all[2].line), (1, 3, 4));
        assert!(
            all[1]
                .values
                .clone()
                .err()
                .is_some_and(|reason| reason.starts_with("is not valid JSON"))
        );
        assert_eq!(values(&all[2]), [("a".to_owned(), Some("2".to_owned()))]);
        Ok(())
    }
}
