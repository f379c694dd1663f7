//! Freshet's own statements, parsed on sqlparser's token stream.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use super::{CreateIndex, SHOWN_ITEMS, ShowFilter, ShowObjects, Statement};
use crate::catalog::ItemKind;

/// Statements of the Materialize surface that later versions implement,
/// by their leading keywords (longest prefixes first).
const NOT_YET_SUPPORTED: &[&[&str]] = &[
    &["CREATE", "SINK"],
    &["CREATE", "CLUSTER", "REPLICA"],
    &["ALTER", "MATERIALIZED", "VIEW"],
    &["ALTER", "VIEW"],
    &["ALTER", "INDEX"],
    &["ALTER", "SINK"],
    &["ALTER", "SYSTEM"],
    &["DROP", "SINK"],
    &["DROP", "CLUSTER", "REPLICA"],
    &["SHOW", "CREATE", "SINK"],
    &["SHOW", "SINKS"],
    &["SHOW", "OBJECTS"],
];

/// The next `n` tokens as upper-cased unquoted words (`(` for an opening
/// parenthesis, empty for anything else).
fn peek_words(parser: &Parser<'_>, n: usize) -> Vec<String> {
    (0..n).map(|i| word_at(parser, i)).collect()
}

/// The `i`th token from the parser's position as [`peek_words`] gives it.
fn word_at(parser: &Parser<'_>, i: usize) -> String {
    match parser.peek_nth_token(i).token {
        Token::Word(w) if w.quote_style.is_none() => w.value.to_uppercase(),
        Token::LParen => "(".to_owned(),
        _ => String::new(),
    }
}

/// Parses one of Freshet's statements at the parser's position, or returns
/// `None` without consuming anything when the statement is not one of ours.
pub(super) fn parse(parser: &mut Parser<'_>) -> Result<Option<Statement>, ParserError> {
    let words = peek_words(parser, 5);
    if words[0] == "ALTER"
        && let Some(rename) = parse_alter_rename(parser)?
    {
        return Ok(Some(rename));
    }
    if words[0] == "ALTER" && words[1] == "SOURCE" {
        return parse_alter_source(parser).map(Some);
    }
    for prefix in NOT_YET_SUPPORTED {
        if words.iter().zip(prefix.iter()).filter(|(w, p)| w == *p).count() == prefix.len() {
            let feature = prefix.join(" ");
            skip_statement(parser);
            return Ok(Some(Statement::NotYetSupported { feature }));
        }
    }
    if words[..3] == ["CREATE", "MATERIALIZED", "VIEW"] || words == ["CREATE", "OR", "REPLACE", "MATERIALIZED", "VIEW"]
    {
        return super::materialized_view::parse_create_materialized_view(parser)
            .map(|c| Some(Statement::CreateMaterializedView(c)));
    }
    if words[..3] == ["DROP", "MATERIALIZED", "VIEW"] {
        parser.next_token();
        return parse_drop_objects(parser, ItemKind::MaterializedView).map(Some);
    }
    if words[0] == "DECLARE" {
        return super::cursor::parse_declare(parser).map(|d| Some(Statement::Declare(d)));
    }
    if words[0] == "FETCH" {
        return super::cursor::parse_fetch(parser).map(|f| Some(Statement::Fetch(f)));
    }
    if words[0] == "SUBSCRIBE" {
        return super::subscribe::parse_subscribe(parser).map(|s| Some(Statement::Subscribe(s)));
    }
    if words[..3] == ["COPY", "(", "SUBSCRIBE"] {
        return super::subscribe::parse_copy_subscribe(parser).map(|s| Some(Statement::Subscribe(s)));
    }
    if matches!(words[0].as_str(), "SELECT" | "VALUES" | "WITH" | "(")
        && let Some(statement) = parse_as_of(parser)?
    {
        return Ok(Some(statement));
    }
    if words[1] == "SECRET" && matches!(words[0].as_str(), "CREATE" | "ALTER") {
        return parse_secret(parser).map(Some);
    }
    if words[0] == "DROP" && words[1] == "SECRET" {
        return parse_drop_objects(parser, ItemKind::Secret).map(Some);
    }
    if words[0] == "DROP" && words[1] == "CONNECTION" {
        return parse_drop_objects(parser, ItemKind::Connection).map(Some);
    }
    if words[0] == "DROP" && words[1] == "SOURCE" {
        return parse_drop_objects(parser, ItemKind::Source).map(Some);
    }
    if words[0] == "CREATE" && words[1] == "SOURCE" {
        return super::source::parse_create_source(parser).map(Some);
    }
    if words[0] == "CREATE" && words[1] == "SUBSOURCE" {
        return super::source::parse_create_subsource(parser).map(Some);
    }
    if words[0] == "SHOW" && words[1] == "SUBSOURCES" {
        return parse_show_subsources(parser).map(Some);
    }
    if words[0] == "CREATE" && words[1] == "CONNECTION" {
        return super::connection::parse_create_connection(parser).map(Some);
    }
    if words[0] == "CREATE" && words[1] == "CLUSTER" {
        return super::cluster::parse_create_cluster(parser).map(Some);
    }
    if words[0] == "ALTER" && words[1] == "CLUSTER" {
        return super::cluster::parse_alter_cluster(parser).map(Some);
    }
    if words[0] == "DROP" && words[1] == "CLUSTER" {
        let (names, if_exists, cascade) = parse_drop(parser, Parser::parse_identifier)?;
        return Ok(Some(Statement::DropClusters {
            names,
            if_exists,
            cascade,
        }));
    }
    if words[0] == "ALTER" && words[1] == "CONNECTION" {
        return super::connection::parse_alter_connection(parser).map(Some);
    }
    if words[0] == "VALIDATE" && words[1] == "CONNECTION" {
        return super::connection::parse_validate_connection(parser).map(Some);
    }
    if words[0] == "CREATE" && (words[1] == "INDEX" || words[1..3] == ["DEFAULT", "INDEX"]) {
        return parse_create_index(parser).map(|c| Some(Statement::CreateIndex(c)));
    }
    if words[0] == "SHOW" && words[1] == "COLUMNS" {
        parser.next_token();
        parser.next_token();
        if !parser.parse_keyword(Keyword::FROM) {
            parser.expect_keyword(Keyword::IN)?;
        }
        let of = parser.parse_object_name(false)?;
        let filter = parse_show_filter(parser)?;
        return Ok(Some(Statement::Show(ShowObjects::Columns { of, filter })));
    }
    if words[..3] == ["SHOW", "CREATE", "CLUSTER"] {
        for _ in 0..3 {
            parser.next_token();
        }
        let name = parser.parse_identifier()?;
        return Ok(Some(Statement::ShowCreateCluster { name }));
    }
    if words[0] == "SHOW" && words[1] == "CREATE" {
        let kind = match words[2].as_str() {
            "TABLE" => Some(ItemKind::Table),
            "SECRET" => Some(ItemKind::Secret),
            "VIEW" => Some(ItemKind::View),
            "INDEX" => Some(ItemKind::Index),
            "CONNECTION" => Some(ItemKind::Connection),
            "SOURCE" => Some(ItemKind::Source),
            "MATERIALIZED" if words[3] == "VIEW" => Some(ItemKind::MaterializedView),
            _ => None,
        };
        if let Some(kind) = kind {
            let keywords = if kind == ItemKind::MaterializedView { 4 } else { 3 };
            for _ in 0..keywords {
                parser.next_token();
            }
            let name = parser.parse_object_name(false)?;
            return Ok(Some(Statement::ShowCreate { kind, name }));
        }
    }
    if words[0] == "EXPLAIN" {
        // `EXPLAIN [[OPTIMIZED] PLAN FOR] MATERIALIZED VIEW | INDEX name`;
        // other EXPLAINs are sqlparser's.
        let skip = match (words[1].as_str(), words[2].as_str()) {
            ("OPTIMIZED", "PLAN") => 4,
            ("PLAN", "FOR") => 3,
            _ => 1,
        };
        let kind = match (word_at(parser, skip).as_str(), word_at(parser, skip + 1).as_str()) {
            ("MATERIALIZED", "VIEW") => Some((ItemKind::MaterializedView, 2)),
            ("INDEX", _) => Some((ItemKind::Index, 1)),
            _ => None,
        };
        if let Some((kind, words)) = kind {
            for _ in 0..skip + words {
                parser.next_token();
            }
            let name = parser.parse_object_name(false)?;
            return Ok(Some(Statement::ExplainItem { kind, name }));
        }
    }
    if words[0] == "SHOW" && words[1] == "INDEXES" {
        return parse_show_indexes(parser).map(Some);
    }
    if words[..3] == ["SHOW", "CLUSTER", "REPLICAS"] {
        for _ in 0..3 {
            parser.next_token();
        }
        let filter = parse_show_filter(parser)?;
        return Ok(Some(Statement::Show(ShowObjects::ClusterReplicas { filter })));
    }
    if words[..3] == ["SHOW", "MATERIALIZED", "VIEWS"] {
        return parse_show_materialized_views(parser).map(Some);
    }
    if words[0] == "SHOW" {
        let show = match words[1].as_str() {
            "DATABASES" => Some(ShowObjects::Databases { filter: None }),
            "SCHEMAS" => Some(ShowObjects::Schemas {
                from: None,
                filter: None,
            }),
            "CLUSTERS" => Some(ShowObjects::Clusters { filter: None }),
            "SOURCES" => Some(ShowObjects::Sources {
                from: None,
                filter: None,
            }),
            plural => SHOWN_ITEMS
                .iter()
                .find(|(p, _)| *p == plural)
                .map(|(_, kind)| ShowObjects::Items {
                    kind: *kind,
                    from: None,
                    filter: None,
                }),
        };
        if let Some(mut show) = show {
            parser.next_token();
            parser.next_token();
            if peek_words(parser, 1)[0] == "FROM" {
                parser.next_token();
                let name = parser.parse_object_name(false)?;
                match &mut show {
                    ShowObjects::Schemas { from, .. }
                    | ShowObjects::Items { from, .. }
                    | ShowObjects::Sources { from, .. } => *from = Some(name),
                    ShowObjects::Databases { .. }
                    | ShowObjects::Columns { .. }
                    | ShowObjects::Clusters { .. }
                    | ShowObjects::ClusterReplicas { .. }
                    | ShowObjects::Indexes { .. }
                    | ShowObjects::MaterializedViews { .. }
                    | ShowObjects::Subsources { .. } => {
                        return parser.expected("end of statement", parser.peek_token());
                    }
                }
            }
            if let ShowObjects::Items { filter, .. }
            | ShowObjects::Clusters { filter }
            | ShowObjects::Databases { filter }
            | ShowObjects::Schemas { filter, .. }
            | ShowObjects::Sources { filter, .. } = &mut show
            {
                *filter = parse_show_filter(parser)?;
            }
            return Ok(Some(Statement::Show(show)));
        }
    }
    Ok(None)
}

/// `CREATE SECRET [IF NOT EXISTS] name AS value` or
/// `ALTER SECRET [IF EXISTS] name AS value`.
fn parse_secret(parser: &mut Parser<'_>) -> Result<Statement, ParserError> {
    let create = parser.parse_keyword(Keyword::CREATE);
    if !create {
        parser.expect_keyword(Keyword::ALTER)?;
    }
    parser.expect_keyword(Keyword::SECRET)?;
    let if_not_exists = create && parser.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let if_exists = !create && parser.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let name = parser.parse_object_name(false)?;
    parser.expect_keyword(Keyword::AS)?;
    let value = parser.parse_expr()?;
    Ok(if create {
        Statement::CreateSecret {
            name,
            if_not_exists,
            value,
        }
    } else {
        Statement::AlterSecret { name, if_exists, value }
    })
}

/// `ALTER SOURCE …`: `ADD SUBSOURCE` (or `ADD TABLE`) is parsed; every
/// other form is not yet supported.
fn parse_alter_source(parser: &mut Parser<'_>) -> Result<Statement, ParserError> {
    // ALTER SOURCE [IF EXISTS] name ADD SUBSOURCE|TABLE, the name being
    // words separated by periods.
    let mut i = 2;
    if word_at(parser, i) == "IF" && word_at(parser, i + 1) == "EXISTS" {
        i += 2;
    }
    if let Some(i) = name_end(parser, i)
        && word_at(parser, i) == "ADD"
        && matches!(word_at(parser, i + 1).as_str(), "SUBSOURCE" | "TABLE")
    {
        return super::source::parse_alter_source_add_subsources(parser);
    }
    skip_statement(parser);
    Ok(Statement::NotYetSupported {
        feature: "ALTER SOURCE".into(),
    })
}

/// `DROP SECRET|CONNECTION [IF EXISTS] name, … [CASCADE | RESTRICT]`.
fn parse_drop_objects(parser: &mut Parser<'_>, kind: ItemKind) -> Result<Statement, ParserError> {
    let (names, if_exists, cascade) = parse_drop(parser, |p| p.parse_object_name(false))?;
    Ok(Statement::DropObjects {
        kind,
        names,
        if_exists,
        cascade,
    })
}

/// `DROP kind [IF EXISTS] name, … [CASCADE | RESTRICT]`, the kind being one
/// keyword: the names (each read by `name`), whether `IF EXISTS` was given,
/// and whether `CASCADE` was.
fn parse_drop<'a, T>(
    parser: &mut Parser<'a>,
    name: impl FnMut(&mut Parser<'a>) -> Result<T, ParserError>,
) -> Result<(Vec<T>, bool, bool), ParserError> {
    // DROP and the kind's keyword.
    parser.next_token();
    parser.next_token();
    let if_exists = parser.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let names = parser.parse_comma_separated(name)?;
    let cascade = matches!(
        parser.parse_one_of_keywords(&[Keyword::CASCADE, Keyword::RESTRICT]),
        Some(Keyword::CASCADE)
    );
    Ok((names, if_exists, cascade))
}

/// `SHOW SUBSOURCES [FROM schema | ON source]`.
fn parse_show_subsources(parser: &mut Parser<'_>) -> Result<Statement, ParserError> {
    parser.next_token();
    parser.next_token();
    let (from, on) = parse_from_or_on(parser)?;
    let filter = parse_show_filter(parser)?;
    Ok(Statement::Show(ShowObjects::Subsources { from, on, filter }))
}

/// `[FROM schema | ON object]` after a `SHOW`.
fn parse_from_or_on(
    parser: &mut Parser<'_>,
) -> Result<(Option<sqlparser::ast::ObjectName>, Option<sqlparser::ast::ObjectName>), ParserError> {
    if parser.parse_keyword(Keyword::FROM) {
        Ok((Some(parser.parse_object_name(false)?), None))
    } else if parser.parse_keyword(Keyword::ON) {
        Ok((None, Some(parser.parse_object_name(false)?)))
    } else {
        Ok((None, None))
    }
}

/// `SHOW INDEXES [FROM schema | ON object] [IN CLUSTER cluster]`.
fn parse_show_indexes(parser: &mut Parser<'_>) -> Result<Statement, ParserError> {
    parser.next_token();
    parser.next_token();
    let (from, on) = parse_from_or_on(parser)?;
    let cluster = if parser.parse_keyword(Keyword::IN) {
        parser.expect_keyword(Keyword::CLUSTER)?;
        Some(parser.parse_identifier()?)
    } else {
        None
    };
    let filter = parse_show_filter(parser)?;
    Ok(Statement::Show(ShowObjects::Indexes {
        from,
        on,
        cluster,
        filter,
    }))
}

/// `SHOW MATERIALIZED VIEWS [FROM schema] [IN [CLUSTER] cluster] [LIKE 'p'
/// | WHERE expr]`.
fn parse_show_materialized_views(parser: &mut Parser<'_>) -> Result<Statement, ParserError> {
    for _ in 0..3 {
        parser.next_token();
    }
    let from = if parser.parse_keyword(Keyword::FROM) {
        Some(parser.parse_object_name(false)?)
    } else {
        None
    };
    let cluster = if parser.parse_keyword(Keyword::IN) {
        let _ = parser.parse_keyword(Keyword::CLUSTER);
        Some(parser.parse_identifier()?)
    } else {
        None
    };
    let filter = parse_show_filter(parser)?;
    Ok(Statement::Show(ShowObjects::MaterializedViews {
        from,
        cluster,
        filter,
    }))
}

/// `[LIKE 'pattern' | WHERE expr]` at the end of a `SHOW`.
fn parse_show_filter(parser: &mut Parser<'_>) -> Result<Option<ShowFilter>, ParserError> {
    if parser.parse_keyword(Keyword::LIKE) {
        Ok(Some(ShowFilter::Like(parser.parse_literal_string()?)))
    } else if parser.parse_keyword(Keyword::WHERE) {
        Ok(Some(ShowFilter::Where(Box::new(parser.parse_expr()?))))
    } else {
        Ok(None)
    }
}

/// The kinds `ALTER kind … RENAME TO` renames, by their keywords.
const RENAMED_KINDS: &[(&[&str], ItemKind)] = &[
    (&["TABLE"], ItemKind::Table),
    (&["VIEW"], ItemKind::View),
    (&["MATERIALIZED", "VIEW"], ItemKind::MaterializedView),
    (&["INDEX"], ItemKind::Index),
    (&["SOURCE"], ItemKind::Source),
    (&["SECRET"], ItemKind::Secret),
    (&["CONNECTION"], ItemKind::Connection),
];

/// The position just after a dotted name starting at token `i`, if one
/// starts there.
fn name_end(parser: &Parser<'_>, mut i: usize) -> Option<usize> {
    let is_word = |i: usize| matches!(parser.peek_nth_token(i).token, Token::Word(_));
    if !is_word(i) {
        return None;
    }
    i += 1;
    while parser.peek_nth_token(i).token == Token::Period && is_word(i + 1) {
        i += 2;
    }
    Some(i)
}

/// `ALTER kind [IF EXISTS] name RENAME TO new_name`, for the kinds of
/// [`RENAMED_KINDS`]; consumes nothing and returns `None` for any other
/// `ALTER`.
fn parse_alter_rename(parser: &mut Parser<'_>) -> Result<Option<Statement>, ParserError> {
    let Some((keywords, kind)) = RENAMED_KINDS.iter().find(|(keywords, _)| {
        keywords
            .iter()
            .enumerate()
            .all(|(i, keyword)| word_at(parser, i + 1) == *keyword)
    }) else {
        return Ok(None);
    };
    let mut i = 1 + keywords.len();
    if word_at(parser, i) == "IF" && word_at(parser, i + 1) == "EXISTS" {
        i += 2;
    }
    let Some(end) = name_end(parser, i) else {
        return Ok(None);
    };
    if word_at(parser, end) != "RENAME" || word_at(parser, end + 1) != "TO" {
        return Ok(None);
    }
    for _ in 0..1 + keywords.len() {
        parser.next_token();
    }
    let if_exists = parser.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let name = parser.parse_object_name(false)?;
    parser.expect_keywords(&[Keyword::RENAME, Keyword::TO])?;
    let to = parser.parse_identifier()?;
    Ok(Some(Statement::AlterRename {
        kind: *kind,
        name,
        if_exists,
        to,
    }))
}

/// `CREATE [DEFAULT] INDEX [IF NOT EXISTS] [name] [IN CLUSTER c] ON obj
/// [USING ARRANGEMENT] [(key [ASC | DESC] [NULLS FIRST | LAST], …)]`: a
/// default index has no key list, any other needs one. Orderings are
/// accepted for PostgreSQL's syntax and mean nothing to an arrangement.
fn parse_create_index(parser: &mut Parser<'_>) -> Result<CreateIndex, ParserError> {
    parser.expect_keyword(Keyword::CREATE)?;
    let default = parser.parse_keyword(Keyword::DEFAULT);
    parser.expect_keyword(Keyword::INDEX)?;
    let if_not_exists = parser.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let name = if default || matches!(peek_words(parser, 1)[0].as_str(), "ON" | "IN") {
        None
    } else {
        Some(parser.parse_identifier()?)
    };
    let cluster = if parser.parse_keyword(Keyword::IN) {
        parser.expect_keyword(Keyword::CLUSTER)?;
        Some(parser.parse_identifier()?)
    } else {
        None
    };
    parser.expect_keyword(Keyword::ON)?;
    let on = parser.parse_object_name(false)?;
    if parser.parse_keyword(Keyword::USING) {
        if peek_words(parser, 1)[0] != "ARRANGEMENT" {
            return parser.expected("ARRANGEMENT", parser.peek_token());
        }
        parser.next_token();
    }
    let key = if default {
        None
    } else {
        parser.expect_token(&Token::LParen)?;
        let key = parser.parse_comma_separated(|parser| {
            let expr = parser.parse_expr()?;
            let _ = parser.parse_one_of_keywords(&[Keyword::ASC, Keyword::DESC]);
            if parser.parse_keyword(Keyword::NULLS) {
                parser.expect_one_of_keywords(&[Keyword::FIRST, Keyword::LAST])?;
            }
            Ok(expr)
        })?;
        parser.expect_token(&Token::RParen)?;
        Some(key)
    };
    Ok(CreateIndex {
        name,
        if_not_exists,
        cluster,
        on,
        key,
    })
}

/// Consumes tokens up to the statement's end: a semicolon outside
/// parentheses, or the end of input.
pub(super) fn skip_statement(parser: &mut Parser<'_>) {
    let mut depth = 0usize;
    loop {
        match parser.peek_token().token {
            Token::EOF => return,
            Token::SemiColon if depth == 0 => return,
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        parser.next_token();
    }
}

/// `query AS OF [AT LEAST] expr`: finds a top-level `AS OF` in the
/// statement and parses what comes before it as a query and what follows as
/// the time. Consumes nothing when the statement has no `AS OF`.
fn parse_as_of(parser: &mut Parser<'_>) -> Result<Option<Statement>, ParserError> {
    let mut tokens = Vec::new();
    let mut depth = 0usize;
    let mut as_of = None;
    for i in 0.. {
        let token = parser.peek_nth_token(i).token;
        match &token {
            Token::EOF => break,
            Token::SemiColon if depth == 0 => break,
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::Word(w) if depth == 0 && w.quote_style.is_none() && w.value.eq_ignore_ascii_case("as") => {
                if let Token::Word(next) = parser.peek_nth_token(i + 1).token
                    && next.quote_style.is_none()
                    && next.value.eq_ignore_ascii_case("of")
                {
                    as_of = Some(tokens.len());
                }
            }
            _ => {}
        }
        tokens.push(token);
    }
    let Some(split) = as_of else { return Ok(None) };
    let text = |tokens: &[Token]| tokens.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" ");
    let dialect = PostgreSqlDialect {};
    let mut rest = &tokens[split + 2..];
    let at_least = matches!(rest, [Token::Word(a), Token::Word(l), ..]
        if a.value.eq_ignore_ascii_case("at") && l.value.eq_ignore_ascii_case("least"));
    if at_least {
        rest = &rest[2..];
    }
    // `SELECT x AS of FROM t` names a column `of`: only a time expression
    // that runs to the statement's end makes this an `AS OF`.
    let Ok(mut expr_parser) = Parser::new(&dialect).try_with_sql(&text(rest)) else {
        return Ok(None);
    };
    let Ok(as_of) = expr_parser.parse_expr() else {
        return Ok(None);
    };
    if expr_parser.peek_token().token != Token::EOF {
        return Ok(None);
    }
    let query = Parser::new(&dialect)
        .try_with_sql(&text(&tokens[..split]))?
        .parse_query()?;
    for _ in 0..tokens.len() {
        parser.next_token();
    }
    Ok(Some(Statement::AsOf {
        query,
        as_of: Box::new(as_of),
        at_least,
    }))
}
