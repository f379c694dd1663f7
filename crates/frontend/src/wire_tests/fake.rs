//! A scripted backend: each statement of a query string is a keyword with a
//! fixed outcome, so the wire protocol can be checked message by message.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use freshet_adapter::{
    AdapterError, CancelReason, ExecuteOutcome, ExecuteResponse, Notice, StartupParams, StatementDesc,
    StatementOutcome, TransactionStatus,
};
use freshet_repr::{Datum, RelationDesc, Row, ScalarType};
use tokio::sync::Notify;

use crate::backend::{Backend, Session};

/// Opens [`FakeSession`]s, refusing the user `refused`.
#[derive(Default)]
pub(super) struct FakeBackend {
    /// Sessions opened and not yet dropped.
    pub(super) live: Arc<AtomicUsize>,
    /// Every successful startup's parameters.
    pub(super) startups: Arc<Mutex<Vec<StartupParams>>>,
    /// Set while a `sleep` statement waits.
    pub(super) sleeping: Arc<AtomicBool>,
    /// Lets one `sleep` statement finish.
    pub(super) wake: Arc<Notify>,
    /// Set if a session was asked to execute while it was executing.
    pub(super) overlapped: Arc<AtomicBool>,
    /// The connections whose statement a cancel request stopped, in order.
    pub(super) canceled: Arc<Mutex<Vec<u32>>>,
    next_conn_id: AtomicU32,
}

impl Backend for FakeBackend {
    type Session = FakeSession;

    async fn startup(&self, params: StartupParams) -> Result<FakeSession, AdapterError> {
        if params.user == "refused" {
            return Err(AdapterError::Internal("refused".to_owned()));
        }
        self.startups.lock().expect("not poisoned").push(params);
        self.live.fetch_add(1, Ordering::SeqCst);
        Ok(FakeSession {
            conn_id: self.next_conn_id.fetch_add(1, Ordering::SeqCst) + 1,
            notices: vec![notice("welcome")],
            status: Mutex::new(TransactionStatus::Idle),
            live: Arc::clone(&self.live),
            sleeping: Arc::clone(&self.sleeping),
            wake: Arc::clone(&self.wake),
            executing: AtomicBool::new(false),
            overlapped: Arc::clone(&self.overlapped),
            canceled: Arc::clone(&self.canceled),
        })
    }

    /// `alice` has the password `wonderland`; nobody else has one.
    async fn password_verifier(&self, user: &str) -> Result<Option<String>, AdapterError> {
        Ok((user == "alice").then(|| freshet_adapter::scram_verifier("wonderland")))
    }

    /// Stops a waiting `sleep` of `conn_id`, which then fails with 57014.
    fn cancel(&self, conn_id: u32) {
        self.canceled.lock().expect("not poisoned").push(conn_id);
        self.wake.notify_waiters();
    }
}

/// A session answering the keywords `select`, `insert`, `begin`, `commit`,
/// `fail` and `sleep` (which waits for [`FakeBackend::wake`]).
pub(super) struct FakeSession {
    conn_id: u32,
    notices: Vec<Notice>,
    status: Mutex<TransactionStatus>,
    live: Arc<AtomicUsize>,
    sleeping: Arc<AtomicBool>,
    wake: Arc<Notify>,
    executing: AtomicBool,
    overlapped: Arc<AtomicBool>,
    canceled: Arc<Mutex<Vec<u32>>>,
}

impl Drop for FakeSession {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
    }
}

fn notice(message: &str) -> Notice {
    Notice {
        message: message.to_owned(),
        hint: None,
    }
}

impl Session for FakeSession {
    fn conn_id(&self) -> u32 {
        self.conn_id
    }

    fn startup_notices(&self) -> &[Notice] {
        &self.notices
    }

    async fn execute(&self, sql: &str) -> Result<ExecuteOutcome, AdapterError> {
        if self.executing.swap(true, Ordering::SeqCst) {
            self.overlapped.store(true, Ordering::SeqCst);
        }
        let mut statements = Vec::new();
        for stmt in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let mut outcome = None;
            if stmt == "sleep" {
                self.sleeping.store(true, Ordering::SeqCst);
                self.wake.notified().await;
                self.sleeping.store(false, Ordering::SeqCst);
                if self.canceled.lock().expect("not poisoned").contains(&self.conn_id) {
                    outcome = Some(StatementOutcome {
                        notices: vec![],
                        result: Err(AdapterError::Canceled(CancelReason::UserRequest)),
                    });
                }
            }
            let outcome = outcome.unwrap_or_else(|| self.statement(stmt));
            let failed = outcome.result.is_err();
            statements.push(outcome);
            if failed {
                break;
            }
        }
        let status = *self.status.lock().expect("not poisoned");
        self.executing.store(false, Ordering::SeqCst);
        Ok(ExecuteOutcome { statements, status })
    }

    /// `select` returns the scripted rows and has no parameters; `param`
    /// takes one `int4` and returns it; the other keywords return no rows.
    async fn describe(&self, sql: &str, _param_types: Vec<Option<ScalarType>>) -> Result<StatementDesc, AdapterError> {
        let sql = sql.trim();
        let (param_types, result) = match sql {
            "select" => (vec![], Some(select_desc())),
            "param" => (vec![ScalarType::Int32], Some(param_desc())),
            "insert" | "begin" | "commit" | "fail" | "" => (vec![], None),
            other => return Err(AdapterError::Internal(format!("unscripted: {other}"))),
        };
        Ok(StatementDesc { param_types, result })
    }

    async fn execute_prepared(
        &self,
        sql: &str,
        _desc: &StatementDesc,
        values: Row,
    ) -> Result<ExecuteOutcome, AdapterError> {
        if sql.trim() == "param" {
            let status = *self.status.lock().expect("not poisoned");
            let result = Ok(ExecuteResponse::Rows {
                desc: param_desc(),
                rows: vec![values],
            });
            let statements = vec![StatementOutcome {
                notices: vec![],
                result,
            }];
            return Ok(ExecuteOutcome { statements, status });
        }
        self.execute(sql).await
    }

    async fn transaction_status(&self, fail: bool) -> Result<TransactionStatus, AdapterError> {
        let mut status = self.status.lock().expect("not poisoned");
        if fail && *status == TransactionStatus::InTransaction {
            *status = TransactionStatus::Failed;
        }
        Ok(*status)
    }
}

/// The columns of `select`.
fn select_desc() -> RelationDesc {
    RelationDesc::empty()
        .with_column("a", ScalarType::Int32.nullable(true))
        .with_column("b", ScalarType::Text.nullable(true))
        .with_column("u", ScalarType::UInt64.nullable(false))
}

/// The column of `param`.
fn param_desc() -> RelationDesc {
    RelationDesc::empty().with_column("p", ScalarType::Int32.nullable(true))
}

impl FakeSession {
    fn statement(&self, stmt: &str) -> StatementOutcome {
        let mut status = self.status.lock().expect("not poisoned");
        let mut notices = Vec::new();
        let result = match (stmt, *status) {
            (_, TransactionStatus::Failed) if stmt != "commit" => Err(AdapterError::TransactionAborted),
            ("select", _) => Ok(ExecuteResponse::Rows {
                desc: select_desc(),
                rows: vec![
                    Row::pack([Datum::Int32(1), Datum::String("x"), Datum::UInt64(u64::MAX)]),
                    Row::pack([Datum::Null, Datum::Null, Datum::UInt64(0)]),
                ],
            }),
            ("insert", _) => Ok(ExecuteResponse::Command {
                tag: "INSERT 0 1".to_owned(),
            }),
            ("sleep", _) => Ok(ExecuteResponse::Command {
                tag: "SLEEP".to_owned(),
            }),
            ("begin", _) => {
                *status = TransactionStatus::InTransaction;
                Ok(ExecuteResponse::TransactionStarted)
            }
            ("commit", previous) => {
                *status = TransactionStatus::Idle;
                let tag = match previous {
                    TransactionStatus::Failed => "ROLLBACK",
                    _ => "COMMIT",
                };
                Ok(ExecuteResponse::TransactionEnded { tag: tag.to_owned() })
            }
            ("fail", previous) => {
                notices.push(notice("careful"));
                if previous == TransactionStatus::InTransaction {
                    *status = TransactionStatus::Failed;
                }
                Err(AdapterError::UnknownParameter("nope".to_owned()))
            }
            (other, _) => Err(AdapterError::Internal(format!("unscripted: {other}"))),
        };
        StatementOutcome { notices, result }
    }
}
