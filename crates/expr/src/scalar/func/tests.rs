//! The functions through [`ScalarExpr`]: `NULL` handling, result types,
//! constant folding and the text form.

use freshet_repr::{ColumnType, Datum, Numeric, Row, RowArena, ScalarType, format_datum};

use super::*;
use crate::{ScalarExpr, fold_scalar};

fn text(s: &str) -> ScalarExpr {
    ScalarExpr::literal(Datum::String(s), ScalarType::Text)
}

fn int(n: i32) -> ScalarExpr {
    ScalarExpr::literal(Datum::Int32(n), ScalarType::Int32)
}

fn num(s: &str) -> ScalarExpr {
    let row = {
        let arena = RowArena::new();
        let d = arena.push_numeric(&Numeric::new(s.parse().expect("decimal")));
        Row::pack([d])
    };
    ScalarExpr::Literal(Ok(row), ScalarType::numeric().nullable(false))
}

fn null(typ: ScalarType) -> ScalarExpr {
    ScalarExpr::null(typ)
}

fn variadic(func: VariadicFunc, exprs: Vec<ScalarExpr>) -> ScalarExpr {
    ScalarExpr::CallVariadic { func, exprs }
}

/// Evaluates `e` and renders the result (`NULL` for null) or the error's code.
fn run(e: &ScalarExpr) -> String {
    let arena = RowArena::new();
    match e.eval(&[], &arena) {
        Ok(Datum::Null) => "NULL".into(),
        Ok(d) => {
            let mut s = String::new();
            format_datum(d, &ScalarType::Text, &mut s);
            s
        }
        Err(err) => format!("error {}", err.code().code()),
    }
}

#[test]
fn strict_functions_return_null_for_null_arguments() {
    let cases = [
        null(ScalarType::Text).call_unary(UnaryFunc::Lower),
        null(ScalarType::Int32).call_unary(UnaryFunc::Chr),
        null(ScalarType::numeric()).call_unary(UnaryFunc::Sqrt(ArithType::Numeric)),
        text("abc").call_binary(null(ScalarType::Int32), BinaryFunc::Substr),
        null(ScalarType::Text).call_binary(text("a%"), BinaryFunc::Like),
        num("1.5").call_binary(null(ScalarType::Int32), BinaryFunc::RoundScale),
        text("year").call_binary(null(ScalarType::Date), BinaryFunc::Extract),
        null(ScalarType::Date).call_binary(int(1), BinaryFunc::DateTime(DateTimeOp::AddDateInt)),
        variadic(VariadicFunc::Substr, vec![null(ScalarType::Text), int(1), int(-1)]),
        variadic(
            VariadicFunc::Replace,
            vec![text("a"), null(ScalarType::Text), text("b")],
        ),
        variadic(
            VariadicFunc::LikeEscape,
            vec![text("a"), text("a"), null(ScalarType::Text)],
        ),
        variadic(VariadicFunc::ConcatWs, vec![null(ScalarType::Text), text("a")]),
    ];
    for e in &cases {
        assert_eq!(run(e), "NULL", "{e}");
    }
    // A NULL argument wins over an error the other arguments would raise.
    let e = variadic(VariadicFunc::Substr, vec![null(ScalarType::Text), int(1), int(-1)]);
    assert_eq!(run(&e), "NULL");
    let e = variadic(VariadicFunc::Substr, vec![text("abc"), int(1), int(-1)]);
    assert_eq!(run(&e), "error 22011");
}

#[test]
fn concat_is_never_null() {
    let e = variadic(
        VariadicFunc::Concat,
        vec![
            text("a"),
            null(ScalarType::Int32),
            int(1),
            ScalarExpr::literal_bool(true),
        ],
    );
    assert_eq!(run(&e), "a1t");
    let nullable = ScalarType::Text.nullable(true);
    assert_eq!(
        VariadicFunc::Concat.output_type(&[nullable]),
        ScalarType::Text.nullable(false)
    );
    assert_eq!(
        VariadicFunc::ConcatWs.output_type(&[ScalarType::Text.nullable(false), nullable]),
        ScalarType::Text.nullable(false)
    );
    assert_eq!(
        VariadicFunc::Substr.output_type(&[ScalarType::Text.nullable(false), ScalarType::Int32.nullable(true)]),
        ScalarType::Text.nullable(true)
    );
}

#[test]
fn result_types() {
    let t = |nullable| ScalarType::Text.nullable(nullable);
    let i = |nullable| ScalarType::Int32.nullable(nullable);
    assert_eq!(UnaryFunc::CharLength.output_type(t(true)), i(true));
    assert_eq!(UnaryFunc::Chr.output_type(i(false)), t(false));
    assert_eq!(
        UnaryFunc::Round(ArithType::Float64).output_type(ScalarType::Float64.nullable(false)),
        ScalarType::Float64.nullable(false)
    );
    assert_eq!(
        BinaryFunc::Extract.output_type(t(false), ScalarType::Date.nullable(true)),
        ScalarType::numeric().nullable(true)
    );
    assert_eq!(
        BinaryFunc::DatePart.output_type(t(false), ScalarType::Time.nullable(false)),
        ScalarType::Float64.nullable(false)
    );
    assert_eq!(
        BinaryFunc::DateTrunc.output_type(t(false), ScalarType::TimestampTz.nullable(false)),
        ScalarType::TimestampTz.nullable(false)
    );
    assert_eq!(
        BinaryFunc::DateTime(DateTimeOp::SubDateDate)
            .output_type(ScalarType::Date.nullable(false), ScalarType::Date.nullable(false)),
        i(false)
    );
    assert_eq!(
        BinaryFunc::Like.output_type(t(false), t(true)),
        ScalarType::Bool.nullable(true)
    );
}

#[test]
fn constants_fold_to_values_or_errors() {
    let mut e = text("Hello")
        .call_unary(UnaryFunc::Upper)
        .call_binary(int(2), BinaryFunc::Left);
    fold_scalar(&mut e);
    assert_eq!(e.to_string(), "'HE'");
    let mut e = num("2.5").call_unary(UnaryFunc::Round(ArithType::Numeric));
    fold_scalar(&mut e);
    assert_eq!(e.to_string(), "3");
    assert_eq!(
        e.typ(&[]),
        ColumnType {
            scalar_type: ScalarType::numeric(),
            nullable: false
        }
    );
    let mut e = variadic(VariadicFunc::Concat, vec![text("a"), null(ScalarType::Text)]);
    fold_scalar(&mut e);
    assert_eq!(e.to_string(), "'a'");
    let mut e = text("ab").call_binary(text("a\\"), BinaryFunc::Like);
    fold_scalar(&mut e);
    assert_eq!(
        e.to_string(),
        "error(\"LIKE pattern must not end with escape character\")"
    );
}

#[test]
fn text_form_writes_calls() {
    let col = ScalarExpr::Column(0);
    assert_eq!(col.clone().call_unary(UnaryFunc::CharLength).to_string(), "length(#0)");
    assert_eq!(
        col.clone().call_unary(UnaryFunc::Trim(TrimSide::Leading)).to_string(),
        "ltrim(#0)"
    );
    assert_eq!(col.clone().call_unary(UnaryFunc::NegInterval).to_string(), "-(#0)");
    assert_eq!(
        col.clone().call_binary(int(2), BinaryFunc::Substr).to_string(),
        "substr(#0, 2)"
    );
    assert_eq!(
        text("month")
            .call_binary(col.clone(), BinaryFunc::DateTrunc)
            .to_string(),
        "date_trunc('month', #0)"
    );
    assert_eq!(
        col.clone()
            .call_binary(int(1), BinaryFunc::DateTime(DateTimeOp::AddDateInt))
            .to_string(),
        "(#0 + 1)"
    );
    assert_eq!(
        variadic(VariadicFunc::LikeEscape, vec![col.clone(), text("a#%"), text("#")]).to_string(),
        "like(#0, 'a#%', '#')"
    );
    assert_eq!(
        variadic(VariadicFunc::Concat, vec![col, int(1)]).to_string(),
        "concat(#0, 1)"
    );
}

#[test]
fn functions_read_columns() {
    let arena = RowArena::new();
    let e = ScalarExpr::Column(0).call_binary(ScalarExpr::Column(1), BinaryFunc::ILike);
    let datums = [Datum::String("ABC"), Datum::String("a%")];
    assert_eq!(e.eval(&datums, &arena), Ok(Datum::True));
    let e = variadic(
        VariadicFunc::SplitPart,
        vec![ScalarExpr::Column(0), text(","), ScalarExpr::Column(1)],
    );
    let datums = [Datum::String("a,b,c"), Datum::Int32(-2)];
    assert_eq!(e.eval(&datums, &arena), Ok(Datum::String("b")));
    let datums = [Datum::String("a,b,c"), Datum::Int32(0)];
    assert_eq!(e.eval(&datums, &arena), Err(EvalError::ZeroFieldPosition));
}
