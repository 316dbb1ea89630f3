//! A small SQL expression tree: parsed from the text either backend gives,
//! rewritten into one canonical form, and printed back. The rewriting rules
//! are described in [`crate::normalize`].

use crate::lexer::{Token, TokenKind, tokenize};

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    Column(Vec<String>),
    Str(String),
    Num(String),
    Bool(bool),
    Null,
    Star,
    Func {
        name: String,
        args: Vec<Expr>,
    },
    Array(Vec<Expr>),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary {
        op: &'static str,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    And(Vec<Expr>),
    Or(Vec<Expr>),
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    In {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    Between {
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
        negated: bool,
    },
    Cast {
        expr: Box<Expr>,
        ty: String,
    },
}

/// Parses an SQL expression as written by SQLite or printed by PostgreSQL.
pub(crate) fn parse_expr(text: &str) -> Option<Expr> {
    let tokens = tokenize(text).ok()?;
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
    };
    let expr = parser.or()?;
    (parser.pos == tokens.len()).then(|| canonicalize(expr))
}

struct Parser<'t, 'a> {
    tokens: &'t [Token<'a>],
    pos: usize,
}

impl<'t, 'a> Parser<'t, 'a> {
    fn peek(&self) -> Option<&'t Token<'a>> {
        self.tokens.get(self.pos)
    }

    fn peek_at(&self, ahead: usize) -> Option<&'t Token<'a>> {
        self.tokens.get(self.pos + ahead)
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let hit = self.peek().is_some_and(|t| t.is_word(word));
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn eat_kind(&mut self, kind: TokenKind) -> bool {
        let hit = self.peek().is_some_and(|t| t.kind == kind);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn eat_op(&mut self, ops: &[&'static str]) -> Option<&'static str> {
        let token = self.peek()?;
        let op = ops.iter().find(|op| token.is_op(op)).copied()?;
        self.pos += 1;
        Some(op)
    }

    fn or(&mut self) -> Option<Expr> {
        let mut items = vec![self.and()?];
        while self.eat_word("OR") {
            items.push(self.and()?);
        }
        Some(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self) -> Option<Expr> {
        let mut items = vec![self.not()?];
        while self.eat_word("AND") {
            items.push(self.not()?);
        }
        Some(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn not(&mut self) -> Option<Expr> {
        if self.eat_word("NOT") {
            return Some(Expr::Not(Box::new(self.not()?)));
        }
        self.is()
    }

    fn is(&mut self) -> Option<Expr> {
        let mut expr = self.comparison()?;
        loop {
            if self.eat_word("ISNULL") {
                expr = Expr::IsNull {
                    expr: Box::new(expr),
                    negated: false,
                };
            } else if self.eat_word("NOTNULL") {
                expr = Expr::IsNull {
                    expr: Box::new(expr),
                    negated: true,
                };
            } else if self.peek().is_some_and(|t| t.is_word("IS")) {
                let negated = self.peek_at(1).is_some_and(|t| t.is_word("NOT"));
                let null_at = if negated { 2 } else { 1 };
                if !self.peek_at(null_at).is_some_and(|t| t.is_word("NULL")) {
                    return None;
                }
                self.pos += null_at + 1;
                expr = Expr::IsNull {
                    expr: Box::new(expr),
                    negated,
                };
            } else {
                return Some(expr);
            }
        }
    }

    fn comparison(&mut self) -> Option<Expr> {
        let mut left = self.predicate()?;
        while let Some(op) = self.eat_op(&["=", "==", "<>", "!=", "<", "<=", ">", ">="]) {
            let op = match op {
                "==" => "=",
                "!=" => "<>",
                other => other,
            };
            let right = self.predicate()?;
            left = Expr::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Some(left)
    }

    fn predicate(&mut self) -> Option<Expr> {
        let expr = self.concat()?;
        let negated = self.peek().is_some_and(|t| t.is_word("NOT"))
            && self
                .peek_at(1)
                .is_some_and(|t| t.is_word("IN") || t.is_word("BETWEEN"));
        if negated {
            self.pos += 1;
        }
        if self.eat_word("BETWEEN") {
            let low = self.concat()?;
            if !self.eat_word("AND") {
                return None;
            }
            let high = self.concat()?;
            return Some(Expr::Between {
                expr: Box::new(expr),
                low: Box::new(low),
                high: Box::new(high),
                negated,
            });
        }
        if self.eat_word("IN") {
            if !self.eat_kind(TokenKind::LParen) {
                return None;
            }
            let mut list = vec![self.or()?];
            while self.eat_kind(TokenKind::Comma) {
                list.push(self.or()?);
            }
            if !self.eat_kind(TokenKind::RParen) {
                return None;
            }
            return Some(Expr::In {
                expr: Box::new(expr),
                list,
                negated,
            });
        }
        Some(expr)
    }

    fn concat(&mut self) -> Option<Expr> {
        self.binary_level(&["||"], Self::additive)
    }

    fn additive(&mut self) -> Option<Expr> {
        self.binary_level(&["+", "-"], Self::multiplicative)
    }

    fn multiplicative(&mut self) -> Option<Expr> {
        self.binary_level(&["*", "/", "%"], Self::unary)
    }

    fn binary_level(
        &mut self,
        ops: &[&'static str],
        next: fn(&mut Self) -> Option<Expr>,
    ) -> Option<Expr> {
        let mut left = next(self)?;
        while let Some(op) = self.eat_op(ops) {
            let right = next(self)?;
            left = Expr::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Some(left)
    }

    fn unary(&mut self) -> Option<Expr> {
        if self.eat_op(&["-"]).is_some() {
            return Some(Expr::Neg(Box::new(self.unary()?)));
        }
        if self.eat_op(&["+"]).is_some() {
            return self.unary();
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Option<Expr> {
        let mut expr = self.primary()?;
        while self.eat_op(&["::"]).is_some() {
            let ty = self.type_name()?;
            expr = Expr::Cast {
                expr: Box::new(expr),
                ty,
            };
        }
        Some(expr)
    }

    /// A type after `::`, which PostgreSQL may print as several words
    /// (`timestamp with time zone`), with a modifier or as an array.
    fn type_name(&mut self) -> Option<String> {
        const CONTINUATIONS: [&str; 6] =
            ["varying", "precision", "with", "without", "time", "zone"];
        let first = self
            .peek()
            .filter(|t| t.kind == TokenKind::Word || t.kind == TokenKind::QuotedName)?;
        let mut ty = first.name()?;
        self.pos += 1;
        while let Some(word) = self
            .peek()
            .filter(|t| CONTINUATIONS.iter().any(|c| t.is_word(c)))
        {
            ty.push(' ');
            ty.push_str(&word.text.to_ascii_lowercase());
            self.pos += 1;
        }
        if self.peek().is_some_and(|t| t.kind == TokenKind::LParen) {
            let close = crate::lexer::matching_close(self.tokens, self.pos)?;
            ty.push_str(
                &self.tokens[self.pos..=close]
                    .iter()
                    .map(|t| t.text)
                    .collect::<String>(),
            );
            self.pos = close + 1;
        }
        while self.peek().is_some_and(|t| t.kind == TokenKind::LBracket)
            && self
                .peek_at(1)
                .is_some_and(|t| t.kind == TokenKind::RBracket)
        {
            ty.push_str("[]");
            self.pos += 2;
        }
        Some(ty)
    }

    fn primary(&mut self) -> Option<Expr> {
        let token = *self.peek()?;
        self.pos += 1;
        match token.kind {
            TokenKind::Number => Some(Expr::Num(token.text.to_owned())),
            TokenKind::String => Some(Expr::Str(token.string_value()?)),
            TokenKind::LParen => {
                let inner = self.or()?;
                self.eat_kind(TokenKind::RParen).then_some(inner)
            }
            TokenKind::Operator if token.text == "*" => Some(Expr::Star),
            TokenKind::Word if token.is_word("NULL") => Some(Expr::Null),
            TokenKind::Word if token.is_word("TRUE") => Some(Expr::Bool(true)),
            TokenKind::Word if token.is_word("FALSE") => Some(Expr::Bool(false)),
            TokenKind::Word if token.is_word("ARRAY") => {
                if !self.eat_kind(TokenKind::LBracket) {
                    return None;
                }
                let mut items = Vec::new();
                if !self.eat_kind(TokenKind::RBracket) {
                    items.push(self.or()?);
                    while self.eat_kind(TokenKind::Comma) {
                        items.push(self.or()?);
                    }
                    if !self.eat_kind(TokenKind::RBracket) {
                        return None;
                    }
                }
                Some(Expr::Array(items))
            }
            TokenKind::Word if is_reserved(token.text) => None,
            TokenKind::Word | TokenKind::QuotedName => {
                let first = token.name()?;
                if token.kind == TokenKind::Word && self.eat_kind(TokenKind::LParen) {
                    let mut args = Vec::new();
                    if !self.eat_kind(TokenKind::RParen) {
                        args.push(self.or()?);
                        while self.eat_kind(TokenKind::Comma) {
                            args.push(self.or()?);
                        }
                        if !self.eat_kind(TokenKind::RParen) {
                            return None;
                        }
                    }
                    return Some(Expr::Func { name: first, args });
                }
                let mut path = vec![first];
                while self.peek().is_some_and(|t| t.kind == TokenKind::Dot) {
                    self.pos += 1;
                    let part = self.peek()?.name()?;
                    self.pos += 1;
                    path.push(part);
                }
                Some(Expr::Column(path))
            }
            _ => None,
        }
    }
}

/// Words that end or continue an expression rather than name a column. Seeing
/// one where an operand belongs means syntax this parser does not know (CASE,
/// LIKE, COLLATE...), and the caller falls back to the raw text.
fn is_reserved(word: &str) -> bool {
    const RESERVED: [&str; 16] = [
        "AND", "OR", "NOT", "IS", "IN", "BETWEEN", "CASE", "WHEN", "THEN", "ELSE", "END", "LIKE",
        "COLLATE", "ESCAPE", "GLOB", "DISTINCT",
    ];
    RESERVED.iter().any(|r| word.eq_ignore_ascii_case(r))
}

fn canonicalize(expr: Expr) -> Expr {
    match expr {
        Expr::Cast { expr, ty } => {
            let inner = canonicalize(*expr);
            let literal = matches!(
                inner,
                Expr::Str(_) | Expr::Num(_) | Expr::Bool(_) | Expr::Null | Expr::Array(_)
            );
            let textual = ty.starts_with("text")
                || ty.starts_with("character varying")
                || ty.starts_with("varchar");
            let numeric = [
                "integer",
                "bigint",
                "smallint",
                "numeric",
                "real",
                "double precision",
            ]
            .iter()
            .any(|n| ty.starts_with(n));
            match inner {
                // PostgreSQL prints a negative number default as '-1'::integer.
                Expr::Str(s) if numeric && s.parse::<f64>().is_ok() => Expr::Num(s),
                inner if literal || textual => inner,
                inner => Expr::Cast {
                    expr: Box::new(inner),
                    ty,
                },
            }
        }
        Expr::Binary { op, left, right } => {
            let left = canonicalize(*left);
            let right = canonicalize(*right);
            if let Expr::Func { name, args } = &right
                && ((op == "=" && name == "any") || (op == "<>" && name == "all"))
                && let [Expr::Array(list)] = args.as_slice()
            {
                return canonicalize(Expr::In {
                    expr: Box::new(left),
                    list: list.clone(),
                    negated: op == "<>",
                });
            }
            binary(op, left, right)
        }
        Expr::In {
            expr,
            list,
            negated,
        } => {
            let expr = canonicalize(*expr);
            let mut list: Vec<Expr> = list.into_iter().map(canonicalize).collect();
            // PostgreSQL turns a one-element IN list into a plain comparison.
            if list.len() == 1 {
                let only = list.remove(0);
                return binary(if negated { "<>" } else { "=" }, expr, only);
            }
            Expr::In {
                expr: Box::new(expr),
                list,
                negated,
            }
        }
        Expr::And(items) => {
            let mut flat = Vec::new();
            for item in items.into_iter().map(canonicalize) {
                match item {
                    Expr::And(inner) => flat.extend(inner),
                    other => flat.push(other),
                }
            }
            let mut contracted = contract_between(flat);
            if contracted.len() == 1 {
                contracted.remove(0)
            } else {
                Expr::And(contracted)
            }
        }
        Expr::Or(items) => {
            let mut flat = Vec::new();
            for item in items.into_iter().map(canonicalize) {
                match item {
                    Expr::Or(inner) => flat.extend(inner),
                    other => flat.push(other),
                }
            }
            Expr::Or(flat)
        }
        Expr::Not(inner) => match canonicalize(*inner) {
            Expr::IsNull { expr, negated } => Expr::IsNull {
                expr,
                negated: !negated,
            },
            Expr::In {
                expr,
                list,
                negated,
            } => Expr::In {
                expr,
                list,
                negated: !negated,
            },
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => Expr::Between {
                expr,
                low,
                high,
                negated: !negated,
            },
            other => Expr::Not(Box::new(other)),
        },
        Expr::Neg(inner) => match canonicalize(*inner) {
            Expr::Num(n) => Expr::Num(format!("-{n}")),
            other => Expr::Neg(Box::new(other)),
        },
        Expr::IsNull { expr, negated } => Expr::IsNull {
            expr: Box::new(canonicalize(*expr)),
            negated,
        },
        Expr::Between {
            expr,
            low,
            high,
            negated,
        } => Expr::Between {
            expr: Box::new(canonicalize(*expr)),
            low: Box::new(canonicalize(*low)),
            high: Box::new(canonicalize(*high)),
            negated,
        },
        Expr::Func { name, args } => Expr::Func {
            name,
            args: args.into_iter().map(canonicalize).collect(),
        },
        Expr::Array(items) => Expr::Array(items.into_iter().map(canonicalize).collect()),
        leaf => leaf,
    }
}

fn binary(op: &'static str, left: Expr, right: Expr) -> Expr {
    Expr::Binary {
        op,
        left: Box::new(left),
        right: Box::new(right),
    }
}

/// Folds `x >= a AND x <= b` back into `x BETWEEN a AND b`: PostgreSQL
/// expands every BETWEEN this way, so both spellings meet here.
fn contract_between(items: Vec<Expr>) -> Vec<Expr> {
    let mut out: Vec<Expr> = Vec::with_capacity(items.len());
    for item in items {
        if let (
            Some(Expr::Binary {
                op: ">=",
                left: low_subject,
                right: low,
            }),
            Expr::Binary {
                op: "<=",
                left: high_subject,
                right: high,
            },
        ) = (out.last(), &item)
            && low_subject == high_subject
        {
            let between = Expr::Between {
                expr: low_subject.clone(),
                low: low.clone(),
                high: high.clone(),
                negated: false,
            };
            out.pop();
            out.push(between);
            continue;
        }
        out.push(item);
    }
    out
}

/// Binding strength used to decide where the printed form needs parentheses.
fn precedence(expr: &Expr) -> u8 {
    match expr {
        Expr::Or(_) => 1,
        Expr::And(_) => 2,
        Expr::Not(_) => 3,
        Expr::IsNull { .. } => 4,
        Expr::Binary { op, .. } => match *op {
            "||" => 7,
            "+" | "-" => 8,
            "*" | "/" | "%" => 9,
            _ => 5,
        },
        Expr::In { .. } | Expr::Between { .. } => 6,
        Expr::Neg(_) => 10,
        Expr::Cast { .. } => 11,
        _ => 12,
    }
}

/// The expression with every column reference rewritten by `rename`, e.g. to
/// qualify it (`status` as `new.status`) or to drop the qualifier.
pub(crate) fn map_columns(expr: Expr, rename: &dyn Fn(Vec<String>) -> Vec<String>) -> Expr {
    let each = |items: Vec<Expr>| -> Vec<Expr> {
        items
            .into_iter()
            .map(|item| map_columns(item, rename))
            .collect()
    };
    let boxed = |inner: Box<Expr>| Box::new(map_columns(*inner, rename));
    match expr {
        Expr::Column(path) => Expr::Column(rename(path)),
        Expr::Str(_) | Expr::Num(_) | Expr::Bool(_) | Expr::Null | Expr::Star => expr,
        Expr::Func { name, args } => Expr::Func {
            name,
            args: each(args),
        },
        Expr::Array(items) => Expr::Array(each(items)),
        Expr::And(items) => Expr::And(each(items)),
        Expr::Or(items) => Expr::Or(each(items)),
        Expr::Neg(inner) => Expr::Neg(boxed(inner)),
        Expr::Not(inner) => Expr::Not(boxed(inner)),
        Expr::Binary { op, left, right } => Expr::Binary {
            op,
            left: boxed(left),
            right: boxed(right),
        },
        Expr::IsNull { expr, negated } => Expr::IsNull {
            expr: boxed(expr),
            negated,
        },
        Expr::In {
            expr,
            list,
            negated,
        } => Expr::In {
            expr: boxed(expr),
            list: each(list),
            negated,
        },
        Expr::Between {
            expr,
            low,
            high,
            negated,
        } => Expr::Between {
            expr: boxed(expr),
            low: boxed(low),
            high: boxed(high),
            negated,
        },
        Expr::Cast { expr, ty } => Expr::Cast {
            expr: boxed(expr),
            ty,
        },
    }
}

/// Prints an expression canonically.
pub(crate) fn print(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(expr, &mut out);
    out
}

fn write_child(expr: &Expr, min: u8, out: &mut String) {
    if precedence(expr) < min {
        out.push('(');
        write_expr(expr, out);
        out.push(')');
    } else {
        write_expr(expr, out);
    }
}

fn write_list(items: &[Expr], out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(item, out);
    }
}

fn write_expr(expr: &Expr, out: &mut String) {
    // Operands of comparisons, IS, IN and BETWEEN are parenthesized unless
    // they are arithmetic or simpler: SQLite and PostgreSQL rank those
    // operators differently, and this way neither has to decide.
    const OPERAND: u8 = 7;
    match expr {
        Expr::Column(path) => {
            let parts: Vec<String> = path.iter().map(|p| quote_name(p)).collect();
            out.push_str(&parts.join("."));
        }
        Expr::Str(s) => {
            out.push('\'');
            out.push_str(&s.replace('\'', "''"));
            out.push('\'');
        }
        Expr::Num(n) => out.push_str(n),
        Expr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Expr::Null => out.push_str("NULL"),
        Expr::Star => out.push('*'),
        Expr::Func { name, args } => {
            out.push_str(name);
            out.push('(');
            write_list(args, out);
            out.push(')');
        }
        Expr::Array(items) => {
            out.push_str("ARRAY[");
            write_list(items, out);
            out.push(']');
        }
        Expr::Neg(inner) => {
            out.push('-');
            write_child(inner, 10, out);
        }
        Expr::Not(inner) => {
            out.push_str("NOT ");
            write_child(inner, 10, out);
        }
        Expr::Binary { op, left, right } => {
            let (left_min, right_min) = match precedence(expr) {
                5 => (OPERAND, OPERAND),
                p => (p, p + 1),
            };
            write_child(left, left_min, out);
            out.push(' ');
            out.push_str(op);
            out.push(' ');
            write_child(right, right_min, out);
        }
        Expr::And(items) | Expr::Or(items) => {
            let (joiner, min) = if matches!(expr, Expr::And(_)) {
                (" AND ", 3)
            } else {
                (" OR ", 3)
            };
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(joiner);
                }
                write_child(item, min, out);
            }
        }
        Expr::IsNull { expr, negated } => {
            write_child(expr, OPERAND, out);
            out.push_str(if *negated { " IS NOT NULL" } else { " IS NULL" });
        }
        Expr::In {
            expr,
            list,
            negated,
        } => {
            write_child(expr, OPERAND, out);
            out.push_str(if *negated { " NOT IN (" } else { " IN (" });
            write_list(list, out);
            out.push(')');
        }
        Expr::Between {
            expr,
            low,
            high,
            negated,
        } => {
            write_child(expr, OPERAND, out);
            out.push_str(if *negated {
                " NOT BETWEEN "
            } else {
                " BETWEEN "
            });
            write_child(low, OPERAND, out);
            out.push_str(" AND ");
            write_child(high, OPERAND, out);
        }
        Expr::Cast { expr, ty } => {
            write_child(expr, 11, out);
            out.push_str("::");
            out.push_str(ty);
        }
    }
}

/// A name as SQL needs it written: bare when it is a plain lower-case
/// identifier that is not a keyword, double-quoted otherwise.
pub(crate) fn quote_name(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c == '_' || c.is_ascii_lowercase() || c.is_ascii_digit())
        && !is_reserved(name)
        && ![
            "null", "true", "false", "array", "order", "group", "user", "table", "check", "default",
        ]
        .contains(&name);
    if plain {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}
