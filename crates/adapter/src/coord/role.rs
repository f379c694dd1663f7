//! Sequencing `CREATE ROLE`, `ALTER ROLE` and `DROP ROLE`, and the password
//! lookup of a client authenticating as a role.

use freshet_catalog::{Op, RoleAttributes};
use freshet_sql::{Plan, RoleOptions};

use super::{Coordinator, ExecuteContext};
use crate::AdapterError;
use crate::client::ExecuteResponse;
use crate::password::stored_form;

impl Coordinator {
    /// Creates, changes or drops roles. A password is kept only as its
    /// SCRAM-SHA-256 verifier.
    pub(crate) fn sequence_role(
        &mut self,
        ctx: &mut ExecuteContext,
        plan: Plan,
    ) -> Result<ExecuteResponse, AdapterError> {
        let (ops, tag) = match plan {
            Plan::CreateRole { name, options } => (
                vec![Op::CreateRole {
                    name,
                    attributes: attributes(options),
                }],
                "CREATE ROLE",
            ),
            Plan::AlterRole { name, options } => (
                vec![Op::AlterRole {
                    name,
                    attributes: attributes(options),
                }],
                "ALTER ROLE",
            ),
            Plan::DropRoles { names, if_exists } => {
                let mut ops = Vec::new();
                for name in names {
                    if if_exists && self.catalog.role(&name).is_none() {
                        ctx.notice(format!("role \"{name}\" does not exist, skipping"));
                    } else {
                        ops.push(Op::DropRole { name });
                    }
                }
                (ops, "DROP ROLE")
            }
            other => return Err(AdapterError::Internal(format!("not a role plan: {other:?}"))),
        };
        self.catalog.transact(ops)?;
        Ok(ExecuteResponse::command(tag))
    }

    /// The password verifier a client logging in as `user` must match: the
    /// one given at startup for the user, or else that of a role that may
    /// log in.
    pub(crate) fn password_verifier(&self, user: &str) -> Option<String> {
        if let Some(verifier) = self.passwords.get(user) {
            return Some(verifier.clone());
        }
        self.catalog
            .role(user)
            .filter(|role| role.login)
            .and_then(|role| role.password.clone())
    }
}

/// The catalog's attributes for `options`: passwords become verifiers.
fn attributes(options: RoleOptions) -> RoleAttributes {
    RoleAttributes {
        login: options.login,
        password: options.password.map(|password| password.as_deref().map(stored_form)),
    }
}
