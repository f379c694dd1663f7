//! Streaming a `SUBSCRIBE` to the client as `COPY … TO STDOUT` in the
//! text format: `CopyOutResponse`, one `CopyData` per row, flushed as rows
//! arrive, then `CopyDone` when the subscription ends; the caller reports
//! its completion or the error that ended it.
//!
//! A client that goes away shows up as a failed write: the stream is then
//! dropped, which stops the subscription's dataflow.

use std::fmt::Debug;

use bytes::Bytes;
use freshet_adapter::SubscribeStream;
use freshet_repr::{Datum, Row, ScalarType, format_datum};
use futures::{Sink, SinkExt};
use pgwire::api::ClientInfo;
use pgwire::api::results::Tag;
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::copy::{CopyData, CopyDone, CopyOutResponse};

use crate::error::statement_error;

/// Streams `stream` until it ends and returns the number of rows sent, or
/// (`Ok(Err(..))`) the error that ended it, for the caller to report; `Err`
/// means the client can no longer be written to.
pub(crate) async fn send_subscribe<C>(
    client: &mut C,
    mut stream: SubscribeStream,
) -> PgWireResult<Result<usize, ErrorInfo>>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let types: Vec<ScalarType> = stream.desc().types().map(|t| t.scalar_type).collect();
    let columns = i16::try_from(types.len()).unwrap_or(i16::MAX);
    client
        .send(PgWireBackendMessage::CopyOutResponse(CopyOutResponse::new(
            0,
            columns,
            vec![0; types.len()],
        )))
        .await?;
    let mut count = 0usize;
    let mut line = String::new();
    loop {
        match stream.next().await {
            Ok(Some(rows)) => {
                for row in &rows {
                    line.clear();
                    copy_text_line(row, &types, &mut line);
                    client
                        .feed(PgWireBackendMessage::CopyData(CopyData::new(Bytes::from(line.clone()))))
                        .await?;
                }
                count += rows.len();
                // Rows reach the client as soon as they are complete.
                client.flush().await?;
            }
            Ok(None) => {
                client.feed(PgWireBackendMessage::CopyDone(CopyDone::new())).await?;
                return Ok(Ok(count));
            }
            Err(e) => return Ok(Err(statement_error(&e))),
        }
    }
}

/// The completion tag of a subscription that sent `count` rows.
pub(crate) fn subscribe_tag(count: usize) -> Tag {
    Tag::new("SUBSCRIBE").with_rows(count)
}

/// Appends `row` as one line of `COPY`'s text format: values separated by
/// tabs, `\N` for `NULL`, backslash escapes for backslashes and control
/// characters, and a newline.
pub(crate) fn copy_text_line(row: &Row, types: &[ScalarType], out: &mut String) {
    let mut text = String::new();
    for (i, (datum, typ)) in row.iter().zip(types).enumerate() {
        if i > 0 {
            out.push('\t');
        }
        if datum == Datum::Null {
            out.push_str("\\N");
            continue;
        }
        text.clear();
        format_datum(datum, typ, &mut text);
        for c in text.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '\u{b}' => out.push_str("\\v"),
                c => out.push(c),
            }
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_and_marks_nulls() {
        let types = [ScalarType::Int64, ScalarType::Text, ScalarType::Text, ScalarType::Bool];
        let row = Row::pack([Datum::Int64(-3), Datum::String("a\tb\\c\nd"), Datum::Null, Datum::True]);
        let mut line = String::new();
        copy_text_line(&row, &types, &mut line);
        assert_eq!(line, "-3\ta\\tb\\\\c\\nd\t\\N\tt\n");
    }
}
