//! Parameters of prepared statements (`$1`, `$2`, …).
//!
//! A statement is planned twice in the extended query protocol: at `Parse`
//! (for `Describe`) without values, and at `Execute` with the values bound
//! to it. At `Parse` each parameter's type is the one the client gave, or
//! the one its first use decides, as in PostgreSQL: compared with or
//! assigned to a column, cast (`$1::int`), an operand of an operator or a
//! function whose other arguments are typed; otherwise `text`. A parameter
//! plans as a literal of that type: `NULL` at `Parse` (only its type
//! matters then), its bound value at `Execute`. So the values are in the
//! plan before the adapter optimizes it, and the executed plan has the
//! types described, since every parameter then starts with the type it was
//! described with.

use std::cell::RefCell;
use std::rc::Rc;

use freshet_repr::{Row, ScalarType};

use super::expr::Typed;
use super::hir::HirScalar;
use super::query::QueryContext;
use super::{Plan, plan_with_params};
use crate::PlanError;
use crate::catalog::CatalogReader;
use crate::parse::Statement;

/// PostgreSQL's limit on the parameters of one statement (the count is
/// an `int16` in `Bind`).
const MAX_PARAMS: usize = 65_535;

/// The values bound to a prepared statement's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Each parameter's type, as described (`$1` first).
    pub types: Vec<ScalarType>,
    /// Their values, one datum per parameter (`NULL` for a null one), each
    /// a value of its type.
    pub values: Row,
}

/// A statement planned without parameter values, to describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribedPlan {
    /// The plan, with every parameter `NULL`: only its shape is meaningful.
    pub plan: Plan,
    /// Each parameter's type (`$1` first).
    pub param_types: Vec<ScalarType>,
}

/// Plans `statement` to describe it: `given` holds the parameter types the
/// client gave (`None` where it left the choice to the server); the other
/// parameters' types are inferred from where they are used.
pub fn describe(
    catalog: &dyn CatalogReader,
    statement: &Statement,
    given: &[Option<ScalarType>],
) -> Result<DescribedPlan, PlanError> {
    if given.len() > MAX_PARAMS {
        return Err(PlanError::UndefinedParameter(given.len()));
    }
    let types = given.iter().map(|t| t.map(|t| t.without_modifiers())).collect();
    let state = Rc::new(ParamState {
        types: RefCell::new(types),
        values: None,
    });
    let plan = plan_with_params(catalog, statement, Some(&state))?;
    let param_types = state.finish()?;
    Ok(DescribedPlan { plan, param_types })
}

/// Plans `statement` with values bound to its parameters.
pub fn plan_bound(catalog: &dyn CatalogReader, statement: &Statement, params: &Params) -> Result<Plan, PlanError> {
    let values: Vec<Row> = params.values.iter().map(|datum| Row::pack([datum])).collect();
    if values.len() != params.types.len() {
        return Err(PlanError::InvalidParameter(format!(
            "{} values bound to {} parameters",
            values.len(),
            params.types.len()
        )));
    }
    let state = Rc::new(ParamState {
        types: RefCell::new(params.types.iter().copied().map(Some).collect()),
        values: Some(values),
    });
    plan_with_params(catalog, statement, Some(&state))
}

/// The parameters of the statement being planned.
#[derive(Debug)]
pub(crate) struct ParamState {
    /// Each parameter's type, once known (without type modifiers).
    types: RefCell<Vec<Option<ScalarType>>>,
    /// The bound values (one single-datum row each), or `None` when the
    /// statement is only described.
    values: Option<Vec<Row>>,
}

impl ParamState {
    /// The expression for parameter `index` (1-based) of type `typ`: its
    /// value, or `NULL` when describing; and whether it may be `NULL`.
    fn expr(&self, index: usize, typ: ScalarType) -> (HirScalar, bool) {
        match self.values.as_ref().and_then(|values| values.get(index - 1)) {
            Some(row) => {
                let nullable = row.unpack_first().is_null();
                (HirScalar::Literal(Ok(row.clone()), typ.nullable(nullable)), nullable)
            }
            None => (HirScalar::null(typ), true),
        }
    }

    /// Every parameter's type, once the statement is planned.
    fn finish(&self) -> Result<Vec<ScalarType>, PlanError> {
        self.types
            .borrow()
            .iter()
            .enumerate()
            .map(|(i, t)| t.ok_or(PlanError::IndeterminateParameter(i + 1)))
            .collect()
    }
}

/// A parameter whose type its context has yet to decide.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    /// Its 1-based number.
    index: usize,
    /// The statement's parameters.
    state: Rc<ParamState>,
}

impl Param {
    /// Gives the parameter the type `typ` (without its modifiers, which a
    /// cast then applies) and returns its expression of that type.
    pub(crate) fn fix(&self, typ: &ScalarType) -> Result<(HirScalar, ScalarType), PlanError> {
        let typ = typ.without_modifiers();
        {
            let mut types = self.state.types.borrow_mut();
            let slot = &mut types[self.index - 1];
            match slot {
                None => *slot = Some(typ),
                Some(existing) if *existing == typ => {}
                Some(existing) => {
                    return Err(PlanError::InconsistentParameter {
                        index: self.index,
                        first: existing.name().to_owned(),
                        second: typ.name().to_owned(),
                    });
                }
            }
        }
        Ok((self.state.expr(self.index, typ).0, typ))
    }

    /// The parameter's expression at the type it has now, `text` if none.
    pub(crate) fn current(&self) -> (HirScalar, ScalarType) {
        let typ = self.state.types.borrow()[self.index - 1].unwrap_or(ScalarType::Text);
        (self.state.expr(self.index, typ).0, typ)
    }
}

/// Plans the parameter written `placeholder` (`$1`).
pub(crate) fn plan_param(qcx: &QueryContext<'_>, placeholder: &str) -> Result<Typed, PlanError> {
    let index = placeholder
        .strip_prefix('$')
        .and_then(|n| n.parse::<usize>().ok())
        .ok_or_else(|| PlanError::Unsupported(format!("parameter {placeholder}")))?;
    let state = match &qcx.params {
        Some(state) if (1..=MAX_PARAMS).contains(&index) => state,
        _ => return Err(PlanError::UndefinedParameter(index)),
    };
    let known = {
        let mut types = state.types.borrow_mut();
        if index > types.len() {
            if state.values.is_some() {
                return Err(PlanError::UndefinedParameter(index));
            }
            types.resize(index, None);
        }
        types[index - 1]
    };
    Ok(match known {
        Some(typ) => {
            let (expr, nullable) = state.expr(index, typ);
            Typed::Expr(expr, typ.nullable(nullable))
        }
        None => Typed::Param(Param {
            index,
            state: Rc::clone(state),
        }),
    })
}

#[cfg(test)]
mod tests;
