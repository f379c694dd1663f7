//! Errors and notices on the wire: the adapter's errors as `ErrorResponse`
//! fields (severity, SQLSTATE, message, detail, hint, position) and its
//! notices as `NoticeResponse`s.

use freshet_adapter::{AdapterError, Notice};
use freshet_repr::SqlState;
use pgwire::error::{ErrorInfo, PgWireError, SEVERITY_ERROR, SEVERITY_FATAL, SEVERITY_NOTICE};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::response::NoticeResponse;

/// The fields of an `ErrorResponse` for `err`, at `severity` (`ERROR` for a
/// failed statement, `FATAL` when the connection cannot go on).
pub(crate) fn error_info(err: &AdapterError, severity: &str) -> ErrorInfo {
    let mut info = ErrorInfo::new(severity.to_owned(), err.code().code().to_owned(), err.to_string());
    info.detail = err.detail();
    info.hint = err.hint();
    info.position = err.position().map(|position| position.to_string());
    info
}

/// A failed statement, as an `ERROR`.
pub(crate) fn statement_error(err: &AdapterError) -> ErrorInfo {
    error_info(err, SEVERITY_ERROR)
}

/// An error that ends the connection (`FATAL`), as pgwire's error type:
/// pgwire sends it, then closes the connection.
pub(crate) fn fatal(err: &AdapterError) -> PgWireError {
    PgWireError::UserError(Box::new(error_info(err, SEVERITY_FATAL)))
}

/// A `FATAL` error with `code` and `message` that did not come from the
/// adapter (startup and authentication); the connection ends after it.
pub(crate) fn frontend_fatal(code: SqlState, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        SEVERITY_FATAL.to_owned(),
        code.code().to_owned(),
        message.into(),
    )))
}

/// An `ERROR` with `code` and `message` that did not come from the adapter.
pub(crate) fn frontend_error(code: SqlState, message: &str) -> ErrorInfo {
    ErrorInfo::new(SEVERITY_ERROR.to_owned(), code.code().to_owned(), message.to_owned())
}

/// The `NoticeResponse` for an adapter notice: severity `NOTICE`, SQLSTATE
/// `00000`.
pub(crate) fn notice_message(notice: &Notice) -> PgWireBackendMessage {
    let mut info = ErrorInfo::new(
        SEVERITY_NOTICE.to_owned(),
        SqlState::SuccessfulCompletion.code().to_owned(),
        notice.message.clone(),
    );
    info.hint = notice.hint.clone();
    PgWireBackendMessage::NoticeResponse(NoticeResponse::from(info))
}

#[cfg(test)]
mod tests {
    use pgwire::messages::response::ErrorResponse;

    use super::*;

    #[test]
    fn adapter_errors_keep_code_message_and_hint() {
        let err = AdapterError::InvalidParameterValue {
            name: "transaction_isolation".to_owned(),
            value: "chaos".to_owned(),
            hint: Some("Use serializable or strict serializable.".to_owned()),
        };
        let info = statement_error(&err);
        assert_eq!(info.severity, "ERROR");
        assert_eq!(info.code, "22023");
        assert_eq!(
            info.message,
            "invalid value for parameter \"transaction_isolation\": \"chaos\""
        );
        assert_eq!(info.hint.as_deref(), Some("Use serializable or strict serializable."));
        assert_eq!(info.detail, None);
        assert_eq!(info.position, None);
    }

    #[test]
    fn error_codes_come_from_the_adapter() {
        let cases = [
            (AdapterError::UnknownParameter("x".to_owned()), "42704"),
            (AdapterError::TransactionAborted, "25P02"),
            (AdapterError::InTransactionBlock("CREATE SOURCE"), "25001"),
            (AdapterError::NegativeMultiplicity { diff: -1 }, "XX001"),
            (AdapterError::Internal("boom".to_owned()), "XX000"),
            (AdapterError::Shutdown, "57P01"),
        ];
        for (err, code) in cases {
            let info = statement_error(&err);
            assert_eq!(info.code, code, "{err}");
            assert_eq!(info.message, err.to_string());
        }
    }

    #[test]
    fn fatal_errors_end_the_connection() {
        let err = fatal(&AdapterError::Shutdown);
        assert!(err.is_fatal());
        assert_eq!(err.code(), "57P01");
        let info = ErrorInfo::from(err);
        assert_eq!(info.severity, "FATAL");
        assert_eq!(info.message, "the server is shutting down");
    }

    #[test]
    fn notices_are_notice_00000_with_hint() {
        let notice = Notice {
            message: "there is no transaction in progress".to_owned(),
            hint: Some("Use BEGIN first.".to_owned()),
        };
        let PgWireBackendMessage::NoticeResponse(response) = notice_message(&notice) else {
            panic!("not a notice");
        };
        let info = ErrorInfo::from(ErrorResponse::new(response.fields));
        assert_eq!(info.severity, "NOTICE");
        assert_eq!(info.code, "00000");
        assert_eq!(info.message, "there is no transaction in progress");
        assert_eq!(info.hint.as_deref(), Some("Use BEGIN first."));
    }
}
