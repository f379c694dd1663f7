//! `CREATE ROLE`, `ALTER ROLE` and `DROP ROLE`: who may log in, and with
//! which password.

use sqlparser::ast::{self, Expr, ObjectName, Password, RoleOption, Value};

use super::{Plan, RoleOptions};
use crate::PlanError;
use crate::names::name_parts;

/// `CREATE ROLE name [WITH] [LOGIN | NOLOGIN] [PASSWORD 'p' | PASSWORD NULL]`.
pub(crate) fn plan_create_role(create: &ast::CreateRole) -> Result<Plan, PlanError> {
    let ast::CreateRole {
        names,
        if_not_exists,
        login,
        password,
        inherit,
        bypassrls,
        superuser,
        create_db,
        create_role,
        replication,
        connection_limit,
        valid_until,
        in_role,
        in_group,
        role,
        user,
        admin,
        authorization_owner,
    } = create;
    let [name] = names.as_slice() else {
        return Err(PlanError::Unsupported("creating several roles at once".into()));
    };
    if *if_not_exists {
        return Err(PlanError::Unsupported("CREATE ROLE IF NOT EXISTS".into()));
    }
    let unsupported = [
        (inherit.is_some(), "INHERIT"),
        (bypassrls.is_some(), "BYPASSRLS"),
        (superuser.is_some(), "SUPERUSER"),
        (create_db.is_some(), "CREATEDB"),
        (create_role.is_some(), "CREATEROLE"),
        (replication.is_some(), "REPLICATION"),
        (connection_limit.is_some(), "CONNECTION LIMIT"),
        (valid_until.is_some(), "VALID UNTIL"),
        (!in_role.is_empty() || !in_group.is_empty(), "IN ROLE"),
        (!role.is_empty() || !user.is_empty() || !admin.is_empty(), "ROLE"),
        (authorization_owner.is_some(), "AUTHORIZATION"),
    ];
    if let Some((_, option)) = unsupported.iter().find(|(given, _)| *given) {
        return Err(PlanError::Unsupported(format!("CREATE ROLE ... {option}")));
    }
    Ok(Plan::CreateRole {
        name: role_name(name)?,
        options: RoleOptions {
            login: *login,
            password: password.as_ref().map(password_text).transpose()?,
        },
    })
}

/// `ALTER ROLE name [WITH] [LOGIN | NOLOGIN] [PASSWORD 'p' | PASSWORD NULL]`.
pub(crate) fn plan_alter_role(name: &ast::Ident, operation: &ast::AlterRoleOperation) -> Result<Plan, PlanError> {
    let ast::AlterRoleOperation::WithOptions { options } = operation else {
        return Err(PlanError::Unsupported(format!("ALTER ROLE ... {operation}")));
    };
    let mut planned = RoleOptions::default();
    for option in options {
        match option {
            RoleOption::Login(login) => planned.login = Some(*login),
            RoleOption::Password(password) => planned.password = Some(password_text(password)?),
            other => return Err(PlanError::Unsupported(format!("ALTER ROLE ... {other}"))),
        }
    }
    Ok(Plan::AlterRole {
        name: name.value.clone(),
        options: planned,
    })
}

/// `DROP ROLE [IF EXISTS] name, ...`.
pub(crate) fn plan_drop_roles(names: &[ObjectName], if_exists: bool) -> Result<Plan, PlanError> {
    Ok(Plan::DropRoles {
        names: names.iter().map(role_name).collect::<Result<_, _>>()?,
        if_exists,
    })
}

/// A role's name: one identifier.
fn role_name(name: &ObjectName) -> Result<String, PlanError> {
    match name_parts(name)?.as_slice() {
        [name] => Ok(name.clone()),
        _ => Err(PlanError::InvalidParameter(format!("invalid role name: {name}"))),
    }
}

/// `PASSWORD 'text'` (the text) or `PASSWORD NULL` (none).
fn password_text(password: &Password) -> Result<Option<String>, PlanError> {
    match password {
        Password::NullPassword => Ok(None),
        Password::Password(Expr::Value(value)) => match &value.value {
            Value::SingleQuotedString(text) => Ok(Some(text.clone())),
            Value::Null => Ok(None),
            _ => Err(PlanError::InvalidParameter(
                "a password must be a string literal".into(),
            )),
        },
        Password::Password(_) => Err(PlanError::InvalidParameter(
            "a password must be a string literal".into(),
        )),
    }
}
