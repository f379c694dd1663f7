use freshet_repr::ScalarType::{
    self, Bool, Char, Date, Float32, Float64, Int16, Int32, Int64, Interval, Text, Time, Timestamp, TimestampTz,
    VarChar,
};

use super::*;

const NUMERIC: ScalarType = ScalarType::numeric();

fn resolve(name: &str, args: &[Option<ScalarType>]) -> Resolved {
    resolve_function(name, args).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn code(e: PlanError) -> &'static str {
    e.code().code()
}

#[test]
fn untyped_literals_take_the_parameter_type() {
    let r = resolve("length", &[None]);
    assert_eq!(r.params, vec![Text]);
    assert_eq!(r.func, FuncImpl::Unary(UnaryFunc::CharLength));
    assert_eq!(r.ret, Int32);
    assert!(r.strict);
    let r = resolve("substr", &[None, Some(Int32), Some(Int32)]);
    assert_eq!(r.params, vec![Text, Int32, Int32]);
    assert_eq!(r.func, FuncImpl::Variadic(VariadicFunc::Substr));
    let r = resolve("position", &[None, None]);
    assert_eq!(r.func, FuncImpl::Binary(BinaryFunc::Position));
    let r = resolve("btrim", &[Some(VarChar { max_length: Some(5) }), None]);
    assert_eq!(r.params, vec![Text, Text]);
    assert_eq!(r.func, FuncImpl::Binary(BinaryFunc::TrimChars(TrimSide::Both)));
    let r = resolve("LTRIM", &[None]);
    assert_eq!(r.func, FuncImpl::Unary(UnaryFunc::Trim(TrimSide::Leading)));
}

#[test]
fn numbers_prefer_double_precision_unless_exact() {
    // round(int) picks round(double precision), float8 being the preferred
    // numeric type, as in PostgreSQL (`SELECT pg_typeof(round(1))`).
    let r = resolve("round", &[Some(Int32)]);
    assert_eq!(r.params, vec![Float64]);
    assert_eq!(r.ret, Float64);
    let r = resolve("round", &[Some(NUMERIC)]);
    assert_eq!(r.ret, NUMERIC);
    assert_eq!(r.func, FuncImpl::Unary(UnaryFunc::Round(ArithType::Numeric)));
    let r = resolve(
        "round",
        &[Some(ScalarType::Numeric {
            precision: Some(10),
            scale: Some(2),
        })],
    );
    assert_eq!(r.ret, NUMERIC);
    // round(int, int) only exists for numeric: the integer is promoted.
    let r = resolve("round", &[Some(Int32), Some(Int32)]);
    assert_eq!(r.params, vec![NUMERIC, Int32]);
    assert_eq!(r.func, FuncImpl::Binary(BinaryFunc::RoundScale));
    assert_eq!(r.ret, NUMERIC);
    let r = resolve("round", &[None]);
    assert_eq!(r.params, vec![Float64]);
    let r = resolve("sqrt", &[Some(Int64)]);
    assert_eq!(r.ret, Float64);
    let r = resolve("abs", &[Some(Int16)]);
    assert_eq!(r.ret, Int16);
    let r = resolve("abs", &[Some(Float32)]);
    assert_eq!(r.ret, Float32);
    let r = resolve("mod", &[Some(Int16), Some(Int32)]);
    assert_eq!(r.params, vec![Int32, Int32]);
    assert_eq!(
        r.func,
        FuncImpl::Binary(BinaryFunc::Arith(ArithOp::Mod, ArithType::Int32))
    );
    let r = resolve("mod", &[Some(Int32), Some(NUMERIC)]);
    assert_eq!(r.ret, NUMERIC);
    let r = resolve("power", &[Some(Int32), Some(Int32)]);
    assert_eq!(r.ret, Float64);
    let r = resolve("pow", &[Some(NUMERIC), Some(Int32)]);
    assert_eq!(r.params, vec![NUMERIC, NUMERIC]);
    let r = resolve("log", &[Some(Int32), Some(NUMERIC)]);
    assert_eq!(r.func, FuncImpl::Binary(BinaryFunc::Log));
    let r = resolve("ceiling", &[Some(NUMERIC)]);
    assert_eq!(r.func, FuncImpl::Unary(UnaryFunc::Ceil(ArithType::Numeric)));
}

#[test]
fn no_match_and_ambiguity_errors() {
    let e = resolve_function("round", &[Some(Float64), Some(Int32)]).expect_err("no round(float8, int)");
    assert_eq!(
        e.to_string(),
        "function round(double precision, integer) does not exist"
    );
    assert_eq!(code(e), "42883");
    let e = resolve_function("nosuch", &[Some(Int32), None]).expect_err("no function");
    assert_eq!(e.to_string(), "function nosuch(integer, unknown) does not exist");
    let e = resolve_function("substr", &[Some(Int32), Some(Int32)]).expect_err("no implicit int to text");
    assert_eq!(code(e), "42883");
    let e = resolve_function("length", &[]).expect_err("arity");
    assert_eq!(e.to_string(), "function length() does not exist");
    let e = resolve_function("mod", &[Some(Float64), Some(Int32)]).expect_err("no mod(float8)");
    assert_eq!(code(e), "42883");
    let e = resolve_function("like", &[None, Some(Int32)]).expect_err("no text ~~ integer");
    assert_eq!(e.to_string(), "operator does not exist: unknown ~~ integer");
    assert_eq!(code(e), "42883");
    let e = resolve_function("ilike", &[Some(Date), None, None]).expect_err("no date ~~* text");
    assert_eq!(e.to_string(), "operator does not exist: date ~~* text");
    let e = resolve_function("like", &[None, None, Some(Int32)]).expect_err("no like_escape");
    assert_eq!(
        e.to_string(),
        "function pg_catalog.like_escape(unknown, integer) does not exist"
    );
    let e = resolve_function("position", &[None, Some(Int32)]).expect_err("no position");
    assert_eq!(
        e.to_string(),
        "function pg_catalog.position(integer, unknown) does not exist"
    );
    let e = resolve_function("trunc", &[None]).expect_err("trunc(macaddr) too");
    assert_eq!(code(e), "42725");
    let e = resolve_function("substring", &[None, None]).expect_err("regular expressions");
    assert_eq!(code(e), "0A000");
    assert_eq!(
        resolve("substring", &[None, Some(Int32), Some(Int32)]).func,
        FuncImpl::Variadic(VariadicFunc::Substr)
    );
    let e = resolve_function("date_trunc", &[None, None]).expect_err("ambiguous");
    assert_eq!(e.to_string(), "function date_trunc(unknown, unknown) is not unique");
    assert_eq!(code(e), "42725");
    let e = resolve_function("concat", &[]).expect_err("concat needs an argument");
    assert_eq!(code(e), "42883");
    let e = resolve_function("concat_ws", &[Some(Int32), None]).expect_err("separator must be text");
    assert_eq!(code(e), "42883");
}

#[test]
fn concat_keeps_argument_types() {
    let r = resolve("concat", &[None, Some(Int32), Some(Bool), None]);
    assert_eq!(r.params, vec![Text, Int32, Bool, Text]);
    assert_eq!(r.func, FuncImpl::Variadic(VariadicFunc::Concat));
    assert!(!r.strict);
    let r = resolve("concat_ws", &[Some(VarChar { max_length: None }), Some(Date)]);
    assert_eq!(r.params, vec![Text, Date]);
    assert_eq!(r.func, FuncImpl::Variadic(VariadicFunc::ConcatWs));
}

#[test]
fn char_arguments() {
    let padded = Char { length: 4 };
    // length() strips the padding (through the cast to text)...
    assert_eq!(resolve("length", &[Some(padded)]).params, vec![Text]);
    // ...octet_length and LIKE see it.
    assert_eq!(resolve("octet_length", &[Some(padded)]).params, vec![padded]);
    let r = resolve("like", &[Some(padded), None]);
    assert_eq!(r.params, vec![padded, Text]);
    assert_eq!(r.func, FuncImpl::Binary(BinaryFunc::Like));
    let r = resolve("ilike", &[None, None, None]);
    assert_eq!(r.func, FuncImpl::Variadic(VariadicFunc::ILikeEscape));
}

#[test]
fn date_time_functions() {
    let r = resolve("date_trunc", &[None, Some(Timestamp)]);
    assert_eq!((r.params.clone(), r.ret), (vec![Text, Timestamp], Timestamp));
    // A date goes to timestamptz, the preferred date/time type.
    let r = resolve("date_trunc", &[None, Some(Date)]);
    assert_eq!((r.params.clone(), r.ret), (vec![Text, TimestampTz], TimestampTz));
    let r = resolve("date_trunc", &[Some(Text), Some(Interval)]);
    assert_eq!(r.ret, Interval);
    let r = resolve("extract", &[None, Some(Date)]);
    assert_eq!((r.params.clone(), r.ret), (vec![Text, Date], NUMERIC));
    let r = resolve("extract", &[None, Some(Time)]);
    assert_eq!(r.func, FuncImpl::Binary(BinaryFunc::Extract));
    let r = resolve("date_part", &[None, Some(Date)]);
    assert_eq!((r.params.clone(), r.ret), (vec![Text, Date], Float64));
    let e = resolve_function("extract", &[None, None]).expect_err("ambiguous");
    assert_eq!(code(e), "42725");
    let e = resolve_function("extract", &[None, Some(Int32)]).expect_err("no extract of integers");
    assert_eq!(
        e.to_string(),
        "function pg_catalog.extract(unknown, integer) does not exist"
    );
}

fn op(o: &str, l: Option<ScalarType>, r: Option<ScalarType>) -> Option<Resolved> {
    resolve_datetime_operator(o, l, r).unwrap_or_else(|e| panic!("{o}: {e}"))
}

fn op_func(o: &str, l: Option<ScalarType>, r: Option<ScalarType>) -> (FuncImpl, ScalarType, Vec<ScalarType>) {
    let resolved = op(o, l, r).unwrap_or_else(|| panic!("{o} resolved to nothing"));
    (resolved.func, resolved.ret, resolved.params)
}

fn dt(op: DateTimeOp) -> FuncImpl {
    FuncImpl::Binary(BinaryFunc::DateTime(op))
}

#[test]
fn date_time_operators() {
    assert_eq!(op("+", Some(Int32), Some(NUMERIC)), None);
    assert_eq!(op("+", None, Some(Int32)), None);
    assert_eq!(
        op_func("+", Some(Date), Some(Int32)),
        (dt(DateTimeOp::AddDateInt), Date, vec![Date, Int32])
    );
    assert_eq!(
        op_func("+", Some(Date), Some(Int16)),
        (dt(DateTimeOp::AddDateInt), Date, vec![Date, Int32])
    );
    assert_eq!(op_func("+", Some(Int32), Some(Date)).0, dt(DateTimeOp::AddIntDate));
    assert_eq!(op_func("-", Some(Date), Some(Date)).1, Int32);
    assert_eq!(op_func("-", Some(Date), None).0, dt(DateTimeOp::SubDateDate));
    assert_eq!(
        op_func("+", Some(Date), Some(Interval)),
        (dt(DateTimeOp::AddDateInterval), Timestamp, vec![Date, Interval])
    );
    assert_eq!(op_func("-", Some(Timestamp), Some(Timestamp)).1, Interval);
    assert_eq!(
        op_func("-", Some(Date), Some(Timestamp)),
        (
            dt(DateTimeOp::SubTimestampTimestamp),
            Interval,
            vec![Timestamp, Timestamp]
        )
    );
    assert_eq!(
        op_func("+", Some(TimestampTz), None),
        (
            dt(DateTimeOp::AddTimestampTzInterval),
            TimestampTz,
            vec![TimestampTz, Interval]
        )
    );
    assert_eq!(op_func("+", Some(Interval), None).0, dt(DateTimeOp::AddInterval));
    assert_eq!(op_func("+", Some(Time), Some(Interval)).1, Time);
    assert_eq!(
        op_func("*", Some(Interval), Some(Int32)),
        (dt(DateTimeOp::MulInterval), Interval, vec![Interval, Float64])
    );
    assert_eq!(
        op_func("*", Some(NUMERIC), Some(Interval)).0,
        dt(DateTimeOp::MulFloatInterval)
    );
    assert_eq!(
        op_func("/", Some(Interval), Some(Float64)).0,
        dt(DateTimeOp::DivInterval)
    );
    let e = resolve_datetime_operator("+", Some(Date), Some(Int64)).expect_err("no date + bigint");
    assert_eq!(e.to_string(), "operator does not exist: date + bigint");
    assert_eq!(code(e), "42883");
    let e = resolve_datetime_operator("+", Some(Date), None).expect_err("ambiguous");
    assert_eq!(e.to_string(), "operator is not unique: date + unknown");
    assert_eq!(code(e), "42725");
    let e = resolve_datetime_operator("*", Some(Date), Some(Int32)).expect_err("no date * int");
    assert_eq!(code(e), "42883");
    let e = resolve_datetime_operator("+", Some(Timestamp), Some(Timestamp)).expect_err("no ts + ts");
    assert_eq!(code(e), "42883");
    assert_eq!(
        resolve_datetime_negation(&Interval).map(|r| r.func),
        Some(FuncImpl::Unary(UnaryFunc::NegInterval))
    );
    assert_eq!(resolve_datetime_negation(&Date), None);
}

#[test]
fn to_char_formats_datetimes_and_refuses_numbers() {
    let r = resolve("to_char", &[Some(Timestamp), None]);
    assert_eq!(r.params, vec![Timestamp, Text]);
    assert_eq!(r.func, FuncImpl::Binary(BinaryFunc::ToChar));
    // A date reads as timestamptz, the preferred date/time type.
    let r = resolve("to_char", &[Some(Date), Some(Text)]);
    assert_eq!(r.params, vec![TimestampTz, Text]);
    for arg in [Int16, Int32, Int64, Float32, Float64, NUMERIC, Interval] {
        let err = resolve_function("to_char", &[Some(arg), None]).expect_err("unsupported");
        assert_eq!(code(err), "0A000", "{arg:?}");
    }
    let err = resolve_function("to_char", &[Some(Bool), None]).expect_err("no such function");
    assert_eq!(code(err), "42883");
}

#[test]
fn functions_of_any_type_keep_their_argument_types() {
    let r = resolve("to_jsonb", &[Some(Int32)]);
    assert_eq!(r.params, vec![Int32]);
    assert_eq!(r.ret, ScalarType::Jsonb);
    assert!(r.strict);
    let r = resolve("jsonb_build_object", &[None, Some(Date), None, None]);
    assert_eq!(r.params, vec![Text, Date, Text, Text]);
    assert!(!r.strict);
    let r = resolve("jsonb_build_array", &[]);
    assert_eq!(r.func, FuncImpl::Variadic(VariadicFunc::JsonbBuildArray));
    let err = resolve_function("jsonb_build_object", &[None]).expect_err("odd");
    assert_eq!(code(err), "22023");
    let err = resolve_function("to_jsonb", &[None, None]).expect_err("two arguments");
    assert_eq!(code(err), "42883");
    let err = resolve_function("regexp_match", &[None, None]).expect_err("text[]");
    assert_eq!(code(err), "0A000");
}

#[test]
fn jsonb_operators_resolve_by_operand_type() {
    let jsonb = Some(ScalarType::Jsonb);
    let op = |op: BinaryOperator, right: Option<ScalarType>| resolve_jsonb_operator(&op, jsonb, right);
    let r = op(BinaryOperator::Arrow, None).expect("key");
    assert_eq!(r.func, FuncImpl::Binary(BinaryFunc::JsonbGetKey { text: false }));
    assert_eq!(r.params, vec![ScalarType::Jsonb, Text]);
    assert!(!r.strict, "a missing key is NULL");
    let r = op(BinaryOperator::LongArrow, Some(Int32)).expect("index");
    assert_eq!(r.func, FuncImpl::Binary(BinaryFunc::JsonbGetIndex { text: true }));
    assert_eq!(r.ret, Text);
    let r = op(BinaryOperator::LongArrow, Some(Int16)).expect("index");
    assert_eq!(r.params, vec![ScalarType::Jsonb, Int32]);
    let r = op(BinaryOperator::HashLongArrow, None).expect("path");
    assert_eq!(r.func, FuncImpl::Binary(BinaryFunc::JsonbGetPath { text: true }));
    let r = op(BinaryOperator::AtArrow, None).expect("contains");
    assert_eq!(r.params, vec![ScalarType::Jsonb, ScalarType::Jsonb]);
    assert!(r.strict);
    let r = op(BinaryOperator::ArrowAt, jsonb).expect("contained");
    assert_eq!(r.func, FuncImpl::Binary(BinaryFunc::JsonbContainedBy));
    for (operator, right) in [
        (BinaryOperator::Arrow, Some(Int64)),
        (BinaryOperator::Arrow, Some(Bool)),
        (BinaryOperator::HashArrow, Some(Text)),
        (BinaryOperator::AtArrow, Some(Text)),
    ] {
        let err = op(operator.clone(), right).expect_err("no such operator");
        assert_eq!(code(err), "42883", "{operator} {right:?}");
    }
    let err = resolve_jsonb_operator(&BinaryOperator::Arrow, Some(Text), None).expect_err("text -> unknown");
    assert_eq!(err.to_string(), "operator does not exist: text -> unknown");
}
