//! What a DDL statement from the binlog does to tables.
//!
//! Owns [`ddl_effects`]: a small tokenizer and parser of MySQL statement text
//! that recognises the statements a source must react to (TRUNCATE, DROP and
//! RENAME of tables, ALTER TABLE, index DDL, DROP DATABASE) and the tables
//! they name. It reads the text only: information_schema tells how tables are
//! now, not at the statement's binlog position.

/// What a DDL statement from the binlog does to tables, as far as a source cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DdlEffect {
    /// `TRUNCATE [TABLE] t`: every row of the table is gone.
    Truncate {
        /// The table's database.
        schema: String,
        /// The table's name.
        table: String,
    },
    /// `ALTER TABLE t TRUNCATE PARTITION …`, `DROP PARTITION …` or `EXCHANGE PARTITION … WITH
    /// TABLE nt` (for `t` and for `nt`): rows changed without row events, which a source cannot
    /// follow.
    PartitionChanged {
        /// The table's database.
        schema: String,
        /// The table's name.
        table: String,
    },
    /// The table no longer exists under this name: DROP TABLE, RENAME TABLE (the old name),
    /// ALTER TABLE t RENAME [TO|AS] x (the old name). (The new name is not interesting.)
    Dropped {
        /// The table's database.
        schema: String,
        /// The table's (old) name.
        table: String,
    },
    /// Every table of the database is gone: DROP DATABASE / DROP SCHEMA.
    DatabaseDropped {
        /// The database dropped.
        schema: String,
    },
    /// ALTER TABLE t … (any other alteration), or CREATE INDEX / DROP INDEX … ON t: the
    /// table's columns may have changed; the caller compares them.
    Altered {
        /// The table's database.
        schema: String,
        /// The table's name.
        table: String,
    },
}

/// The effects of `query`, a statement of a binlog QUERY event whose default database
/// is `default_schema` (empty when none). Statements that change no table (CREATE TABLE,
/// CREATE VIEW, GRANT, BEGIN, COMMIT, SAVEPOINT, comments-only, …) have none.
pub fn ddl_effects(default_schema: &str, query: &str) -> Vec<DdlEffect> {
    let toks = tokenize(query);
    let mut parser = Parser {
        toks: &toks,
        pos: 0,
        schema: default_schema,
    };
    let mut effects = Vec::new();
    // `None` only means the statement ended early or is not one of interest.
    let _ = parse(&mut parser, &mut effects);
    effects
}

/// A token of statement text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// An unquoted word: a keyword or a plain identifier (or a number).
    Word(String),
    /// A quoted identifier: backquoted, or double-quoted (a string unless ANSI_QUOTES;
    /// never a keyword either way).
    Quoted(String),
    /// A single-quoted string literal.
    Str,
    /// Any other character.
    Punct(char),
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii()
}

fn tokenize(query: &str) -> Vec<Tok> {
    let chars: Vec<char> = query.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let mut toks = Vec::new();
    let mut i = 0;
    // Inside `/*!NNNNN … */`, whose content MySQL runs as code.
    let mut in_versioned = false;
    while let Some(c) = at(i) {
        let next = at(i + 1);
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('*') {
            if at(i + 2) == Some('!') && !in_versioned {
                i += 3;
                while at(i).is_some_and(|c| c.is_ascii_digit()) {
                    i += 1;
                }
                in_versioned = true;
            } else {
                i += 2;
                while at(i).is_some() && !(at(i) == Some('*') && at(i + 1) == Some('/')) {
                    i += 1;
                }
                i += 2;
            }
        } else if c == '*' && next == Some('/') && in_versioned {
            in_versioned = false;
            i += 2;
        } else if c == '#'
            || (c == '-' && next == Some('-') && at(i + 2).is_none_or(|c| c.is_whitespace() || c.is_control()))
        {
            while at(i).is_some_and(|c| c != '\n') {
                i += 1;
            }
        } else if matches!(c, '`' | '"' | '\'') {
            let mut text = String::new();
            i += 1;
            while let Some(d) = at(i) {
                if d == c && at(i + 1) == Some(c) {
                    text.push(c);
                    i += 2;
                } else if d == c {
                    i += 1;
                    break;
                } else if d == '\\' && c != '`' {
                    text.extend(at(i + 1));
                    i += 2;
                } else {
                    text.push(d);
                    i += 1;
                }
            }
            toks.push(if c == '\'' { Tok::Str } else { Tok::Quoted(text) });
        } else if is_ident_char(c) {
            let mut word = String::new();
            while let Some(d) = at(i).filter(|&d| is_ident_char(d)) {
                word.push(d);
                i += 1;
            }
            toks.push(Tok::Word(word));
        } else {
            toks.push(Tok::Punct(c));
            i += 1;
        }
    }
    toks
}

/// A cursor over tokens; `pos` never passes `toks.len()`.
struct Parser<'a> {
    toks: &'a [Tok],
    pos: usize,
    schema: &'a str,
}

impl Parser<'_> {
    fn is_kw(&self, offset: usize, kw: &str) -> bool {
        matches!(self.toks.get(self.pos + offset), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let found = self.is_kw(0, kw);
        if found {
            self.pos += 1;
        }
        found
    }

    fn eat_any_kw(&mut self, kws: &[&str]) -> bool {
        kws.iter().any(|kw| self.eat_kw(kw))
    }

    fn eat_punct(&mut self, c: char) -> bool {
        let found = self.toks.get(self.pos) == Some(&Tok::Punct(c));
        if found {
            self.pos += 1;
        }
        found
    }

    fn ident(&mut self) -> Option<String> {
        match self.toks.get(self.pos)? {
            Tok::Word(w) | Tok::Quoted(w) => {
                self.pos += 1;
                Some(w.clone())
            }
            _ => None,
        }
    }

    /// `ident` (in the default database) or `ident . ident`: (schema, table).
    fn name(&mut self) -> Option<(String, String)> {
        let first = self.ident()?;
        if self.eat_punct('.') {
            Some((first, self.ident()?))
        } else {
            Some((self.schema.to_owned(), first))
        }
    }

    fn if_exists(&mut self) {
        if self.is_kw(0, "IF") && self.is_kw(1, "EXISTS") {
            self.pos += 2;
        }
    }
}

fn parse(p: &mut Parser<'_>, out: &mut Vec<DdlEffect>) -> Option<()> {
    if p.eat_kw("TRUNCATE") {
        p.eat_kw("TABLE");
        let (schema, table) = p.name()?;
        out.push(DdlEffect::Truncate { schema, table });
    } else if p.eat_kw("DROP") {
        if p.eat_kw("TEMPORARY") {
            // Temporary tables never reach a source.
            return None;
        }
        if p.eat_any_kw(&["TABLE", "TABLES"]) {
            p.if_exists();
            loop {
                let (schema, table) = p.name()?;
                out.push(DdlEffect::Dropped { schema, table });
                if !p.eat_punct(',') {
                    break;
                }
            }
        } else if p.eat_any_kw(&["DATABASE", "SCHEMA"]) {
            p.if_exists();
            let schema = p.ident()?;
            out.push(DdlEffect::DatabaseDropped { schema });
        } else {
            p.eat_any_kw(&["ONLINE", "OFFLINE"]);
            if p.eat_kw("INDEX") {
                p.ident()?;
                p.eat_kw("ON").then_some(())?;
                let (schema, table) = p.name()?;
                out.push(DdlEffect::Altered { schema, table });
            }
        }
    } else if p.eat_kw("RENAME") {
        p.eat_any_kw(&["TABLE", "TABLES"]).then_some(())?;
        loop {
            let (schema, table) = p.name()?;
            out.push(DdlEffect::Dropped { schema, table });
            p.eat_kw("TO").then_some(())?;
            p.name()?;
            if !p.eat_punct(',') {
                break;
            }
        }
    } else if p.eat_kw("ALTER") {
        while p.eat_any_kw(&["ONLINE", "OFFLINE", "IGNORE"]) {}
        p.eat_kw("TABLE").then_some(())?;
        let (schema, table) = p.name()?;
        alter_table(p, schema, table, out);
    } else if p.eat_kw("CREATE") {
        while p.eat_any_kw(&["UNIQUE", "FULLTEXT", "SPATIAL", "ONLINE", "OFFLINE"]) {}
        p.eat_kw("INDEX").then_some(())?;
        p.ident()?;
        // Skip `USING BTREE` and the like up to `ON`.
        while !p.eat_kw("ON") {
            p.toks.get(p.pos)?;
            p.pos += 1;
        }
        let (schema, table) = p.name()?;
        out.push(DdlEffect::Altered { schema, table });
    }
    Some(())
}

/// The effects of `ALTER TABLE schema.table`, `p` standing after the name.
fn alter_table(p: &mut Parser<'_>, schema: String, table: String, out: &mut Vec<DdlEffect>) {
    let mut renamed = false;
    let mut rows_lost = false;
    let mut exchanged = Vec::new();
    while p.pos < p.toks.len() {
        if p.is_kw(0, "RENAME") && !["COLUMN", "INDEX", "KEY"].iter().any(|kw| p.is_kw(1, kw)) {
            renamed = true;
        } else if ["TRUNCATE", "DROP", "EXCHANGE"].iter().any(|kw| p.is_kw(0, kw)) && p.is_kw(1, "PARTITION") {
            rows_lost = true;
            if p.is_kw(0, "EXCHANGE") {
                // EXCHANGE PARTITION p WITH TABLE nt
                let at = p.pos;
                p.pos += 2;
                if p.ident().is_some() && p.eat_kw("WITH") && p.eat_kw("TABLE") {
                    exchanged.extend(p.name());
                }
                p.pos = at;
            }
        }
        p.pos += 1;
    }
    if renamed {
        out.push(DdlEffect::Dropped { schema, table });
    } else if rows_lost {
        out.push(DdlEffect::PartitionChanged { schema, table });
        out.extend(
            exchanged
                .into_iter()
                .map(|(schema, table)| DdlEffect::PartitionChanged { schema, table }),
        );
    } else {
        out.push(DdlEffect::Altered { schema, table });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The effects of `q` (default database `db`), one `kind schema.table` each.
    fn fx(q: &str) -> String {
        let effects = ddl_effects("db", q).into_iter().map(|e| match e {
            DdlEffect::Truncate { schema, table } => format!("truncate {schema}.{table}"),
            DdlEffect::PartitionChanged { schema, table } => format!("part {schema}.{table}"),
            DdlEffect::Dropped { schema, table } => format!("drop {schema}.{table}"),
            DdlEffect::DatabaseDropped { schema } => format!("dropdb {schema}"),
            DdlEffect::Altered { schema, table } => format!("alter {schema}.{table}"),
        });
        effects.collect::<Vec<_>>().join(", ")
    }

    #[test]
    fn exact_values() {
        let (schema, table) = ("db".to_owned(), "t".to_owned());
        assert_eq!(
            ddl_effects("db", "TRUNCATE t"),
            vec![DdlEffect::Truncate { schema, table }]
        );
        let schema = String::new();
        assert_eq!(
            ddl_effects("", "DROP DATABASE ``"),
            vec![DdlEffect::DatabaseDropped { schema }]
        );
    }

    #[test]
    fn truncate() {
        assert_eq!(fx("TRUNCATE TABLE t"), "truncate db.t");
        assert_eq!(fx("truncate `t`"), "truncate db.t");
        assert_eq!(fx("  /* x */ Truncate Table o.T"), "truncate o.T");
    }

    #[test]
    fn drop_tables_and_databases() {
        assert_eq!(fx("DROP TABLE IF EXISTS `t` /* generated by server */"), "drop db.t");
        assert_eq!(
            fx("drop tables a, `o`.`B`, c.d RESTRICT"),
            "drop db.a, drop o.B, drop c.d"
        );
        assert_eq!(fx("DROP TABLE `if`"), "drop db.if");
        assert_eq!(fx("DROP TEMPORARY TABLE IF EXISTS t"), "");
        assert_eq!(fx("DROP VIEW v"), "");
        assert_eq!(fx("DROP DATABASE shop"), "dropdb shop");
        assert_eq!(fx("drop schema if exists `shop`"), "dropdb shop");
    }

    #[test]
    fn rename() {
        assert_eq!(fx("RENAME TABLE a TO b, o.c TO o.d"), "drop db.a, drop o.c");
        assert_eq!(fx("RENAME USER a TO b"), "");
        assert_eq!(fx("ALTER TABLE t RENAME TO u"), "drop db.t");
        assert_eq!(fx("alter table o.t rename as u"), "drop o.t");
        assert_eq!(fx("ALTER TABLE t RENAME u"), "drop db.t");
        assert_eq!(fx("ALTER TABLE t ADD COLUMN c INT, RENAME TO x.u"), "drop db.t");
    }

    #[test]
    fn alter() {
        for q in [
            "ALTER TABLE t ADD COLUMN c INT",
            "ALTER TABLE t RENAME COLUMN a TO b",
            "ALTER TABLE t RENAME INDEX a TO b, RENAME KEY c TO d",
            "ALTER ONLINE IGNORE TABLE t DISCARD TABLESPACE",
            "ALTER TABLE t COMMENT 'rename to u' ",
            "ALTER TABLE t ADD `rename` INT",
            "ALTER TABLE t REORGANIZE PARTITION p INTO (PARTITION q VALUES LESS THAN (5))",
            "CREATE INDEX i ON t (c)",
            "create unique index i using btree on `t` (c)",
            "DROP INDEX i ON t",
            "drop index `PRIMARY` on db.t",
        ] {
            assert_eq!(fx(q), "alter db.t", "{q}");
        }
        assert_eq!(fx("ALTER TABLE a.b DROP c"), "alter a.b");
    }

    #[test]
    fn partitions() {
        assert_eq!(fx("ALTER TABLE t TRUNCATE PARTITION p0, p1"), "part db.t");
        assert_eq!(fx("ALTER TABLE t DROP PARTITION p0"), "part db.t");
        let q = "ALTER TABLE t EXCHANGE PARTITION p WITH TABLE o.n";
        assert_eq!(fx(q), "part db.t, part o.n");
    }

    #[test]
    fn quoting_and_comments() {
        assert_eq!(fx("DROP TABLE `a``b`"), "drop db.a`b");
        assert_eq!(fx("DROP TABLE \"q\""), "drop db.q");
        assert_eq!(fx("DROP TABLE Ünï$_1"), "drop db.Ünï$_1");
        assert_eq!(fx("-- note\n# more\n/* c */ DROP /* x */ TABLE t"), "drop db.t");
        assert_eq!(fx("/*!40000 ALTER TABLE `t` DISABLE KEYS */"), "alter db.t");
        assert_eq!(fx("DROP /*!50000 TABLE */ t"), "drop db.t");
        // `--` without a space after it is no comment.
        assert_eq!(fx("DROP TABLE t--1"), "drop db.t");
    }

    #[test]
    fn no_effects() {
        for q in [
            "",
            "BEGIN",
            "COMMIT",
            "SAVEPOINT s",
            "/* only */ -- comments",
            "CREATE TABLE t (a INT)",
            "CREATE TABLE t SELECT * FROM u",
            "CREATE TABLE t LIKE u",
            "CREATE VIEW v AS SELECT 1",
            "GRANT SELECT ON *.* TO u",
            "ALTER DATABASE d CHARACTER SET utf8mb4",
            "ALTER USER u IDENTIFIED BY 'x'",
            "'DROP TABLE t'",
        ] {
            assert_eq!(fx(q), "", "{q}");
        }
    }

    #[test]
    fn never_panics_on_prefixes() {
        for q in [
            "DROP TABLE IF EXISTS `a``b`, \"c\".d /* generated by server */",
            "/*!80000 ALTER */ TABLE x.`y` EXCHANGE PARTITION p WITH TABLE n -- c\n",
            "RENAME TABLE a TO b, c.d TO 'e\\'' # x",
            "CREATE UNIQUE INDEX i USING BTREE ON Ünï (c); TRUNCATE t",
            "DROP DATABASE IF EXISTS `x` -",
        ] {
            for (i, _) in q.char_indices().chain([(q.len(), ' ')]) {
                let _ = ddl_effects("db", &q[..i]);
            }
        }
    }
}
