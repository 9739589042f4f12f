//! Lexer and reader: UTF-8 text → S-expressions (language.md §2).
//!
//! Invariants:
//! - Tokens are recognised by longest match over the table of §2; on equal lengths the earlier row
//!   wins (`true` is a Bool, `-7` an integer, `-7x` and `-7.` identifiers, `1e3` is `1` then `e3`).
//! - The reader keeps an explicit stack of open delimiters and never recurses, so any input (100,000
//!   open parens, 10 MB of text) is read in linear time without overflowing the stack. Nesting
//!   (delimiters plus postfix `?`) deeper than [`MAX_DEPTH`] is an error; the excess is skipped.
//! - Errors never stop the reader: a bad character is skipped, a stray closer is ignored, a
//!   mismatched closer closes the innermost open form. A top-level form left unclosed at the end of
//!   the file is reported and dropped. At most [`MAX_ERRORS`] diagnostics are reported.
//! - Every datum's span covers exactly its text (a `Try` covers the datum and its `?`).

use crate::diag::Diagnostic;
use crate::span::{FileId, Span};
use crate::syntax::{Sexp, SexpKind};

/// Maximum nesting depth of delimiters (and postfix `?`) in the source.
pub const MAX_DEPTH: usize = 1000;

/// After this many diagnostics the reader stops reporting (but keeps reading).
pub const MAX_ERRORS: usize = 200;

/// Reads a whole file into top-level S-expressions.
pub fn read(file: FileId, text: &str) -> (Vec<Sexp>, Vec<Diagnostic>) {
    let mut reader = Reader {
        file,
        src: text.as_bytes(),
        text,
        pos: 0,
        diags: Vec::new(),
        suppressed: 0,
    };
    let forms = reader.run();
    if reader.suppressed > 0 {
        let n = reader.suppressed;
        if let Some(last) = reader.diags.last_mut() {
            last.notes
                .push(format!("{n} further syntax errors were not reported"));
        }
    }
    (forms, reader.diags)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Delim {
    Paren,
    Bracket,
    Brace,
}

impl Delim {
    fn open(self) -> char {
        match self {
            Delim::Paren => '(',
            Delim::Bracket => '[',
            Delim::Brace => '{',
        }
    }
    fn close(self) -> char {
        match self {
            Delim::Paren => ')',
            Delim::Bracket => ']',
            Delim::Brace => '}',
        }
    }
}

/// One lexical token (atoms carry their datum kind).
enum Token {
    Open(Delim),
    Close(Delim),
    Atom(SexpKind),
    Question,
    /// Something that was reported; skip it.
    Bad,
}

struct Frame {
    delim: Delim,
    open: Span,
    items: Vec<Sexp>,
}

struct Reader<'a> {
    file: FileId,
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    diags: Vec<Diagnostic>,
    suppressed: usize,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b"_+-*/<>=!&|^~".contains(&b)
}

fn is_ident_cont(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_+-*/<>=!&|^~.?".contains(&b)
}

/// Continuation characters of keywords and field accessors (identifier ones minus `.`).
fn is_name_cont(b: u8) -> bool {
    b != b'.' && is_ident_cont(b)
}

fn is_tvar_cont(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_-!?".contains(&b)
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'a> Reader<'a> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn error(&mut self, diag: Diagnostic) {
        if self.diags.len() >= MAX_ERRORS {
            self.suppressed += 1;
        } else {
            self.diags.push(diag);
        }
    }

    fn run(&mut self) -> Vec<Sexp> {
        let mut top: Vec<Sexp> = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        // Delimiters opened beyond MAX_DEPTH: only counted, their contents are dropped.
        let mut excess: Vec<Delim> = Vec::new();
        let mut reported_deep = false;
        while let Some((start, tok)) = self.next_token() {
            let end = self.pos;
            let span = self.span(start, end);
            if !excess.is_empty() {
                match tok {
                    Token::Open(d) => excess.push(d),
                    Token::Close(_) => {
                        excess.pop();
                    }
                    _ => {}
                }
                continue;
            }
            match tok {
                Token::Bad => {}
                Token::Open(delim) => {
                    if stack.len() >= MAX_DEPTH {
                        if !reported_deep {
                            reported_deep = true;
                            self.error(Diagnostic::error(
                                span,
                                format!("nesting too deep (more than {MAX_DEPTH} levels)"),
                            ));
                        }
                        excess.push(delim);
                    } else {
                        stack.push(Frame {
                            delim,
                            open: span,
                            items: Vec::new(),
                        });
                    }
                }
                Token::Close(delim) => {
                    let Some(frame) = stack.pop() else {
                        self.error(
                            Diagnostic::error(
                                span,
                                format!(
                                    "unexpected `{}` with no matching `{}`",
                                    delim.close(),
                                    delim.open()
                                ),
                            )
                            .with_label("unmatched closing delimiter"),
                        );
                        continue;
                    };
                    if frame.delim == delim {
                        close_frame(frame, span, &mut stack, &mut top);
                        continue;
                    }
                    // `(a [b) c`: if the parent matches, the inner form was left unclosed; close
                    // both. Otherwise the closer is a typo for the expected one (`(b]`).
                    let parent_matches = stack.last().is_some_and(|p| p.delim == delim);
                    let msg = if parent_matches {
                        format!(
                            "unclosed `{}` before `{}`",
                            frame.delim.open(),
                            delim.close()
                        )
                    } else {
                        format!(
                            "mismatched delimiter: `{}` closed by `{}`",
                            frame.delim.open(),
                            delim.close()
                        )
                    };
                    self.error(
                        Diagnostic::error(span, msg)
                            .with_label(format!("expected `{}`", frame.delim.close()))
                            .with_secondary(frame.open, "opened here"),
                    );
                    if parent_matches {
                        let inner_end = Span {
                            end: span.start,
                            ..span
                        };
                        close_frame(frame, inner_end, &mut stack, &mut top);
                        let parent = stack.pop().unwrap();
                        close_frame(parent, span, &mut stack, &mut top);
                    } else {
                        close_frame(frame, span, &mut stack, &mut top);
                    }
                }
                Token::Atom(kind) => {
                    let datum = Sexp::new(kind, span);
                    match stack.last_mut() {
                        Some(parent) => parent.items.push(datum),
                        None => top.push(datum),
                    }
                }
                Token::Question => {
                    let depth = stack.len();
                    let items = match stack.last_mut() {
                        Some(parent) => &mut parent.items,
                        None => &mut top,
                    };
                    let Some(prev) = items.pop() else {
                        self.error(
                            Diagnostic::error(
                                span,
                                "`?` must follow an expression, found nothing before it",
                            )
                            .with_note("write `(f x)?` or `x ?` to propagate an error"),
                        );
                        continue;
                    };
                    let mut chain = 0;
                    let mut cur = &prev;
                    while let SexpKind::Try(inner) = &cur.kind {
                        chain += 1;
                        cur = inner;
                    }
                    if depth + chain + 1 >= MAX_DEPTH {
                        items.push(prev);
                        if !reported_deep {
                            reported_deep = true;
                            self.error(Diagnostic::error(
                                span,
                                format!("nesting too deep (more than {MAX_DEPTH} levels)"),
                            ));
                        }
                        continue;
                    }
                    let full = prev.span.to(span);
                    items.push(Sexp::new(SexpKind::Try(Box::new(prev)), full));
                }
            }
        }
        if let Some(outer) = stack.first() {
            let open = outer.open;
            let delim = outer.delim;
            let n = stack.len();
            let mut d = Diagnostic::error(
                open,
                format!(
                    "unclosed `{}`: the file ended before its closing `{}`",
                    delim.open(),
                    delim.close()
                ),
            )
            .with_label("this delimiter is never closed");
            if n > 1 {
                let inner = stack.last().unwrap().open;
                d = d
                    .with_secondary(inner, "innermost unclosed delimiter")
                    .with_note(format!("{n} delimiters are unclosed"));
            }
            self.error(d);
        }
        top
    }
}

/// Turns an open frame into a datum ending at `end` and adds it to its parent (or the top level).
fn close_frame(frame: Frame, end: Span, stack: &mut [Frame], top: &mut Vec<Sexp>) {
    let full = frame.open.to(end);
    let kind = match frame.delim {
        Delim::Paren => SexpKind::List(frame.items),
        Delim::Bracket => SexpKind::Vector(frame.items),
        Delim::Brace => SexpKind::Brace(frame.items),
    };
    let datum = Sexp::new(kind, full);
    match stack.last_mut() {
        Some(parent) => parent.items.push(datum),
        None => top.push(datum),
    }
}

impl Reader<'_> {
    /// Skips whitespace and comments; returns the next token and its start offset.
    fn next_token(&mut self) -> Option<(usize, Token)> {
        loop {
            let &b = self.src.get(self.pos)?;
            if is_whitespace(b) {
                self.pos += 1;
            } else if b == b';' {
                while self.pos < self.src.len() && self.src[self.pos] != b'\n' {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
        let start = self.pos;
        let tok = self.lex_token(start);
        debug_assert!(self.pos > start);
        Some((start, tok))
    }

    fn lex_token(&mut self, start: usize) -> Token {
        let b = self.src[start];
        let simple = |r: &mut Self, t: Token| {
            r.pos = start + 1;
            t
        };
        match b {
            b'(' => return simple(self, Token::Open(Delim::Paren)),
            b')' => return simple(self, Token::Close(Delim::Paren)),
            b'[' => return simple(self, Token::Open(Delim::Bracket)),
            b']' => return simple(self, Token::Close(Delim::Bracket)),
            b'{' => return simple(self, Token::Open(Delim::Brace)),
            b'}' => return simple(self, Token::Close(Delim::Brace)),
            b'?' => return simple(self, Token::Question),
            b'"' => return self.lex_string(start),
            b'`' | b',' => {
                let end = if b == b',' && self.src.get(start + 1) == Some(&b'@') {
                    start + 2
                } else {
                    start + 1
                };
                self.pos = end;
                let what = if b == b'`' {
                    "`` ` ``".to_string()
                } else {
                    format!("`{}`", &self.text[start..end])
                };
                self.error(Diagnostic::error(
                    self.span(start, end),
                    format!("{what}: macro templates are not supported ([later])"),
                ));
                return Token::Bad;
            }
            b':' => {
                let n = self.name_after(start + 1, is_name_cont);
                if n == 0 {
                    return simple(self, Token::Atom(SexpKind::Colon));
                }
                self.pos = start + 1 + n;
                return Token::Atom(SexpKind::Keyword(
                    self.text[start + 1..self.pos].to_string(),
                ));
            }
            b'\'' => {
                let n = self.name_after(start + 1, is_tvar_cont);
                if n == 0 {
                    self.pos = start + 1;
                    self.error(
                        Diagnostic::error(
                            self.span(start, start + 1),
                            "expected a type variable name after `'` (like `'a`)",
                        )
                        .with_note("quoting is not supported; `'` only starts type variables"),
                    );
                    return Token::Bad;
                }
                self.pos = start + 1 + n;
                return Token::Atom(SexpKind::TypeVar(
                    self.text[start + 1..self.pos].to_string(),
                ));
            }
            b'.' => {
                let n = self.name_after(start + 1, is_name_cont);
                if n == 0 {
                    self.pos = start + 1;
                    let msg = if self.src.get(start + 1).is_some_and(u8::is_ascii_digit) {
                        "unexpected character `.`: a float needs digits before the point (write `0.5`)"
                    } else {
                        "unexpected character `.`: expected a field accessor like `.name`"
                    };
                    self.error(Diagnostic::error(self.span(start, start + 1), msg));
                    return Token::Bad;
                }
                self.pos = start + 1 + n;
                return Token::Atom(SexpKind::Field(self.text[start + 1..self.pos].to_string()));
            }
            _ => {}
        }
        // Numbers and identifiers compete by longest match.
        let num = self.number_len(start);
        let ident = if is_ident_start(b) {
            1 + self.src[start + 1..]
                .iter()
                .take_while(|&&c| is_ident_cont(c))
                .count()
        } else {
            0
        };
        if let Some((len, is_float)) = num {
            if len >= ident {
                self.pos = start + len;
                let text = &self.text[start..start + len];
                return if is_float {
                    self.float_token(start, text)
                } else {
                    self.int_token(start, text)
                };
            }
        }
        if ident > 0 {
            self.pos = start + ident;
            let text = &self.text[start..start + ident];
            return Token::Atom(match text {
                "true" => SexpKind::Bool(true),
                "false" => SexpKind::Bool(false),
                _ => SexpKind::Ident(text.to_string()),
            });
        }
        // A bad character: skip it together with any directly following bad characters.
        let mut end = start;
        while end < self.src.len() && self.is_bad_start(end) {
            end += self.text[end..].chars().next().map_or(1, char::len_utf8);
        }
        self.pos = end;
        let first = self.text[start..].chars().next().unwrap_or('?');
        let msg = if first.is_ascii() {
            format!("unexpected character `{}`", first.escape_default())
        } else {
            format!(
                "unexpected non-ASCII character `{first}` (U+{:04X}); identifiers are ASCII, other text must be in a string or comment",
                first as u32
            )
        };
        self.error(Diagnostic::error(self.span(start, end), msg));
        Token::Bad
    }

    /// Is the character at `i` one that cannot start any token?
    fn is_bad_start(&self, i: usize) -> bool {
        let b = self.src[i];
        !(is_whitespace(b)
            || b.is_ascii_digit()
            || is_ident_start(b)
            || b"()[]{}?\":'.;`,".contains(&b))
    }

    /// Length of `[A-Za-z_]cont*` starting at `i` (0 if none).
    fn name_after(&self, i: usize, cont: fn(u8) -> bool) -> usize {
        match self.src.get(i) {
            Some(&c) if c.is_ascii_alphabetic() || c == b'_' => {
                1 + self.src[i + 1..].iter().take_while(|&&c| cont(c)).count()
            }
            _ => 0,
        }
    }

    /// Longest match of the float or integer pattern at `start`: `(len, is_float)`.
    fn number_len(&self, start: usize) -> Option<(usize, bool)> {
        let s = self.src;
        let mut i = start;
        if s[i] == b'-' {
            i += 1;
        }
        let digits = |from: usize| s[from..].iter().take_while(|c| c.is_ascii_digit()).count();
        let n = digits(i);
        if n == 0 {
            return None;
        }
        i += n;
        if s.get(i) == Some(&b'.') {
            let frac = digits(i + 1);
            if frac > 0 {
                i += 1 + frac;
                if matches!(s.get(i), Some(b'e' | b'E')) {
                    let mut j = i + 1;
                    if matches!(s.get(j), Some(b'+' | b'-')) {
                        j += 1;
                    }
                    let exp = digits(j);
                    if exp > 0 {
                        i = j + exp;
                    }
                }
                return Some((i - start, true));
            }
        }
        Some((i - start, false))
    }

    fn int_token(&mut self, start: usize, text: &str) -> Token {
        let (neg, digits) = match text.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, text),
        };
        let max: i128 = if neg { 1i128 << 63 } else { (1i128 << 64) - 1 };
        let mut value: i128 = 0;
        let mut overflow = false;
        for d in digits.bytes() {
            value = value * 10 + i128::from(d - b'0');
            if value > max {
                overflow = true;
                break;
            }
        }
        if overflow {
            self.error(
                Diagnostic::error(
                    self.span(start, self.pos),
                    format!("integer literal `{text}` is out of range"),
                )
                .with_note(
                    "integer literals must lie in [-9223372036854775808, 18446744073709551615]",
                ),
            );
            return Token::Bad;
        }
        Token::Atom(SexpKind::Int(if neg { -value } else { value }))
    }

    fn float_token(&mut self, start: usize, text: &str) -> Token {
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Token::Atom(SexpKind::Float(text.to_string())),
            _ => {
                self.error(Diagnostic::error(
                    self.span(start, self.pos),
                    format!("float literal `{text}` is out of range (it rounds to infinity)"),
                ));
                Token::Bad
            }
        }
    }

    fn lex_string(&mut self, start: usize) -> Token {
        let s = self.src;
        let mut i = start + 1;
        let mut bytes = Vec::new();
        loop {
            let Some(&b) = s.get(i) else {
                self.pos = s.len();
                self.error(
                    Diagnostic::error(self.span(start, start + 1), "unterminated string literal")
                        .with_label("this string is never closed"),
                );
                return Token::Bad;
            };
            match b {
                b'"' => {
                    self.pos = i + 1;
                    return Token::Atom(SexpKind::Str(bytes));
                }
                b'\\' => {
                    let esc = match s.get(i + 1) {
                        Some(b'n') => Some(b'\n'),
                        Some(b't') => Some(b'\t'),
                        Some(b'r') => Some(b'\r'),
                        Some(b'\\') => Some(b'\\'),
                        Some(b'"') => Some(b'"'),
                        Some(b'0') => Some(0),
                        _ => None,
                    };
                    match esc {
                        Some(e) => {
                            bytes.push(e);
                            i += 2;
                        }
                        None => {
                            // Unknown escape: keep the backslash; the next character is read
                            // normally, so `"\q"` is the two bytes `\q`.
                            bytes.push(b'\\');
                            i += 1;
                        }
                    }
                }
                _ => {
                    bytes.push(b);
                    i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
