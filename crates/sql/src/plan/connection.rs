//! `CREATE CONNECTION … TO MYSQL` and `VALIDATE CONNECTION`: the options
//! checked and the secrets they name resolved; reaching MySQL is the
//! adapter's part.

use freshet_repr::GlobalId;
use sqlparser::ast::ObjectName;

use super::Plan;
use crate::PlanError;
use crate::catalog::{CatalogReader, ItemKind};
use crate::names::{name_for_create, qualified_name, resolve_item_of_kind};
use crate::parse::{AlterConnection, ConnectionOption, CreateConnection, OptionValue, Statement, parse};

/// What `SSL MODE` accepts.
const SSL_MODES: &[&str] = &["disabled", "required", "verify_ca", "verify_identity"];

/// A value given in clear or as a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextOrSecret {
    /// The value itself.
    Text(String),
    /// The secret holding it.
    Secret(GlobalId),
}

/// A MySQL connection's options, secrets named by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionPlan {
    /// `HOST`
    pub host: String,
    /// `PORT` (3306 by default)
    pub port: u16,
    /// `USER`
    pub user: String,
    /// `PASSWORD SECRET s`
    pub password: Option<GlobalId>,
    /// `SSL MODE`, lower-case: `disabled` (the default), `required`,
    /// `verify_ca` or `verify_identity`.
    pub ssl_mode: String,
    /// `SSL CERTIFICATE AUTHORITY` (PEM)
    pub ssl_ca: Option<TextOrSecret>,
    /// `SSL CERTIFICATE` (PEM), with `ssl_key`
    pub ssl_cert: Option<TextOrSecret>,
    /// `SSL KEY SECRET s` (PEM)
    pub ssl_key: Option<GlobalId>,
}

/// `CREATE CONNECTION [IF NOT EXISTS] name TO MYSQL (…) [WITH (VALIDATE = b)]`.
pub(crate) fn plan_create_connection(
    catalog: &dyn CatalogReader,
    create: &CreateConnection,
) -> Result<Plan, PlanError> {
    let (schema, name) = name_for_create(catalog, &create.name, "connection")?;
    let (connection, uses, options) = plan_options(catalog, &create.options)?;
    let stored = CreateConnection {
        name: qualified_name(&name),
        if_not_exists: false,
        options,
        validate: None,
    };
    Ok(Plan::CreateConnection {
        schema: schema.id,
        name,
        connection,
        validate: create.validate.unwrap_or(true),
        if_not_exists: create.if_not_exists,
        create_sql: stored.to_string(),
        uses,
    })
}

/// `ALTER CONNECTION … SET (…) | RESET (…) [WITH (VALIDATE = b)]`: the
/// stored definition with the options changed, planned anew.
pub(crate) fn plan_alter_connection(catalog: &dyn CatalogReader, alter: &AlterConnection) -> Result<Plan, PlanError> {
    let item = match resolve_item_of_kind(catalog, &alter.name, ItemKind::Connection) {
        Ok(item) => item,
        Err(PlanError::UnknownItem { name, .. }) if alter.if_exists => {
            return Ok(Plan::AlterConnection {
                id: None,
                name,
                change: None,
            });
        }
        Err(e) => return Err(e),
    };
    let mut stored = match parse(&item.create_sql)?.into_iter().next() {
        Some(Statement::CreateConnection(create)) => create,
        _ => {
            return Err(PlanError::Unsupported(format!(
                "a stored connection definition: {}",
                item.create_sql
            )));
        }
    };
    for option in &alter.reset {
        if alter.set.iter().any(|(set, _)| set == option) {
            return Err(PlanError::InvalidParameter(format!(
                "{} both set and reset",
                option.name()
            )));
        }
        stored.options.retain(|(o, _)| o != option);
    }
    for (option, value) in &alter.set {
        match stored.options.iter_mut().find(|(o, _)| o == option) {
            Some(existing) => existing.1 = value.clone(),
            None => stored.options.push((*option, value.clone())),
        }
    }
    let (connection, uses, options) = plan_options(catalog, &stored.options)?;
    stored.options = options;
    Ok(Plan::AlterConnection {
        id: Some(item.id),
        name: item.name.to_string(),
        change: Some(ConnectionChange {
            connection,
            validate: alter.validate.unwrap_or(true),
            create_sql: stored.to_string(),
            uses,
        }),
    })
}

/// What `ALTER CONNECTION` makes of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionChange {
    /// Its new options.
    pub connection: ConnectionPlan,
    /// Connect and check the server before changing it.
    pub validate: bool,
    /// Its new stored definition.
    pub create_sql: String,
    /// The secrets it now names.
    pub uses: Vec<GlobalId>,
}

/// `VALIDATE CONNECTION name`: the connection's stored options.
pub(crate) fn plan_validate_connection(catalog: &dyn CatalogReader, name: &ObjectName) -> Result<Plan, PlanError> {
    let item = resolve_item_of_kind(catalog, name, ItemKind::Connection)?;
    let connection = stored_connection(catalog, &item.create_sql)?;
    Ok(Plan::ValidateConnection {
        id: item.id,
        connection,
    })
}

/// The options of a connection's stored definition.
pub fn stored_connection(catalog: &dyn CatalogReader, create_sql: &str) -> Result<ConnectionPlan, PlanError> {
    match parse(create_sql)?.as_slice() {
        [Statement::CreateConnection(create)] => Ok(plan_options(catalog, &create.options)?.0),
        _ => Err(PlanError::Unsupported(format!(
            "a stored connection definition: {create_sql}"
        ))),
    }
}

type PlannedOptions = (ConnectionPlan, Vec<GlobalId>, Vec<(ConnectionOption, OptionValue)>);

/// Checks the options and resolves their secrets; returns the plan, the
/// secrets used, and the options with secret names fully qualified.
fn plan_options(
    catalog: &dyn CatalogReader,
    options: &[(ConnectionOption, OptionValue)],
) -> Result<PlannedOptions, PlanError> {
    let mut seen = Vec::new();
    let mut uses = Vec::new();
    let mut stored = Vec::new();
    let mut plan = ConnectionPlan {
        host: String::new(),
        port: 3306,
        user: String::new(),
        password: None,
        ssl_mode: "disabled".into(),
        ssl_ca: None,
        ssl_cert: None,
        ssl_key: None,
    };
    let invalid = |message: String| PlanError::InvalidParameter(message);
    for (option, value) in options {
        if seen.contains(option) {
            return Err(invalid(format!("{} specified more than once", option.name())));
        }
        seen.push(*option);
        let value = match value {
            OptionValue::Secret(name) => {
                let item = resolve_item_of_kind(catalog, name, ItemKind::Secret)?;
                uses.push(item.id);
                let value = OptionValue::Secret(qualified_name(&item.name));
                stored.push((*option, value));
                Planned::Secret(item.id)
            }
            OptionValue::Text(text) | OptionValue::Word(text) | OptionValue::Number(text) => {
                stored.push((*option, value.clone()));
                Planned::Text(text.clone())
            }
        };
        match (option, value) {
            (ConnectionOption::Host, Planned::Text(host)) if !host.is_empty() => plan.host = host,
            (ConnectionOption::Port, Planned::Text(port)) => {
                plan.port = port
                    .parse()
                    .ok()
                    .filter(|port| *port > 0)
                    .ok_or_else(|| invalid(format!("invalid PORT {port}: expected a number from 1 to 65535")))?;
            }
            (ConnectionOption::User, Planned::Text(user)) if !user.is_empty() => plan.user = user,
            (ConnectionOption::Password, Planned::Secret(id)) => plan.password = Some(id),
            (ConnectionOption::SslMode, Planned::Text(mode)) => {
                let mode = mode.to_ascii_lowercase();
                if !SSL_MODES.contains(&mode.as_str()) {
                    return Err(PlanError::InvalidParameter(format!(
                        "unknown SSL MODE {}: expected one of {}",
                        mode.to_uppercase(),
                        SSL_MODES.join(", ").to_uppercase()
                    )));
                }
                plan.ssl_mode = mode;
            }
            (ConnectionOption::SslCertificateAuthority, value) => plan.ssl_ca = Some(value.into()),
            (ConnectionOption::SslCertificate, value) => plan.ssl_cert = Some(value.into()),
            (ConnectionOption::SslKey, Planned::Secret(id)) => plan.ssl_key = Some(id),
            (ConnectionOption::Password | ConnectionOption::SslKey, Planned::Text(_)) => {
                return Err(invalid(format!("{} must be given as SECRET name", option.name())));
            }
            (option, _) => {
                return Err(invalid(format!("invalid value for {}", option.name())));
            }
        }
    }
    for (option, missing) in [
        (ConnectionOption::Host, plan.host.is_empty()),
        (ConnectionOption::User, plan.user.is_empty()),
    ] {
        if missing {
            return Err(invalid(format!("a MySQL connection needs {}", option.name())));
        }
    }
    if plan.ssl_cert.is_some() != plan.ssl_key.is_some() {
        return Err(invalid("SSL CERTIFICATE and SSL KEY must be given together".into()));
    }
    Ok((plan, uses, stored))
}

/// An option's value once secrets are resolved.
enum Planned {
    Text(String),
    Secret(GlobalId),
}

impl From<Planned> for TextOrSecret {
    fn from(value: Planned) -> TextOrSecret {
        match value {
            Planned::Text(text) => TextOrSecret::Text(text),
            Planned::Secret(id) => TextOrSecret::Secret(id),
        }
    }
}
