//! Planning `FROM`: tables, views of `WITH`, derived tables and joins.

use freshet_expr::{BinaryFunc, VariadicFunc};
use sqlparser::ast::{self, JoinConstraint, JoinOperator, TableFactor};

use super::expr::{ExprContext, Typed, operands, plan_bool};
use super::hir::{HirRel, HirScalar, JoinKind};
use super::query::{OuterQuery, QueryContext, plan_nested_query};
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
        // The items before this one are out of its sight, but for `LATERAL`.
        let before = result.as_ref().map(|(_, scope)| from_names(scope)).unwrap_or_default();
        result = Some(match result {
            None => plan_table_with_joins(qcx, &before, None, table)?,
            // `a, b JOIN LATERAL (…) ON …` is `(a, b) JOIN LATERAL (…) ON …`
            // when every join of the item keeps the rows of its left side's
            // each row apart (inner and left joins): the lateral item then
            // sees `a` too, as in PostgreSQL.
            Some(left) if reaches_back(table) => plan_table_with_joins(qcx, &before, Some(left), table)?,
            Some(left) => {
                let planned = plan_table_with_joins(qcx, &before, None, table)?;
                left.1.check_distinct_names(&planned.1)?;
                join(left, planned, HirScalar::literal_bool(true), JoinKind::Inner)
            }
        });
    }
    Ok(result.unwrap_or_else(|| (HirRel::unit(), Scope::empty())))
}

/// Whether a `FROM` item has a `LATERAL` derived table that may read the
/// items before it, and only inner, cross and left joins on conditions
/// (`USING` and `NATURAL` would match the columns of those items too).
fn reaches_back(table: &ast::TableWithJoins) -> bool {
    let mut factors = std::iter::once(&table.relation).chain(table.joins.iter().map(|j| &j.relation));
    let lateral = factors.any(|f| matches!(f, TableFactor::Derived { lateral: true, .. }));
    lateral
        && table.joins.iter().all(|j| match &j.join_operator {
            JoinOperator::Join(c)
            | JoinOperator::Inner(c)
            | JoinOperator::Left(c)
            | JoinOperator::LeftOuter(c)
            | JoinOperator::CrossJoin(c) => matches!(c, JoinConstraint::On(_) | JoinConstraint::None),
            _ => false,
        })
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

/// A planned `FROM` item: its rows and columns, and whether it is a
/// `LATERAL` query that reads the columns of the items to its left.
struct Factor {
    rel: HirRel,
    scope: Scope,
    lateral: bool,
}

impl Factor {
    fn plain((rel, scope): (HirRel, Scope)) -> Factor {
        Factor {
            rel,
            scope,
            lateral: false,
        }
    }
}

fn join(left: (HirRel, Scope), right: (HirRel, Scope), on: HirScalar, kind: JoinKind) -> (HirRel, Scope) {
    join_factor(left, Factor::plain(right), on, kind)
}

/// Joins `left` and `right`; a lateral `right` (planned one level deeper,
/// reading `left`'s columns) only by an inner or left join.
fn join_factor(left: (HirRel, Scope), right: Factor, on: HirScalar, kind: JoinKind) -> (HirRel, Scope) {
    let (left_rel, mut left_scope) = left;
    let Factor {
        rel: right_rel,
        scope: mut right_scope,
        lateral,
    } = right;
    if matches!(kind, JoinKind::RightOuter | JoinKind::FullOuter) {
        left_scope.items.iter_mut().for_each(|i| i.typ.nullable = true);
    }
    if matches!(kind, JoinKind::LeftOuter | JoinKind::FullOuter) {
        right_scope.items.iter_mut().for_each(|i| i.typ.nullable = true);
    }
    let rel = if lateral {
        HirRel::LateralJoin {
            left: Box::new(left_rel),
            right: Box::new(right_rel),
            on,
            left_outer: kind == JoinKind::LeftOuter,
        }
    } else {
        HirRel::Join {
            left: Box::new(left_rel),
            right: Box::new(right_rel),
            on,
            kind,
        }
    };
    (rel, left_scope.concat(right_scope))
}

/// Plans one item of a `FROM` clause; `hidden` names the items before it.
/// With `prefix` (the items before it, planned, see [`reaches_back`]), the
/// item is joined to them from its first table on, so that its `LATERAL`
/// queries see them.
fn plan_table_with_joins(
    qcx: &QueryContext<'_>,
    hidden: &[String],
    prefix: Option<(HirRel, Scope)>,
    table: &ast::TableWithJoins,
) -> Result<(HirRel, Scope), PlanError> {
    // The columns of `prefix`: in sight of LATERAL queries, not of the
    // join conditions of this item.
    let unseen = prefix.as_ref().map_or(0, |p| p.1.items.len());
    let mut left = match prefix {
        None => {
            let first = plan_table_factor(qcx, hidden, None, &table.relation)?;
            (first.rel, first.scope)
        }
        Some(prefix) => {
            let first = plan_table_factor(qcx, hidden, Some(&prefix.1), &table.relation)?;
            prefix.1.check_distinct_names(&first.scope)?;
            join_factor(prefix, first, HirScalar::literal_bool(true), JoinKind::Inner)
        }
    };
    for j in &table.joins {
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
        // A lateral query may read the left side of an inner or left join
        // it is the right side of; PostgreSQL forbids it the left side of
        // the others, so it sees it out of sight.
        let right = if matches!(kind, JoinKind::Inner | JoinKind::LeftOuter) {
            plan_table_factor(qcx, hidden, Some(&left.1), &j.relation)?
        } else {
            let mut right_hidden = hidden.to_vec();
            right_hidden.extend(from_names(&left.1));
            plan_table_factor(qcx, &right_hidden, None, &j.relation)?
        };
        left = plan_join(qcx, hidden, unseen, left, right, kind, constraint)?;
    }
    Ok(left)
}

/// Plans a join of `left` and `right`; the first `unseen` columns of
/// `left` are out of sight of its condition.
fn plan_join(
    qcx: &QueryContext<'_>,
    hidden: &[String],
    unseen: usize,
    left: (HirRel, Scope),
    right: Factor,
    kind: JoinKind,
    constraint: &JoinConstraint,
) -> Result<(HirRel, Scope), PlanError> {
    left.1.check_distinct_names(&right.scope)?;
    match constraint {
        JoinConstraint::None => Ok(join_factor(left, right, HirScalar::literal_bool(true), kind)),
        JoinConstraint::On(e) => {
            let mut scope = left.1.clone().concat(right.scope.clone());
            for item in &mut scope.items[..unseen] {
                // Reachable by no name.
                item.table = None;
                item.qualified_only = true;
            }
            let hcx = hiding(qcx, hidden);
            let ecx = ExprContext::new(&hcx, &scope, "JOIN conditions");
            let on = plan_bool(&ecx, e, "JOIN/ON")?;
            Ok(join_factor(left, right, on, kind))
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
                .filter(|l| l.in_wildcard && right.scope.items.iter().any(|r| r.in_wildcard && r.column == l.column))
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
    right: Factor,
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
        let (l, r) = (find(&left.1, name, "left")?, find(&right.scope, name, "right")?);
        let (lt, rt) = (left.1.items[l].typ, right.scope.items[r].typ);
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
    let (rel, mut scope) = join_factor(left, right, on, kind);
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
/// The columns of `left` (the items to its left it may be joined with)
/// are in sight of a `LATERAL` derived table, out of sight of the others.
fn plan_table_factor(
    qcx: &QueryContext<'_>,
    hidden: &[String],
    left: Option<&Scope>,
    factor: &TableFactor,
) -> Result<Factor, PlanError> {
    let mut all_hidden = hidden.to_vec();
    if let Some(left) = left {
        all_hidden.extend(from_names(left));
    }
    if let Some((name, alias)) = named_table(factor) {
        let parts = name_parts(name)?;
        if let [single] = parts.as_slice()
            && let Some(cte) = qcx.cte(single)
        {
            let scope = named_scope(alias, single, &cte.names, &cte.types)?;
            return Ok(Factor::plain((cte.rel, scope)));
        }
        let (item, rel, mut scope) = plan_item(qcx.catalog, name, alias)?;
        if alias.is_none() {
            scope.from_names.iter_mut().for_each(|n| n.item = Some(item.id));
        }
        return Ok(Factor::plain((rel, scope)));
    }
    match factor {
        TableFactor::Derived {
            lateral,
            subquery,
            alias,
            sample: None,
        } => {
            let lateral_scope = left.filter(|_| *lateral);
            let planned = match lateral_scope {
                // One query deeper, the left side's columns its enclosing
                // query's (`FROM` may not aggregate them).
                Some(scope) => plan_nested_query(
                    &hiding(qcx, hidden).nested(OuterQuery {
                        scope: scope.clone(),
                        grouping: None,
                        clause: "FROM clause of their own query level",
                        found: None,
                    }),
                    subquery,
                )?,
                None => plan_nested_query(&hiding(qcx, &all_hidden), subquery)?,
            };
            let scope = match alias {
                Some(alias) => named_scope(Some(alias), "", &planned.names, &planned.types)?,
                // PostgreSQL 16 allows a derived table without a name; its
                // columns can only be named unqualified.
                None => Scope {
                    items: planned
                        .names
                        .iter()
                        .zip(&planned.types)
                        .map(|(name, typ)| ScopeItem::new(None, name.clone(), *typ))
                        .collect(),
                    from_names: vec![],
                },
            };
            Ok(Factor {
                rel: planned.rel,
                scope,
                lateral: lateral_scope.is_some(),
            })
        }
        TableFactor::NestedJoin {
            table_with_joins,
            alias: None,
        } => plan_table_with_joins(qcx, &all_hidden, None, table_with_joins).map(Factor::plain),
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
            super::catalog_scope::scoped_to_database(catalog, &item, HirRel::Get { id: item.id, typ })
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
