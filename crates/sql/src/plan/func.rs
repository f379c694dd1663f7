//! Function and operator overload resolution, independent of the AST.
//!
//! Given a name and the argument types (`None` for an untyped literal: a
//! quoted string or `NULL`), chooses the implementation PostgreSQL would
//! (its `func_select_candidate`): an exact match, else the one candidate the
//! arguments convert to implicitly, else narrowing by exact matches, by
//! preferred types (`double precision`, `text`, `timestamptz`, `interval`),
//! by the categories untyped literals fit (strings first), and finally by
//! taking untyped literals to be of the other arguments' type.

use freshet_expr::{ArithOp, ArithType, BinaryFunc, DateTimeOp, TrimSide, UnaryFunc, VariadicFunc};
use freshet_repr::ScalarType;
use sqlparser::ast::BinaryOperator;

use super::typeconv::{CastContext, cast_allowed};
use crate::PlanError;

/// How a resolved function is applied to its arguments (already coerced to `params`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FuncImpl {
    /// A function of one argument.
    Unary(UnaryFunc),
    /// A function of two arguments, in order.
    Binary(BinaryFunc),
    /// A function of the arguments, in order.
    Variadic(VariadicFunc),
}

/// A function or operator chosen for some argument types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// The type each argument must be coerced to (implicitly), one per argument.
    pub(crate) params: Vec<ScalarType>,
    /// What to call.
    pub(crate) func: FuncImpl,
    /// The result type.
    pub(crate) ret: ScalarType,
    /// Whether a NULL argument always gives NULL (the result is then nullable
    /// only if an argument is); otherwise the result is always nullable.
    pub(crate) strict: bool,
}

/// One signature of a function or operator.
#[derive(Debug, Clone)]
struct Candidate {
    params: Vec<ScalarType>,
    func: FuncImpl,
    ret: ScalarType,
}

impl Candidate {
    fn into_resolved(self) -> Resolved {
        Resolved {
            params: self.params,
            func: self.func,
            ret: self.ret,
            strict: true,
        }
    }
}

/// PostgreSQL's type categories, which guide the choice between candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    Boolean,
    Numeric,
    String,
    DateTime,
    Timespan,
    User,
}

fn category(t: &ScalarType) -> Category {
    use ScalarType::*;
    match t {
        Bool => Category::Boolean,
        Int16
        | Int32
        | Int64
        | UInt16
        | UInt32
        | UInt64
        | Float32
        | Float64
        | Numeric { .. }
        | Oid
        | RegClass
        | RegType => Category::Numeric,
        Text | VarChar { .. } | Char { .. } => Category::String,
        Date | Time | Timestamp | TimestampTz => Category::DateTime,
        Interval => Category::Timespan,
        Bytes | Jsonb | Uuid | Array(_) => Category::User,
    }
}

/// Whether `t` is its category's preferred type.
fn is_preferred(t: &ScalarType) -> bool {
    matches!(
        t,
        ScalarType::Bool | ScalarType::Float64 | ScalarType::Text | ScalarType::TimestampTz | ScalarType::Interval
    )
}

/// Whether two types are the same, ignoring modifiers.
fn same_type(a: &ScalarType, b: &ScalarType) -> bool {
    matches!((a, b), (ScalarType::Char { .. }, ScalarType::Char { .. }))
        || a.without_modifiers() == b.without_modifiers()
}

/// Whether an argument of type `arg` (`None`: untyped) converts implicitly to `param`.
fn coercible(arg: &Option<ScalarType>, param: &ScalarType) -> bool {
    match arg {
        None => true,
        Some(t) => same_type(t, param) || cast_allowed(t, param, CastContext::Implicit),
    }
}

/// The argument types as PostgreSQL lists them in messages.
fn type_names(args: &[Option<ScalarType>]) -> Vec<&'static str> {
    args.iter()
        .map(|a| a.as_ref().map_or("unknown", ScalarType::name))
        .collect()
}

/// The result of choosing among candidates.
enum Choice {
    One(Candidate),
    None,
    Ambiguous,
}

/// Keeps the candidates scoring highest; returns whether one remains.
fn keep_best(candidates: &mut Vec<Candidate>, score: impl Fn(&Candidate) -> usize) {
    let best = candidates.iter().map(&score).max().unwrap_or(0);
    candidates.retain(|c| score(c) == best);
}

/// PostgreSQL's choice among `candidates` (all of the arguments' arity).
fn select(mut candidates: Vec<Candidate>, args: &[Option<ScalarType>]) -> Choice {
    let exact = |c: &Candidate| {
        args.iter()
            .zip(&c.params)
            .all(|(a, p)| a.as_ref().is_some_and(|a| same_type(a, p)))
    };
    if let Some(c) = candidates.iter().find(|c| exact(c)) {
        return Choice::One(c.clone());
    }
    candidates.retain(|c| args.iter().zip(&c.params).all(|(a, p)| coercible(a, p)));
    if candidates.len() <= 1 {
        return candidates.pop().map_or(Choice::None, Choice::One);
    }
    // Most exact matches, then most preferred types where a conversion is needed.
    keep_best(&mut candidates, |c| {
        args.iter()
            .zip(&c.params)
            .filter(|(a, p)| a.as_ref().is_some_and(|a| same_type(a, p)))
            .count()
    });
    keep_best(&mut candidates, |c| {
        args.iter()
            .zip(&c.params)
            .filter(|(a, p)| {
                a.as_ref()
                    .is_some_and(|a| same_type(a, p) || (category(a) == category(p) && is_preferred(p)))
            })
            .count()
    });
    if candidates.len() == 1 {
        return candidates.pop().map_or(Choice::None, Choice::One);
    }
    narrow_unknowns(&mut candidates, args);
    if candidates.len() == 1 {
        return candidates.pop().map_or(Choice::None, Choice::One);
    }
    // Untyped literals beside arguments all of one type: assume that type.
    let mut known = args.iter().flatten();
    if let Some(first) = known.next()
        && known.all(|t| same_type(t, first))
    {
        let assumed: Vec<Option<ScalarType>> = args.iter().map(|_| Some(*first)).collect();
        let mut fitting = candidates
            .iter()
            .filter(|c| assumed.iter().zip(&c.params).all(|(a, p)| coercible(a, p)));
        if let (Some(c), None) = (fitting.next(), fitting.next()) {
            return Choice::One(c.clone());
        }
    }
    Choice::Ambiguous
}

/// At each untyped argument, keeps the candidates of the category that
/// position resolves to (strings if any candidate takes one, else the one
/// category all take) and, if some take that category's preferred type,
/// only those.
fn narrow_unknowns(candidates: &mut Vec<Candidate>, args: &[Option<ScalarType>]) {
    let mut wanted = Vec::new();
    for (i, _) in args.iter().enumerate().filter(|(_, a)| a.is_none()) {
        let categories: Vec<Category> = candidates.iter().map(|c| category(&c.params[i])).collect();
        let chosen = if categories.contains(&Category::String) {
            Category::String
        } else if categories.windows(2).all(|w| w[0] == w[1]) {
            match categories.first() {
                Some(c) => *c,
                None => return,
            }
        } else {
            return;
        };
        let preferred = candidates
            .iter()
            .any(|c| category(&c.params[i]) == chosen && is_preferred(&c.params[i]));
        wanted.push((i, chosen, preferred));
    }
    let kept: Vec<Candidate> = candidates
        .iter()
        .filter(|c| {
            wanted.iter().all(|(i, cat, preferred)| {
                category(&c.params[*i]) == *cat && (!preferred || is_preferred(&c.params[*i]))
            })
        })
        .cloned()
        .collect();
    if !kept.is_empty() {
        *candidates = kept;
    }
}

fn candidate(params: &[ScalarType], func: FuncImpl, ret: ScalarType) -> Candidate {
    Candidate {
        params: params.to_vec(),
        func,
        ret,
    }
}

/// The signatures of function `name` (lowercase, aliases resolved).
fn function_candidates(name: &str) -> Vec<Candidate> {
    use FuncImpl::{Binary, Unary, Variadic};
    use ScalarType::{Bool, Date, Float32, Float64, Int16, Int32, Int64, Interval, Text, Time, Timestamp, TimestampTz};
    let numeric = ScalarType::numeric();
    let unary = |f: UnaryFunc, arg: ScalarType, ret: ScalarType| candidate(&[arg], Unary(f), ret);
    // A function of `double precision` and of `numeric`, returning the same type.
    let float_and_numeric = |f: fn(ArithType) -> UnaryFunc| {
        vec![
            unary(f(ArithType::Float64), Float64, Float64),
            unary(f(ArithType::Numeric), numeric, numeric),
        ]
    };
    match name {
        "length" | "char_length" | "character_length" => vec![unary(UnaryFunc::CharLength, Text, Int32)],
        "octet_length" => vec![unary(UnaryFunc::OctetLength, Text, Int32)],
        "lower" => vec![unary(UnaryFunc::Lower, Text, Text)],
        "upper" => vec![unary(UnaryFunc::Upper, Text, Text)],
        "initcap" => vec![unary(UnaryFunc::Initcap, Text, Text)],
        "reverse" => vec![unary(UnaryFunc::Reverse, Text, Text)],
        "ascii" => vec![unary(UnaryFunc::Ascii, Text, Int32)],
        "chr" => vec![unary(UnaryFunc::Chr, Int32, Text)],
        "btrim" | "ltrim" | "rtrim" => {
            let side = match name {
                "btrim" => TrimSide::Both,
                "ltrim" => TrimSide::Leading,
                _ => TrimSide::Trailing,
            };
            vec![
                unary(UnaryFunc::Trim(side), Text, Text),
                candidate(&[Text, Text], Binary(BinaryFunc::TrimChars(side)), Text),
            ]
        }
        "substr" => vec![
            candidate(&[Text, Int32], Binary(BinaryFunc::Substr), Text),
            candidate(&[Text, Int32, Int32], Variadic(VariadicFunc::Substr), Text),
        ],
        // `substring(text, text [, text])` matches a regular expression,
        // which Freshet does not support; the overloads are listed so that
        // calls resolve to them as in PostgreSQL, and then fail.
        "substring" => vec![
            candidate(&[Text, Int32], Binary(BinaryFunc::Substr), Text),
            candidate(&[Text, Int32, Int32], Variadic(VariadicFunc::Substr), Text),
            candidate(&[Text, Text], Binary(BinaryFunc::Substr), Text),
            candidate(&[Text, Text, Text], Variadic(VariadicFunc::Substr), Text),
        ],
        "position" => vec![candidate(&[Text, Text], Binary(BinaryFunc::Position), Int32)],
        "strpos" => vec![candidate(&[Text, Text], Binary(BinaryFunc::Strpos), Int32)],
        "repeat" => vec![candidate(&[Text, Int32], Binary(BinaryFunc::Repeat), Text)],
        "left" => vec![candidate(&[Text, Int32], Binary(BinaryFunc::Left), Text)],
        "right" => vec![candidate(&[Text, Int32], Binary(BinaryFunc::Right), Text)],
        "lpad" => vec![
            candidate(&[Text, Int32], Binary(BinaryFunc::Lpad), Text),
            candidate(&[Text, Int32, Text], Variadic(VariadicFunc::Lpad), Text),
        ],
        "rpad" => vec![
            candidate(&[Text, Int32], Binary(BinaryFunc::Rpad), Text),
            candidate(&[Text, Int32, Text], Variadic(VariadicFunc::Rpad), Text),
        ],
        "replace" => vec![candidate(&[Text, Text, Text], Variadic(VariadicFunc::Replace), Text)],
        "split_part" => vec![candidate(&[Text, Text, Int32], Variadic(VariadicFunc::SplitPart), Text)],
        "starts_with" => vec![candidate(&[Text, Text], Binary(BinaryFunc::StartsWith), Bool)],
        "abs" => vec![
            unary(UnaryFunc::Abs(ArithType::Int16), Int16, Int16),
            unary(UnaryFunc::Abs(ArithType::Int32), Int32, Int32),
            unary(UnaryFunc::Abs(ArithType::Int64), Int64, Int64),
            unary(UnaryFunc::Abs(ArithType::Float32), Float32, Float32),
            unary(UnaryFunc::Abs(ArithType::Float64), Float64, Float64),
            unary(UnaryFunc::Abs(ArithType::Numeric), numeric, numeric),
        ],
        "sign" => float_and_numeric(UnaryFunc::Sign),
        "ceil" | "ceiling" => float_and_numeric(UnaryFunc::Ceil),
        "floor" => float_and_numeric(UnaryFunc::Floor),
        "sqrt" => float_and_numeric(UnaryFunc::Sqrt),
        "exp" => float_and_numeric(UnaryFunc::Exp),
        "ln" => float_and_numeric(UnaryFunc::Ln),
        "log10" => float_and_numeric(UnaryFunc::Log10),
        "round" | "trunc" => {
            let (f, scaled): (fn(ArithType) -> UnaryFunc, _) = if name == "round" {
                (UnaryFunc::Round, BinaryFunc::RoundScale)
            } else {
                (UnaryFunc::Trunc, BinaryFunc::TruncScale)
            };
            let mut c = float_and_numeric(f);
            c.push(candidate(&[numeric, Int32], Binary(scaled), numeric));
            c
        }
        "log" => {
            let mut c = float_and_numeric(UnaryFunc::Log10);
            c.push(candidate(&[numeric, numeric], Binary(BinaryFunc::Log), numeric));
            c
        }
        "power" | "pow" => vec![
            candidate(
                &[Float64, Float64],
                Binary(BinaryFunc::Power(ArithType::Float64)),
                Float64,
            ),
            candidate(
                &[numeric, numeric],
                Binary(BinaryFunc::Power(ArithType::Numeric)),
                numeric,
            ),
        ],
        "mod" => [Int16, Int32, Int64, numeric]
            .into_iter()
            .filter_map(|t| {
                let arith = ArithType::of(&t)?;
                Some(candidate(&[t, t], Binary(BinaryFunc::Arith(ArithOp::Mod, arith)), t))
            })
            .collect(),
        "date_trunc" => [Timestamp, TimestampTz, Interval]
            .into_iter()
            .map(|t| candidate(&[Text, t], Binary(BinaryFunc::DateTrunc), t))
            .collect(),
        "extract" => [Date, Time, Timestamp, TimestampTz, Interval]
            .into_iter()
            .map(|t| candidate(&[Text, t], Binary(BinaryFunc::Extract), numeric))
            .collect(),
        // `date_part(text, date)` reads the date as a timestamp, as
        // PostgreSQL's SQL-language overload does.
        "date_part" => [Date, Time, Timestamp, TimestampTz, Interval]
            .into_iter()
            .map(|t| candidate(&[Text, t], Binary(BinaryFunc::DatePart), Float64))
            .collect(),
        // A `date` resolves to `timestamptz`, as in PostgreSQL.
        "to_char" => [Timestamp, TimestampTz]
            .into_iter()
            .map(|t| candidate(&[t, Text], Binary(BinaryFunc::ToChar), Text))
            .collect(),
        "jsonb_typeof" => vec![unary(UnaryFunc::JsonbTypeof, ScalarType::Jsonb, Text)],
        _ => vec![],
    }
}

/// `concat(any, ...)` and `concat_ws(text, any, ...)`: every argument keeps
/// its type (untyped literals are text); not strict.
fn resolve_concat(name: &str, args: &[Option<ScalarType>]) -> Option<Resolved> {
    let (func, fixed) = match name {
        "concat" if !args.is_empty() => (VariadicFunc::Concat, 0),
        "concat_ws" if args.len() >= 2 => (VariadicFunc::ConcatWs, 1),
        _ => return None,
    };
    if fixed == 1 && !coercible(&args[0], &ScalarType::Text) {
        return None;
    }
    let params = args
        .iter()
        .enumerate()
        .map(|(i, a)| match a {
            Some(t) if i >= fixed => *t,
            _ => ScalarType::Text,
        })
        .collect();
    Some(Resolved {
        params,
        func: FuncImpl::Variadic(func),
        ret: ScalarType::Text,
        strict: false,
    })
}

/// The functions that take arguments of any type: `to_jsonb(any)`,
/// `jsonb_build_object(any, ...)` and `jsonb_build_array(any, ...)`. Every
/// argument keeps its type (untyped literals are text).
fn resolve_any_args(name: &str, args: &[Option<ScalarType>]) -> Result<Option<Resolved>, PlanError> {
    let (func, strict) = match name {
        "to_jsonb" if args.len() == 1 => (FuncImpl::Unary(UnaryFunc::ToJsonb), true),
        "jsonb_build_object" => {
            if !args.len().is_multiple_of(2) {
                return Err(PlanError::Eval(freshet_expr::EvalError::OddJsonbBuildObjectArguments));
            }
            (FuncImpl::Variadic(VariadicFunc::JsonbBuildObject), false)
        }
        "jsonb_build_array" => (FuncImpl::Variadic(VariadicFunc::JsonbBuildArray), false),
        _ => return Ok(None),
    };
    Ok(Some(Resolved {
        params: args.iter().map(|a| a.unwrap_or(ScalarType::Text)).collect(),
        func,
        ret: ScalarType::Jsonb,
        strict,
    }))
}

/// `text LIKE pattern [ESCAPE escape]` (`ILIKE` if `case_insensitive`),
/// with PostgreSQL's errors: it resolves `like_escape(pattern, escape)`
/// and then the operator `~~` (`~~*`).
fn resolve_like(args: &[Option<ScalarType>], case_insensitive: bool) -> Result<Resolved, PlanError> {
    let symbol = if case_insensitive { "~~*" } else { "~~" };
    let text = Some(ScalarType::Text);
    // The operator's right operand: the pattern, or `like_escape`'s text.
    let pattern = match args {
        [_, pattern] => *pattern,
        [_, pattern, escape] => {
            if !coercible(pattern, &ScalarType::Text) || !coercible(escape, &ScalarType::Text) {
                return Err(PlanError::UnknownFunction {
                    name: "pg_catalog.like_escape".into(),
                    args: type_names(&args[1..]).join(", "),
                });
            }
            text
        }
        _ => {
            return Err(PlanError::UnknownFunction {
                name: if case_insensitive { "ilike" } else { "like" }.into(),
                args: type_names(args).join(", "),
            });
        }
    };
    if !coercible(&args[0], &ScalarType::Text) || !coercible(&pattern, &ScalarType::Text) {
        let names = type_names(&[args[0], pattern]);
        return Err(PlanError::UnknownOperator(format!(
            "{} {symbol} {}",
            names[0], names[1]
        )));
    }
    // A `char(n)` string keeps its padding (PostgreSQL's `bpchar ~~ text`).
    let string = match args[0] {
        Some(t @ ScalarType::Char { .. }) => t,
        _ => ScalarType::Text,
    };
    let mut params = vec![string, ScalarType::Text];
    let func = match (args.len(), case_insensitive) {
        (2, false) => FuncImpl::Binary(BinaryFunc::Like),
        (2, true) => FuncImpl::Binary(BinaryFunc::ILike),
        (_, false) => FuncImpl::Variadic(VariadicFunc::LikeEscape),
        (_, true) => FuncImpl::Variadic(VariadicFunc::ILikeEscape),
    };
    if args.len() == 3 {
        params.push(ScalarType::Text);
    }
    Ok(Resolved {
        params,
        func,
        ret: ScalarType::Bool,
        strict: true,
    })
}

/// Resolves `name(args)`; `None` in `args` is an untyped literal (a quoted
/// string or NULL). Unknown name or no matching overload →
/// [`PlanError::UnknownFunction`] (42883) with the argument type names;
/// several equally good overloads → [`PlanError::AmbiguousFunction`] (42725).
///
/// `extract` and `position` are the forms of `EXTRACT(field FROM x)` and
/// `POSITION(substring IN string)`, whose errors name the functions as
/// PostgreSQL does (`pg_catalog.position(string, substring)`).
pub(crate) fn resolve_function(name: &str, args: &[Option<ScalarType>]) -> Result<Resolved, PlanError> {
    let name = name.to_lowercase();
    // How errors name the call.
    let (shown_name, shown_args) = match name.as_str() {
        "extract" => ("pg_catalog.extract".to_owned(), type_names(args)),
        "position" => (
            "pg_catalog.position".to_owned(),
            type_names(args).into_iter().rev().collect(),
        ),
        _ => (name.clone(), type_names(args)),
    };
    let unknown = || PlanError::UnknownFunction {
        name: shown_name.clone(),
        args: shown_args.join(", "),
    };
    let ambiguous = || PlanError::AmbiguousFunction {
        name: shown_name.clone(),
        args: shown_args.join(", "),
    };
    match name.as_str() {
        "concat" | "concat_ws" => return resolve_concat(&name, args).ok_or_else(unknown),
        "like" | "ilike" => return resolve_like(args, name == "ilike"),
        // PostgreSQL also has `trunc(macaddr)`: an untyped argument fits both.
        "trunc" if args == [None] => return Err(ambiguous()),
        "to_jsonb" | "jsonb_build_object" | "jsonb_build_array" => {
            return resolve_any_args(&name, args)?.ok_or_else(unknown);
        }
        "regexp_match" => {
            return Err(PlanError::Unsupported(
                "regexp_match's text[] result, as Freshet has no arrays (take one element instead, as in \
                 (regexp_match(s, pattern))[1])"
                    .into(),
            ));
        }
        // Numbers and intervals have patterns of their own (`9.99`).
        "to_char"
            if matches!(args.first(), Some(Some(t)) if t.is_numeric() || *t == ScalarType::Interval)
                && args.len() == 2 =>
        {
            let typ = args[0].map_or("unknown", |t| t.name());
            return Err(PlanError::Unsupported(format!("to_char of {typ}")));
        }
        _ => {}
    }
    let candidates: Vec<Candidate> = function_candidates(&name)
        .into_iter()
        .filter(|c| c.params.len() == args.len())
        .collect();
    let mut resolved = match select(candidates, args) {
        Choice::One(c) => c.into_resolved(),
        Choice::None => return Err(unknown()),
        Choice::Ambiguous => return Err(ambiguous()),
    };
    if name == "substring" && resolved.params.get(1) == Some(&ScalarType::Text) {
        return Err(PlanError::Unsupported("substring with a regular expression".into()));
    }
    // `octet_length` of a `char(n)` counts its padding (PostgreSQL's
    // `bpchar` overload); the text overload would strip it.
    if let (Some(Some(arg @ ScalarType::Char { .. })), "octet_length") = (args.first(), name.as_str()) {
        resolved.params[0] = *arg;
    }
    Ok(resolved)
}

fn is_datetime(t: &Option<ScalarType>) -> bool {
    matches!(
        t,
        Some(
            ScalarType::Date
                | ScalarType::Time
                | ScalarType::Timestamp
                | ScalarType::TimestampTz
                | ScalarType::Interval
        )
    )
}

/// The date/time operators spelled `op`.
fn operator_candidates(op: &str) -> Vec<Candidate> {
    use DateTimeOp::*;
    use ScalarType::{Date, Float64, Int32, Interval, Time, Timestamp, TimestampTz};
    let ops: &[(DateTimeOp, ScalarType, ScalarType)] = match op {
        "+" => &[
            (AddDateInt, Date, Int32),
            (AddIntDate, Int32, Date),
            (AddDateInterval, Date, Interval),
            (AddIntervalDate, Interval, Date),
            (AddDateTime, Date, Time),
            (AddTimeDate, Time, Date),
            (AddTimestampInterval, Timestamp, Interval),
            (AddIntervalTimestamp, Interval, Timestamp),
            (AddTimestampTzInterval, TimestampTz, Interval),
            (AddIntervalTimestampTz, Interval, TimestampTz),
            (AddTimeInterval, Time, Interval),
            (AddIntervalTime, Interval, Time),
            (AddInterval, Interval, Interval),
        ],
        "-" => &[
            (SubDateInt, Date, Int32),
            (SubDateDate, Date, Date),
            (SubDateInterval, Date, Interval),
            (SubTimestampInterval, Timestamp, Interval),
            (SubTimestampTimestamp, Timestamp, Timestamp),
            (SubTimestampTzInterval, TimestampTz, Interval),
            (SubTimestampTzTimestampTz, TimestampTz, TimestampTz),
            (SubTimeInterval, Time, Interval),
            (SubTimeTime, Time, Time),
            (SubInterval, Interval, Interval),
        ],
        "*" => &[(MulInterval, Interval, Float64), (MulFloatInterval, Float64, Interval)],
        "/" => &[(DivInterval, Interval, Float64)],
        _ => &[],
    };
    ops.iter()
        .map(|(f, l, r)| candidate(&[*l, *r], FuncImpl::Binary(BinaryFunc::DateTime(*f)), f.output_type()))
        .collect()
}

/// Resolves a binary operator (`+`, `-`, `*`, `/`) whose operands are
/// date/time/interval types; `Ok(None)` if neither operand is one (the
/// caller then does numeric arithmetic).
pub(crate) fn resolve_datetime_operator(
    op: &str,
    left: Option<ScalarType>,
    right: Option<ScalarType>,
) -> Result<Option<Resolved>, PlanError> {
    if !is_datetime(&left) && !is_datetime(&right) {
        return Ok(None);
    }
    let args = [left, right];
    let names = type_names(&args);
    let described = format!("{} {op} {}", names[0], names[1]);
    let candidates = operator_candidates(op);
    // One untyped operand: first try it as the other operand's type.
    let assumed = match args {
        [Some(t), None] | [None, Some(t)] => Some([Some(t), Some(t)]),
        _ => None,
    };
    if let Some(assumed) = assumed
        && let Some(c) = candidates.iter().find(|c| {
            assumed
                .iter()
                .zip(&c.params)
                .all(|(a, p)| a.as_ref().is_some_and(|a| same_type(a, p)))
        })
    {
        return Ok(Some(c.clone().into_resolved()));
    }
    match select(candidates, &args) {
        Choice::One(c) => Ok(Some(c.into_resolved())),
        Choice::None => Err(PlanError::UnknownOperator(described)),
        Choice::Ambiguous => Err(PlanError::AmbiguousOperator(described)),
    }
}

/// Whether `op` is one of the `jsonb` operators.
pub(crate) fn is_jsonb_operator(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Arrow
            | BinaryOperator::LongArrow
            | BinaryOperator::HashArrow
            | BinaryOperator::HashLongArrow
            | BinaryOperator::AtArrow
            | BinaryOperator::ArrowAt
    )
}

/// Resolves a `jsonb` operator: `->` and `->>` (by key or array index),
/// `#>` and `#>>` (by a path, written as an untyped array literal since
/// Freshet has no `text[]`), `@>` and `<@`.
pub(crate) fn resolve_jsonb_operator(
    op: &BinaryOperator,
    left: Option<ScalarType>,
    right: Option<ScalarType>,
) -> Result<Resolved, PlanError> {
    use ScalarType::{Int32, Jsonb, Text};
    let args = [left, right];
    let names = type_names(&args);
    let described = format!("{} {op} {}", names[0], names[1]);
    let binary = |params: [ScalarType; 2], f: BinaryFunc, ret: ScalarType| candidate(&params, FuncImpl::Binary(f), ret);
    let candidates = match op {
        BinaryOperator::Arrow | BinaryOperator::LongArrow => {
            let text = *op == BinaryOperator::LongArrow;
            let ret = if text { Text } else { Jsonb };
            vec![
                binary([Jsonb, Text], BinaryFunc::JsonbGetKey { text }, ret),
                binary([Jsonb, Int32], BinaryFunc::JsonbGetIndex { text }, ret),
            ]
        }
        BinaryOperator::HashArrow | BinaryOperator::HashLongArrow if right.is_none() => {
            let text = *op == BinaryOperator::HashLongArrow;
            let ret = if text { Text } else { Jsonb };
            vec![binary([Jsonb, Text], BinaryFunc::JsonbGetPath { text }, ret)]
        }
        BinaryOperator::AtArrow => vec![binary([Jsonb, Jsonb], BinaryFunc::JsonbContains, ScalarType::Bool)],
        BinaryOperator::ArrowAt => vec![binary([Jsonb, Jsonb], BinaryFunc::JsonbContainedBy, ScalarType::Bool)],
        _ => vec![],
    };
    let mut resolved = match select(candidates, &args) {
        Choice::One(c) => c.into_resolved(),
        Choice::None => return Err(PlanError::UnknownOperator(described)),
        Choice::Ambiguous => return Err(PlanError::AmbiguousOperator(described)),
    };
    // A missing key, element or path is NULL whatever the operands.
    if !matches!(op, BinaryOperator::AtArrow | BinaryOperator::ArrowAt) {
        resolved.strict = false;
    }
    Ok(resolved)
}

/// Resolves unary minus of a date/time operand: `-interval`; `None` for
/// other types (the caller negates numbers).
pub(crate) fn resolve_datetime_negation(operand: &ScalarType) -> Option<Resolved> {
    (*operand == ScalarType::Interval).then(|| Resolved {
        params: vec![ScalarType::Interval],
        func: FuncImpl::Unary(UnaryFunc::NegInterval),
        ret: ScalarType::Interval,
        strict: true,
    })
}

#[cfg(test)]
mod tests;
