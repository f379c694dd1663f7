//! Planning `FROM`: tables, views of `WITH`, derived tables and joins.

use freshet_expr::{BinaryFunc, VariadicFunc};
use sqlparser::ast::{self, JoinConstraint, JoinOperator, TableFactor};

use super::expr::{ExprContext, Typed, operands, plan_bool};
use super::hir::{HirRel, HirScalar, JoinKind};
use super::query::{QueryContext, plan_nested_query};
use super::scope::{FromName, Scope, ScopeItem};
use super::view::plan_view;
use crate::PlanError;
use crate::catalog::{CatalogItem, CatalogReader, ItemKind};
use crate::names::{name_parts, normalize_ident, resolve_item};

/// The relation a `FROM` clause reads and the columns it brings into scope:
/// one row of no columns without `FROM`; the cross product of its items.
pub(crate) fn plan_from(qcx: &QueryContext<'_>, from: &[ast::TableWithJoins]) -> Result<(HirRel, Scope), PlanError> {
    let mut result: Option<(HirRel, Scope)> = None;
    for table in from {
        // The items before this one are out of its sight (no `LATERAL`).
        let before = result.as_ref().map(|(_, scope)| from_names(scope)).unwrap_or_default();
        let planned = plan_table_with_joins(qcx, &before, table)?;
        result = Some(match result {
            None => planned,
            Some(left) => {
                left.1.check_distinct_names(&planned.1)?;
                join(left, planned, HirScalar::literal_bool(true), JoinKind::Inner)
            }
        });
    }
    Ok(result.unwrap_or_else(|| (HirRel::unit(), Scope::empty())))
}

/// The names of the `FROM` items of `scope`.
fn from_names(scope: &Scope) -> Vec<String> {
    scope.from_names.iter().map(|n| n.name.clone()).collect()
}

/// The context `qcx` with the `FROM` items `hidden` planned but out of sight.
fn hiding<'a>(qcx: &QueryContext<'a>, hidden: &[String]) -> QueryContext<'a> {
    let mut hcx = qcx.clone();
    hcx.hidden.extend(hidden.iter().cloned());
    hcx
}

fn join(left: (HirRel, Scope), right: (HirRel, Scope), on: HirScalar, kind: JoinKind) -> (HirRel, Scope) {
    let (left_rel, mut left_scope) = left;
    let (right_rel, mut right_scope) = right;
    if matches!(kind, JoinKind::RightOuter | JoinKind::FullOuter) {
        left_scope.items.iter_mut().for_each(|i| i.typ.nullable = true);
    }
    if matches!(kind, JoinKind::LeftOuter | JoinKind::FullOuter) {
        right_scope.items.iter_mut().for_each(|i| i.typ.nullable = true);
    }
    let rel = HirRel::Join {
        left: Box::new(left_rel),
        right: Box::new(right_rel),
        on,
        kind,
    };
    (rel, left_scope.concat(right_scope))
}

/// Plans one item of a `FROM` clause; `hidden` names the items before it.
fn plan_table_with_joins(
    qcx: &QueryContext<'_>,
    hidden: &[String],
    table: &ast::TableWithJoins,
) -> Result<(HirRel, Scope), PlanError> {
    let mut left = plan_table_factor(qcx, hidden, &table.relation)?;
    for j in &table.joins {
        let mut right_hidden = hidden.to_vec();
        right_hidden.extend(from_names(&left.1));
        let right = plan_table_factor(qcx, &right_hidden, &j.relation)?;
        let (kind, constraint) = match &j.join_operator {
            JoinOperator::Join(c) | JoinOperator::Inner(c) => (JoinKind::Inner, c),
            JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (JoinKind::LeftOuter, c),
            JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (JoinKind::RightOuter, c),
            JoinOperator::FullOuter(c) => (JoinKind::FullOuter, c),
            JoinOperator::CrossJoin(c) => (JoinKind::Inner, c),
            other => {
                return Err(PlanError::Unsupported(
                    format!("join {other:?}").chars().take(40).collect(),
                ));
            }
        };
        left = plan_join(qcx, hidden, left, right, kind, constraint)?;
    }
    Ok(left)
}

fn plan_join(
    qcx: &QueryContext<'_>,
    hidden: &[String],
    left: (HirRel, Scope),
    right: (HirRel, Scope),
    kind: JoinKind,
    constraint: &JoinConstraint,
) -> Result<(HirRel, Scope), PlanError> {
    left.1.check_distinct_names(&right.1)?;
    match constraint {
        JoinConstraint::None => Ok(join(left, right, HirScalar::literal_bool(true), kind)),
        JoinConstraint::On(e) => {
            let scope = left.1.clone().concat(right.1.clone());
            let hcx = hiding(qcx, hidden);
            let ecx = ExprContext::new(&hcx, &scope, "JOIN conditions");
            let on = plan_bool(&ecx, e, "JOIN/ON")?;
            Ok(join(left, right, on, kind))
        }
        JoinConstraint::Using(names) => {
            let names = names
                .iter()
                .map(|n| Ok(name_parts(n)?.join(".")))
                .collect::<Result<Vec<_>, PlanError>>()?;
            plan_using(left, right, kind, &names)
        }
        JoinConstraint::Natural => {
            let names: Vec<String> = left
                .1
                .items
                .iter()
                .filter(|l| l.in_wildcard && right.1.items.iter().any(|r| r.in_wildcard && r.column == l.column))
                .map(|l| l.column.clone())
                .collect();
            plan_using(left, right, kind, &names)
        }
    }
}

/// `JOIN … USING (c, …)`: equal values of the named columns, each merged
/// into one column in front (the non-null side's value for outer joins).
fn plan_using(
    left: (HirRel, Scope),
    right: (HirRel, Scope),
    kind: JoinKind,
    names: &[String],
) -> Result<(HirRel, Scope), PlanError> {
    let find = |scope: &Scope, name: &str, side: &'static str| -> Result<usize, PlanError> {
        let found: Vec<usize> = scope
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.column == name && !i.qualified_only)
            .map(|(p, _)| p)
            .collect();
        match found.as_slice() {
            [p] => Ok(*p),
            [] => Err(PlanError::UnknownUsingColumn {
                column: name.to_owned(),
                side,
            }),
            _ => Err(PlanError::AmbiguousUsingColumn {
                column: name.to_owned(),
                side,
            }),
        }
    };
    let nl = left.1.items.len();
    let mut pairs = Vec::with_capacity(names.len());
    let mut conditions = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(PlanError::DuplicateUsingColumn(name.clone()));
        }
        let (l, r) = (find(&left.1, name, "left")?, find(&right.1, name, "right")?);
        let (lt, rt) = (left.1.items[l].typ, right.1.items[r].typ);
        let (mut exprs, common) = operands(
            Typed::Expr(HirScalar::column(l), lt),
            Typed::Expr(HirScalar::column(nl + r), rt),
            "=",
        )?;
        let (b, a) = (exprs.pop(), exprs.pop());
        if let (Some(a), Some(b)) = (a, b) {
            conditions.push(a.clone().call_binary(b.clone(), BinaryFunc::Eq));
            pairs.push((name.clone(), a, b, common, lt.nullable || rt.nullable));
        }
    }
    let on = match conditions.len() {
        1 => conditions.remove(0),
        _ => HirScalar::call_variadic(VariadicFunc::And, conditions),
    };
    let (rel, mut scope) = join(left, right, on, kind);
    let width = scope.items.len();
    let mut merged = Vec::with_capacity(pairs.len());
    let mut merged_items = Vec::with_capacity(pairs.len());
    for (name, a, b, common, nullable) in pairs {
        let value = match kind {
            JoinKind::Inner | JoinKind::LeftOuter => a,
            JoinKind::RightOuter => b,
            JoinKind::FullOuter => HirScalar::call_variadic(VariadicFunc::Coalesce, vec![a, b]),
        };
        merged.push(value);
        let nullable = nullable && !matches!(kind, JoinKind::Inner);
        merged_items.push(ScopeItem::new(None, name.clone(), common.nullable(nullable)));
        // The joined columns stay reachable as `t.c`, but not as `c` or in `*`.
        for item in scope
            .items
            .iter_mut()
            .filter(|it| it.column == name && !it.qualified_only)
        {
            item.qualified_only = true;
            item.in_wildcard = false;
        }
    }
    let count = merged.len();
    let rel = rel
        .map(merged)
        .project((width..width + count).chain(0..width).collect());
    merged_items.extend(scope.items);
    scope.items = merged_items;
    Ok((rel, scope))
}

/// Plans a table, `WITH` query, derived table or parenthesized join;
/// `hidden` names the `FROM` items planned before it, out of its sight.
fn plan_table_factor(
    qcx: &QueryContext<'_>,
    hidden: &[String],
    factor: &TableFactor,
) -> Result<(HirRel, Scope), PlanError> {
    if let Some((name, alias)) = named_table(factor) {
        let parts = name_parts(name)?;
        if let [single] = parts.as_slice()
            && let Some(cte) = qcx.cte(single)
        {
            let scope = named_scope(alias, single, &cte.names, &cte.types)?;
            return Ok((cte.rel, scope));
        }
        let (item, rel, mut scope) = plan_item(qcx.catalog, name, alias)?;
        if alias.is_none() {
            scope.from_names.iter_mut().for_each(|n| n.item = Some(item.id));
        }
        return Ok((rel, scope));
    }
    match factor {
        TableFactor::Derived {
            lateral: false,
            subquery,
            alias,
            sample: None,
        } => {
            let planned = plan_nested_query(&hiding(qcx, hidden), subquery)?;
            match alias {
                Some(alias) => {
                    let scope = named_scope(Some(alias), "", &planned.names, &planned.types)?;
                    Ok((planned.rel, scope))
                }
                // PostgreSQL 16 allows a derived table without a name; its
                // columns can only be named unqualified.
                None => {
                    let items = planned
                        .names
                        .iter()
                        .zip(&planned.types)
                        .map(|(name, typ)| ScopeItem::new(None, name.clone(), *typ))
                        .collect();
                    Ok((
                        planned.rel,
                        Scope {
                            items,
                            from_names: vec![],
                        },
                    ))
                }
            }
        }
        TableFactor::NestedJoin {
            table_with_joins,
            alias: None,
        } => plan_table_with_joins(qcx, hidden, table_with_joins),
        other => Err(PlanError::Unsupported(format!("FROM {other}"))),
    }
}

/// The scope of a relation named `table` (or its alias), with its columns
/// renamed by the alias' column list.
fn named_scope(
    alias: Option<&ast::TableAlias>,
    table: &str,
    names: &[String],
    types: &[freshet_repr::ColumnType],
) -> Result<Scope, PlanError> {
    let (table, renames) = match alias {
        Some(alias) => (
            normalize_ident(&alias.name),
            alias
                .columns
                .iter()
                .map(|c| normalize_ident(&c.name))
                .collect::<Vec<_>>(),
        ),
        None => (table.to_owned(), vec![]),
    };
    if renames.len() > names.len() {
        return Err(PlanError::InvalidColumnReference(format!(
            "table \"{table}\" has {} columns available but {} columns specified",
            names.len(),
            renames.len()
        )));
    }
    let items = names
        .iter()
        .zip(types)
        .enumerate()
        .map(|(i, (name, typ))| {
            let name = renames.get(i).cloned().unwrap_or_else(|| name.clone());
            ScopeItem::new(Some(table.clone()), name, *typ)
        })
        .collect();
    Ok(Scope {
        items,
        from_names: vec![FromName {
            name: table,
            item: None,
        }],
    })
}

/// The name and alias of a `FROM` item that names a relation plainly
/// (no table function arguments, hints, versions or partitions).
fn named_table(factor: &TableFactor) -> Option<(&ast::ObjectName, Option<&ast::TableAlias>)> {
    match factor {
        TableFactor::Table {
            name,
            alias,
            args: None,
            with_hints,
            version: None,
            partitions,
            ..
        } if with_hints.is_empty() && partitions.is_empty() => Some((name, alias.as_ref())),
        _ => None,
    }
}

/// The catalog item `name`, the relation reading it, and its columns in
/// scope under its name or `alias`.
pub(crate) fn plan_item(
    catalog: &dyn CatalogReader,
    name: &ast::ObjectName,
    alias: Option<&ast::TableAlias>,
) -> Result<(CatalogItem, HirRel, Scope), PlanError> {
    let item = resolve_item(catalog, name)?;
    let typ: Vec<_> = item.desc.types().copied().collect();
    let names: Vec<String> = item.desc.names().map(|n| n.as_str().to_owned()).collect();
    let scope = named_scope(alias, &item.name.item, &names, &typ)?;
    let rel = match item.kind {
        ItemKind::Table | ItemKind::MaterializedView | ItemKind::Subsource | ItemKind::ProgressSubsource => {
            HirRel::Get { id: item.id, typ }
        }
        ItemKind::View => plan_view(catalog, &item)?,
        // A source's data is in its subsources.
        ItemKind::Source | ItemKind::Index | ItemKind::Secret | ItemKind::Connection => {
            return Err(PlanError::WrongObjectType {
                name: item.name.item,
                expected: "a table, view or subsource",
            });
        }
    };
    Ok((item, rel, scope))
}

/// One table of `UPDATE`/`DELETE`: the item, the relation that reads it,
/// and its columns in scope under its name or alias.
pub(crate) fn plan_table(
    catalog: &dyn CatalogReader,
    table: &ast::TableWithJoins,
) -> Result<(CatalogItem, HirRel, Scope), PlanError> {
    if !table.joins.is_empty() {
        return Err(PlanError::Unsupported("joins in UPDATE or DELETE".into()));
    }
    let (name, alias) =
        named_table(&table.relation).ok_or_else(|| PlanError::Unsupported(format!("FROM {}", table.relation)))?;
    let planned = plan_item(catalog, name, alias)?;
    if planned.0.kind != ItemKind::Table {
        return Err(PlanError::WrongObjectType {
            name: planned.0.name.item,
            expected: "a table",
        });
    }
    Ok(planned)
}
