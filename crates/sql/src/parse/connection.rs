//! `CREATE CONNECTION … TO MYSQL (…) [WITH (VALIDATE = bool)]` and
//! `VALIDATE CONNECTION`.

use std::fmt;

use sqlparser::ast::{self, Ident, ObjectName};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use super::Statement;

/// `CREATE CONNECTION [IF NOT EXISTS] name TO MYSQL (option value, …)
/// [WITH (VALIDATE = bool)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateConnection {
    /// The connection's name.
    pub name: ObjectName,
    /// Succeed with a notice if it exists.
    pub if_not_exists: bool,
    /// The options, in the order given.
    pub options: Vec<(ConnectionOption, OptionValue)>,
    /// `WITH (VALIDATE = …)`, if given.
    pub validate: Option<bool>,
}

/// An option of a MySQL connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConnectionOption {
    /// `HOST`
    Host,
    /// `PORT`
    Port,
    /// `USER`
    User,
    /// `PASSWORD`
    Password,
    /// `SSL MODE`
    SslMode,
    /// `SSL CERTIFICATE AUTHORITY`
    SslCertificateAuthority,
    /// `SSL CERTIFICATE`
    SslCertificate,
    /// `SSL KEY`
    SslKey,
}

impl ConnectionOption {
    /// Its keywords, as written.
    pub fn name(self) -> &'static str {
        match self {
            ConnectionOption::Host => "HOST",
            ConnectionOption::Port => "PORT",
            ConnectionOption::User => "USER",
            ConnectionOption::Password => "PASSWORD",
            ConnectionOption::SslMode => "SSL MODE",
            ConnectionOption::SslCertificateAuthority => "SSL CERTIFICATE AUTHORITY",
            ConnectionOption::SslCertificate => "SSL CERTIFICATE",
            ConnectionOption::SslKey => "SSL KEY",
        }
    }
}

/// An option's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    /// A string literal.
    Text(String),
    /// A number.
    Number(String),
    /// A bare word (`SSL MODE REQUIRED`).
    Word(String),
    /// `SECRET name`.
    Secret(ObjectName),
}

impl fmt::Display for OptionValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionValue::Text(text) => write!(f, "{}", ast::Value::SingleQuotedString(text.clone())),
            OptionValue::Number(n) | OptionValue::Word(n) => f.write_str(n),
            OptionValue::Secret(name) => write!(f, "SECRET {name}"),
        }
    }
}

impl fmt::Display for CreateConnection {
    /// The statement, options normalized (`WITH` is not part of the stored
    /// definition and is left out).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CREATE CONNECTION {}{} TO MYSQL (",
            if self.if_not_exists { "IF NOT EXISTS " } else { "" },
            self.name
        )?;
        for (i, (option, value)) in self.options.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} {value}", option.name())?;
        }
        f.write_str(")")
    }
}

/// Parses `CREATE CONNECTION …`, at its first keyword.
pub(super) fn parse_create_connection(parser: &mut Parser<'_>) -> Result<Statement, ParserError> {
    parser.expect_keywords(&[Keyword::CREATE, Keyword::CONNECTION])?;
    let if_not_exists = parser.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let name = parser.parse_object_name(false)?;
    parser.expect_keyword(Keyword::TO)?;
    let kind = parser.peek_token();
    match parser.parse_identifier() {
        Ok(word) if word.value.eq_ignore_ascii_case("mysql") => {}
        // Freshet makes MySQL connections only.
        _ => return parser.expected("MYSQL", kind),
    }
    parser.expect_token(&Token::LParen)?;
    let options = parser.parse_comma_separated(parse_option)?;
    parser.expect_token(&Token::RParen)?;
    let validate = parse_with_validate(parser)?;
    Ok(Statement::CreateConnection(CreateConnection {
        name,
        if_not_exists,
        options,
        validate,
    }))
}

/// `[WITH (VALIDATE [=] true|false)]`.
fn parse_with_validate(parser: &mut Parser<'_>) -> Result<Option<bool>, ParserError> {
    if !parser.parse_keyword(Keyword::WITH) {
        return Ok(None);
    }
    parser.expect_token(&Token::LParen)?;
    let option = parser.peek_token();
    match parser.parse_identifier() {
        Ok(word) if word.value.eq_ignore_ascii_case("validate") => {}
        _ => return parser.expected("VALIDATE", option),
    }
    let _ = parser.consume_token(&Token::Eq);
    let validate = match parser.parse_one_of_keywords(&[Keyword::TRUE, Keyword::FALSE]) {
        Some(Keyword::TRUE) => true,
        Some(_) => false,
        None => return parser.expected("true or false", parser.peek_token()),
    };
    parser.expect_token(&Token::RParen)?;
    Ok(Some(validate))
}

/// One `OPTION [=] value`.
fn parse_option(parser: &mut Parser<'_>) -> Result<(ConnectionOption, OptionValue), ParserError> {
    let option = parse_option_name(parser)?;
    let _ = parser.consume_token(&Token::Eq);
    let value = if parser.parse_keyword(Keyword::SECRET) {
        OptionValue::Secret(parser.parse_object_name(false)?)
    } else {
        let token = parser.next_token();
        match token.token {
            Token::SingleQuotedString(text) => OptionValue::Text(text),
            Token::Number(n, _) => OptionValue::Number(n),
            Token::Word(w) => OptionValue::Word(w.value),
            _ => return parser.expected("a string, a number or SECRET name", token),
        }
    };
    Ok((option, value))
}

/// An option's name (`SSL CERTIFICATE AUTHORITY`).
fn parse_option_name(parser: &mut Parser<'_>) -> Result<ConnectionOption, ParserError> {
    let first_token = parser.peek_token();
    let first = parser.parse_identifier()?;
    let word = |w: &Ident, expected: &str| w.quote_style.is_none() && w.value.eq_ignore_ascii_case(expected);
    let option = if word(&first, "host") {
        ConnectionOption::Host
    } else if word(&first, "port") {
        ConnectionOption::Port
    } else if word(&first, "user") {
        ConnectionOption::User
    } else if word(&first, "password") {
        ConnectionOption::Password
    } else if word(&first, "ssl") {
        let second_token = parser.peek_token();
        let second = parser.parse_identifier()?;
        if word(&second, "mode") {
            ConnectionOption::SslMode
        } else if word(&second, "key") {
            ConnectionOption::SslKey
        } else if word(&second, "certificate") {
            match parser.peek_token().token {
                Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("authority") => {
                    parser.next_token();
                    ConnectionOption::SslCertificateAuthority
                }
                _ => ConnectionOption::SslCertificate,
            }
        } else {
            return parser.expected("MODE, CERTIFICATE, CERTIFICATE AUTHORITY or KEY", second_token);
        }
    } else {
        return parser.expected(
            "a MySQL connection option (HOST, PORT, USER, PASSWORD, SSL MODE, SSL CERTIFICATE AUTHORITY, SSL CERTIFICATE, SSL KEY)",
            first_token,
        );
    };
    Ok(option)
}

/// `ALTER CONNECTION [IF EXISTS] name SET (option [=] value) | RESET (option)
/// [, …] [WITH (VALIDATE = bool)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterConnection {
    /// The connection's name.
    pub name: ObjectName,
    /// Succeed with a notice if it does not exist.
    pub if_exists: bool,
    /// The options set, in order.
    pub set: Vec<(ConnectionOption, OptionValue)>,
    /// The options reset to their defaults (or removed).
    pub reset: Vec<ConnectionOption>,
    /// `WITH (VALIDATE = …)`, if given.
    pub validate: Option<bool>,
}

impl fmt::Display for AlterConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ALTER CONNECTION {}{}",
            if self.if_exists { "IF EXISTS " } else { "" },
            self.name
        )?;
        let mut actions: Vec<String> = self
            .set
            .iter()
            .map(|(option, value)| format!("SET ({} = {value})", option.name()))
            .collect();
        actions.extend(self.reset.iter().map(|option| format!("RESET ({})", option.name())));
        write!(f, " {}", actions.join(", "))?;
        if let Some(validate) = self.validate {
            write!(f, " WITH (VALIDATE = {validate})")?;
        }
        Ok(())
    }
}

/// Parses `ALTER CONNECTION …`, at its first keyword.
pub(super) fn parse_alter_connection(parser: &mut Parser<'_>) -> Result<Statement, ParserError> {
    parser.expect_keywords(&[Keyword::ALTER, Keyword::CONNECTION])?;
    let if_exists = parser.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let name = parser.parse_object_name(false)?;
    let (mut set, mut reset) = (Vec::new(), Vec::new());
    loop {
        match parser.parse_one_of_keywords(&[Keyword::SET, Keyword::RESET]) {
            Some(Keyword::SET) => {
                parser.expect_token(&Token::LParen)?;
                set.extend(parser.parse_comma_separated(parse_option)?);
                parser.expect_token(&Token::RParen)?;
            }
            Some(_) => {
                parser.expect_token(&Token::LParen)?;
                reset.extend(parser.parse_comma_separated(parse_option_name)?);
                parser.expect_token(&Token::RParen)?;
            }
            None => return parser.expected("SET or RESET", parser.peek_token()),
        }
        if !parser.consume_token(&Token::Comma) {
            break;
        }
    }
    let validate = parse_with_validate(parser)?;
    Ok(Statement::AlterConnection(AlterConnection {
        name,
        if_exists,
        set,
        reset,
        validate,
    }))
}

/// `VALIDATE CONNECTION name`.
pub(super) fn parse_validate_connection(parser: &mut Parser<'_>) -> Result<Statement, ParserError> {
    parser.next_token();
    parser.expect_keyword(Keyword::CONNECTION)?;
    Ok(Statement::ValidateConnection {
        name: parser.parse_object_name(false)?,
    })
}
