//! The high-level IR the planner produces: relations whose expressions may
//! contain subqueries and refer to the columns of enclosing queries.
//! [`lower`](super::lowering) turns it into [`RelExpr`](freshet_expr::RelExpr),
//! decorrelating every subquery into joins.

use freshet_expr::{
    AggregateExpr, BinaryFunc, ColumnOrder, EvalError, ScalarExpr, UnaryFunc, UnmaterializableFunc, VariadicFunc,
    WindowFunc,
};
use freshet_repr::{ColumnType, Datum, GlobalId, Row, ScalarType};

/// A column of the query at some nesting distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ColumnRef {
    /// 0 is the query the expression belongs to; 1 the query around it; ….
    pub(crate) level: usize,
    /// The column's position in that query's input.
    pub(crate) column: usize,
}

/// The kinds of join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JoinKind {
    /// Matching pairs only.
    Inner,
    /// Matching pairs, and left rows without a match padded with `NULL`s.
    LeftOuter,
    /// Matching pairs, and right rows without a match padded with `NULL`s.
    RightOuter,
    /// Both of the above.
    FullOuter,
}

/// A relation, as planned from SQL.
#[derive(Debug, Clone)]
pub(crate) enum HirRel {
    /// Literal rows.
    Constant {
        /// The rows (each once).
        rows: Vec<Row>,
        /// Their column types.
        typ: Vec<ColumnType>,
    },
    /// A stored collection.
    Get {
        /// Its id.
        id: GlobalId,
        /// Its column types.
        typ: Vec<ColumnType>,
    },
    /// Keeps and reorders columns.
    Project {
        /// The input.
        input: Box<HirRel>,
        /// The input columns forming each output row.
        outputs: Vec<usize>,
    },
    /// Appends computed columns; each may read the ones appended before it.
    Map {
        /// The input.
        input: Box<HirRel>,
        /// The appended columns.
        scalars: Vec<HirScalar>,
    },
    /// Keeps rows for which every predicate is true.
    Filter {
        /// The input.
        input: Box<HirRel>,
        /// The predicates.
        predicates: Vec<HirScalar>,
    },
    /// A join of two relations on a condition over both (left columns first).
    Join {
        /// The left input.
        left: Box<HirRel>,
        /// The right input.
        right: Box<HirRel>,
        /// The join condition.
        on: HirScalar,
        /// Which unmatched rows are kept.
        kind: JoinKind,
    },
    /// `left JOIN LATERAL right ON on`: `right` is a query one level
    /// deeper than `left`, whose level-1 references read the columns of the
    /// `left` row it is paired with; `on` reads both sides (left columns
    /// first), as in [`Join`](HirRel::Join).
    LateralJoin {
        /// The left input.
        left: Box<HirRel>,
        /// The right input, evaluated once per left row.
        right: Box<HirRel>,
        /// The join condition.
        on: HirScalar,
        /// Whether left rows without a match are kept, padded with `NULL`s
        /// (`LEFT JOIN LATERAL`); the right side's rows depend on the left
        /// row, so only the left side can be preserved.
        left_outer: bool,
    },
    /// Groups by key columns and aggregates (arguments are input columns'
    /// expressions without subqueries or outer references).
    Reduce {
        /// The input.
        input: Box<HirRel>,
        /// The columns grouped by.
        group_key: Vec<usize>,
        /// The aggregates.
        aggregates: Vec<AggregateExpr>,
    },
    /// The distinct rows.
    Distinct {
        /// The input.
        input: Box<HirRel>,
    },
    /// The first rows of each group by some order.
    TopK {
        /// The input.
        input: Box<HirRel>,
        /// The columns grouped by.
        group_key: Vec<usize>,
        /// The ranking.
        order_by: Vec<ColumnOrder>,
        /// At most this many rows per group.
        limit: Option<u64>,
        /// Skip this many first.
        offset: u64,
    },
    /// Appends one column per window function, computed over the rows of
    /// each row's partition in the window's order (arguments are input
    /// columns' expressions without subqueries or outer references).
    Window {
        /// The input.
        input: Box<HirRel>,
        /// The columns that divide the rows into partitions.
        partition_by: Vec<usize>,
        /// The window's order.
        order_by: Vec<ColumnOrder>,
        /// The functions.
        functions: Vec<WindowFunc>,
    },
    /// All rows of every input (`UNION ALL`).
    Union {
        /// The inputs, of equal column types.
        inputs: Vec<HirRel>,
    },
    /// Negated multiplicities.
    Negate {
        /// The input.
        input: Box<HirRel>,
    },
    /// Rows with a positive multiplicity.
    Threshold {
        /// The input.
        input: Box<HirRel>,
    },
}

/// A scalar expression, as planned from SQL.
#[derive(Debug, Clone)]
pub(crate) enum HirScalar {
    /// A column of this query or of an enclosing one.
    Column(ColumnRef),
    /// A value (or the error computing it).
    Literal(Result<Row, EvalError>, ColumnType),
    /// A function of one argument.
    CallUnary {
        /// The function.
        func: UnaryFunc,
        /// The argument.
        expr: Box<HirScalar>,
    },
    /// A function of two arguments.
    CallBinary {
        /// The function.
        func: BinaryFunc,
        /// The first argument.
        expr1: Box<HirScalar>,
        /// The second argument.
        expr2: Box<HirScalar>,
    },
    /// A function of any number of arguments.
    CallVariadic {
        /// The function.
        func: VariadicFunc,
        /// The arguments.
        exprs: Vec<HirScalar>,
    },
    /// A function whose value depends on when the query runs (`mz_now()`).
    CallUnmaterializable(UnmaterializableFunc),
    /// `CASE WHEN cond THEN then ELSE els END`.
    If {
        /// The condition.
        cond: Box<HirScalar>,
        /// The value when true.
        then: Box<HirScalar>,
        /// The value otherwise.
        els: Box<HirScalar>,
    },
    /// `EXISTS (subquery)`.
    Exists(Box<HirRel>),
    /// `(subquery)` of one column: its one value, `NULL` if it has no row,
    /// an error if it has several.
    Select(Box<HirRel>),
}

impl HirScalar {
    /// A column of the current query.
    pub(crate) fn column(column: usize) -> HirScalar {
        HirScalar::Column(ColumnRef { level: 0, column })
    }

    /// A literal of `typ`.
    pub(crate) fn literal(datum: Datum<'_>, typ: ScalarType) -> HirScalar {
        HirScalar::Literal(Ok(Row::pack([datum])), typ.nullable(datum.is_null()))
    }

    /// `NULL` of `typ`.
    pub(crate) fn null(typ: ScalarType) -> HirScalar {
        HirScalar::literal(Datum::Null, typ)
    }

    /// A boolean literal.
    pub(crate) fn literal_bool(b: bool) -> HirScalar {
        HirScalar::literal(Datum::from_bool(b), ScalarType::Bool)
    }

    /// Applies a unary function.
    pub(crate) fn call_unary(self, func: UnaryFunc) -> HirScalar {
        HirScalar::CallUnary {
            func,
            expr: Box::new(self),
        }
    }

    /// Applies a binary function to this and `other`.
    pub(crate) fn call_binary(self, other: HirScalar, func: BinaryFunc) -> HirScalar {
        HirScalar::CallBinary {
            func,
            expr1: Box::new(self),
            expr2: Box::new(other),
        }
    }

    /// Applies a variadic function.
    pub(crate) fn call_variadic(func: VariadicFunc, exprs: Vec<HirScalar>) -> HirScalar {
        HirScalar::CallVariadic { func, exprs }
    }

    /// `CASE WHEN cond THEN then ELSE els END`.
    pub(crate) fn if_then_else(cond: HirScalar, then: HirScalar, els: HirScalar) -> HirScalar {
        HirScalar::If {
            cond: Box::new(cond),
            then: Box::new(then),
            els: Box::new(els),
        }
    }

    /// Converts a scalar expression (which has no subqueries and reads only
    /// the current query's columns).
    pub(crate) fn from_expr(expr: ScalarExpr) -> HirScalar {
        match expr {
            ScalarExpr::Column(c) => HirScalar::column(c),
            ScalarExpr::Literal(value, typ) => HirScalar::Literal(value, typ),
            ScalarExpr::CallUnary { func, expr } => HirScalar::from_expr(*expr).call_unary(func),
            ScalarExpr::CallBinary { func, expr1, expr2 } => {
                HirScalar::from_expr(*expr1).call_binary(HirScalar::from_expr(*expr2), func)
            }
            ScalarExpr::CallVariadic { func, exprs } => {
                HirScalar::call_variadic(func, exprs.into_iter().map(HirScalar::from_expr).collect())
            }
            ScalarExpr::CallUnmaterializable(func) => HirScalar::CallUnmaterializable(func),
            ScalarExpr::If { cond, then, els } => HirScalar::if_then_else(
                HirScalar::from_expr(*cond),
                HirScalar::from_expr(*then),
                HirScalar::from_expr(*els),
            ),
        }
    }

    /// The expression as a [`ScalarExpr`], if it has no subqueries and
    /// reads only the current query's columns.
    pub(crate) fn to_expr(&self) -> Option<ScalarExpr> {
        Some(match self {
            HirScalar::Column(ColumnRef { level: 0, column }) => ScalarExpr::Column(*column),
            HirScalar::Column(_) | HirScalar::Exists(_) | HirScalar::Select(_) => return None,
            HirScalar::Literal(value, typ) => ScalarExpr::Literal(value.clone(), *typ),
            HirScalar::CallUnmaterializable(func) => ScalarExpr::CallUnmaterializable(*func),
            HirScalar::CallUnary { func, expr } => expr.to_expr()?.call_unary(*func),
            HirScalar::CallBinary { func, expr1, expr2 } => expr1.to_expr()?.call_binary(expr2.to_expr()?, *func),
            HirScalar::CallVariadic { func, exprs } => ScalarExpr::CallVariadic {
                func: *func,
                exprs: exprs.iter().map(HirScalar::to_expr).collect::<Option<_>>()?,
            },
            HirScalar::If { cond, then, els } => ScalarExpr::If {
                cond: Box::new(cond.to_expr()?),
                then: Box::new(then.to_expr()?),
                els: Box::new(els.to_expr()?),
            },
        })
    }

    /// The direct sub-expressions (not those inside subqueries).
    pub(crate) fn children(&self) -> Vec<&HirScalar> {
        match self {
            HirScalar::Column(_)
            | HirScalar::Literal(..)
            | HirScalar::CallUnmaterializable(_)
            | HirScalar::Exists(_)
            | HirScalar::Select(_) => vec![],
            HirScalar::CallUnary { expr, .. } => vec![expr],
            HirScalar::CallBinary { expr1, expr2, .. } => vec![expr1, expr2],
            HirScalar::CallVariadic { exprs, .. } => exprs.iter().collect(),
            HirScalar::If { cond, then, els } => vec![cond, then, els],
        }
    }

    /// Adds `by` to the level of every reference to a query at `depth` or
    /// further out (an expression moved `by` queries deeper).
    pub(crate) fn shift_outer(&mut self, depth: usize, by: usize) {
        match self {
            HirScalar::Column(r) => {
                if r.level >= depth {
                    r.level += by;
                }
            }
            HirScalar::Literal(..) | HirScalar::CallUnmaterializable(_) => {}
            HirScalar::CallUnary { expr, .. } => expr.shift_outer(depth, by),
            HirScalar::CallBinary { expr1, expr2, .. } => {
                expr1.shift_outer(depth, by);
                expr2.shift_outer(depth, by);
            }
            HirScalar::CallVariadic { exprs, .. } => exprs.iter_mut().for_each(|e| e.shift_outer(depth, by)),
            HirScalar::If { cond, then, els } => {
                cond.shift_outer(depth, by);
                then.shift_outer(depth, by);
                els.shift_outer(depth, by);
            }
            HirScalar::Exists(rel) | HirScalar::Select(rel) => rel.shift_outer(depth + 1, by),
        }
    }

    /// Whether a subquery is inside.
    pub(crate) fn has_subquery(&self) -> bool {
        match self {
            HirScalar::Exists(_) | HirScalar::Select(_) => true,
            other => other.children().into_iter().any(HirScalar::has_subquery),
        }
    }

    /// The nearest query whose columns the expression reads, as a level
    /// (0: its own query); `None` if it reads no column.
    pub(crate) fn min_level(&self) -> Option<usize> {
        self.min_level_at(0)
    }

    /// [`min_level`](Self::min_level) of an expression `depth` queries
    /// inside the one levels are counted from.
    fn min_level_at(&self, depth: usize) -> Option<usize> {
        match self {
            HirScalar::Column(r) => r.level.checked_sub(depth),
            HirScalar::Exists(rel) | HirScalar::Select(rel) => rel.min_level_at(depth + 1),
            other => other.children().into_iter().filter_map(|c| c.min_level_at(depth)).min(),
        }
    }

    /// Collects the references to queries outside `depth` (relative to the
    /// expression's own query), as references relative to that outside.
    fn collect_outer(&self, depth: usize, out: &mut Vec<ColumnRef>) {
        match self {
            HirScalar::Column(r) => {
                if r.level > depth {
                    out.push(ColumnRef {
                        level: r.level - depth,
                        column: r.column,
                    });
                }
            }
            HirScalar::Exists(rel) | HirScalar::Select(rel) => rel.collect_outer(depth + 1, out),
            other => other.children().into_iter().for_each(|c| c.collect_outer(depth, out)),
        }
    }
}

impl HirRel {
    /// The number of columns.
    pub(crate) fn arity(&self) -> usize {
        match self {
            HirRel::Constant { typ, .. } | HirRel::Get { typ, .. } => typ.len(),
            HirRel::Project { outputs, .. } => outputs.len(),
            HirRel::Map { input, scalars } => input.arity() + scalars.len(),
            HirRel::Filter { input, .. }
            | HirRel::Distinct { input }
            | HirRel::TopK { input, .. }
            | HirRel::Negate { input }
            | HirRel::Threshold { input } => input.arity(),
            HirRel::Join { left, right, .. } | HirRel::LateralJoin { left, right, .. } => left.arity() + right.arity(),
            HirRel::Window { input, functions, .. } => input.arity() + functions.len(),
            HirRel::Reduce {
                group_key, aggregates, ..
            } => group_key.len() + aggregates.len(),
            HirRel::Union { inputs } => inputs.first().map_or(0, HirRel::arity),
        }
    }

    /// Keeps the listed columns.
    pub(crate) fn project(self, outputs: Vec<usize>) -> HirRel {
        if outputs.len() == self.arity() && outputs.iter().enumerate().all(|(i, c)| i == *c) {
            return self;
        }
        HirRel::Project {
            input: Box::new(self),
            outputs,
        }
    }

    /// Appends computed columns.
    pub(crate) fn map(self, scalars: Vec<HirScalar>) -> HirRel {
        if scalars.is_empty() {
            return self;
        }
        HirRel::Map {
            input: Box::new(self),
            scalars,
        }
    }

    /// Keeps rows satisfying every predicate.
    pub(crate) fn filter(self, predicates: Vec<HirScalar>) -> HirRel {
        if predicates.is_empty() {
            return self;
        }
        HirRel::Filter {
            input: Box::new(self),
            predicates,
        }
    }

    /// The distinct rows.
    pub(crate) fn distinct(self) -> HirRel {
        HirRel::Distinct { input: Box::new(self) }
    }

    /// The relation of one row with no columns.
    pub(crate) fn unit() -> HirRel {
        HirRel::Constant {
            rows: vec![Row::default()],
            typ: vec![],
        }
    }

    /// The direct inputs at the same query level (a lateral join's right
    /// side, one level deeper, is [`lateral_input`](Self::lateral_input)).
    fn inputs(&self) -> Vec<&HirRel> {
        match self {
            HirRel::Constant { .. } | HirRel::Get { .. } => vec![],
            HirRel::Project { input, .. }
            | HirRel::Map { input, .. }
            | HirRel::Filter { input, .. }
            | HirRel::Reduce { input, .. }
            | HirRel::Distinct { input }
            | HirRel::TopK { input, .. }
            | HirRel::Window { input, .. }
            | HirRel::Negate { input }
            | HirRel::Threshold { input } => vec![input],
            HirRel::Join { left, right, .. } => vec![left, right],
            HirRel::LateralJoin { left, .. } => vec![left],
            HirRel::Union { inputs } => inputs.iter().collect(),
        }
    }

    /// The right side of a lateral join: an input one query level deeper.
    fn lateral_input(&self) -> Option<&HirRel> {
        match self {
            HirRel::LateralJoin { right, .. } => Some(right),
            _ => None,
        }
    }

    /// The scalar expressions this node evaluates (not its inputs').
    fn scalars(&self) -> Vec<&HirScalar> {
        match self {
            HirRel::Map { scalars, .. } => scalars.iter().collect(),
            HirRel::Filter { predicates, .. } => predicates.iter().collect(),
            HirRel::Join { on, .. } | HirRel::LateralJoin { on, .. } => vec![on],
            _ => vec![],
        }
    }

    /// The references to columns of queries outside this one (levels ≥ 1),
    /// deduplicated and sorted.
    pub(crate) fn outer_refs(&self) -> Vec<ColumnRef> {
        let mut out = Vec::new();
        self.collect_outer(0, &mut out);
        out.sort();
        out.dedup();
        out
    }

    /// Whether the relation reads no column of an enclosing query.
    pub(crate) fn is_uncorrelated(&self) -> bool {
        self.outer_refs().is_empty()
    }

    /// The nearest query outside `depth` whose columns the relation reads.
    fn min_level_at(&self, depth: usize) -> Option<usize> {
        let scalars = self.scalars().into_iter().filter_map(|s| s.min_level_at(depth));
        let inputs = self.inputs().into_iter().filter_map(|i| i.min_level_at(depth));
        let lateral = self.lateral_input().and_then(|i| i.min_level_at(depth + 1));
        scalars.chain(inputs).chain(lateral).min()
    }

    fn collect_outer(&self, depth: usize, out: &mut Vec<ColumnRef>) {
        for scalar in self.scalars() {
            scalar.collect_outer(depth, out);
        }
        for input in self.inputs() {
            input.collect_outer(depth, out);
        }
        if let Some(lateral) = self.lateral_input() {
            lateral.collect_outer(depth + 1, out);
        }
    }

    /// Adds `by` to every reference to a query at `depth` or further out.
    pub(crate) fn shift_outer(&mut self, depth: usize, by: usize) {
        match self {
            HirRel::Map { scalars: exprs, input }
            | HirRel::Filter {
                predicates: exprs,
                input,
            } => {
                exprs.iter_mut().for_each(|e| e.shift_outer(depth, by));
                input.shift_outer(depth, by);
            }
            HirRel::Join { left, right, on, .. } => {
                on.shift_outer(depth, by);
                left.shift_outer(depth, by);
                right.shift_outer(depth, by);
            }
            HirRel::LateralJoin { left, right, on, .. } => {
                on.shift_outer(depth, by);
                left.shift_outer(depth, by);
                right.shift_outer(depth + 1, by);
            }
            HirRel::Constant { .. } | HirRel::Get { .. } => {}
            HirRel::Project { input, .. }
            | HirRel::Reduce { input, .. }
            | HirRel::Distinct { input }
            | HirRel::TopK { input, .. }
            | HirRel::Window { input, .. }
            | HirRel::Negate { input }
            | HirRel::Threshold { input } => input.shift_outer(depth, by),
            HirRel::Union { inputs } => inputs.iter_mut().for_each(|i| i.shift_outer(depth, by)),
        }
    }
}
