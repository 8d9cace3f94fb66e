//! Server-sent events from the bytes a host read off the wire, in whatever pieces they came:
//! lines end with LF, CRLF or CR (a CRLF split across two pieces counts once), `event:` names
//! the event, `data:` lines join with LF, comments and other fields are skipped, and a blank
//! line dispatches the event. The WHATWG HTML rules, for what providers send.

use std::borrow::Cow;

/// One dispatched event: its name, when the stream named it, and its data. Borrowed from the
/// decoder, whose buffers the next event reuses (no allocation per event).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Event<'a> {
    pub name: Option<&'a str>,
    pub data: &'a str,
}

#[derive(Debug, Default)]
pub(crate) struct Decoder {
    /// An unfinished line from the last piece.
    line: Vec<u8>,
    /// The last piece ended in CR: a LF that starts the next one ends nothing.
    after_cr: bool,
    event: Pending,
}

/// The event being read: its name (when it has one) and data as bytes, read as UTF-8 once,
/// when the event is dispatched; the buffers are kept for the next event.
#[derive(Debug, Default)]
struct Pending {
    name: Vec<u8>,
    has_name: bool,
    data: Vec<u8>,
    has_data: bool,
}

impl Decoder {
    /// Feeds one piece; `dispatch` is called for each event it completes.
    pub fn feed(&mut self, mut bytes: &[u8], mut dispatch: impl FnMut(Event<'_>)) {
        if self.after_cr && bytes.first() == Some(&b'\n') {
            bytes = &bytes[1..];
        }
        self.after_cr = false;
        while let Some(end) = memchr::memchr2(b'\n', b'\r', bytes) {
            let (piece, rest) = bytes.split_at(end);
            let line = if self.line.is_empty() {
                piece
            } else {
                self.line.extend_from_slice(piece);
                &self.line[..]
            };
            if self.event.field(line) {
                let event = &mut self.event;
                let name = event.has_name.then(|| utf8(&event.name));
                dispatch(Event {
                    name: name.as_deref(),
                    data: &utf8(&event.data),
                });
                event.has_name = false;
                event.data.clear();
                event.has_data = false;
            }
            self.line.clear();
            bytes = match rest {
                [b'\r', b'\n', tail @ ..] => tail,
                [b'\r'] => {
                    self.after_cr = true;
                    &[]
                }
                [_, tail @ ..] => tail,
                [] => &[],
            };
        }
        self.line.extend_from_slice(bytes);
    }
}

impl Pending {
    /// Handles one complete line; true when it is the blank line that dispatches an event.
    fn field(&mut self, line: &[u8]) -> bool {
        if line.is_empty() {
            // A blank line with no data only resets the event name.
            if !self.has_data {
                self.has_name = false;
            }
            return self.has_data;
        }
        if line[0] == b':' {
            return false;
        }
        let (field, value) = match memchr::memchr(b':', line) {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                if self.has_data {
                    self.data.push(b'\n');
                }
                self.data.extend_from_slice(value);
                self.has_data = true;
            }
            b"event" => {
                self.name.clear();
                self.name.extend_from_slice(value);
                self.has_name = true;
            }
            _ => {}
        }
        false
    }
}

/// The bytes as text, invalid sequences replaced (`from_utf8` first: it checks ASCII a word at
/// a time, where the lossy reader goes byte by byte).
fn utf8(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(pieces: &[&[u8]]) -> Vec<(Option<String>, String)> {
        let mut decoder = Decoder::default();
        let mut out = Vec::new();
        for piece in pieces {
            decoder.feed(piece, |e| {
                out.push((e.name.map(str::to_owned), e.data.to_owned()))
            });
        }
        out
    }

    #[test]
    fn events_come_whole_however_the_bytes_are_cut() {
        let wire = b"event: message_start\ndata: {\"a\":1}\n\n: ping\ndata: line one\ndata: line two\r\n\r\nid: 7\ndata:no space\r\rdata: [DONE]\n\n";
        let want = vec![
            (Some("message_start".into()), "{\"a\":1}".into()),
            (None, "line one\nline two".into()),
            (None, "no space".into()),
            (None, "[DONE]".into()),
        ];
        assert_eq!(events(&[wire]), want);
        // Every split point, including between CR and LF.
        for cut in 0..wire.len() {
            assert_eq!(events(&[&wire[..cut], &wire[cut..]]), want, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        assert_eq!(events(&bytes), want);
    }

    #[test]
    fn an_event_name_without_data_dispatches_nothing_and_is_forgotten() {
        assert_eq!(
            events(&[b"event: ping\n\ndata: x\n\n"]),
            vec![(None, "x".into())]
        );
        assert_eq!(events(&[b"data: unfinished"]), vec![]);
    }

    #[test]
    fn text_is_read_once_the_event_is_whole_and_bad_bytes_are_replaced() {
        // "é" and "名" cut between their bytes, and a name too.
        let wire = "event: dé\ndata: {\"t\":\"名é\"}\n\n".as_bytes();
        for cut in 0..wire.len() {
            assert_eq!(
                events(&[&wire[..cut], &wire[cut..]]),
                vec![(Some("dé".into()), "{\"t\":\"名é\"}".into())],
                "cut at {cut}"
            );
        }
        assert_eq!(
            events(&[b"event: a\xffb\ndata: x\xc3\n\ndata: y\n\n"]),
            vec![
                (Some("a\u{fffd}b".into()), "x\u{fffd}".into()),
                (None, "y".into())
            ]
        );
    }
}
