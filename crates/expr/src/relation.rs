//! Relational expressions: the plans that compute collections.

mod finishing;

use std::fmt;

use freshet_repr::{ColumnType, Datum, Diff, GlobalId, Row};
use serde::{Deserialize, Serialize};

pub use finishing::{ColumnOrder, NegativeMultiplicity, RowSetFinishing};

use crate::{EvalError, ScalarExpr};

/// An expression whose value is a collection of rows, each with a
/// multiplicity. Freshet plans queries, views and indexes into this IR; the
/// compute layer renders it as a dataflow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RelExpr {
    /// Literal rows with their multiplicities, or the error computing them.
    Constant {
        /// The rows, or the error that replaced them.
        rows: Result<Vec<(Row, Diff)>, EvalError>,
        /// The types of the columns.
        typ: Vec<ColumnType>,
    },
    /// The contents of a stored collection.
    Get {
        /// The collection.
        id: GlobalId,
        /// The types of its columns.
        typ: Vec<ColumnType>,
    },
    /// Appends computed columns to each input row.
    Map {
        /// The input.
        input: Box<RelExpr>,
        /// One expression per appended column; each may refer to the columns
        /// appended before it.
        scalars: Vec<ScalarExpr>,
    },
    /// Keeps the input rows for which every predicate is true.
    Filter {
        /// The input.
        input: Box<RelExpr>,
        /// Predicates; `NULL` and false drop the row.
        predicates: Vec<ScalarExpr>,
    },
    /// Keeps, reorders or repeats columns.
    Project {
        /// The input.
        input: Box<RelExpr>,
        /// The input columns that form each output row.
        outputs: Vec<usize>,
    },
}

impl RelExpr {
    /// The relation with one row of no columns.
    pub fn constant_unit() -> RelExpr {
        RelExpr::Constant {
            rows: Ok(vec![(Row::pack::<[Datum<'_>; 0]>([]), 1)]),
            typ: vec![],
        }
    }

    /// Appends computed columns.
    pub fn map(self, scalars: Vec<ScalarExpr>) -> RelExpr {
        if scalars.is_empty() {
            return self;
        }
        RelExpr::Map {
            input: Box::new(self),
            scalars,
        }
    }

    /// Keeps rows satisfying every predicate.
    pub fn filter(self, predicates: Vec<ScalarExpr>) -> RelExpr {
        if predicates.is_empty() {
            return self;
        }
        RelExpr::Filter {
            input: Box::new(self),
            predicates,
        }
    }

    /// Keeps the listed columns, in order.
    pub fn project(self, outputs: Vec<usize>) -> RelExpr {
        if outputs.len() == self.arity() && outputs.iter().enumerate().all(|(i, c)| i == *c) {
            return self;
        }
        RelExpr::Project {
            input: Box::new(self),
            outputs,
        }
    }

    /// The types of the output columns.
    pub fn typ(&self) -> Vec<ColumnType> {
        match self {
            RelExpr::Constant { typ, .. } | RelExpr::Get { typ, .. } => typ.clone(),
            RelExpr::Map { input, scalars } => {
                let mut typ = input.typ();
                for s in scalars {
                    let t = s.typ(&typ);
                    typ.push(t);
                }
                typ
            }
            RelExpr::Filter { input, .. } => input.typ(),
            RelExpr::Project { input, outputs } => {
                let typ = input.typ();
                outputs.iter().map(|c| typ[*c]).collect()
            }
        }
    }

    /// The number of output columns.
    pub fn arity(&self) -> usize {
        match self {
            RelExpr::Constant { typ, .. } | RelExpr::Get { typ, .. } => typ.len(),
            RelExpr::Map { input, scalars } => input.arity() + scalars.len(),
            RelExpr::Filter { input, .. } => input.arity(),
            RelExpr::Project { outputs, .. } => outputs.len(),
        }
    }

    /// The direct inputs.
    pub fn children_mut(&mut self) -> Vec<&mut RelExpr> {
        match self {
            RelExpr::Constant { .. } | RelExpr::Get { .. } => vec![],
            RelExpr::Map { input, .. } | RelExpr::Filter { input, .. } | RelExpr::Project { input, .. } => {
                vec![input]
            }
        }
    }

    /// The scalar expressions this node evaluates (not its inputs').
    pub fn scalars_mut(&mut self) -> Vec<&mut ScalarExpr> {
        match self {
            RelExpr::Map { scalars, .. } => scalars.iter_mut().collect(),
            RelExpr::Filter { predicates, .. } => predicates.iter_mut().collect(),
            RelExpr::Constant { .. } | RelExpr::Get { .. } | RelExpr::Project { .. } => vec![],
        }
    }

    /// Visits every node, inputs before the nodes that read them.
    pub fn visit_mut_post(&mut self, f: &mut impl FnMut(&mut RelExpr)) {
        for child in self.children_mut() {
            child.visit_mut_post(f);
        }
        f(self);
    }

    /// The stored collections the expression reads.
    pub fn depends_on(&self) -> Vec<GlobalId> {
        let mut ids = Vec::new();
        let mut expr = self.clone();
        expr.visit_mut_post(&mut |e| {
            if let RelExpr::Get { id, .. } = e {
                ids.push(*id);
            }
        });
        ids.sort();
        ids.dedup();
        ids
    }

    fn fmt_indented(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        let pad = "  ".repeat(depth);
        let list = |exprs: &[ScalarExpr]| exprs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        match self {
            RelExpr::Constant { rows: Err(e), .. } => writeln!(f, "{pad}Error {:?}", e.to_string()),
            RelExpr::Constant { rows: Ok(rows), typ } => {
                if rows.is_empty() {
                    return writeln!(f, "{pad}Constant <empty>");
                }
                writeln!(f, "{pad}Constant")?;
                for (row, diff) in rows {
                    let datums: Vec<String> = row
                        .iter()
                        .zip(typ)
                        .map(|(d, t)| ScalarExpr::literal(d, t.scalar_type).to_string())
                        .collect();
                    let times = if *diff == 1 {
                        String::new()
                    } else {
                        format!(" x {diff}")
                    };
                    writeln!(f, "{pad}  - ({}){times}", datums.join(", "))?;
                }
                Ok(())
            }
            RelExpr::Get { id, .. } => writeln!(f, "{pad}Get {id}"),
            RelExpr::Map { input, scalars } => {
                writeln!(f, "{pad}Map ({})", list(scalars))?;
                input.fmt_indented(f, depth + 1)
            }
            RelExpr::Filter { input, predicates } => {
                let preds: Vec<String> = predicates.iter().map(ToString::to_string).collect();
                writeln!(f, "{pad}Filter {}", preds.join(" AND "))?;
                input.fmt_indented(f, depth + 1)
            }
            RelExpr::Project { input, outputs } => {
                let cols: Vec<String> = outputs.iter().map(|c| format!("#{c}")).collect();
                writeln!(f, "{pad}Project ({})", cols.join(", "))?;
                input.fmt_indented(f, depth + 1)
            }
        }
    }
}

impl fmt::Display for RelExpr {
    /// The stable text form `EXPLAIN` prints: one node per line, inputs
    /// indented below the node that reads them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_indented(f, 0)
    }
}
