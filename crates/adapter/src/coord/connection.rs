//! Sequencing `CREATE CONNECTION`, `ALTER CONNECTION` and `VALIDATE CONNECTION`: reaching MySQL
//! runs in a spawned task (a host that times out never stalls other
//! sessions); the catalog changes in the coordinator afterwards.

use freshet_catalog::{ItemKind, Op};
use freshet_mysql::{MySqlConnection, SslMode, validate};
use freshet_sql::{ConnectionPlan, Plan, TextOrSecret};

use super::ddl::created;
use super::{Coordinator, ExecuteContext, Sequenced};
use crate::AdapterError;
use crate::client::ExecuteResponse;

impl Coordinator {
    /// `CREATE CONNECTION` or `ALTER CONNECTION` (validated first unless
    /// `VALIDATE = false`), or `VALIDATE CONNECTION`.
    pub(crate) fn sequence_connection(&mut self, ctx: ExecuteContext, plan: Plan) -> Sequenced {
        match plan {
            Plan::CreateConnection {
                schema,
                name,
                connection,
                validate: check,
                if_not_exists,
                create_sql,
                uses,
            } => {
                let create = move |coord: &mut Coordinator, mut ctx: ExecuteContext, (): ()| {
                    let op = Op::CreateItem {
                        schema,
                        name: name.item.clone(),
                        kind: ItemKind::Connection,
                        create_sql,
                        desc: freshet_repr::RelationDesc::empty(),
                        uses,
                    };
                    let result = coord.catalog.transact(vec![op]);
                    let result = created(&mut ctx, result, if_not_exists, "connection", &name.item)
                        .map(|_| ExecuteResponse::command("CREATE CONNECTION"));
                    Sequenced::Done(ctx, result)
                };
                self.after_validation(ctx, check.then_some(&connection), create)
            }
            Plan::AlterConnection { id, name, change } => {
                let (Some(id), Some(change)) = (id, change) else {
                    let mut ctx = ctx;
                    ctx.notice(format!("connection \"{name}\" does not exist, skipping"));
                    return Sequenced::Done(ctx, Ok(ExecuteResponse::command("ALTER CONNECTION")));
                };
                let connection = change.validate.then(|| change.connection.clone());
                let alter = move |coord: &mut Coordinator, ctx: ExecuteContext, (): ()| {
                    let op = Op::AlterItem {
                        id,
                        create_sql: change.create_sql,
                        uses: change.uses,
                    };
                    let result = coord
                        .catalog
                        .transact(vec![op])
                        .map(|_| ExecuteResponse::command("ALTER CONNECTION"))
                        .map_err(AdapterError::from);
                    Sequenced::Done(ctx, result)
                };
                self.after_validation(ctx, connection.as_ref(), alter)
            }
            Plan::ValidateConnection { connection, .. } => {
                let options = match self.mysql_options(&connection) {
                    Ok(options) => options,
                    Err(e) => return Sequenced::Done(ctx, Err(e)),
                };
                self.spawn_statement(ctx, |mut signal| async move {
                    signal.run(async { Ok(validate(&options).await?) }).await?;
                    Ok(ExecuteResponse::command("VALIDATE CONNECTION"))
                });
                Sequenced::Pending
            }
            other => Sequenced::Done(
                ctx,
                Err(AdapterError::Internal(format!("not a connection plan: {other:?}"))),
            ),
        }
    }

    /// Runs `then` in the coordinator: at once without a `connection` to
    /// check, otherwise once a spawned task has validated it.
    fn after_validation<Then>(
        &mut self,
        ctx: ExecuteContext,
        connection: Option<&ConnectionPlan>,
        then: Then,
    ) -> Sequenced
    where
        Then: FnOnce(&mut Coordinator, ExecuteContext, ()) -> Sequenced + Send + 'static,
    {
        let Some(connection) = connection else {
            return then(self, ctx, ());
        };
        let options = match self.mysql_options(connection) {
            Ok(options) => options,
            Err(e) => return Sequenced::Done(ctx, Err(e)),
        };
        self.spawn_then(
            ctx,
            |mut signal| async move { signal.run(async { Ok(validate(&options).await?) }).await },
            then,
        );
        Sequenced::Pending
    }

    /// The options of `plan` with its secrets' values filled in.
    pub(crate) fn mysql_options(&self, plan: &ConnectionPlan) -> Result<MySqlConnection, AdapterError> {
        let secret = |id| {
            self.catalog
                .secret(id)
                .map(str::to_owned)
                .ok_or_else(|| AdapterError::Internal(format!("secret {id} has no value")))
        };
        let value = |value: &Option<TextOrSecret>| match value {
            None => Ok(None),
            Some(TextOrSecret::Text(text)) => Ok(Some(text.clone())),
            Some(TextOrSecret::Secret(id)) => secret(*id).map(Some),
        };
        Ok(MySqlConnection {
            host: plan.host.clone(),
            port: plan.port,
            user: plan.user.clone(),
            password: plan.password.map(secret).transpose()?,
            ssl_mode: SslMode::parse(&plan.ssl_mode)
                .ok_or_else(|| AdapterError::Internal(format!("unknown SSL MODE {}", plan.ssl_mode)))?,
            ssl_ca: value(&plan.ssl_ca)?,
            ssl_cert: value(&plan.ssl_cert)?,
            ssl_key: plan.ssl_key.map(secret).transpose()?,
        })
    }
}
