//! Projection pushdown: stacked projections collapse into one, and columns
//! a projection drops are not computed below it.

use crate::RelExpr;

/// Fuses stacked projections and drops computed columns no one reads.
pub(crate) fn pushdown_projections(mut expr: RelExpr) -> RelExpr {
    if let RelExpr::Project { input, outputs } = expr {
        expr = project(*input, outputs);
    }
    for child in expr.children_mut() {
        let taken = std::mem::replace(child, RelExpr::constant_unit());
        *child = pushdown_projections(taken);
    }
    expr
}

/// `input` projected onto `outputs`, simplified.
fn project(input: RelExpr, outputs: Vec<usize>) -> RelExpr {
    match input {
        // Project over Project: one projection.
        RelExpr::Project {
            input: inner,
            outputs: inner_outputs,
        } => project(*inner, outputs.iter().map(|c| inner_outputs[*c]).collect()),
        // Computed columns at the end that neither the projection nor a
        // later computed column reads are not computed.
        RelExpr::Map { input, mut scalars } => {
            let arity = input.arity();
            while let Some(last) = scalars.len().checked_sub(1) {
                let column = arity + last;
                let read = outputs.contains(&column) || scalars.iter().any(|s| s.columns().contains(&column));
                if read {
                    break;
                }
                scalars.pop();
            }
            input.map(scalars).project(outputs)
        }
        other => other.project(outputs),
    }
}
