//! A client's session: its variables and its transaction.

mod vars;

pub(crate) use vars::SessionVars;

use crate::client::{StartupParams, TransactionStatus};

/// One connection's state, owned by the coordinator.
#[derive(Debug)]
pub(crate) struct Session {
    /// The session's variables.
    pub(crate) vars: SessionVars,
    /// Its explicit transaction, if any.
    pub(crate) transaction: TransactionStatus,
}

impl Session {
    /// A session for a client that connected with `params`.
    pub(crate) fn new(params: &StartupParams) -> Session {
        let mut vars = SessionVars::default();
        vars.set_startup(params);
        Session {
            vars,
            transaction: TransactionStatus::Idle,
        }
    }
}
