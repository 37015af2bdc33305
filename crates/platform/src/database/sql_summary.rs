//! What a query span may say about a SQL statement: its kind and the first
//! table it names, read from the statement's text (OpenTelemetry's database
//! conventions: `db.operation.name`, `db.collection.name`).
//!
//! Deliberately small: a tokenizer that knows identifiers, quoted
//! identifiers, string literals and comments, and the few keywords after
//! which a table name follows. It never returns anything from a string
//! literal, and the operation is one word out of a fixed list, so neither
//! can carry a value into a span. Anything it does not understand becomes
//! "no operation" or "no table", never an error: a span with less detail is
//! better than a query that fails because its span could not be named.

use std::borrow::Cow;

/// The operation and first table of one SQL statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SqlSummary<'a> {
    /// An upper-case keyword from [`OPERATIONS`]; `None` for anything else.
    pub(crate) operation: Option<&'static str>,
    /// The first table the statement reads or writes, unquoted; schema-qualified
    /// names keep their schema (`audit.events`).
    pub(crate) table: Option<Cow<'a, str>>,
}

/// The statement kinds a span may name. A fixed list keeps span names few
/// (they are grouped on) and guarantees the first word cannot be a value.
const OPERATIONS: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "WITH",
    "VALUES",
    "BEGIN",
    "START",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "CREATE",
    "ALTER",
    "DROP",
    "TRUNCATE",
    "LOCK",
    "COPY",
    "LISTEN",
    "UNLISTEN",
    "NOTIFY",
    "SET",
    "SHOW",
    "EXPLAIN",
    "CALL",
    "DO",
];

// ANCHOR: summarize
/// Reads the operation and the first table of `sql`'s first statement.
pub(crate) fn summarize(sql: &str) -> SqlSummary<'_> {
    let mut tokens = Tokens { rest: sql }.peekable();
    let operation = match tokens.next() {
        Some(Token::Word(word)) => OPERATIONS
            .iter()
            .copied()
            .find(|known| known.eq_ignore_ascii_case(word)),
        _ => None,
    };
    let table = match operation {
        // The first table after FROM (skipping functions and subqueries).
        Some("SELECT" | "DELETE") => table_after(&mut tokens, "FROM"),
        // `INSERT INTO t (columns…)`: here a parenthesis is no call.
        Some("INSERT") => {
            skip_to(&mut tokens, "INTO");
            table_name(&mut tokens)
        }
        Some("UPDATE") => table_name(&mut tokens),
        _ => None,
    };
    SqlSummary { operation, table }
}
// ANCHOR_END: summarize

impl SqlSummary<'_> {
    /// The span name the conventions ask for: `SELECT users`, `BEGIN`, or
    /// the database system when the operation is unknown.
    pub(crate) fn span_name(&self, system: &'static str) -> Cow<'static, str> {
        match (self.operation, &self.table) {
            (Some(operation), Some(table)) => format!("{operation} {table}").into(),
            (Some(operation), None) => operation.into(),
            (None, _) => system.into(),
        }
    }
}

type Peekable<'a> = std::iter::Peekable<Tokens<'a>>;

/// The first name after `keyword` that is not a function call (`FROM
/// generate_series(…)`, `EXTRACT(EPOCH FROM now())`) nor a subquery.
fn table_after<'a>(tokens: &mut Peekable<'a>, keyword: &str) -> Option<Cow<'a, str>> {
    while skip_to(tokens, keyword) {
        if let Some(table) = table_name(tokens)
            && tokens.peek() != Some(&Token::Symbol('('))
        {
            return Some(table);
        }
    }
    None
}

/// Consumes tokens up to and including `keyword`; whether it was found.
fn skip_to(tokens: &mut Peekable<'_>, keyword: &str) -> bool {
    tokens.any(|token| matches!(token, Token::Word(word) if word.eq_ignore_ascii_case(keyword)))
}

/// A (possibly schema-qualified) name.
fn table_name<'a>(tokens: &mut Peekable<'a>) -> Option<Cow<'a, str>> {
    // `UPDATE ONLY t`, `SELECT … FROM ONLY t`: the modifier is not the table.
    if matches!(tokens.peek(), Some(Token::Word(word)) if word.eq_ignore_ascii_case("ONLY")) {
        tokens.next();
    }
    let mut name = Cow::Borrowed(identifier(tokens.peek())?);
    tokens.next();
    while tokens.peek() == Some(&Token::Symbol('.')) {
        tokens.next();
        let part = identifier(tokens.peek())?;
        tokens.next();
        name = Cow::Owned(format!("{name}.{part}"));
    }
    Some(name)
}

fn identifier<'a>(token: Option<&Token<'a>>) -> Option<&'a str> {
    match token? {
        Token::Word(word) | Token::Quoted(word) => Some(word),
        Token::Literal | Token::Symbol(_) => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// A keyword, a bare identifier, a number or a `$1` placeholder.
    Word(&'a str),
    /// A `"quoted identifier"`, without its quotes.
    Quoted(&'a str),
    /// A `'string literal'`: its content is never looked at.
    Literal,
    Symbol(char),
}

#[derive(Debug)]
struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        self.skip_space_and_comments();
        let first = self.rest.chars().next()?;
        let token = match first {
            '"' => {
                let (inside, rest) = split_quoted(&self.rest[1..], '"');
                self.rest = rest;
                Token::Quoted(inside)
            }
            '\'' => {
                self.rest = split_quoted(&self.rest[1..], '\'').1;
                Token::Literal
            }
            c if is_word_char(c) => {
                let end = self
                    .rest
                    .find(|c| !is_word_char(c))
                    .unwrap_or(self.rest.len());
                let (word, rest) = self.rest.split_at(end);
                self.rest = rest;
                Token::Word(word)
            }
            symbol => {
                self.rest = &self.rest[symbol.len_utf8()..];
                Token::Symbol(symbol)
            }
        };
        Some(token)
    }
}

impl Tokens<'_> {
    fn skip_space_and_comments(&mut self) {
        loop {
            self.rest = self.rest.trim_start();
            if let Some(comment) = self.rest.strip_prefix("--") {
                self.rest = comment.split_once('\n').map_or("", |(_, rest)| rest);
            } else if let Some(comment) = self.rest.strip_prefix("/*") {
                self.rest = comment.split_once("*/").map_or("", |(_, rest)| rest);
            } else {
                return;
            }
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Splits `text` (just after an opening `quote`) at its closing quote; a
/// doubled quote is an escaped one. An unclosed quote takes the rest.
fn split_quoted(text: &str, quote: char) -> (&str, &str) {
    let mut from = 0;
    while let Some(found) = text[from..].find(quote) {
        let at = from + found;
        if text[at + 1..].starts_with(quote) {
            from = at + 2;
        } else {
            return (&text[..at], &text[at + 1..]);
        }
    }
    (text, "")
}

#[cfg(test)]
mod tests;
