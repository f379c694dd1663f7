//! Planning `INSERT INTO t [(columns)] { VALUES … | query }`.

use freshet_expr::{RelExpr, RowSetFinishing, ScalarExpr};
use freshet_repr::{ColumnType, RelationDesc, Row, RowArena};
use sqlparser::ast::{self, SetExpr, TableObject};

use super::ddl::table_definition;
use super::expr::{ExprContext, Typed, coerce, plan_expr, scalar_only};
use super::hir::HirScalar;
use super::params::ParamState;
use super::query::QueryContext;
use super::query::plan_query;
use super::scope::Scope;
use super::typeconv::CastContext;
use super::{InsertPlan, Plan, SelectPlan};
use crate::PlanError;
use crate::catalog::{CatalogItem, CatalogReader, ItemKind};
use crate::names::{name_parts, resolve_item};
use std::rc::Rc;

/// The position of the column `column` of `item`, and its name.
pub(crate) fn column_position(item: &CatalogItem, column: &ast::ObjectName) -> Result<(usize, String), PlanError> {
    let column = name_parts(column)?.join(".");
    let position = item
        .desc
        .names()
        .position(|n| n.as_str() == column)
        .ok_or_else(|| PlanError::UnknownColumn(format!("{column}\" of relation \"{}", item.name.item)))?;
    Ok((position, column))
}

/// Converts `value` to the type of column `position`, as a stored value is
/// converted (an assignment cast).
pub(crate) fn coerce_to_column(value: Typed, desc: &RelationDesc, position: usize) -> Result<HirScalar, PlanError> {
    let typ = desc.column_type(position).scalar_type;
    let from = value.type_name();
    coerce(value, &typ, CastContext::Assignment).map_err(|e| match e {
        PlanError::InvalidCast { .. } => PlanError::DatatypeMismatch(format!(
            "column \"{}\" is of type {} but expression is of type {from}",
            desc.column_name(position),
            typ.name()
        )),
        other => other,
    })
}

/// Plans an `INSERT`.
pub(crate) fn plan_insert(
    catalog: &dyn CatalogReader,
    params: Option<&Rc<ParamState>>,
    insert: &ast::Insert,
) -> Result<Plan, PlanError> {
    if insert.or.is_some()
        || insert.ignore
        || insert.on.is_some()
        || insert.returning.is_some()
        || insert.partitioned.is_some()
        || !insert.assignments.is_empty()
        || insert.overwrite
    {
        return Err(PlanError::Unsupported(
            "INSERT with OR, IGNORE, ON CONFLICT, RETURNING or SET".into(),
        ));
    }
    let TableObject::TableName(name) = &insert.table else {
        return Err(PlanError::Unsupported("INSERT INTO a table function".into()));
    };
    let item = resolve_item(catalog, name)?;
    if item.kind != ItemKind::Table {
        return Err(PlanError::WrongObjectType {
            name: item.name.item,
            expected: "a table",
        });
    }
    if item.name.database.is_none() {
        return Err(PlanError::SystemSchema(item.name.schema));
    }
    let desc = &item.desc;
    let source = insert
        .source
        .as_deref()
        .ok_or_else(|| PlanError::Unsupported("INSERT DEFAULT VALUES".into()))?;
    // The table column each source column goes to: the named ones, or the
    // first ones, as many as the source has.
    let targets: Vec<usize> = if insert.columns.is_empty() {
        let width = match &*source.body {
            SetExpr::Values(values) => values.rows.first().map_or(0, |r| r.content.len()),
            _ => desc.arity(),
        };
        if width > desc.arity() {
            return Err(PlanError::InsertArity("more expressions than target columns"));
        }
        (0..width).collect()
    } else {
        let mut targets = Vec::with_capacity(insert.columns.len());
        for column in &insert.columns {
            let (position, column) = column_position(&item, column)?;
            if targets.contains(&position) {
                return Err(PlanError::DuplicateColumn(column));
            }
            targets.push(position);
        }
        targets
    };
    let definition = table_definition(catalog, &item)?;
    let (defaults, unique_keys) = (definition.defaults, definition.unique_keys);

    // VALUES lists are coerced straight to the columns' types, so a quoted
    // literal becomes a value of its column (as in PostgreSQL).
    if let (SetExpr::Values(values), None, None) = (&*source.body, &source.order_by, &source.limit_clause) {
        let rows = plan_values(catalog, params, desc, &targets, &defaults, values)?;
        let typ: Vec<ColumnType> = desc.types().copied().collect();
        let source = SelectPlan {
            expr: RelExpr::Constant { rows: Ok(rows), typ },
            finishing: RowSetFinishing::project_only((0..desc.arity()).collect()),
            desc: desc.clone(),
            as_of: None,
        };
        let row = (0..desc.arity()).map(ScalarExpr::Column).collect();
        return Ok(Plan::Insert(InsertPlan {
            id: item.id,
            table: item.name.item.clone(),
            source,
            row,
            desc: desc.clone(),
            unique_keys,
        }));
    }

    let source = plan_query(catalog, params, source)?;
    let targets = if insert.columns.is_empty() {
        (0..source.desc.arity()).collect()
    } else {
        targets
    };
    if source.desc.arity() > targets.len() {
        return Err(PlanError::InsertArity("more expressions than target columns"));
    }
    if source.desc.arity() < targets.len() {
        return Err(PlanError::InsertArity("more target columns than expressions"));
    }
    let mut row = defaults;
    for (i, target) in targets.iter().enumerate() {
        let value = Typed::Expr(HirScalar::column(i), *source.desc.column_type(i));
        row[*target] = scalar_only(coerce_to_column(value, desc, *target)?, "INSERT")?;
    }
    Ok(Plan::Insert(InsertPlan {
        id: item.id,
        table: item.name.item.clone(),
        source,
        row,
        desc: desc.clone(),
        unique_keys,
    }))
}

/// Evaluates the rows of `VALUES`, each value coerced to its column.
fn plan_values(
    catalog: &dyn CatalogReader,
    params: Option<&Rc<ParamState>>,
    desc: &RelationDesc,
    targets: &[usize],
    defaults: &[ScalarExpr],
    values: &ast::Values,
) -> Result<Vec<(Row, i64)>, PlanError> {
    let scope = Scope::empty();
    let qcx = QueryContext::with_params(catalog, params);
    let ecx = ExprContext::new(&qcx, &scope, "VALUES");
    let arena = RowArena::new();
    let mut rows = Vec::with_capacity(values.rows.len());
    for row in &values.rows {
        if row.content.len() != targets.len() {
            return Err(PlanError::InsertArity(if row.content.len() > targets.len() {
                "more expressions than target columns"
            } else {
                "more target columns than expressions"
            }));
        }
        let mut exprs: Vec<ScalarExpr> = defaults.to_vec();
        for (e, target) in row.content.iter().zip(targets) {
            if matches!(e, ast::Expr::Identifier(ident) if ident.quote_style.is_none() && ident.value.eq_ignore_ascii_case("default"))
            {
                continue;
            }
            let value = coerce_to_column(plan_expr(&ecx, e)?, desc, *target)?;
            exprs[*target] = scalar_only(value, "VALUES")?;
        }
        if exprs.iter().any(ScalarExpr::contains_unmaterializable) {
            return Err(PlanError::Unsupported("calls to mz_now() in write statements".into()));
        }
        let mut datums = Vec::with_capacity(exprs.len());
        for e in &exprs {
            datums.push(e.eval(&[], &arena)?);
        }
        rows.push((Row::pack_slice(&datums), 1));
    }
    Ok(rows)
}
