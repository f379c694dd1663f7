//! Cursors: `DECLARE … CURSOR FOR SUBSCRIBE …`, `FETCH`, `CLOSE`.

use std::rc::Rc;
use std::time::Duration;

use freshet_repr::{Datum, RowArena, ScalarType, parse_datum};

use super::Plan;
use super::params::ParamState;
use crate::PlanError;
use crate::catalog::CatalogReader;
use crate::names::normalize_ident;
use crate::parse::{Declare, Fetch, Statement};

/// `DECLARE name CURSOR FOR SUBSCRIBE …`; a cursor over a plain query is
/// not supported yet.
pub(crate) fn plan_declare(
    catalog: &dyn CatalogReader,
    params: Option<&Rc<ParamState>>,
    declare: &Declare,
) -> Result<Plan, PlanError> {
    match &*declare.statement {
        Statement::Subscribe(subscribe) => {
            let Plan::Subscribe(plan) = super::subscribe::plan_subscribe(catalog, params, subscribe)? else {
                return Err(PlanError::Unsupported("DECLARE of this statement".into()));
            };
            Ok(Plan::Declare {
                name: normalize_ident(&declare.name),
                subscribe: plan,
            })
        }
        _ => Err(PlanError::Unsupported(
            "DECLARE … CURSOR FOR a query (use SUBSCRIBE)".into(),
        )),
    }
}

/// `FETCH [count | ALL] name [WITH (TIMEOUT = 'interval')]`.
pub(crate) fn plan_fetch(fetch: &Fetch) -> Result<Plan, PlanError> {
    let timeout = fetch.timeout.as_deref().map(parse_timeout).transpose()?;
    Ok(Plan::Fetch {
        name: normalize_ident(&fetch.name),
        count: fetch.count,
        timeout,
    })
}

/// A `FETCH` timeout: an interval (`'1s'`, `'500 ms'`, `'0'`), of at most
/// a day and not negative.
fn parse_timeout(text: &str) -> Result<Duration, PlanError> {
    let invalid = || {
        PlanError::InvalidParameter(format!(
            "invalid FETCH timeout '{text}': expected an interval such as '1s'"
        ))
    };
    let arena = RowArena::new();
    // A bare number counts seconds, as an interval's does.
    let datum = parse_datum(&ScalarType::Interval, text, &arena).map_err(|_| invalid())?;
    let Datum::Interval(interval) = datum else {
        return Err(invalid());
    };
    if interval.months != 0 {
        return Err(invalid());
    }
    let micros = i64::from(interval.days)
        .checked_mul(86_400_000_000)
        .and_then(|days| days.checked_add(interval.micros))
        .ok_or_else(invalid)?;
    let micros = u64::try_from(micros).map_err(|_| invalid())?;
    if micros > 86_400_000_000 {
        return Err(invalid());
    }
    Ok(Duration::from_micros(micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_intervals() {
        assert_eq!(parse_timeout("1s").ok(), Some(Duration::from_secs(1)));
        assert_eq!(parse_timeout("250 milliseconds").ok(), Some(Duration::from_millis(250)));
        assert_eq!(parse_timeout("0").ok(), Some(Duration::ZERO));
        assert!(parse_timeout("-1s").is_err());
        assert!(parse_timeout("1 month").is_err());
        assert!(parse_timeout("soon").is_err());
    }
}
