//! Server-sent events from the bytes a host read off the wire, in whatever pieces they came:
//! lines end with LF, CRLF or CR (a CRLF split across two pieces counts once), `event:` names
//! the event, `data:` lines join with LF, comments and other fields are skipped, and a blank
//! line dispatches the event. The WHATWG HTML rules, for what providers send.

/// One dispatched event: its name, when the stream named it, and its data.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Event {
    pub name: Option<String>,
    pub data: String,
}

#[derive(Debug, Default)]
pub(crate) struct Decoder {
    /// An unfinished line from the last piece.
    line: Vec<u8>,
    /// The last piece ended in CR: a LF that starts the next one ends nothing.
    after_cr: bool,
    name: Option<String>,
    data: String,
    has_data: bool,
}

impl Decoder {
    /// Feeds one piece; `dispatch` is called for each event it completes.
    pub fn feed(&mut self, mut bytes: &[u8], mut dispatch: impl FnMut(Event)) {
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
            let event = Self::field(line, &mut self.name, &mut self.data, &mut self.has_data);
            self.line.clear();
            if event {
                dispatch(Event {
                    name: self.name.take(),
                    data: std::mem::take(&mut self.data),
                });
                self.has_data = false;
            }
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

    /// Handles one complete line; true when it is the blank line that dispatches an event.
    fn field(
        line: &[u8],
        name: &mut Option<String>,
        data: &mut String,
        has_data: &mut bool,
    ) -> bool {
        if line.is_empty() {
            // A blank line with no data only resets the event name.
            if !*has_data {
                *name = None;
            }
            return *has_data;
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
        let value = String::from_utf8_lossy(value);
        match field {
            b"data" => {
                if *has_data {
                    data.push('\n');
                }
                data.push_str(&value);
                *has_data = true;
            }
            b"event" => *name = Some(value.into_owned()),
            _ => {}
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(pieces: &[&[u8]]) -> Vec<(Option<String>, String)> {
        let mut decoder = Decoder::default();
        let mut out = Vec::new();
        for piece in pieces {
            decoder.feed(piece, |e| out.push((e.name, e.data)));
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
}
