//! Join ordering: a tree of inner joins, with the filters between them,
//! becomes one left-deep chain in which each input joins on keys whenever
//! some equality connects it to the inputs before it.
//!
//! Without it, `FROM a, b, c WHERE a.x = c.x AND b.y = c.y` joins `a` and
//! `b` with no key at all, and the intermediate cross product grows with
//! the product of the inputs' sizes.

use crate::{BinaryFunc, RelExpr, ScalarExpr, UnaryFunc, VariadicFunc};

/// Reorders every tree of three or more joined inputs. Run it after
/// predicate pushdown, which has turned equalities into join keys.
pub(crate) fn order_joins(expr: RelExpr) -> RelExpr {
    match expr {
        join @ RelExpr::Join { .. } => order(join),
        RelExpr::Filter { input, predicates } if matches!(*input, RelExpr::Join { .. }) => {
            order(input.filter(predicates))
        }
        mut other => {
            for child in other.children_mut() {
                let taken = std::mem::replace(child, RelExpr::constant_unit());
                *child = order_joins(taken);
            }
            other
        }
    }
}

/// A join tree taken apart. Columns are numbered as in the tree's output:
/// the inputs' columns one after another.
#[derive(Default)]
struct Flat {
    /// The joined inputs, each already reordered inside.
    inputs: Vec<RelExpr>,
    /// The first column of each input.
    starts: Vec<usize>,
    /// Pairs of columns whose values must be identical (`NULL` matching `NULL`).
    keys: Vec<(usize, usize)>,
    /// Predicates over the tree's columns.
    predicates: Vec<ScalarExpr>,
    /// The number of columns so far.
    arity: usize,
}

impl Flat {
    fn add(&mut self, expr: RelExpr) {
        let offset = self.arity;
        match expr {
            RelExpr::Join { left, right, keys } => {
                let nl = left.arity();
                self.add(*left);
                self.add(*right);
                self.keys
                    .extend(keys.into_iter().map(|(l, r)| (offset + l, offset + nl + r)));
            }
            RelExpr::Filter { input, predicates } if matches!(*input, RelExpr::Join { .. }) => {
                self.add(*input);
                self.predicates
                    .extend(predicates.into_iter().map(|p| p.remap_columns(|c| c + offset)));
            }
            leaf => {
                let leaf = order_joins(leaf);
                self.starts.push(offset);
                self.arity += leaf.arity();
                self.inputs.push(leaf);
            }
        }
    }

    /// The input holding column `c`.
    fn input_of(&self, c: usize) -> usize {
        self.starts.partition_point(|s| *s <= c) - 1
    }
}

/// Rebuilds the join tree `expr` as a left-deep chain.
fn order(expr: RelExpr) -> RelExpr {
    let mut flat = Flat::default();
    flat.add(expr);
    if flat.inputs.len() < 3 {
        return rebuild_in_place(flat);
    }
    let classes = equivalence_classes(flat.arity, &flat.keys);
    let n = flat.inputs.len();
    // Greedy: the first input, then always the earliest input connected to
    // those placed by a key; a cross product only when none is.
    let mut chosen = vec![0];
    let mut placed = vec![false; n];
    placed[0] = true;
    while chosen.len() < n {
        let connected = (0..n).find(|i| {
            !placed[*i]
                && classes.iter().any(|class| {
                    class.iter().any(|c| flat.input_of(*c) == *i) && class.iter().any(|c| placed[flat.input_of(*c)])
                })
        });
        let next = connected.unwrap_or_else(|| (0..n).find(|i| !placed[*i]).expect("an unplaced input"));
        placed[next] = true;
        chosen.push(next);
    }
    build(flat, &chosen, &classes)
}

/// The tree of two inputs as it was (its own inputs reordered).
fn rebuild_in_place(flat: Flat) -> RelExpr {
    let mut inputs = flat.inputs.into_iter();
    let first = inputs.next().expect("a join has inputs");
    let joined = match inputs.next() {
        Some(second) => {
            let nl = flat.starts[1];
            let keys = flat.keys.into_iter().map(|(l, r)| (l, r - nl)).collect();
            first.join(second, keys)
        }
        None => first,
    };
    joined.filter(flat.predicates)
}

/// Groups columns that keys make identical; only groups of two or more.
fn equivalence_classes(arity: usize, keys: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..arity).collect();
    fn root(parent: &mut [usize], mut c: usize) -> usize {
        while parent[c] != c {
            parent[c] = parent[parent[c]];
            c = parent[c];
        }
        c
    }
    for (a, b) in keys {
        let (ra, rb) = (root(&mut parent, *a), root(&mut parent, *b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut classes: Vec<Vec<usize>> = vec![Vec::new(); arity];
    for c in 0..arity {
        let r = root(&mut parent, c);
        classes[r].push(c);
    }
    classes.retain(|class| class.len() > 1);
    classes
}

/// Joins the inputs in `order`, keys from `classes`, each predicate applied
/// as soon as every input it reads is joined, and projects the columns
/// back to the tree's original order.
fn build(mut flat: Flat, order: &[usize], classes: &[Vec<usize>]) -> RelExpr {
    let arities: Vec<usize> = flat.inputs.iter().map(RelExpr::arity).collect();
    let mut inputs: Vec<Option<RelExpr>> = flat.inputs.drain(..).map(Some).collect();
    // Where each original column is in the chain built so far.
    let mut position: Vec<Option<usize>> = vec![None; flat.arity];
    let mut predicates: Vec<Option<ScalarExpr>> = flat.predicates.drain(..).map(Some).collect();
    let mut chain: Option<RelExpr> = None;
    let mut width = 0;
    for &i in order {
        let input = inputs[i].take().expect("each input is placed once");
        let start = flat.starts[i];
        let own = |c: &usize| flat.input_of(*c) == i;
        let mut keys = Vec::new();
        let mut local = Vec::new();
        for class in classes {
            let mine: Vec<usize> = class.iter().copied().filter(own).collect();
            let Some(&first) = mine.first() else { continue };
            match class.iter().find_map(|c| position[*c]) {
                Some(earlier) => keys.extend(mine.iter().map(|c| (earlier, c - start))),
                // Columns of this input alone: identical to each other.
                None => local.extend(mine[1..].iter().map(|c| identical(first - start, c - start))),
            }
        }
        let input = input.filter(local);
        for c in 0..arities[i] {
            position[start + c] = Some(width + c);
        }
        width += arities[i];
        let joined = match chain.take() {
            Some(left) => left.join(input, keys),
            None => input,
        };
        let ready: Vec<ScalarExpr> = predicates
            .iter_mut()
            .filter(|p| {
                p.as_ref()
                    .is_some_and(|p| p.columns().iter().all(|c| position[*c].is_some()))
            })
            .map(|p| {
                p.take()
                    .expect("filtered to present predicates")
                    .remap_columns(|c| position[c].expect("placed"))
            })
            .collect();
        chain = Some(joined.filter(ready));
    }
    let chain = chain.expect("a join has inputs");
    chain.project(position.into_iter().map(|p| p.expect("every column placed")).collect())
}

/// `#a` and `#b` hold identical values: equal, or both `NULL`.
fn identical(a: usize, b: usize) -> ScalarExpr {
    let (a, b) = (ScalarExpr::Column(a), ScalarExpr::Column(b));
    let equal = a.clone().call_binary(b.clone(), BinaryFunc::Eq);
    let both_null = ScalarExpr::CallVariadic {
        func: VariadicFunc::And,
        exprs: vec![a.call_unary(UnaryFunc::IsNull), b.call_unary(UnaryFunc::IsNull)],
    };
    ScalarExpr::CallVariadic {
        func: VariadicFunc::Coalesce,
        exprs: vec![equal, both_null],
    }
}

#[cfg(test)]
mod tests {
    use freshet_repr::{GlobalId, ScalarType};

    use super::*;

    fn get(id: u64) -> RelExpr {
        RelExpr::Get {
            id: GlobalId::User(id),
            typ: vec![ScalarType::Int32.nullable(false); 2],
        }
    }

    #[test]
    fn inputs_join_in_an_order_that_has_keys() {
        // (u1 × u2) ⋈ u3 on u1.#0 = u3.#0 and u2.#1 = u3.#1.
        let plan = get(1).join(get(2), vec![]).join(get(3), vec![(0, 0), (3, 1)]);
        let ordered = order_joins(plan);
        assert_eq!(
            ordered.to_string(),
            "Project (#0, #1, #4, #5, #2, #3)\n  Join on=(#3 = #5)\n    Join on=(#0 = #2)\n      Get u1\n      Get u3\n    Get u2\n"
        );
    }

    #[test]
    fn two_inputs_keep_their_order_and_keys() {
        let plan = get(1).join(get(2), vec![(1, 0)]);
        assert_eq!(order_joins(plan.clone()), plan);
    }

    #[test]
    fn predicates_apply_once_their_inputs_are_joined() {
        let gt = ScalarExpr::Column(0).call_binary(ScalarExpr::Column(2), BinaryFunc::Gt);
        let plan = get(1)
            .join(get(2), vec![])
            .filter(vec![gt])
            .join(get(3), vec![(0, 0), (3, 1)]);
        let ordered = order_joins(plan);
        assert!(ordered.to_string().contains("Filter (#0 > #4)"), "{ordered}");
    }
}
