//! Roles: the users that may log in with a password, and their verifiers.
//!
//! A role is stored under its name. Its password is kept only as a
//! SCRAM-SHA-256 verifier (PostgreSQL's text form), never in clear.

use std::collections::BTreeMap;

use freshet_storage::KvOp;
use serde::{Deserialize, Serialize};

use crate::CatalogError;
use crate::durable::put;

/// A role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Its name.
    pub name: String,
    /// Its PostgreSQL OID.
    pub oid: u32,
    /// Whether it may log in.
    pub login: bool,
    /// Its password's SCRAM-SHA-256 verifier, if it has a password.
    pub password: Option<String>,
}

/// What `CREATE ROLE` or `ALTER ROLE` sets; `None` leaves an attribute as
/// it is (or at its default, for a new role).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleAttributes {
    /// `LOGIN` or `NOLOGIN`.
    pub login: Option<bool>,
    /// `PASSWORD 'verifier'` or `PASSWORD NULL`.
    pub password: Option<Option<String>>,
}

pub(crate) fn role_key(name: &str) -> Vec<u8> {
    format!("role/{name}").into_bytes()
}

/// Creates role `name` with `attributes` and OID `oid`.
pub(crate) fn create(
    roles: &mut BTreeMap<String, Role>,
    name: String,
    attributes: RoleAttributes,
    oid: u32,
    writes: &mut Vec<KvOp>,
) -> Result<(), CatalogError> {
    if roles.contains_key(&name) {
        return Err(CatalogError::RoleExists(name));
    }
    let role = Role {
        name,
        oid,
        login: attributes.login.unwrap_or(false),
        password: attributes.password.flatten(),
    };
    writes.push(put(role_key(&role.name), &role));
    roles.insert(role.name.clone(), role);
    Ok(())
}

/// Changes the attributes of role `name` that `attributes` sets.
pub(crate) fn alter(
    roles: &mut BTreeMap<String, Role>,
    name: &str,
    attributes: RoleAttributes,
    writes: &mut Vec<KvOp>,
) -> Result<(), CatalogError> {
    let role = roles
        .get_mut(name)
        .ok_or_else(|| CatalogError::UnknownRole(name.to_owned()))?;
    if let Some(login) = attributes.login {
        role.login = login;
    }
    if let Some(password) = attributes.password {
        role.password = password;
    }
    writes.push(put(role_key(&role.name), role));
    Ok(())
}

/// Drops role `name`.
pub(crate) fn drop(roles: &mut BTreeMap<String, Role>, name: &str, writes: &mut Vec<KvOp>) -> Result<(), CatalogError> {
    roles
        .remove(name)
        .ok_or_else(|| CatalogError::UnknownRole(name.to_owned()))?;
    writes.push(KvOp::Delete(role_key(name)));
    Ok(())
}
