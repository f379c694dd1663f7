//! The `PRIMARY KEY` and `UNIQUE` constraints of `CREATE TABLE`: the
//! columns each covers, and its name as PostgreSQL derives it.
//!
//! Only plain key constraints are planned. Everything else a constraint can
//! say (`NULLS NOT DISTINCT`, `INCLUDE`, `USING`, index options,
//! `DEFERRABLE` and the other characteristics) is refused as unsupported
//! rather than ignored, and so are the other kinds of table constraints.

use std::collections::BTreeSet;

use sqlparser::ast::{
    self, ColumnOption, ConstraintCharacteristics, IndexColumn, KeyOrIndexDisplay, NullsDistinctOption,
    PrimaryKeyConstraint, TableConstraint, UniqueConstraint,
};

use crate::PlanError;
use crate::names::normalize_ident;
use crate::plan::UniqueKey;

/// PostgreSQL's longest identifier, in bytes (`NAMEDATALEN - 1`).
const MAX_NAME_BYTES: usize = 63;

/// A key constraint as written: its name if given, its columns by name.
#[derive(Debug)]
pub(super) struct KeySpec {
    name: Option<String>,
    columns: Vec<String>,
    primary: bool,
}

impl KeySpec {
    /// The key a column option declares on `column` (`a int PRIMARY KEY`,
    /// `a int CONSTRAINT u UNIQUE`), or `None` for an option of another kind.
    pub(super) fn from_column_option(
        column: &str,
        option: &ast::ColumnOptionDef,
    ) -> Result<Option<KeySpec>, PlanError> {
        let (inner_name, primary) = match &option.option {
            ColumnOption::PrimaryKey(pk) => {
                check_primary_key(pk)?;
                (&pk.name, true)
            }
            ColumnOption::Unique(unique) => {
                check_unique(unique)?;
                (&unique.name, false)
            }
            _ => return Ok(None),
        };
        Ok(Some(KeySpec {
            name: option.name.as_ref().or(inner_name.as_ref()).map(normalize_ident),
            columns: vec![column.to_owned()],
            primary,
        }))
    }

    /// The key a table constraint declares (`PRIMARY KEY (a, b)`,
    /// `CONSTRAINT u UNIQUE (a)`); any other kind of constraint is refused.
    pub(super) fn from_table_constraint(constraint: &TableConstraint) -> Result<KeySpec, PlanError> {
        let (name, columns, primary) = match constraint {
            TableConstraint::PrimaryKey(pk) => {
                check_primary_key(pk)?;
                (&pk.name, &pk.columns, true)
            }
            TableConstraint::Unique(unique) => {
                check_unique(unique)?;
                (&unique.name, &unique.columns, false)
            }
            TableConstraint::ForeignKey(_) => return Err(unsupported("FOREIGN KEY constraints")),
            TableConstraint::Check(_) => return Err(unsupported("CHECK constraints")),
            TableConstraint::Index(_) | TableConstraint::FulltextOrSpatial(_) => {
                return Err(unsupported("index definitions in CREATE TABLE"));
            }
            TableConstraint::PrimaryKeyUsingIndex(_) => return Err(unsupported("PRIMARY KEY USING INDEX")),
            TableConstraint::UniqueUsingIndex(_) => return Err(unsupported("UNIQUE USING INDEX")),
            TableConstraint::Exclude(_) => return Err(unsupported("EXCLUDE constraints")),
        };
        let kind = if primary { "PRIMARY KEY" } else { "UNIQUE" };
        Ok(KeySpec {
            name: name.as_ref().map(normalize_ident),
            columns: columns.iter().map(|c| key_column(kind, c)).collect::<Result<_, _>>()?,
            primary,
        })
    }
}

fn unsupported(what: &str) -> PlanError {
    PlanError::Unsupported(what.to_owned())
}

/// Refuses what a `PRIMARY KEY` says beyond its columns and name.
fn check_primary_key(pk: &PrimaryKeyConstraint) -> Result<(), PlanError> {
    check_index_clauses(
        "PRIMARY KEY",
        pk.index_name.is_some(),
        pk.index_type.is_some(),
        &pk.include,
        &pk.index_options,
        pk.characteristics.as_ref(),
    )
}

/// Refuses what a `UNIQUE` constraint says beyond its columns and name.
/// `NULLS DISTINCT` is the default, and accepted.
fn check_unique(unique: &UniqueConstraint) -> Result<(), PlanError> {
    if unique.nulls_distinct == NullsDistinctOption::NotDistinct {
        return Err(unsupported("UNIQUE NULLS NOT DISTINCT"));
    }
    if unique.index_type_display != KeyOrIndexDisplay::None {
        return Err(unsupported(&format!("UNIQUE {}", unique.index_type_display)));
    }
    check_index_clauses(
        "UNIQUE",
        unique.index_name.is_some(),
        unique.index_type.is_some(),
        &unique.include,
        &unique.index_options,
        unique.characteristics.as_ref(),
    )
}

/// Refuses the index and timing clauses of a key constraint.
fn check_index_clauses(
    kind: &str,
    index_name: bool,
    index_type: bool,
    include: &[ast::Ident],
    index_options: &[ast::IndexOption],
    characteristics: Option<&ConstraintCharacteristics>,
) -> Result<(), PlanError> {
    if index_name {
        return Err(unsupported(&format!("{kind} constraints with an index name")));
    }
    if index_type || !index_options.is_empty() {
        return Err(unsupported(&format!("{kind} constraints with USING or index options")));
    }
    if !include.is_empty() {
        return Err(unsupported(&format!("{kind} constraints with INCLUDE")));
    }
    if let Some(c) = characteristics
        && (c.deferrable.is_some() || c.initially.is_some() || c.enforced.is_some())
    {
        return Err(unsupported(&format!("{kind} constraints with {c}")));
    }
    Ok(())
}

/// The column a key names: a plain column name, without a sort order or
/// operator class.
fn key_column(kind: &str, column: &IndexColumn) -> Result<String, PlanError> {
    let plain = column.operator_class.is_none()
        && column.column.with_fill.is_none()
        && column.column.options.sort.is_none()
        && column.column.options.nulls_first.is_none();
    match &column.column.expr {
        ast::Expr::Identifier(ident) if plain => Ok(normalize_ident(ident)),
        _ => Err(unsupported(&format!(
            "{kind} constraints on expressions, or with sort orders or operator classes"
        ))),
    }
}

/// A key constraint with its columns resolved.
struct ResolvedKey {
    name: Option<String>,
    columns: Vec<usize>,
    primary: bool,
}

/// Plans the key constraints of table `table`, whose columns are `columns`,
/// as PostgreSQL does: at most one primary key; every key column must
/// exist, once per key; a key with the same columns (in the same order) as
/// one before it is dropped, giving its name to that one if it has none;
/// the primary key comes first; unnamed keys are named `{table}_pkey` and
/// `{table}_{columns}_key`, numbered when taken.
pub(super) fn plan_keys(table: &str, columns: &[String], specs: Vec<KeySpec>) -> Result<Vec<UniqueKey>, PlanError> {
    let mut primary: Option<ResolvedKey> = None;
    let mut others: Vec<ResolvedKey> = Vec::new();
    for spec in specs {
        if spec.primary && primary.is_some() {
            return Err(PlanError::MultiplePrimaryKeys(table.to_owned()));
        }
        let mut positions = Vec::with_capacity(spec.columns.len());
        for name in spec.columns {
            let position = columns
                .iter()
                .position(|c| *c == name)
                .ok_or_else(|| PlanError::UnknownKeyColumn(name.clone()))?;
            if positions.contains(&position) {
                return Err(PlanError::DuplicateKeyColumn {
                    column: name,
                    constraint: if spec.primary { "primary key" } else { "unique" },
                });
            }
            positions.push(position);
        }
        let key = ResolvedKey {
            name: spec.name,
            columns: positions,
            primary: spec.primary,
        };
        if key.primary {
            primary = Some(key);
        } else {
            others.push(key);
        }
    }

    let mut kept: Vec<ResolvedKey> = primary.into_iter().collect();
    for key in others {
        match kept.iter_mut().find(|prior| prior.columns == key.columns) {
            Some(prior) => {
                if prior.name.is_none() {
                    prior.name = key.name;
                }
            }
            None => kept.push(key),
        }
    }

    // Each key's index is a relation in PostgreSQL, so names must differ
    // from each other and from the table's. (Other relations of the schema
    // are not consulted.)
    let mut taken = BTreeSet::from([table.to_owned()]);
    let mut keys = Vec::with_capacity(kept.len());
    for key in kept {
        let name = match key.name {
            Some(name) => {
                if !taken.insert(name.clone()) {
                    return Err(PlanError::DuplicateConstraintName(name));
                }
                name
            }
            None => {
                let column_names: Vec<&str> = key.columns.iter().map(|c| columns[*c].as_str()).collect();
                let name = choose_name(table, &column_names, key.primary, &taken);
                taken.insert(name.clone());
                name
            }
        };
        keys.push(UniqueKey {
            name,
            columns: key.columns,
            primary: key.primary,
        });
    }
    Ok(keys)
}

/// PostgreSQL's name for an unnamed key (`ChooseRelationName`):
/// `{table}_pkey` or `{table}_{col1}_{col2}_key`, with a number after the
/// label (`t_a_key1`) until the name is not in `taken`.
fn choose_name(table: &str, columns: &[&str], primary: bool, taken: &BTreeSet<String>) -> String {
    let (addition, label) = if primary {
        (None, "pkey")
    } else {
        (Some(index_name_addition(columns)), "key")
    };
    let mut pass = 0;
    loop {
        let label = if pass == 0 {
            label.to_owned()
        } else {
            format!("{label}{pass}")
        };
        let name = make_object_name(table, addition.as_deref(), &label);
        if !taken.contains(&name) {
            return name;
        }
        pass += 1;
    }
}

/// The column names joined by `_`, stopping once past the longest name
/// (PostgreSQL's `ChooseIndexNameAddition`).
fn index_name_addition(columns: &[&str]) -> String {
    let mut addition = String::new();
    for column in columns {
        if !addition.is_empty() {
            addition.push('_');
        }
        addition.push_str(clip(column, MAX_NAME_BYTES));
        if addition.len() > MAX_NAME_BYTES {
            break;
        }
    }
    addition
}

/// `name1[_name2]_label`, the longer of the names shortened first so the
/// whole fits in 63 bytes (PostgreSQL's `makeObjectName`).
fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let available = MAX_NAME_BYTES.saturating_sub(overhead);
    let (mut len1, mut len2) = (name1.len(), name2.map_or(0, str::len));
    while len1 + len2 > available {
        if len1 > len2 {
            len1 -= 1;
        } else {
            len2 -= 1;
        }
    }
    let mut name = clip(name1, len1).to_owned();
    if let Some(name2) = name2 {
        name.push('_');
        name.push_str(clip(name2, len2));
    }
    name.push('_');
    name.push_str(label);
    name
}

/// The longest prefix of `s` of at most `len` bytes that ends on a
/// character boundary.
fn clip(s: &str, len: usize) -> &str {
    let mut end = len.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(table: &str, columns: &[&str], specs: Vec<KeySpec>) -> Result<Vec<(String, Vec<usize>)>, PlanError> {
        let columns: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
        Ok(plan_keys(table, &columns, specs)?
            .into_iter()
            .map(|k| (k.name, k.columns))
            .collect())
    }

    fn spec(name: Option<&str>, columns: &[&str], primary: bool) -> KeySpec {
        KeySpec {
            name: name.map(str::to_owned),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            primary,
        }
    }

    #[test]
    fn names_follow_postgres() -> Result<(), PlanError> {
        let keys = names(
            "t",
            &["a", "b"],
            vec![
                spec(None, &["a"], false),
                spec(None, &["b", "a"], true),
                spec(None, &["a", "b"], false),
                spec(None, &["b"], false),
            ],
        )?;
        assert_eq!(
            keys,
            vec![
                ("t_pkey".to_owned(), vec![1, 0]),
                ("t_a_key".to_owned(), vec![0]),
                ("t_a_b_key".to_owned(), vec![0, 1]),
                ("t_b_key".to_owned(), vec![1]),
            ]
        );
        Ok(())
    }

    #[test]
    fn identical_keys_merge_and_keep_a_name() -> Result<(), PlanError> {
        let keys = names(
            "t",
            &["a"],
            vec![
                spec(None, &["a"], true),
                spec(Some("u"), &["a"], false),
                spec(None, &["a"], false),
            ],
        )?;
        assert_eq!(keys, vec![("u".to_owned(), vec![0])]);
        Ok(())
    }

    #[test]
    fn taken_names_are_numbered() -> Result<(), PlanError> {
        let keys = names(
            "t",
            &["a"],
            vec![spec(Some("t_a_key"), &["a"], true), spec(None, &["a"], false)],
        );
        // Identical to the primary key: merged away.
        assert_eq!(keys?, vec![("t_a_key".to_owned(), vec![0])]);
        let keys = names(
            "t",
            &["a", "b"],
            vec![spec(Some("t_a_key"), &["b"], false), spec(None, &["a"], false)],
        )?;
        assert_eq!(
            keys,
            vec![("t_a_key".to_owned(), vec![1]), ("t_a_key1".to_owned(), vec![0])]
        );
        Ok(())
    }

    #[test]
    fn long_names_are_shortened() -> Result<(), PlanError> {
        let table = "t".repeat(60);
        let column = "c".repeat(60);
        let keys = names(&table, &[&column], vec![spec(None, &[&column], false)])?;
        let expected = format!("{}_{}_key", "t".repeat(29), "c".repeat(29));
        assert_eq!(keys[0].0, expected);
        assert_eq!(expected.len(), 63);
        let keys = names(&table, &[&column], vec![spec(None, &[&column], true)])?;
        assert_eq!(keys[0].0, format!("{}_pkey", "t".repeat(58)));
        Ok(())
    }

    #[test]
    fn errors() {
        assert_eq!(
            names("t", &["a"], vec![spec(None, &["a"], true), spec(None, &["a"], true)]),
            Err(PlanError::MultiplePrimaryKeys("t".into()))
        );
        assert_eq!(
            names("t", &["a"], vec![spec(None, &["x"], false)]),
            Err(PlanError::UnknownKeyColumn("x".into()))
        );
        assert_eq!(
            names("t", &["a"], vec![spec(None, &["a", "a"], true)]),
            Err(PlanError::DuplicateKeyColumn {
                column: "a".into(),
                constraint: "primary key"
            })
        );
        assert_eq!(
            names(
                "t",
                &["a", "b"],
                vec![spec(Some("k"), &["a"], false), spec(Some("k"), &["b"], false)]
            ),
            Err(PlanError::DuplicateConstraintName("k".into()))
        );
        assert_eq!(
            names("t", &["a"], vec![spec(Some("t"), &["a"], false)]),
            Err(PlanError::DuplicateConstraintName("t".into()))
        );
    }
}
