//! Rewriting a stored definition for a rename: the text of each fully
//! qualified reference to the renamed item, and the aliases that keep a
//! query's meaning.

use std::ops::{ControlFlow, Range};

use sqlparser::ast::{self, VisitMut, VisitorMut};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Location, Token, Tokenizer};

use crate::PlanError;
use crate::catalog::FullItemName;
use crate::names::name_parts;
use crate::parse::{Statement, parse};

/// `sql` with every fully qualified reference to `old` naming `new`
/// instead, or `None` if it has none. For a view's or materialized view's
/// definition (`query`) that names `old` or `new` in any other way (a
/// column qualified by the table's name, an alias), each reference in a
/// `FROM` clause keeps the old name as its alias.
pub(super) fn rename_references(
    sql: &str,
    old: &FullItemName,
    new: &str,
    query: bool,
) -> Result<Option<String>, PlanError> {
    let found = scan(sql, old, new)?;
    if found.references.is_empty() {
        return Ok(None);
    }
    if query && found.other_mentions {
        let aliased = alias_references(sql, old)?;
        let found = scan(&aliased, old, new)?;
        return Ok(Some(splice(&aliased, &found.references, new)));
    }
    Ok(Some(splice(sql, &found.references, new)))
}

/// An index's stored definition with its own name set to `new`.
pub(super) fn rename_index(create_sql: &str, new: &str) -> Result<String, PlanError> {
    match parse(create_sql)?.into_iter().next() {
        Some(Statement::CreateIndex(mut create)) => {
            create.name = Some(ast::Ident::with_quote('"', new));
            Ok(create.to_string())
        }
        _ => Err(PlanError::Unsupported(format!(
            "renaming an index defined as {create_sql}"
        ))),
    }
}

/// What the tokens of a definition say about the renamed item.
#[derive(Debug)]
struct Found {
    /// The byte range of the last part of each fully qualified reference.
    references: Vec<Range<usize>>,
    /// Whether a word that may qualify a column (outside the references and
    /// other items' full names) is the old or the new name.
    other_mentions: bool,
}

/// Finds the references to `old` in `sql`: the tokens `db . schema .
/// item` (each part quoted or not), not preceded by a period.
fn scan(sql: &str, old: &FullItemName, new: &str) -> Result<Found, PlanError> {
    let dialect = PostgreSqlDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| PlanError::Parse {
            message: format!("stored definition does not parse: {e}"),
            detail: None,
            position: None,
        })?;
    let tokens: Vec<_> = tokens
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let Some(database) = &old.database else {
        return Ok(Found {
            references: Vec::new(),
            other_mentions: false,
        });
    };
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    // Words that cannot be qualifiers: the parts of the references, and
    // the last part of other items' full names.
    let mut not_qualifiers = vec![false; tokens.len()];
    let mut references = Vec::new();
    for i in 0..tokens.len() {
        if i > 0 && tokens[i - 1].token == Token::Period {
            continue;
        }
        let Some([db, dot1, schema, dot2, item]) = tokens.get(i..i + 5) else {
            break;
        };
        let words = [db, schema, item].iter().all(|t| matches!(t.token, Token::Word(_)));
        if !words || dot1.token != Token::Period || dot2.token != Token::Period {
            continue;
        }
        if is_ident(&db.token, database) && is_ident(&schema.token, &old.schema) && is_ident(&item.token, &old.item) {
            let start = byte_offset(sql, &line_starts, item.span.start);
            let end = byte_offset(sql, &line_starts, item.span.end);
            references.push(start..end);
            not_qualifiers[i..i + 5].fill(true);
        } else if tokens.get(i + 5).is_none_or(|next| next.token != Token::Period) {
            not_qualifiers[i + 4] = true;
        }
    }
    let other_mentions = tokens
        .iter()
        .zip(&not_qualifiers)
        .any(|(t, skip)| !skip && (is_ident(&t.token, &old.item) || is_ident(&t.token, new)));
    Ok(Found {
        references,
        other_mentions,
    })
}

/// Whether `token` is an identifier meaning `name`.
fn is_ident(token: &Token, name: &str) -> bool {
    match token {
        Token::Word(w) => match w.quote_style {
            None => w.value.to_lowercase() == name,
            Some('"') => w.value == name,
            Some(_) => false,
        },
        _ => false,
    }
}

/// The byte offset in `sql` of a tokenizer location (1-based line and
/// character column).
fn byte_offset(sql: &str, line_starts: &[usize], location: Location) -> usize {
    let line = usize::try_from(location.line).unwrap_or(usize::MAX).saturating_sub(1);
    let column = usize::try_from(location.column).unwrap_or(usize::MAX).saturating_sub(1);
    let Some(&start) = line_starts.get(line) else {
        return sql.len();
    };
    sql[start..]
        .char_indices()
        .nth(column)
        .map_or(sql.len(), |(offset, _)| start + offset)
}

/// `sql` with each of `ranges` (in order, disjoint) replaced by `new`,
/// quoted.
fn splice(sql: &str, ranges: &[Range<usize>], new: &str) -> String {
    let quoted = ast::Ident::with_quote('"', new).to_string();
    let mut out = String::with_capacity(sql.len() + ranges.len() * quoted.len());
    let mut at = 0;
    for range in ranges {
        out.push_str(&sql[at..range.start]);
        out.push_str(&quoted);
        at = range.end;
    }
    out.push_str(&sql[at..]);
    out
}

/// A view's or materialized view's definition in which every reference to
/// `old` in a `FROM` clause without an alias has the old name as its
/// alias; any other definition as it is.
fn alias_references(sql: &str, old: &FullItemName) -> Result<String, PlanError> {
    struct AddAlias<'a> {
        parts: Vec<String>,
        alias: &'a str,
    }
    impl VisitorMut for AddAlias<'_> {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &mut ast::TableFactor) -> ControlFlow<()> {
            if let ast::TableFactor::Table { name, alias, .. } = factor
                && alias.is_none()
                && name_parts(name).is_ok_and(|parts| parts == self.parts)
            {
                *alias = Some(ast::TableAlias {
                    explicit: true,
                    name: ast::Ident::with_quote('"', self.alias),
                    columns: Vec::new(),
                    at: None,
                });
            }
            ControlFlow::Continue(())
        }
    }
    let mut add = AddAlias {
        parts: old.database.iter().chain([&old.schema, &old.item]).cloned().collect(),
        alias: &old.item,
    };
    match parse(sql)?.into_iter().next() {
        Some(Statement::Sql(statement)) => match *statement {
            ast::Statement::CreateView(mut create) => {
                let _ = create.query.visit(&mut add);
                Ok(ast::Statement::CreateView(create).to_string())
            }
            other => Ok(other.to_string()),
        },
        Some(Statement::CreateMaterializedView(mut create)) => {
            let _ = create.query.visit(&mut add);
            Ok(create.to_string())
        }
        _ => Ok(sql.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(database: &str, schema: &str, item: &str) -> FullItemName {
        FullItemName {
            database: Some(database.into()),
            schema: schema.into(),
            item: item.into(),
        }
    }

    fn rename(sql: &str, query: bool) -> Option<String> {
        rename_references(sql, &name("materialize", "public", "t"), "u", query).expect("rewrites")
    }

    #[test]
    fn renames_only_the_items_own_references() {
        let sql = r#"CREATE VIEW "materialize"."public"."v" AS SELECT a, 't' FROM "materialize"."public"."t" JOIN "materialize"."other"."t" USING (a)"#;
        assert_eq!(
            rename(sql, true).as_deref(),
            Some(
                r#"CREATE VIEW "materialize"."public"."v" AS SELECT a, 't' FROM "materialize"."public"."u" JOIN "materialize"."other"."t" USING (a)"#
            )
        );
        let other = r#"CREATE VIEW "materialize"."public"."v" AS SELECT a FROM "materialize"."other"."t""#;
        assert_eq!(rename(other, true), None);
    }

    #[test]
    fn keeps_the_old_name_as_alias_where_the_query_uses_it() {
        let sql = r#"CREATE VIEW "materialize"."public"."v" AS SELECT t.a FROM "materialize"."public"."t""#;
        assert_eq!(
            rename(sql, true).as_deref(),
            Some(r#"CREATE VIEW "materialize"."public"."v" AS SELECT t.a FROM "materialize"."public"."u" AS "t""#)
        );
        // An alias already given stays.
        let aliased = r#"CREATE VIEW "materialize"."public"."v" AS SELECT x.a FROM "materialize"."public"."t" AS x, "materialize"."public"."w" AS u"#;
        assert_eq!(
            rename(aliased, true).as_deref(),
            Some(
                r#"CREATE VIEW "materialize"."public"."v" AS SELECT x.a FROM "materialize"."public"."u" AS x, "materialize"."public"."w" AS u"#
            )
        );
    }

    #[test]
    fn renames_fully_qualified_columns_and_other_statements() {
        let sql = r#"CREATE MATERIALIZED VIEW "materialize"."public"."m" AS SELECT "materialize"."public"."t"."a" FROM "materialize"."public"."t""#;
        assert_eq!(
            rename(sql, true).as_deref(),
            Some(
                r#"CREATE MATERIALIZED VIEW "materialize"."public"."m" AS SELECT "materialize"."public"."u"."a" FROM "materialize"."public"."u""#
            )
        );
        let index = r#"CREATE INDEX "t_a_idx" IN CLUSTER "quickstart" ON "materialize"."public"."t" ("a")"#;
        assert_eq!(
            rename(index, false).as_deref(),
            Some(r#"CREATE INDEX "t_a_idx" IN CLUSTER "quickstart" ON "materialize"."public"."u" ("a")"#)
        );
        assert_eq!(
            rename_index(index, "Idx 2").expect("renames"),
            r#"CREATE INDEX "Idx 2" IN CLUSTER "quickstart" ON "materialize"."public"."t" ("a")"#
        );
    }

    #[test]
    fn finds_references_on_any_line_after_wide_characters() {
        let sql = "CREATE VIEW \"materialize\".\"public\".\"v\" AS\nSELECT 'é€' AS x FROM\n  materialize.public.T";
        assert_eq!(
            rename(sql, false).as_deref(),
            Some("CREATE VIEW \"materialize\".\"public\".\"v\" AS\nSELECT 'é€' AS x FROM\n  materialize.public.\"u\"")
        );
    }
}
