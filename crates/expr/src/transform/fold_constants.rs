//! Constant folding: evaluates what does not depend on input rows.

use freshet_repr::{Datum, Diff, Row, RowArena};

use crate::{EvalError, RelExpr, ScalarExpr};

/// Replaces every sub-expression that reads no column with its value (or
/// the error it raises, which is raised again if the literal is evaluated).
pub fn fold_scalar(expr: &mut ScalarExpr) {
    expr.visit_mut_post(&mut |e| {
        if !e.is_literal() && e.is_constant() {
            let typ = e.typ(&[]);
            let arena = RowArena::new();
            let value = e.eval(&[], &arena).map(|d| Row::pack([d]));
            *e = ScalarExpr::Literal(value, typ);
        }
    });
}

/// Folds every scalar expression, then evaluates `Map`, `Filter` and
/// `Project` over constant inputs into constants.
pub fn fold_relation(expr: &mut RelExpr) {
    expr.visit_mut_post(&mut |e| {
        for scalar in e.scalars_mut() {
            fold_scalar(scalar);
        }
        let folded = match e {
            RelExpr::Filter { input, predicates } => {
                predicates.retain(|p| p.as_literal() != Some(Datum::True));
                if predicates
                    .iter()
                    .any(|p| matches!(p.as_literal(), Some(Datum::False | Datum::Null)))
                {
                    // A predicate false (or NULL) for every row keeps none.
                    Some(RelExpr::Constant {
                        rows: Ok(vec![]),
                        typ: input.typ(),
                    })
                } else if predicates.is_empty() {
                    Some(std::mem::replace(&mut **input, RelExpr::constant_unit()))
                } else {
                    fold_over_constant(e)
                }
            }
            RelExpr::Map { .. } | RelExpr::Project { .. } => fold_over_constant(e),
            RelExpr::Union { .. } | RelExpr::Negate { .. } => fold_union(e),
            RelExpr::Join { left, right, .. } => {
                // A join with no rows on either side has none.
                let empty = |r: &RelExpr| matches!(r, RelExpr::Constant { rows: Ok(rows), .. } if rows.is_empty());
                (empty(left) || empty(right)).then(|| RelExpr::Constant {
                    rows: Ok(vec![]),
                    typ: e.typ(),
                })
            }
            // Groups, ranks, windows and thresholds of no rows are no rows.
            RelExpr::Reduce { input, .. }
            | RelExpr::TopK { input, .. }
            | RelExpr::Window { input, .. }
            | RelExpr::Threshold { input }
                if matches!(&**input, RelExpr::Constant { rows: Ok(rows), .. } if rows.is_empty()) =>
            {
                Some(RelExpr::Constant {
                    rows: Ok(vec![]),
                    typ: e.typ(),
                })
            }
            RelExpr::Constant { .. }
            | RelExpr::Get { .. }
            | RelExpr::Reduce { .. }
            | RelExpr::TopK { .. }
            | RelExpr::Window { .. }
            | RelExpr::Threshold { .. } => None,
        };
        if let Some(folded) = folded {
            *e = folded;
        }
    });
}

/// Evaluates a `Union` of constants (or `Negate` of one) into one
/// constant; drops empty constants from a `Union`.
fn fold_union(e: &mut RelExpr) -> Option<RelExpr> {
    let typ = e.typ();
    match e {
        RelExpr::Negate { input } => match &**input {
            RelExpr::Constant { rows: Ok(rows), .. } => Some(RelExpr::Constant {
                rows: Ok(rows.iter().map(|(r, d)| (r.clone(), -d)).collect()),
                typ,
            }),
            _ => None,
        },
        RelExpr::Union { inputs } => {
            inputs.retain(|i| !matches!(i, RelExpr::Constant { rows: Ok(rows), .. } if rows.is_empty()));
            if inputs.is_empty() {
                return Some(RelExpr::Constant { rows: Ok(vec![]), typ });
            }
            if inputs.len() == 1 {
                return inputs.pop();
            }
            let mut all = Vec::new();
            for input in inputs.iter() {
                match input {
                    RelExpr::Constant { rows: Ok(rows), .. } => all.extend(rows.iter().cloned()),
                    _ => return None,
                }
            }
            Some(RelExpr::Constant { rows: Ok(all), typ })
        }
        _ => None,
    }
}

/// Evaluates a `Map`, `Filter` or `Project` whose input is a constant;
/// not one that calls `mz_now()`, whose value is not known yet (a one-off
/// query binds it first; in a maintained one it is a temporal filter).
fn fold_over_constant(e: &RelExpr) -> Option<RelExpr> {
    let scalars = match e {
        RelExpr::Map { scalars, .. } => scalars,
        RelExpr::Filter { predicates, .. } => predicates,
        _ => &Vec::new(),
    };
    if scalars.iter().any(ScalarExpr::contains_unmaterializable) {
        return None;
    }
    let typ = e.typ();
    let rows = match e {
        RelExpr::Map { input, .. } | RelExpr::Filter { input, .. } | RelExpr::Project { input, .. } => match &**input {
            RelExpr::Constant { rows, .. } => rows,
            _ => return None,
        },
        _ => return None,
    };
    let rows = match rows {
        Err(err) => Err(err.clone()),
        Ok(rows) => rows
            .iter()
            .filter_map(|(row, diff)| apply(e, row, *diff).transpose())
            .collect::<Result<Vec<(Row, Diff)>, EvalError>>(),
    };
    Some(RelExpr::Constant { rows, typ })
}

/// The result of one operator on one input row: `None` if filtered out.
fn apply(e: &RelExpr, row: &Row, diff: Diff) -> Result<Option<(Row, Diff)>, EvalError> {
    let arena = RowArena::new();
    let mut datums = row.unpack();
    match e {
        RelExpr::Map { scalars, .. } => {
            for s in scalars {
                let d = s.eval(&datums, &arena)?;
                datums.push(d);
            }
            Ok(Some((Row::pack_slice(&datums), diff)))
        }
        RelExpr::Filter { predicates, .. } => {
            for p in predicates {
                if p.eval(&datums, &arena)? != Datum::True {
                    return Ok(None);
                }
            }
            Ok(Some((row.clone(), diff)))
        }
        RelExpr::Project { outputs, .. } => Ok(Some((Row::pack(outputs.iter().map(|c| datums[*c])), diff))),
        _ => Ok(Some((row.clone(), diff))),
    }
}
