//! A client's session: its variables and its transaction.

mod vars;

pub(crate) use vars::SessionVars;

use std::collections::{BTreeMap, VecDeque};

use freshet_repr::{Row, Timestamp};
use freshet_storage::ReadHold;

use crate::client::{StartupParams, TransactionStatus};
use crate::coord::TableWrite;

/// What an explicit transaction has done so far: it either reads (all at
/// one timestamp) or writes (all committed together at `COMMIT`), never both.
#[derive(Debug, Default)]
pub(crate) enum TransactionOps {
    /// Nothing yet.
    #[default]
    None,
    /// Reads, all at one timestamp, held readable until the transaction ends.
    Reads(Timestamp, Vec<ReadHold>),
    /// Writes, buffered until `COMMIT`: one entry per table written.
    Writes(Vec<TableWrite>),
}

/// One connection's state, owned by the coordinator.
#[derive(Debug)]
pub(crate) struct Session {
    /// The session's variables.
    pub(crate) vars: SessionVars,
    /// Its explicit transaction, if any.
    pub(crate) transaction: TransactionStatus,
    /// What the explicit transaction has done.
    pub(crate) ops: TransactionOps,
    /// The cursors its transaction declared, by name.
    pub(crate) cursors: BTreeMap<String, Cursor>,
}

/// A cursor over a subscription, declared in a transaction block and read
/// with `FETCH`.
#[derive(Debug)]
pub(crate) struct Cursor {
    /// The subscription.
    pub(crate) stream: Box<crate::SubscribeStream>,
    /// Rows received from it and not fetched yet.
    pub(crate) buffered: VecDeque<Row>,
    /// The subscription ended: no row follows `buffered`.
    pub(crate) finished: bool,
}

impl Session {
    /// A session for a client that connected with `params`.
    pub(crate) fn new(params: &StartupParams) -> Session {
        let mut vars = SessionVars::default();
        vars.set_startup(params);
        Session {
            vars,
            transaction: TransactionStatus::Idle,
            ops: TransactionOps::None,
            cursors: BTreeMap::new(),
        }
    }
}
