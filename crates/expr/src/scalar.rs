//! Scalar expressions: what a row's columns are computed and filtered with.

mod arith;
mod cast;
mod datetime;
mod func;
mod jsonb;
mod like;
mod math;
mod mz_timestamp;
mod numeric;
mod pg;
mod regexp;
mod string;
mod to_char;

use std::fmt;

use freshet_repr::{ColumnType, Datum, Row, RowArena, ScalarType, format_datum};
use serde::{Deserialize, Serialize};

pub use arith::{ArithOp, ArithType};
pub use cast::CastFunc;
pub use datetime::DateTimeOp;
pub use func::{BinaryFunc, UnaryFunc, UnmaterializableFunc, VariadicFunc};
pub use jsonb::parse_text_array;
pub(crate) use jsonb::{array_text as jsonb_array_text, object_text as jsonb_object_text};
pub(crate) use mz_timestamp::to_mz_timestamp;
pub use string::TrimSide;

use crate::EvalError;

/// An expression computing one value from the columns of an input row.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ScalarExpr {
    /// The value of the input's column at this position.
    Column(usize),
    /// A constant: a row holding exactly one datum, or the error computing it
    /// raised (raised again whenever the literal is evaluated).
    Literal(Result<Row, EvalError>, ColumnType),
    /// A function of one argument.
    CallUnary {
        /// The function.
        func: UnaryFunc,
        /// Its argument.
        expr: Box<ScalarExpr>,
    },
    /// A function of two arguments.
    CallBinary {
        /// The function.
        func: BinaryFunc,
        /// The first argument.
        expr1: Box<ScalarExpr>,
        /// The second argument.
        expr2: Box<ScalarExpr>,
    },
    /// A function of any number of arguments.
    CallVariadic {
        /// The function.
        func: VariadicFunc,
        /// Its arguments.
        exprs: Vec<ScalarExpr>,
    },
    /// A function whose value depends on when the query runs (`mz_now()`):
    /// replaced by its value before a one-off query runs, or kept as a
    /// temporal filter's bound in a maintained dataflow. Evaluating it
    /// anywhere else is an error.
    CallUnmaterializable(UnmaterializableFunc),
    /// `CASE WHEN cond THEN then ELSE els END`: only the chosen branch is evaluated.
    If {
        /// The condition; `NULL` chooses `els`.
        cond: Box<ScalarExpr>,
        /// The value when `cond` is true.
        then: Box<ScalarExpr>,
        /// The value otherwise.
        els: Box<ScalarExpr>,
    },
}

impl ScalarExpr {
    /// A literal holding `datum` of type `typ`.
    pub fn literal(datum: Datum<'_>, typ: ScalarType) -> ScalarExpr {
        ScalarExpr::Literal(Ok(Row::pack([datum])), typ.nullable(datum.is_null()))
    }

    /// A `NULL` of type `typ`.
    pub fn null(typ: ScalarType) -> ScalarExpr {
        ScalarExpr::literal(Datum::Null, typ)
    }

    /// A boolean literal.
    pub fn literal_bool(b: bool) -> ScalarExpr {
        ScalarExpr::literal(Datum::from_bool(b), ScalarType::Bool)
    }

    /// Applies a unary function to this expression.
    pub fn call_unary(self, func: UnaryFunc) -> ScalarExpr {
        ScalarExpr::CallUnary {
            func,
            expr: Box::new(self),
        }
    }

    /// Applies a binary function to this expression and another.
    pub fn call_binary(self, other: ScalarExpr, func: BinaryFunc) -> ScalarExpr {
        ScalarExpr::CallBinary {
            func,
            expr1: Box::new(self),
            expr2: Box::new(other),
        }
    }

    /// Whether this is a literal (a value or an error).
    pub fn is_literal(&self) -> bool {
        matches!(self, ScalarExpr::Literal(..))
    }

    /// The literal's value, if this is a literal holding one.
    pub fn as_literal(&self) -> Option<Datum<'_>> {
        match self {
            ScalarExpr::Literal(Ok(row), _) => Some(row.unpack_first()),
            _ => None,
        }
    }

    /// Evaluates the expression on the datums of one input row.
    pub fn eval<'a>(&'a self, datums: &[Datum<'a>], arena: &'a RowArena) -> Result<Datum<'a>, EvalError> {
        match self {
            ScalarExpr::Column(i) => Ok(datums[*i]),
            ScalarExpr::Literal(Ok(row), _) => Ok(row.unpack_first()),
            ScalarExpr::Literal(Err(e), _) => Err(e.clone()),
            ScalarExpr::CallUnary { func, expr } => func.eval(expr.eval(datums, arena)?, arena),
            ScalarExpr::CallBinary { func, expr1, expr2 } => {
                let a = expr1.eval(datums, arena)?;
                let b = expr2.eval(datums, arena)?;
                func.eval(a, b, arena)
            }
            ScalarExpr::CallVariadic { func, exprs } => eval_variadic(*func, exprs, datums, arena),
            ScalarExpr::CallUnmaterializable(func) => Err(EvalError::Unmaterializable(*func)),
            ScalarExpr::If { cond, then, els } => match cond.eval(datums, arena)? {
                Datum::True => then.eval(datums, arena),
                _ => els.eval(datums, arena),
            },
        }
    }

    /// The type of the result, given the input's column types.
    pub fn typ(&self, input: &[ColumnType]) -> ColumnType {
        match self {
            ScalarExpr::Column(i) => input[*i],
            ScalarExpr::Literal(_, typ) => *typ,
            ScalarExpr::CallUnary { func, expr } => func.output_type(expr.typ(input)),
            ScalarExpr::CallBinary { func, expr1, expr2 } => func.output_type(expr1.typ(input), expr2.typ(input)),
            ScalarExpr::CallVariadic { func, exprs } => {
                let types: Vec<ColumnType> = exprs.iter().map(|e| e.typ(input)).collect();
                func.output_type(&types)
            }
            ScalarExpr::CallUnmaterializable(func) => func.output_type(),
            ScalarExpr::If { then, els, .. } => {
                let (t, e) = (then.typ(input), els.typ(input));
                t.scalar_type.nullable(t.nullable || e.nullable)
            }
        }
    }

    /// The direct sub-expressions.
    pub fn children_mut(&mut self) -> Vec<&mut ScalarExpr> {
        match self {
            ScalarExpr::Column(_) | ScalarExpr::Literal(..) | ScalarExpr::CallUnmaterializable(_) => vec![],
            ScalarExpr::CallUnary { expr, .. } => vec![expr],
            ScalarExpr::CallBinary { expr1, expr2, .. } => vec![expr1, expr2],
            ScalarExpr::CallVariadic { exprs, .. } => exprs.iter_mut().collect(),
            ScalarExpr::If { cond, then, els } => vec![cond, then, els],
        }
    }

    /// Visits every sub-expression, children before parents.
    pub fn visit_mut_post(&mut self, f: &mut impl FnMut(&mut ScalarExpr)) {
        for child in self.children_mut() {
            child.visit_mut_post(f);
        }
        f(self);
    }

    /// The input columns the expression reads.
    pub fn columns(&self) -> std::collections::BTreeSet<usize> {
        let mut columns = std::collections::BTreeSet::new();
        self.visit_columns(&mut |c| {
            columns.insert(c);
        });
        columns
    }

    fn visit_columns(&self, f: &mut impl FnMut(usize)) {
        match self {
            ScalarExpr::Column(c) => f(*c),
            ScalarExpr::Literal(..) | ScalarExpr::CallUnmaterializable(_) => {}
            ScalarExpr::CallUnary { expr, .. } => expr.visit_columns(f),
            ScalarExpr::CallBinary { expr1, expr2, .. } => {
                expr1.visit_columns(f);
                expr2.visit_columns(f);
            }
            ScalarExpr::CallVariadic { exprs, .. } => exprs.iter().for_each(|e| e.visit_columns(f)),
            ScalarExpr::If { cond, then, els } => {
                cond.visit_columns(f);
                then.visit_columns(f);
                els.visit_columns(f);
            }
        }
    }

    /// The expression with every column `c` read as column `f(c)`.
    pub fn remap_columns(mut self, f: impl Fn(usize) -> usize) -> ScalarExpr {
        self.visit_mut_post(&mut |e| {
            if let ScalarExpr::Column(c) = e {
                *c = f(*c);
            }
        });
        self
    }

    /// Whether an error literal is inside: the expression raises that error
    /// for the rows that evaluate it (a scalar subquery's "more than one
    /// row", a folded `1 / 0`).
    pub fn has_error_literal(&self) -> bool {
        match self {
            ScalarExpr::Column(_) | ScalarExpr::Literal(Ok(_), _) | ScalarExpr::CallUnmaterializable(_) => false,
            ScalarExpr::Literal(Err(_), _) => true,
            ScalarExpr::CallUnary { expr, .. } => expr.has_error_literal(),
            ScalarExpr::CallBinary { expr1, expr2, .. } => expr1.has_error_literal() || expr2.has_error_literal(),
            ScalarExpr::CallVariadic { exprs, .. } => exprs.iter().any(ScalarExpr::has_error_literal),
            ScalarExpr::If { cond, then, els } => {
                cond.has_error_literal() || then.has_error_literal() || els.has_error_literal()
            }
        }
    }

    /// Whether the expression reads no input column and has the same value
    /// whenever it is evaluated (so it may be evaluated once, in advance).
    pub fn is_constant(&self) -> bool {
        match self {
            ScalarExpr::Column(_) | ScalarExpr::CallUnmaterializable(_) => false,
            ScalarExpr::Literal(..) => true,
            ScalarExpr::CallUnary { expr, .. } => expr.is_constant(),
            ScalarExpr::CallBinary { expr1, expr2, .. } => expr1.is_constant() && expr2.is_constant(),
            ScalarExpr::CallVariadic { exprs, .. } => exprs.iter().all(ScalarExpr::is_constant),
            ScalarExpr::If { cond, then, els } => cond.is_constant() && then.is_constant() && els.is_constant(),
        }
    }

    /// Whether a call of `mz_now()` (or another function whose value
    /// depends on when the query runs) is inside.
    pub fn contains_unmaterializable(&self) -> bool {
        match self {
            ScalarExpr::CallUnmaterializable(_) => true,
            ScalarExpr::Column(_) | ScalarExpr::Literal(..) => false,
            ScalarExpr::CallUnary { expr, .. } => expr.contains_unmaterializable(),
            ScalarExpr::CallBinary { expr1, expr2, .. } => {
                expr1.contains_unmaterializable() || expr2.contains_unmaterializable()
            }
            ScalarExpr::CallVariadic { exprs, .. } => exprs.iter().any(ScalarExpr::contains_unmaterializable),
            ScalarExpr::If { cond, then, els } => {
                cond.contains_unmaterializable() || then.contains_unmaterializable() || els.contains_unmaterializable()
            }
        }
    }

    /// The expression with every call of `mz_now()` replaced by `now`, the
    /// time the query reads at.
    pub fn bind_now(mut self, now: freshet_repr::Timestamp) -> ScalarExpr {
        self.visit_mut_post(&mut |e| {
            if let ScalarExpr::CallUnmaterializable(UnmaterializableFunc::MzNow) = e {
                *e = ScalarExpr::literal(Datum::UInt64(now), ScalarType::UInt64);
            }
        });
        self
    }
}

/// `AND`/`OR` give their dominant value (false/true) even if another
/// argument is NULL or fails; `COALESCE` stops at the first non-null; the
/// other functions see all their arguments.
fn eval_variadic<'a>(
    func: VariadicFunc,
    exprs: &'a [ScalarExpr],
    datums: &[Datum<'a>],
    arena: &'a RowArena,
) -> Result<Datum<'a>, EvalError> {
    match func {
        VariadicFunc::And | VariadicFunc::Or => {
            let dominant = Datum::from_bool(func == VariadicFunc::Or);
            let mut null = false;
            let mut error = None;
            for e in exprs {
                match e.eval(datums, arena) {
                    Ok(d) if d == dominant => return Ok(dominant),
                    Ok(Datum::Null) => null = true,
                    Ok(_) => {}
                    Err(e) => {
                        error.get_or_insert(e);
                    }
                }
            }
            match (error, null) {
                (Some(e), _) => Err(e),
                (None, true) => Ok(Datum::Null),
                (None, false) => Ok(Datum::from_bool(func == VariadicFunc::And)),
            }
        }
        VariadicFunc::Coalesce => {
            for e in exprs {
                let d = e.eval(datums, arena)?;
                if !d.is_null() {
                    return Ok(d);
                }
            }
            Ok(Datum::Null)
        }
        func => {
            let args = exprs
                .iter()
                .map(|e| e.eval(datums, arena))
                .collect::<Result<Vec<_>, _>>()?;
            func.eval(&args, arena)
        }
    }
}

impl fmt::Display for ScalarExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScalarExpr::Column(i) => write!(f, "#{i}"),
            ScalarExpr::Literal(Ok(row), typ) => write_literal(f, row.unpack_first(), &typ.scalar_type),
            ScalarExpr::Literal(Err(e), _) => write!(f, "error({:?})", e.to_string()),
            ScalarExpr::CallUnary { func, expr } => match func {
                UnaryFunc::Not => write!(f, "NOT({expr})"),
                UnaryFunc::IsNull => write!(f, "({expr}) IS NULL"),
                UnaryFunc::IsTrue => write!(f, "({expr}) IS TRUE"),
                UnaryFunc::IsFalse => write!(f, "({expr}) IS FALSE"),
                UnaryFunc::Neg(_) | UnaryFunc::NegInterval => write!(f, "-({expr})"),
                UnaryFunc::Cast(cast) => write_cast(f, expr, &cast.to.to_string()),
                UnaryFunc::ToMzTimestamp => write_cast(f, expr, "mz_timestamp"),
                UnaryFunc::MzTimestampToTimestamp => write_cast(f, expr, "timestamp"),
                UnaryFunc::MzTimestampToTimestampTz => write_cast(f, expr, "timestamp with time zone"),
                func => write!(f, "{}({expr})", func.name().unwrap_or("?")),
            },
            ScalarExpr::CallBinary { func, expr1, expr2 } => {
                if func.is_infix() {
                    write!(f, "({expr1} {} {expr2})", func.symbol())
                } else {
                    write!(f, "{}({expr1}, {expr2})", func.symbol())
                }
            }
            ScalarExpr::CallVariadic { func, exprs } => match func {
                VariadicFunc::RegexpMatch if exprs.len() == 4 => {
                    write!(
                        f,
                        "(regexp_match({}, {}, {}))[{}]",
                        exprs[0], exprs[1], exprs[2], exprs[3]
                    )
                }
                VariadicFunc::And | VariadicFunc::Or => {
                    let sep = format!(" {} ", func.to_string().to_uppercase());
                    let parts: Vec<String> = exprs.iter().map(ToString::to_string).collect();
                    write!(f, "({})", parts.join(&sep))
                }
                func => {
                    let parts: Vec<String> = exprs.iter().map(ToString::to_string).collect();
                    write!(f, "{func}({})", parts.join(", "))
                }
            },
            ScalarExpr::CallUnmaterializable(func) => write!(f, "{func}"),
            ScalarExpr::If { cond, then, els } => write!(f, "case when {cond} then {then} else {els} end"),
        }
    }
}

/// `expr::to`, parenthesized unless `expr` is a column, literal or call.
fn write_cast(f: &mut fmt::Formatter<'_>, expr: &ScalarExpr, to: &str) -> fmt::Result {
    if matches!(
        expr,
        ScalarExpr::Column(_) | ScalarExpr::Literal(..) | ScalarExpr::CallUnmaterializable(_)
    ) {
        write!(f, "{expr}::{to}")
    } else {
        write!(f, "({expr})::{to}")
    }
}

/// Numbers and booleans print bare, `null` as such, everything else as a
/// quoted SQL string.
fn write_literal(f: &mut fmt::Formatter<'_>, d: Datum<'_>, typ: &ScalarType) -> fmt::Result {
    match d {
        Datum::Null => f.write_str("null"),
        Datum::True => f.write_str("true"),
        Datum::False => f.write_str("false"),
        d => {
            let mut text = String::new();
            format_datum(d, typ, &mut text);
            if typ.is_numeric() {
                f.write_str(&text)
            } else {
                write!(f, "'{}'", text.replace('\'', "''"))
            }
        }
    }
}
