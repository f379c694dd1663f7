//! `CREATE SOURCE … FROM MYSQL CONNECTION …` as users write it, and the
//! purified forms the catalog stores: the source without its table list,
//! and one `CREATE SUBSOURCE` per upstream table (with every upstream
//! column, in ordinal order) and for the progress subsource; and
//! `ALTER SOURCE … ADD SUBSOURCE`, which adds subsources of that form.

use std::fmt;

use sqlparser::ast::{self, Ident, ObjectName};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use super::Statement;

/// `CREATE SOURCE [IF NOT EXISTS] name [IN CLUSTER c] FROM MYSQL CONNECTION
/// conn [(TEXT COLUMNS (…), EXCLUDE COLUMNS (…), SERVER ID n)]
/// FOR ALL TABLES | FOR SCHEMAS (…) | FOR TABLES (…) [EXPOSE PROGRESS AS p]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateSource {
    /// The source's name.
    pub name: ObjectName,
    /// Succeed with a notice if it exists.
    pub if_not_exists: bool,
    /// The cluster it runs in.
    pub cluster: Option<Ident>,
    /// Its MySQL connection.
    pub connection: ObjectName,
    /// `TEXT COLUMNS`: `schema.table.column` each.
    pub text_columns: Vec<ObjectName>,
    /// `EXCLUDE COLUMNS`: `schema.table.column` each.
    pub exclude_columns: Vec<ObjectName>,
    /// `SERVER ID`: the server id its binlog client uses (chosen when not given).
    pub server_id: Option<u32>,
    /// The tables it copies; `None` in the stored form, whose subsources
    /// are items of their own.
    pub tables: Option<SourceTables>,
    /// `EXPOSE PROGRESS AS`: its progress subsource's name.
    pub progress: Option<ObjectName>,
}

/// The tables of a `CREATE SOURCE`.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceTables {
    /// `FOR ALL TABLES`
    All,
    /// `FOR SCHEMAS (schema, …)`
    Schemas(Vec<Ident>),
    /// `FOR TABLES (schema.table [AS [schema.]name], …)`
    Tables(Vec<(ObjectName, Option<ObjectName>)>),
}

/// `ALTER SOURCE [IF EXISTS] source ADD SUBSOURCE|TABLE schema.table [AS
/// [schema.]name], … [WITH (TEXT COLUMNS (…), EXCLUDE COLUMNS (…))]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterSourceAddSubsources {
    /// The source.
    pub source: ObjectName,
    /// Succeed with a notice if it does not exist.
    pub if_exists: bool,
    /// The upstream tables to add, `schema.table` each, with the
    /// subsource name given by `AS`.
    pub tables: Vec<(ObjectName, Option<ObjectName>)>,
    /// `TEXT COLUMNS`: `schema.table.column` each.
    pub text_columns: Vec<ObjectName>,
    /// `EXCLUDE COLUMNS`: `schema.table.column` each.
    pub exclude_columns: Vec<ObjectName>,
}

/// `CREATE SUBSOURCE name OF SOURCE source …`: stored by `CREATE SOURCE`,
/// never written by users.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateSubsource {
    /// The subsource's name.
    pub name: ObjectName,
    /// Its source.
    pub source: ObjectName,
    /// What it holds.
    pub of: SubsourceOf,
}

/// What a subsource holds.
#[derive(Debug, Clone, PartialEq)]
pub enum SubsourceOf {
    /// `PROGRESS`: the source's GTID frontier.
    Progress,
    /// `REFERENCES schema.table (column, …)`: a copy of an upstream table.
    Table {
        /// The upstream schema.
        schema: Ident,
        /// The upstream table.
        table: Ident,
        /// Every upstream column, in ordinal order.
        columns: Vec<SubsourceColumn>,
    },
}

/// One upstream column: `name type [NOT NULL] [INVISIBLE] [AS TEXT]
/// UPSTREAM 'mysql type'`, or `name EXCLUDED [INVISIBLE] UPSTREAM 'type'`.
#[derive(Debug, Clone, PartialEq)]
pub struct SubsourceColumn {
    /// The column's name.
    pub name: Ident,
    /// Its type in the subsource: `None` for an excluded column.
    pub data_type: Option<ast::DataType>,
    /// Copied as MySQL prints it (`TEXT COLUMNS`).
    pub text: bool,
    /// `NOT NULL`.
    pub not_null: bool,
    /// Invisible upstream.
    pub invisible: bool,
    /// Its MySQL type.
    pub upstream_type: String,
}

fn literal(text: &str) -> ast::Value {
    ast::Value::SingleQuotedString(text.to_owned())
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// `schema.table [AS name], …`
fn table_list(tables: &[(ObjectName, Option<ObjectName>)]) -> String {
    let tables: Vec<String> = tables
        .iter()
        .map(|(table, alias)| match alias {
            Some(alias) => format!("{table} AS {alias}"),
            None => table.to_string(),
        })
        .collect();
    tables.join(", ")
}

/// `TEXT COLUMNS (…)` and `EXCLUDE COLUMNS (…)`, each when not empty.
fn column_options(text_columns: &[ObjectName], exclude_columns: &[ObjectName]) -> Vec<String> {
    let mut options = Vec::new();
    if !text_columns.is_empty() {
        options.push(format!("TEXT COLUMNS ({})", join(text_columns)));
    }
    if !exclude_columns.is_empty() {
        options.push(format!("EXCLUDE COLUMNS ({})", join(exclude_columns)));
    }
    options
}

impl fmt::Display for CreateSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE SOURCE ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{}", self.name)?;
        if let Some(cluster) = &self.cluster {
            write!(f, " IN CLUSTER {cluster}")?;
        }
        write!(f, " FROM MYSQL CONNECTION {}", self.connection)?;
        let mut options = column_options(&self.text_columns, &self.exclude_columns);
        if let Some(id) = self.server_id {
            options.push(format!("SERVER ID {id}"));
        }
        if !options.is_empty() {
            write!(f, " ({})", options.join(", "))?;
        }
        match &self.tables {
            None => {}
            Some(SourceTables::All) => f.write_str(" FOR ALL TABLES")?,
            Some(SourceTables::Schemas(schemas)) => write!(f, " FOR SCHEMAS ({})", join(schemas))?,
            Some(SourceTables::Tables(tables)) => write!(f, " FOR TABLES ({})", table_list(tables))?,
        }
        if let Some(progress) = &self.progress {
            write!(f, " EXPOSE PROGRESS AS {progress}")?;
        }
        Ok(())
    }
}

impl fmt::Display for CreateSubsource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CREATE SUBSOURCE {} OF SOURCE {}", self.name, self.source)?;
        match &self.of {
            SubsourceOf::Progress => f.write_str(" PROGRESS"),
            SubsourceOf::Table { schema, table, columns } => {
                write!(f, " REFERENCES {schema}.{table} ({})", join(columns))
            }
        }
    }
}

impl fmt::Display for AlterSourceAddSubsources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ALTER SOURCE ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write!(f, "{} ADD SUBSOURCE {}", self.source, table_list(&self.tables))?;
        let options = column_options(&self.text_columns, &self.exclude_columns);
        if !options.is_empty() {
            write!(f, " WITH ({})", options.join(", "))?;
        }
        Ok(())
    }
}

impl fmt::Display for SubsourceColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.name)?;
        match &self.data_type {
            Some(data_type) => write!(f, "{data_type}")?,
            None => f.write_str("EXCLUDED")?,
        }
        if self.not_null {
            f.write_str(" NOT NULL")?;
        }
        if self.invisible {
            f.write_str(" INVISIBLE")?;
        }
        if self.text {
            f.write_str(" AS TEXT")?;
        }
        write!(f, " UPSTREAM {}", literal(&self.upstream_type))
    }
}

/// Whether the next token is the unquoted word `word`.
fn peek_word(parser: &Parser<'_>, word: &str) -> bool {
    matches!(&parser.peek_token().token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

/// Consumes the unquoted word `word`, or fails naming what was expected.
fn expect_word(parser: &mut Parser<'_>, word: &str) -> Result<(), ParserError> {
    if peek_word(parser, word) {
        parser.next_token();
        Ok(())
    } else {
        parser.expected(word, parser.peek_token())
    }
}

/// Parses `CREATE SOURCE …`, at its first keyword.
pub(super) fn parse_create_source(parser: &mut Parser<'_>) -> Result<Statement, ParserError> {
    parser.expect_keyword(Keyword::CREATE)?;
    expect_word(parser, "source")?;
    let if_not_exists = parser.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let name = parser.parse_object_name(false)?;
    let cluster = if parser.parse_keyword(Keyword::IN) {
        parser.expect_keyword(Keyword::CLUSTER)?;
        Some(parser.parse_identifier()?)
    } else {
        None
    };
    parser.expect_keyword(Keyword::FROM)?;
    expect_word(parser, "mysql")?;
    parser.expect_keyword(Keyword::CONNECTION)?;
    let connection = parser.parse_object_name(false)?;
    let mut create = CreateSource {
        name,
        if_not_exists,
        cluster,
        connection,
        text_columns: Vec::new(),
        exclude_columns: Vec::new(),
        server_id: None,
        tables: None,
        progress: None,
    };
    if parser.consume_token(&Token::LParen) {
        loop {
            parse_source_option(parser, &mut create)?;
            if !parser.consume_token(&Token::Comma) {
                break;
            }
        }
        parser.expect_token(&Token::RParen)?;
    }
    if parser.parse_keyword(Keyword::FOR) {
        create.tables = Some(if parser.parse_keyword(Keyword::ALL) {
            parser.expect_keyword(Keyword::TABLES)?;
            SourceTables::All
        } else if parser.parse_keyword(Keyword::SCHEMAS) {
            parser.expect_token(&Token::LParen)?;
            let schemas = parser.parse_comma_separated(Parser::parse_identifier)?;
            parser.expect_token(&Token::RParen)?;
            SourceTables::Schemas(schemas)
        } else if parser.parse_keyword(Keyword::TABLES) {
            parser.expect_token(&Token::LParen)?;
            let tables = parser.parse_comma_separated(parse_table_alias)?;
            parser.expect_token(&Token::RParen)?;
            SourceTables::Tables(tables)
        } else {
            return parser.expected("ALL TABLES, SCHEMAS or TABLES", parser.peek_token());
        });
    }
    if peek_word(parser, "expose") {
        parser.next_token();
        expect_word(parser, "progress")?;
        parser.expect_keyword(Keyword::AS)?;
        create.progress = Some(parser.parse_object_name(false)?);
    }
    Ok(Statement::CreateSource(create))
}

/// `schema.table [AS [schema.]name]`, in `FOR TABLES (…)` or `ADD SUBSOURCE`.
fn parse_table_alias(parser: &mut Parser<'_>) -> Result<(ObjectName, Option<ObjectName>), ParserError> {
    let table = parser.parse_object_name(false)?;
    let alias = if parser.parse_keyword(Keyword::AS) {
        Some(parser.parse_object_name(false)?)
    } else {
        None
    };
    Ok((table, alias))
}

/// `TEXT COLUMNS [=] (…)` or `EXCLUDE COLUMNS [=] (…)`, added to `text` or
/// `exclude`; `false`, consuming nothing, at any other option.
fn parse_column_option(
    parser: &mut Parser<'_>,
    text: &mut Vec<ObjectName>,
    exclude: &mut Vec<ObjectName>,
) -> Result<bool, ParserError> {
    let list = if peek_word(parser, "text") {
        text
    } else if peek_word(parser, "exclude") {
        exclude
    } else {
        return Ok(false);
    };
    parser.next_token();
    parser.expect_keyword(Keyword::COLUMNS)?;
    let _ = parser.consume_token(&Token::Eq);
    parser.expect_token(&Token::LParen)?;
    list.extend(parser.parse_comma_separated(|p| p.parse_object_name(false))?);
    parser.expect_token(&Token::RParen)?;
    Ok(true)
}

/// One option in the parentheses after the connection.
fn parse_source_option(parser: &mut Parser<'_>, create: &mut CreateSource) -> Result<(), ParserError> {
    let option = parser.peek_token();
    if parse_column_option(parser, &mut create.text_columns, &mut create.exclude_columns)? {
        return Ok(());
    }
    if peek_word(parser, "server") {
        parser.next_token();
        expect_word(parser, "id")?;
        let _ = parser.consume_token(&Token::Eq);
        let id = parser.parse_literal_uint()?;
        create.server_id =
            Some(u32::try_from(id).map_err(|_| ParserError::ParserError(format!("SERVER ID {id} is out of range")))?);
        return Ok(());
    }
    parser.expected("TEXT COLUMNS, EXCLUDE COLUMNS or SERVER ID", option)
}

/// Parses `ALTER SOURCE [IF EXISTS] source ADD SUBSOURCE|TABLE …`, at its
/// first keyword.
pub(super) fn parse_alter_source_add_subsources(parser: &mut Parser<'_>) -> Result<Statement, ParserError> {
    parser.expect_keyword(Keyword::ALTER)?;
    expect_word(parser, "source")?;
    let if_exists = parser.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let source = parser.parse_object_name(false)?;
    parser.expect_keyword(Keyword::ADD)?;
    if !parser.parse_keyword(Keyword::TABLE) {
        expect_word(parser, "subsource")?;
    }
    let tables = parser.parse_comma_separated(parse_table_alias)?;
    let mut alter = AlterSourceAddSubsources {
        source,
        if_exists,
        tables,
        text_columns: Vec::new(),
        exclude_columns: Vec::new(),
    };
    if parser.parse_keyword(Keyword::WITH) {
        parser.expect_token(&Token::LParen)?;
        loop {
            let option = parser.peek_token();
            if !parse_column_option(parser, &mut alter.text_columns, &mut alter.exclude_columns)? {
                return parser.expected("TEXT COLUMNS or EXCLUDE COLUMNS", option);
            }
            if !parser.consume_token(&Token::Comma) {
                break;
            }
        }
        parser.expect_token(&Token::RParen)?;
    }
    Ok(Statement::AlterSourceAddSubsources(alter))
}

/// Parses `CREATE SUBSOURCE …`, at its first keyword.
pub(super) fn parse_create_subsource(parser: &mut Parser<'_>) -> Result<Statement, ParserError> {
    parser.expect_keyword(Keyword::CREATE)?;
    expect_word(parser, "subsource")?;
    let name = parser.parse_object_name(false)?;
    parser.expect_keyword(Keyword::OF)?;
    expect_word(parser, "source")?;
    let source = parser.parse_object_name(false)?;
    let of = if peek_word(parser, "progress") {
        parser.next_token();
        SubsourceOf::Progress
    } else {
        parser.expect_keyword(Keyword::REFERENCES)?;
        let schema = parser.parse_identifier()?;
        parser.expect_token(&Token::Period)?;
        let table = parser.parse_identifier()?;
        parser.expect_token(&Token::LParen)?;
        let columns = parser.parse_comma_separated(parse_subsource_column)?;
        parser.expect_token(&Token::RParen)?;
        SubsourceOf::Table { schema, table, columns }
    };
    Ok(Statement::CreateSubsource(CreateSubsource { name, source, of }))
}

fn parse_subsource_column(parser: &mut Parser<'_>) -> Result<SubsourceColumn, ParserError> {
    let name = parser.parse_identifier()?;
    let data_type = if peek_word(parser, "excluded") {
        parser.next_token();
        None
    } else {
        Some(parser.parse_data_type()?)
    };
    let not_null = parser.parse_keywords(&[Keyword::NOT, Keyword::NULL]);
    let invisible = peek_word(parser, "invisible");
    if invisible {
        parser.next_token();
    }
    let text = parser.parse_keywords(&[Keyword::AS, Keyword::TEXT]);
    expect_word(parser, "upstream")?;
    let upstream_type = parser.parse_literal_string()?;
    Ok(SubsourceColumn {
        name,
        data_type,
        text,
        not_null,
        invisible,
        upstream_type,
    })
}
