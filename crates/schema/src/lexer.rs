//! A small SQL tokenizer, enough for the statements SQLite keeps in
//! `sqlite_master` and the expressions PostgreSQL deparses. It exists so that
//! commas and parentheses inside string literals, quoted names and comments
//! never split a definition in the wrong place.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A bare word: a keyword or an unquoted name.
    Word,
    /// `"name"`, `` `name` `` or `[name]`.
    QuotedName,
    /// `'text'`, with `''` standing for a quote.
    String,
    Number,
    /// An operator such as `=`, `<>`, `||` or `::`.
    Operator,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Semicolon,
    Dot,
    /// Anything else (`$1`, `?`): kept so that spans stay exact.
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub kind: TokenKind,
    /// The token exactly as written.
    pub text: &'a str,
    /// Byte offsets of the token in the source.
    pub start: usize,
    pub end: usize,
}

impl Token<'_> {
    /// Whether this is the bare word `keyword`, in any case.
    pub fn is_word(&self, keyword: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(keyword)
    }

    pub fn is_op(&self, op: &str) -> bool {
        self.kind == TokenKind::Operator && self.text == op
    }

    /// The name a word or quoted name stands for: quotes removed, and bare words
    /// folded to lower case since SQL names are case-insensitive unless quoted.
    pub fn name(&self) -> Option<String> {
        match self.kind {
            TokenKind::Word => Some(self.text.to_ascii_lowercase()),
            TokenKind::QuotedName => Some(unquote_name(self.text)),
            _ => None,
        }
    }

    /// The value of a string literal.
    pub fn string_value(&self) -> Option<String> {
        (self.kind == TokenKind::String).then(|| {
            let inner = &self.text[1..self.text.len() - 1];
            inner.replace("''", "'")
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    pub offset: usize,
    pub message: &'static str,
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

fn unquote_name(text: &str) -> String {
    let inner = &text[1..text.len() - 1];
    match text.as_bytes()[0] {
        b'"' => inner.replace("\"\"", "\""),
        b'`' => inner.replace("``", "`"),
        _ => inner.to_owned(),
    }
}

/// Splits `sql` into tokens, skipping whitespace and comments.
pub(crate) fn tokenize(sql: &str) -> Result<Vec<Token<'_>>, LexError> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let kind = match c {
            _ if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let close = sql[i + 2..].find("*/").ok_or(LexError {
                    offset: start,
                    message: "unterminated comment",
                })?;
                i += 2 + close + 2;
                continue;
            }
            b'\'' => {
                i = end_of_quoted(bytes, i, b'\'').ok_or(LexError {
                    offset: start,
                    message: "unterminated string literal",
                })?;
                TokenKind::String
            }
            b'"' | b'`' => {
                i = end_of_quoted(bytes, i, c).ok_or(LexError {
                    offset: start,
                    message: "unterminated quoted name",
                })?;
                TokenKind::QuotedName
            }
            b'[' if looks_like_bracket_name(bytes, i) => {
                let close = sql[i..].find(']').ok_or(LexError {
                    offset: start,
                    message: "unterminated [name]",
                })?;
                i += close + 1;
                TokenKind::QuotedName
            }
            b'0'..=b'9' => {
                i = end_of_number(bytes, i);
                TokenKind::Number
            }
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = end_of_number(bytes, i);
                TokenKind::Number
            }
            _ if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                while i < bytes.len()
                    && (bytes[i] == b'_'
                        || bytes[i] == b'$'
                        || bytes[i].is_ascii_alphanumeric()
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                TokenKind::Word
            }
            b'(' => single(&mut i, TokenKind::LParen),
            b')' => single(&mut i, TokenKind::RParen),
            b'[' => single(&mut i, TokenKind::LBracket),
            b']' => single(&mut i, TokenKind::RBracket),
            b',' => single(&mut i, TokenKind::Comma),
            b';' => single(&mut i, TokenKind::Semicolon),
            b'.' => single(&mut i, TokenKind::Dot),
            _ => {
                let rest = &sql[i..];
                let op = [
                    "->>", "<=", ">=", "<>", "!=", "==", "||", "::", "->", "<<", ">>",
                ]
                .into_iter()
                .find(|op| rest.starts_with(op));
                match op {
                    Some(op) => {
                        i += op.len();
                        TokenKind::Operator
                    }
                    None if b"=<>+-*/%&|~!^".contains(&c) => single(&mut i, TokenKind::Operator),
                    None => {
                        // Advance by a whole character so spans stay on char boundaries.
                        i += rest.chars().next().map_or(1, char::len_utf8);
                        TokenKind::Other
                    }
                }
            }
        };
        tokens.push(Token {
            kind,
            text: &sql[start..i],
            start,
            end: i,
        });
    }
    Ok(tokens)
}

fn single(i: &mut usize, kind: TokenKind) -> TokenKind {
    *i += 1;
    kind
}

/// The offset just past a quoted token opened at `start`, where a doubled
/// quote stands for one quote character.
fn end_of_quoted(bytes: &[u8], start: usize, quote: u8) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

fn end_of_number(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
        i += 1;
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            j += 1;
        }
        if j < bytes.len() && bytes[j].is_ascii_digit() {
            i = j;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    i
}

/// SQLite accepts `[name]` as a quoted name, but `ARRAY[...]` in PostgreSQL
/// text uses brackets for elements: a bracket right after `ARRAY` (or after
/// another bracket or a name, as in `text[]`) is punctuation.
fn looks_like_bracket_name(bytes: &[u8], i: usize) -> bool {
    let before = bytes[..i].iter().rev().find(|b| !b.is_ascii_whitespace());
    let after_word =
        before.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b']' || *b == b')');
    !after_word
        && bytes
            .get(i + 1)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
}

/// Index of the token that closes the parenthesis (or bracket) opened at `open`.
pub(crate) fn matching_close(tokens: &[Token<'_>], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token.kind {
            TokenKind::LParen | TokenKind::LBracket => depth += 1,
            TokenKind::RParen | TokenKind::RBracket => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits `tokens` at commas that are not nested in parentheses or brackets.
pub(crate) fn split_top_level<'t, 'a>(tokens: &'t [Token<'a>]) -> Vec<&'t [Token<'a>]> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, token) in tokens.iter().enumerate() {
        match token.kind {
            TokenKind::LParen | TokenKind::LBracket => depth += 1,
            TokenKind::RParen | TokenKind::RBracket => depth = depth.saturating_sub(1),
            TokenKind::Comma if depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < tokens.len() || !parts.is_empty() {
        parts.push(&tokens[start..]);
    }
    parts
}

/// The source text that a non-empty run of tokens covers, comments inside included.
pub(crate) fn source_of<'a>(sql: &'a str, tokens: &[Token<'_>]) -> &'a str {
    match (tokens.first(), tokens.last()) {
        (Some(first), Some(last)) => &sql[first.start..last.end],
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(TokenKind, &str)> {
        tokenize(sql)
            .expect("tokenizes")
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn strings_and_names_keep_their_punctuation() {
        let tokens =
            kinds("a = 'x, (y)' AND \"b,c\" <> 'it''s' -- trailing, comment\n/* (x */ [d]");
        assert_eq!(
            tokens,
            vec![
                (TokenKind::Word, "a"),
                (TokenKind::Operator, "="),
                (TokenKind::String, "'x, (y)'"),
                (TokenKind::Word, "AND"),
                (TokenKind::QuotedName, "\"b,c\""),
                (TokenKind::Operator, "<>"),
                (TokenKind::String, "'it''s'"),
                (TokenKind::QuotedName, "[d]"),
            ]
        );
    }

    #[test]
    fn array_brackets_are_punctuation() {
        let tokens = kinds("ARRAY['a'::text]::text[]");
        assert_eq!(tokens[1], (TokenKind::LBracket, "["));
        assert_eq!(tokens.last().map(|t| t.0), Some(TokenKind::RBracket));
    }

    #[test]
    fn unterminated_literals_are_errors() {
        assert!(tokenize("'abc").is_err());
        assert!(tokenize("/* abc").is_err());
    }
}
