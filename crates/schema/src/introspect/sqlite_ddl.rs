//! Reading SQLite's stored `CREATE` statements. SQLite's pragmas report
//! columns, foreign keys and index columns but not constraint names, CHECK
//! expressions, index predicates or expression keys; those live only in the
//! statement text kept in `sqlite_master.sql`.

use crate::lexer::{Token, TokenKind, matching_close, source_of, split_top_level, tokenize};

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn error(message: impl Into<String>) -> ParseError {
    ParseError(message.into())
}

/// A `CREATE TABLE` statement split into its parts.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct CreateTable {
    /// Column definitions as written, in order.
    pub columns: Vec<ColumnDefinition>,
    /// Table constraints, and the constraints declared on a column.
    pub constraints: Vec<Constraint>,
    /// Words after the closing parenthesis (`STRICT`, `WITHOUT ROWID`).
    pub options: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ColumnDefinition {
    pub name: String,
    /// Everything after the name, as written.
    pub definition: String,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Constraint {
    /// The name given with `CONSTRAINT name`, if any.
    pub name: Option<String>,
    pub kind: ConstraintKind,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ConstraintKind {
    PrimaryKey {
        columns: Vec<String>,
    },
    Unique {
        columns: Vec<String>,
    },
    /// The expression inside `CHECK (...)`, as written.
    Check {
        expression: String,
    },
    ForeignKey {
        columns: Vec<String>,
        references_table: String,
    },
}

/// Splits a `CREATE TABLE` statement into column definitions and constraints.
pub(crate) fn parse_create_table(sql: &str) -> Result<CreateTable, ParseError> {
    let tokens = tokenize(sql).map_err(|e| error(format!("cannot tokenize CREATE TABLE: {e}")))?;
    let open = tokens
        .iter()
        .position(|t| t.kind == TokenKind::LParen)
        .ok_or_else(|| error("CREATE TABLE without a column list"))?;
    let close = matching_close(&tokens, open)
        .ok_or_else(|| error("unbalanced parentheses in CREATE TABLE"))?;
    let mut table = CreateTable {
        options: tokens[close + 1..]
            .iter()
            .filter(|t| t.kind == TokenKind::Word)
            .map(|t| t.text.to_ascii_uppercase())
            .collect(),
        ..CreateTable::default()
    };
    for item in split_top_level(&tokens[open + 1..close]) {
        let first = item
            .first()
            .ok_or_else(|| error("empty item in CREATE TABLE"))?;
        let is_table_constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
            .iter()
            .any(|k| first.is_word(k));
        if is_table_constraint {
            table.constraints.push(parse_table_constraint(sql, item)?);
        } else {
            let name = first
                .name()
                .ok_or_else(|| error(format!("unexpected {:?} in CREATE TABLE", first.text)))?;
            table
                .constraints
                .extend(parse_column_constraints(sql, &name, &item[1..])?);
            table.columns.push(ColumnDefinition {
                name,
                definition: source_of(sql, &item[1..]).to_owned(),
            });
        }
    }
    Ok(table)
}

fn parse_table_constraint(sql: &str, item: &[Token<'_>]) -> Result<Constraint, ParseError> {
    let mut rest = item;
    let mut name = None;
    if rest.first().is_some_and(|t| t.is_word("CONSTRAINT")) {
        name = Some(
            rest.get(1)
                .and_then(Token::name)
                .ok_or_else(|| error("CONSTRAINT without a name"))?,
        );
        rest = &rest[2..];
    }
    let head = rest
        .first()
        .ok_or_else(|| error("CONSTRAINT without a body"))?;
    let kind = if head.is_word("PRIMARY") {
        ConstraintKind::PrimaryKey {
            columns: name_list_after(rest, 2)?,
        }
    } else if head.is_word("UNIQUE") {
        ConstraintKind::Unique {
            columns: name_list_after(rest, 1)?,
        }
    } else if head.is_word("CHECK") {
        ConstraintKind::Check {
            expression: parenthesized_source(sql, rest, 1)?,
        }
    } else if head.is_word("FOREIGN") {
        let columns = name_list_after(rest, 2)?;
        let references = rest
            .iter()
            .position(|t| t.is_word("REFERENCES"))
            .ok_or_else(|| error("FOREIGN KEY without REFERENCES"))?;
        let references_table = rest
            .get(references + 1)
            .and_then(Token::name)
            .ok_or_else(|| error("REFERENCES without a table"))?;
        ConstraintKind::ForeignKey {
            columns,
            references_table,
        }
    } else {
        return Err(error(format!("unknown table constraint {:?}", head.text)));
    };
    Ok(Constraint { name, kind })
}

/// Constraints written inside a column definition (`CHECK`, `REFERENCES`,
/// `PRIMARY KEY`, `UNIQUE`, each optionally named with `CONSTRAINT name`).
fn parse_column_constraints(
    sql: &str,
    column: &str,
    tokens: &[Token<'_>],
) -> Result<Vec<Constraint>, ParseError> {
    let mut constraints = Vec::new();
    let mut pending_name = None;
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        if token.kind == TokenKind::LParen {
            // Skip over type modifiers and DEFAULT (...) expressions.
            i = matching_close(tokens, i)
                .ok_or_else(|| error("unbalanced parentheses in a column"))?
                + 1;
            continue;
        }
        let kind = if token.is_word("CONSTRAINT") {
            pending_name = tokens.get(i + 1).and_then(Token::name);
            i += 2;
            continue;
        } else if token.is_word("CHECK") {
            let expression = parenthesized_source(sql, tokens, i + 1)?;
            i = matching_close(tokens, i + 1).unwrap_or(tokens.len());
            Some(ConstraintKind::Check { expression })
        } else if token.is_word("REFERENCES") {
            let references_table = tokens
                .get(i + 1)
                .and_then(Token::name)
                .ok_or_else(|| error("REFERENCES without a table"))?;
            Some(ConstraintKind::ForeignKey {
                columns: vec![column.to_owned()],
                references_table,
            })
        } else if token.is_word("PRIMARY") {
            Some(ConstraintKind::PrimaryKey {
                columns: vec![column.to_owned()],
            })
        } else if token.is_word("UNIQUE") {
            Some(ConstraintKind::Unique {
                columns: vec![column.to_owned()],
            })
        } else {
            None
        };
        if let Some(kind) = kind {
            constraints.push(Constraint {
                name: pending_name.take(),
                kind,
            });
        }
        i += 1;
    }
    Ok(constraints)
}

/// The names in the parenthesized list that starts at or after `tokens[from]`.
fn name_list_after(tokens: &[Token<'_>], from: usize) -> Result<Vec<String>, ParseError> {
    let open = tokens
        .iter()
        .skip(from)
        .position(|t| t.kind == TokenKind::LParen)
        .map(|p| p + from)
        .ok_or_else(|| error("expected a parenthesized column list"))?;
    let close = matching_close(tokens, open).ok_or_else(|| error("unbalanced column list"))?;
    split_top_level(&tokens[open + 1..close])
        .into_iter()
        .map(|part| {
            part.first()
                .and_then(Token::name)
                .ok_or_else(|| error("expected a column name"))
        })
        .collect()
}

/// The source text inside the parentheses that open at `tokens[open]`.
fn parenthesized_source(
    sql: &str,
    tokens: &[Token<'_>],
    open: usize,
) -> Result<String, ParseError> {
    if tokens.get(open).map(|t| t.kind) != Some(TokenKind::LParen) {
        return Err(error("expected ( after CHECK"));
    }
    let close = matching_close(tokens, open).ok_or_else(|| error("unbalanced CHECK"))?;
    Ok(source_of(sql, &tokens[open + 1..close]).trim().to_owned())
}

/// A `CREATE INDEX` statement's keys and predicate.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CreateIndex {
    /// Each key as written, with any `COLLATE`/`ASC`/`DESC` removed.
    pub keys: Vec<String>,
    /// The `WHERE` predicate as written.
    pub predicate: Option<String>,
}

pub(crate) fn parse_create_index(sql: &str) -> Result<CreateIndex, ParseError> {
    let tokens = tokenize(sql).map_err(|e| error(format!("cannot tokenize CREATE INDEX: {e}")))?;
    let on = tokens
        .iter()
        .position(|t| t.is_word("ON"))
        .ok_or_else(|| error("CREATE INDEX without ON"))?;
    let open = tokens
        .iter()
        .skip(on)
        .position(|t| t.kind == TokenKind::LParen)
        .map(|p| p + on)
        .ok_or_else(|| error("CREATE INDEX without a key list"))?;
    let close = matching_close(&tokens, open).ok_or_else(|| error("unbalanced key list"))?;
    let keys = split_top_level(&tokens[open + 1..close])
        .into_iter()
        .map(|key| {
            let mut key = key;
            while let Some((last, init)) = key.split_last() {
                if last.is_word("ASC") || last.is_word("DESC") {
                    key = init;
                } else if init.last().is_some_and(|t| t.is_word("COLLATE")) {
                    key = &init[..init.len() - 1];
                } else {
                    break;
                }
            }
            source_of(sql, key).to_owned()
        })
        .collect();
    let predicate = match tokens.get(close + 1) {
        Some(t) if t.is_word("WHERE") => {
            let body = &tokens[close + 2..];
            let body = match body.last() {
                Some(t) if t.kind == TokenKind::Semicolon => &body[..body.len() - 1],
                _ => body,
            };
            Some(source_of(sql, body).to_owned())
        }
        _ => None,
    };
    Ok(CreateIndex { keys, predicate })
}

/// What the model needs from a `CREATE TRIGGER` statement.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CreateTrigger {
    pub timing: String,
    pub events: Vec<String>,
    /// The message when the body is nothing but `SELECT RAISE(ABORT, '...')`
    /// and there is no `WHEN` condition.
    pub rejects_with: Option<String>,
    /// The `WHEN` condition as written.
    pub when: Option<String>,
    /// Every name the body mentions, lower-cased, to find the tables it writes.
    pub body_names: Vec<String>,
}

pub(crate) fn parse_create_trigger(sql: &str) -> Result<CreateTrigger, ParseError> {
    let tokens =
        tokenize(sql).map_err(|e| error(format!("cannot tokenize CREATE TRIGGER: {e}")))?;
    let trigger = tokens
        .iter()
        .position(|t| t.is_word("TRIGGER"))
        .ok_or_else(|| error("not a CREATE TRIGGER"))?;
    let mut i = trigger + 1;
    if tokens.get(i).is_some_and(|t| t.is_word("IF")) {
        i += 3;
    }
    // Past the trigger's name, which may be schema-qualified.
    i += 1;
    if tokens.get(i).is_some_and(|t| t.kind == TokenKind::Dot) {
        i += 2;
    }
    let word = |i: usize| {
        tokens
            .get(i)
            .map(|t| t.text.to_ascii_uppercase())
            .unwrap_or_default()
    };
    let timing = match word(i).as_str() {
        "BEFORE" | "AFTER" => {
            i += 1;
            word(i - 1)
        }
        "INSTEAD" => {
            i += 2;
            "INSTEAD OF".to_owned()
        }
        // SQLite's default timing.
        _ => "BEFORE".to_owned(),
    };
    let event = word(i);
    if !["INSERT", "UPDATE", "DELETE"].contains(&event.as_str()) {
        return Err(error(format!("unknown trigger event {event:?}")));
    }
    // Searching from the event on: a trigger may well be named "begin".
    let begin = tokens[i..]
        .iter()
        .position(|t| t.is_word("BEGIN"))
        .map(|p| p + i)
        .ok_or_else(|| error("CREATE TRIGGER without BEGIN"))?;
    let when = tokens[i..begin]
        .iter()
        .position(|t| t.is_word("WHEN"))
        .map(|p| source_of(sql, &tokens[i + p + 1..begin]).to_owned());
    let rejects_with = if when.is_some() {
        None
    } else {
        sole_raise(&tokens[begin + 1..])
    };
    let body_names = tokens[begin + 1..].iter().filter_map(Token::name).collect();
    Ok(CreateTrigger {
        timing,
        events: vec![event],
        rejects_with,
        when,
        body_names,
    })
}

/// What the model needs from a `CREATE VIRTUAL TABLE` statement.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CreateVirtualTable {
    /// The module, lower-cased (`fts5`).
    pub module: String,
    /// The arguments that name columns, without `UNINDEXED` ones (FTS5 does
    /// not search those).
    pub columns: Vec<String>,
    /// `key = value` arguments, the key lower-cased and a string value unquoted.
    pub options: Vec<(String, String)>,
}

pub(crate) fn parse_create_virtual_table(sql: &str) -> Result<CreateVirtualTable, ParseError> {
    let tokens =
        tokenize(sql).map_err(|e| error(format!("cannot tokenize CREATE VIRTUAL TABLE: {e}")))?;
    let using = tokens
        .iter()
        .position(|t| t.is_word("USING"))
        .ok_or_else(|| error("CREATE VIRTUAL TABLE without USING"))?;
    let module = tokens
        .get(using + 1)
        .and_then(Token::name)
        .ok_or_else(|| error("CREATE VIRTUAL TABLE without a module"))?;
    let mut table = CreateVirtualTable {
        module,
        columns: Vec::new(),
        options: Vec::new(),
    };
    let open = using + 2;
    if tokens.get(open).is_none_or(|t| t.kind != TokenKind::LParen) {
        return Ok(table);
    }
    let close = matching_close(&tokens, open).ok_or_else(|| error("unbalanced arguments"))?;
    for argument in split_top_level(&tokens[open + 1..close]) {
        let Some(first) = argument.first() else {
            continue;
        };
        let name = first.name().ok_or_else(|| {
            error(format!(
                "unexpected {:?} in CREATE VIRTUAL TABLE",
                first.text
            ))
        })?;
        match argument.get(1) {
            Some(equals) if equals.is_op("=") => {
                let value = match &argument[2..] {
                    [single] => single
                        .string_value()
                        .unwrap_or_else(|| single.text.to_owned()),
                    rest => source_of(sql, rest).to_owned(),
                };
                table.options.push((name, value));
            }
            _ if argument[1..].iter().any(|t| t.is_word("UNINDEXED")) => {}
            _ => table.columns.push(name),
        }
    }
    Ok(table)
}

/// The message of a body that is exactly `SELECT RAISE(ABORT|FAIL|ROLLBACK, 'message'); END`.
fn sole_raise(body: &[Token<'_>]) -> Option<String> {
    let [
        select,
        raise,
        open,
        action,
        comma,
        message,
        close,
        semicolon,
        end,
        rest @ ..,
    ] = body
    else {
        return None;
    };
    let shape = select.is_word("SELECT")
        && raise.is_word("RAISE")
        && open.kind == TokenKind::LParen
        && ["ABORT", "FAIL", "ROLLBACK"]
            .iter()
            .any(|a| action.is_word(a))
        && comma.kind == TokenKind::Comma
        && close.kind == TokenKind::RParen
        && semicolon.kind == TokenKind::Semicolon
        && end.is_word("END")
        && rest.iter().all(|t| t.kind == TokenKind::Semicolon);
    if shape { message.string_value() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_table_splits_at_top_level_commas_only() {
        let sql = "CREATE TABLE \"t\" (
            id      TEXT NOT NULL, -- a comment, with a comma
            note    TEXT NOT NULL DEFAULT 'a, (b)',
            amount  INTEGER CONSTRAINT ck_t_amount CHECK (amount IN (1, 2)) REFERENCES other (id),
            at      TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
            CONSTRAINT pk_t PRIMARY KEY (id),
            CONSTRAINT fk_t_other FOREIGN KEY (note, amount) REFERENCES \"other\" (a, b) ON DELETE CASCADE,
            CONSTRAINT ck_t_note CHECK (length(note) BETWEEN 1 AND 10 OR note = ')'),
            CHECK (amount > 0)
        ) STRICT, WITHOUT ROWID;";
        let table = parse_create_table(sql).expect("parses");
        let names: Vec<_> = table.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "note", "amount", "at"]);
        assert_eq!(
            table.columns[1].definition,
            "TEXT NOT NULL DEFAULT 'a, (b)'"
        );
        assert_eq!(table.options, ["STRICT", "WITHOUT", "ROWID"]);
        assert_eq!(
            table.constraints,
            vec![
                Constraint {
                    name: Some("ck_t_amount".into()),
                    kind: ConstraintKind::Check {
                        expression: "amount IN (1, 2)".into()
                    },
                },
                Constraint {
                    name: None,
                    kind: ConstraintKind::ForeignKey {
                        columns: vec!["amount".into()],
                        references_table: "other".into()
                    },
                },
                Constraint {
                    name: Some("pk_t".into()),
                    kind: ConstraintKind::PrimaryKey {
                        columns: vec!["id".into()]
                    },
                },
                Constraint {
                    name: Some("fk_t_other".into()),
                    kind: ConstraintKind::ForeignKey {
                        columns: vec!["note".into(), "amount".into()],
                        references_table: "other".into()
                    },
                },
                Constraint {
                    name: Some("ck_t_note".into()),
                    kind: ConstraintKind::Check {
                        expression: "length(note) BETWEEN 1 AND 10 OR note = ')'".into()
                    },
                },
                Constraint {
                    name: None,
                    kind: ConstraintKind::Check {
                        expression: "amount > 0".into()
                    },
                },
            ]
        );
    }

    #[test]
    fn create_table_rejects_unbalanced_text() {
        assert!(parse_create_table("CREATE TABLE t (a TEXT CHECK (a > 0)").is_err());
        assert!(parse_create_table("CREATE TABLE t (a TEXT DEFAULT 'x)").is_err());
    }

    #[test]
    fn create_index_keys_and_predicate() {
        let index = parse_create_index(
            "CREATE UNIQUE INDEX ux ON users (lower(email), b COLLATE NOCASE DESC) WHERE  STATUS = 'a, b' AND deleted_at IS NULL",
        )
        .expect("parses");
        assert_eq!(index.keys, ["lower(email)", "b"]);
        assert_eq!(
            index.predicate.as_deref(),
            Some("STATUS = 'a, b' AND deleted_at IS NULL")
        );
        let plain = parse_create_index("CREATE INDEX ix ON t (a)").expect("parses");
        assert_eq!(plain.predicate, None);
    }

    #[test]
    fn virtual_tables_give_columns_and_options() {
        let table = parse_create_virtual_table(
            "CREATE VIRTUAL TABLE s USING fts5(title, \"Body\", id UNINDEXED, tokenize = 'trigram')",
        )
        .expect("parses");
        assert_eq!(table.module, "fts5");
        assert_eq!(table.columns, ["title", "Body"]);
        assert_eq!(
            table.options,
            [("tokenize".to_owned(), "trigram".to_owned())]
        );
        let bare =
            parse_create_virtual_table("CREATE VIRTUAL TABLE t USING dbstat").expect("parses");
        assert_eq!(bare.module, "dbstat");
        assert!(bare.columns.is_empty());
    }

    #[test]
    fn trigger_conditions_and_written_tables() {
        let trigger = parse_create_trigger(
            "CREATE TRIGGER tr AFTER INSERT ON courses WHEN new.status = 'published' BEGIN INSERT INTO courses_search (rowid) VALUES (new.rowid); END",
        )
        .expect("parses");
        assert_eq!(trigger.when.as_deref(), Some("new.status = 'published'"));
        assert!(trigger.body_names.contains(&"courses_search".to_owned()));
    }

    #[test]
    fn append_only_triggers_are_recognized() {
        let trigger = parse_create_trigger(
            "CREATE TRIGGER tr_x BEFORE UPDATE ON audit_logs\nBEGIN\n    SELECT RAISE(ABORT, 'audit_logs is append-only');\nEND",
        )
        .expect("parses");
        assert_eq!(trigger.timing, "BEFORE");
        assert_eq!(trigger.events, ["UPDATE"]);
        assert_eq!(
            trigger.rejects_with.as_deref(),
            Some("audit_logs is append-only")
        );
        let named_begin = parse_create_trigger(
            "CREATE TRIGGER begin AFTER INSERT ON t BEGIN SELECT RAISE(FAIL, 'x'); END",
        )
        .expect("parses");
        assert_eq!(named_begin.rejects_with.as_deref(), Some("x"));
        let conditional = parse_create_trigger(
            "CREATE TRIGGER tr_y AFTER DELETE ON t WHEN old.a = 1 BEGIN SELECT RAISE(ABORT, 'no'); END",
        )
        .expect("parses");
        assert_eq!(conditional.rejects_with, None);
    }
}
