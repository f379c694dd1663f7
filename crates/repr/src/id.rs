//! Identifiers and the units of time and multiplicity.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ReprError;

/// A point on Freshet's one timeline: milliseconds since the Unix epoch, like
/// Materialize's `mz_timestamp`.
pub type Timestamp = u64;

/// The multiplicity of a row in an update: `+1` insert, `-1` retraction.
pub type Diff = i64;

/// The identifier of a catalog item (table, view, source, …) or of a
/// collection that only lives for one query.
///
/// Printed as `s1` (system), `u1` (user) or `t1` (transient). User and system
/// ids are durable and never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum GlobalId {
    /// A builtin object.
    System(u64),
    /// An object created by a user.
    User(u64),
    /// An object that lives only for one query (a peek's dataflow).
    Transient(u64),
}

impl fmt::Display for GlobalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GlobalId::System(id) => write!(f, "s{id}"),
            GlobalId::User(id) => write!(f, "u{id}"),
            GlobalId::Transient(id) => write!(f, "t{id}"),
        }
    }
}

impl FromStr for GlobalId {
    type Err = ReprError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || ReprError::InvalidId(s.to_owned());
        let mut chars = s.chars();
        let kind = chars.next().ok_or_else(invalid)?;
        let n: u64 = chars.as_str().parse().map_err(|_| invalid())?;
        match kind {
            's' => Ok(GlobalId::System(n)),
            'u' => Ok(GlobalId::User(n)),
            't' => Ok(GlobalId::Transient(n)),
            _ => Err(invalid()),
        }
    }
}

/// Declares the id of a kind of named container: `s<n>` for builtin ones,
/// `u<n>` for ones users create; durable and never reused.
macro_rules! container_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            /// A builtin container.
            System(u64),
            /// A container created by a user.
            User(u64),
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $name::System(id) => write!(f, "s{id}"),
                    $name::User(id) => write!(f, "u{id}"),
                }
            }
        }
    };
}

container_id!(
    /// The identifier of a database.
    DatabaseId
);
container_id!(
    /// The identifier of a schema, inside a database or (for the builtin
    /// schemas such as `mz_catalog`) outside of any.
    SchemaId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_id_round_trips_through_text() {
        for id in [GlobalId::System(1), GlobalId::User(42), GlobalId::Transient(7)] {
            assert_eq!(id.to_string().parse::<GlobalId>().ok(), Some(id));
        }
        assert!("x1".parse::<GlobalId>().is_err());
        assert!("u".parse::<GlobalId>().is_err());
    }
}
