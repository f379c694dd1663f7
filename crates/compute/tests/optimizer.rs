//! The optimizer never changes an answer: random plans of joins, filters,
//! projections, maps, reductions, windows and set differences over random
//! small relations give the same rows, optimized and as planned.

use freshet_compute::ComputeController;
use freshet_expr::{
    AggregateExpr, AggregateFunc, ArithOp, ArithType, BinaryFunc, ColumnOrder, RelExpr, ScalarExpr, UnaryFunc,
    VariadicFunc, WindowFunc, optimize,
};
use freshet_repr::{ColumnType, Datum, Diff, Row, ScalarType};

/// A small deterministic generator (SplitMix64), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).unwrap_or(1)).unwrap_or(0)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn int_type() -> ColumnType {
    ScalarType::Int32.nullable(true)
}

fn int(i: i32) -> ScalarExpr {
    ScalarExpr::literal(Datum::Int32(i), ScalarType::Int32)
}

/// Two nullable integer columns, a few rows (some repeated), values 0..4.
fn relation(rng: &mut Rng) -> RelExpr {
    let rows = (0..rng.below(7))
        .map(|_| {
            let mut value = || match rng.below(5) {
                4 => Datum::Null,
                v => Datum::Int32(i32::try_from(v).unwrap_or(0)),
            };
            let (a, b) = (value(), value());
            (Row::pack([a, b]), 1)
        })
        .collect();
    RelExpr::Constant {
        rows: Ok(rows),
        typ: vec![int_type(); 2],
    }
}

/// The columns of `plan` that hold `int4` (counts are `int8`).
fn int_columns(plan: &RelExpr) -> Vec<usize> {
    plan.typ()
        .iter()
        .enumerate()
        .filter(|(_, t)| t.scalar_type == ScalarType::Int32)
        .map(|(i, _)| i)
        .collect()
}

/// A random predicate over the `int4` columns `ints` (not empty).
fn predicate(rng: &mut Rng, ints: &[usize]) -> ScalarExpr {
    let column = |rng: &mut Rng| ScalarExpr::Column(ints[rng.below(ints.len())]);
    match rng.below(5) {
        0 | 1 => column(rng).call_binary(column(rng), BinaryFunc::Eq),
        2 => column(rng).call_binary(int(i32::try_from(rng.below(4)).unwrap_or(0)), BinaryFunc::Gt),
        3 => column(rng).call_unary(UnaryFunc::IsNull).call_unary(UnaryFunc::Not),
        _ => ScalarExpr::CallVariadic {
            func: VariadicFunc::And,
            exprs: vec![predicate(rng, ints), predicate(rng, ints)],
        },
    }
}

/// A random plan over random relations, `depth` levels deep.
fn plan(rng: &mut Rng, depth: usize) -> RelExpr {
    if depth == 0 {
        return relation(rng);
    }
    let input = plan(rng, depth - 1);
    let arity = input.arity();
    let ints = int_columns(&input);
    match rng.below(9) {
        0..=2 => {
            let right = if rng.chance(50) {
                relation(rng)
            } else {
                plan(rng, depth - 1)
            };
            let right_ints = int_columns(&right);
            let keys = if !ints.is_empty() && !right_ints.is_empty() && rng.chance(40) {
                vec![(ints[rng.below(ints.len())], right_ints[rng.below(right_ints.len())])]
            } else {
                vec![]
            };
            let joined = input.join(right, keys);
            let joined_ints = int_columns(&joined);
            if !joined_ints.is_empty() && rng.chance(70) {
                joined.filter(vec![predicate(rng, &joined_ints)])
            } else {
                joined
            }
        }
        3 if !ints.is_empty() => input.filter(vec![predicate(rng, &ints)]),
        4 if arity > 0 => {
            let outputs = (0..1 + rng.below(3)).map(|_| rng.below(arity)).collect();
            input.project(outputs)
        }
        5 if !ints.is_empty() => {
            let column = ScalarExpr::Column(ints[rng.below(ints.len())]);
            let computed = match rng.below(4) {
                0 => int(i32::try_from(rng.below(4)).unwrap_or(0)),
                1 => ScalarExpr::null(ScalarType::Int32),
                2 => column,
                _ => column.call_binary(int(1), BinaryFunc::Arith(ArithOp::Add, ArithType::Int32)),
            };
            let mapped = input.map(vec![computed]);
            // Often filtered on what it computed.
            if rng.chance(50) {
                let predicate = predicate(rng, &[arity]);
                mapped.filter(vec![predicate])
            } else {
                mapped
            }
        }
        6 if arity > 0 => {
            let key = if rng.chance(70) { vec![rng.below(arity)] } else { vec![] };
            let aggregates = vec![
                AggregateExpr {
                    func: AggregateFunc::CountAll,
                    expr: ScalarExpr::literal_bool(true),
                    distinct: false,
                },
                AggregateExpr {
                    func: AggregateFunc::Count,
                    expr: ScalarExpr::Column(rng.below(arity)),
                    distinct: rng.chance(30),
                },
            ];
            if rng.chance(30) {
                input.distinct()
            } else {
                input.reduce(key, aggregates)
            }
        }
        7 if !ints.is_empty() => {
            let windowed = window(rng, input, &ints);
            // Often filtered on a partition column or a window's value.
            let columns: Vec<usize> = (0..windowed.arity()).collect();
            if rng.chance(50) {
                let c = columns[rng.below(columns.len())];
                let predicate = ScalarExpr::Column(c)
                    .call_unary(UnaryFunc::IsNull)
                    .call_unary(UnaryFunc::Not);
                windowed.filter(vec![predicate])
            } else {
                windowed
            }
        }
        _ if ints.len() == 2 && arity == 2 => {
            // EXCEPT ALL of two plans of the same types.
            let other = plan(rng, depth - 1);
            let other_ints = int_columns(&other);
            let other = if other_ints.len() >= 2 {
                other.project(other_ints[..2].to_vec())
            } else {
                relation(rng)
            };
            input.union(other.negate()).threshold()
        }
        _ => input,
    }
}

/// `input` with one to three random window functions over a random window
/// of its `int4` columns `ints` (not empty).
fn window(rng: &mut Rng, input: RelExpr, ints: &[usize]) -> RelExpr {
    let arity = input.arity();
    let partition_by = if rng.chance(60) { vec![rng.below(arity)] } else { vec![] };
    let order_by = (0..rng.below(3))
        .map(|_| ColumnOrder {
            column: rng.below(arity),
            desc: rng.chance(50),
            nulls_last: rng.chance(50),
        })
        .collect();
    let column = |rng: &mut Rng| ScalarExpr::Column(ints[rng.below(ints.len())]);
    let functions = (0..1 + rng.below(3))
        .map(|_| match rng.below(7) {
            0 => WindowFunc::RowNumber,
            1 => WindowFunc::Rank,
            2 => WindowFunc::DenseRank,
            3 => WindowFunc::Lag {
                value: column(rng),
                offset: int(1),
                default: ScalarExpr::null(ScalarType::Int32),
            },
            4 => WindowFunc::FirstValue { value: column(rng) },
            5 => WindowFunc::Aggregate {
                func: AggregateFunc::SumInt,
                expr: column(rng),
            },
            _ => WindowFunc::Aggregate {
                func: AggregateFunc::CountAll,
                expr: ScalarExpr::literal_bool(true),
            },
        })
        .collect();
    input.window(partition_by, order_by, functions)
}

/// The rows of `plan`, consolidated and sorted, or the error's text.
async fn answer(compute: &ComputeController, plan: RelExpr) -> Result<Vec<(Row, Diff)>, String> {
    let mut rows = compute.peek(plan, 0).await.map_err(|e| e.to_string())?;
    rows.sort();
    Ok(rows)
}

#[tokio::test]
async fn optimized_plans_give_the_same_rows() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let compute = ComputeController::start(2, freshet_storage::Store::open(dir.path())?)?;
    for seed in 0..1000 {
        let mut rng = Rng(seed);
        let depth = 1 + rng.below(4);
        let planned = plan(&mut rng, depth);
        let optimized = optimize(planned.clone());
        let expected = answer(&compute, planned.clone()).await;
        let actual = answer(&compute, optimized.clone()).await;
        assert_eq!(
            actual, expected,
            "seed {seed}: the optimized plan differs\nplanned:\n{planned}\noptimized:\n{optimized}"
        );
    }
    compute.shutdown();
    Ok(())
}
