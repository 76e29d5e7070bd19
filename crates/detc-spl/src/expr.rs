//! Eval expressions (`where`, `eval`, and the field mappings of detc's
//! `sourcetypes/`) read into [`Expr`] trees: numbers, `"strings"`, fields
//! (`'quoted names'` too), `+ - * / .`, comparisons, `AND OR NOT`, function
//! calls. What each function means is the evaluator's business
//! (`detc-replay`); this module only reads.

/// An eval expression (Search Reference, "eval").
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number literal.
    Num(f64),
    /// A string literal (`"..."`).
    Str(String),
    /// A field's first value.
    Field(String),
    /// A binary operation: `+ - * / = == != < <= > >= AND OR`.
    Bin(String, Box<Expr>, Box<Expr>),
    /// `NOT x`.
    Not(Box<Expr>),
    /// A function call.
    Call(String, Vec<Expr>),
}

impl Expr {
    /// Parses an eval expression.
    ///
    /// # Errors
    /// A syntax this reader does not follow, with what was found.
    pub fn parse(s: &str) -> Result<Expr, String> {
        let mut p = ExprParser {
            toks: eval_tokens(s)?,
            at: 0,
        };
        let e = p.or()?;
        if p.at < p.toks.len() {
            return Err("unexpected text after the expression".into());
        }
        Ok(e)
    }

    /// The expression with every reference to a field of `defs` replaced
    /// by that field's expression (what `eval a=..., b=f(a)` means for
    /// `b`).
    pub fn substitute(self, defs: &[(String, Expr)]) -> Expr {
        match self {
            Expr::Field(f) => match defs.iter().rev().find(|(n, _)| *n == f) {
                Some((_, e)) => e.clone(),
                None => Expr::Field(f),
            },
            Expr::Bin(op, a, b) => Expr::Bin(
                op,
                Box::new(a.substitute(defs)),
                Box::new(b.substitute(defs)),
            ),
            Expr::Not(a) => Expr::Not(Box::new(a.substitute(defs))),
            Expr::Call(f, args) => {
                Expr::Call(f, args.into_iter().map(|a| a.substitute(defs)).collect())
            }
            lit @ (Expr::Num(_) | Expr::Str(_)) => lit,
        }
    }
}

fn eval_tokens(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' {
            let mut v = String::from("\"");
            i += 1;
            while i < cs.len() && cs[i] != '"' {
                // Splunk's eval strings: `\"` is a quote and `\\` a
                // backslash (`split(path, "\\")`); any other backslash
                // stays as written (`"\d+"` is a regex's `\d`).
                if cs[i] == '\\' && i + 1 < cs.len() && matches!(cs[i + 1], '"' | '\\') {
                    i += 1;
                }
                v.push(cs[i]);
                i += 1;
            }
            if i >= cs.len() {
                return Err("unclosed quote".into());
            }
            i += 1;
            out.push(v);
        } else if "<>!=".contains(c) && cs.get(i + 1) == Some(&'=') {
            out.push(format!("{c}="));
            i += 2;
        } else if "()+-*/,<>=".contains(c) {
            out.push(c.to_string());
            i += 1;
        } else if c == '\'' {
            // A quoted field name: any characters (`'resources{}.ARN'`).
            let end = cs[i + 1..]
                .iter()
                .position(|&x| x == '\'')
                .ok_or("unclosed single quote")?;
            out.push(cs[i + 1..i + 1 + end].iter().collect());
            i += end + 2;
        } else if c == '.'
            && (!cs.get(i + 1).is_some_and(|n| n.is_alphanumeric())
                || out
                    .last()
                    .is_some_and(|t: &String| t.starts_with('"') || t == ")"))
        {
            // `.` between operands: string concatenation.
            out.push(".".into());
            i += 1;
        } else {
            let start = i;
            while i < cs.len() && (cs[i].is_alphanumeric() || "_.'".contains(cs[i])) {
                i += 1;
            }
            if i == start {
                return Err(format!("unexpected `{c}`"));
            }
            let word = cs[start..i].iter().collect::<String>().replace('\'', "");
            // `name."text"`: the dot after the name is the operator.
            let trailing = word.len() - word.trim_end_matches('.').len();
            out.push(word.trim_end_matches('.').to_string());
            out.extend(std::iter::repeat_n(".".to_string(), trailing.min(1)));
        }
    }
    Ok(out)
}

struct ExprParser {
    toks: Vec<String>,
    at: usize,
}

impl ExprParser {
    fn peek(&self) -> Option<&str> {
        self.toks.get(self.at).map(String::as_str)
    }
    fn eat(&mut self, t: &str) -> bool {
        if self.peek().is_some_and(|x| x.eq_ignore_ascii_case(t)) {
            self.at += 1;
            true
        } else {
            false
        }
    }
    /// One left-associative precedence level: `next (op next)*`.
    fn left(
        &mut self,
        ops: &[&str],
        next: fn(&mut Self) -> Result<Expr, String>,
    ) -> Result<Expr, String> {
        let mut l = next(self)?;
        while let Some(op) = ops.iter().find(|op| self.eat(op)) {
            l = Expr::Bin(op.to_string(), Box::new(l), Box::new(next(self)?));
        }
        Ok(l)
    }
    fn or(&mut self) -> Result<Expr, String> {
        self.left(&["OR"], Self::and)
    }
    fn and(&mut self) -> Result<Expr, String> {
        self.left(&["AND"], Self::not)
    }
    fn not(&mut self) -> Result<Expr, String> {
        if self.eat("NOT") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.cmp()
    }
    fn cmp(&mut self) -> Result<Expr, String> {
        let l = self.add()?;
        for op in ["==", "!=", "<=", ">=", "=", "<", ">"] {
            if self.eat(op) {
                let r = self.add()?;
                let op = if op == "==" { "=" } else { op };
                return Ok(Expr::Bin(op.into(), Box::new(l), Box::new(r)));
            }
        }
        Ok(l)
    }
    fn add(&mut self) -> Result<Expr, String> {
        self.left(&["+", "-", "."], Self::mul)
    }
    fn mul(&mut self) -> Result<Expr, String> {
        self.left(&["*", "/"], Self::unary)
    }
    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat("-") {
            let e = self.unary()?;
            return Ok(Expr::Bin("-".into(), Box::new(Expr::Num(0.0)), Box::new(e)));
        }
        if self.eat("(") {
            let e = self.or()?;
            if !self.eat(")") {
                return Err("missing `)`".into());
            }
            return Ok(e);
        }
        let t = self.peek().ok_or("an operand is missing")?.to_string();
        self.at += 1;
        if let Some(s) = t.strip_prefix('"') {
            return Ok(Expr::Str(s.to_string()));
        }
        if let Ok(n) = t.parse::<f64>() {
            return Ok(Expr::Num(n));
        }
        if self.eat("(") {
            let mut args = Vec::new();
            if !self.eat(")") {
                loop {
                    args.push(self.or()?);
                    if self.eat(")") {
                        break;
                    }
                    if !self.eat(",") {
                        return Err(format!("`{t}(`: expected `,` or `)`"));
                    }
                }
            }
            return Ok(Expr::Call(t.to_lowercase(), args));
        }
        Ok(Expr::Field(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_calls_and_quoted_fields() {
        let e = Expr::parse(r#"if('a.b{}'="x" OR n > 1 + 2 * 3, lower(f)."-", null())"#).unwrap();
        let Expr::Call(name, args) = e else {
            panic!("a call")
        };
        assert_eq!(name, "if");
        assert_eq!(args.len(), 3);
        assert!(matches!(&args[0], Expr::Bin(op, _, _) if op == "OR"));
        assert!(matches!(&args[1], Expr::Bin(op, _, _) if op == "."));
        let sum = Expr::parse("1 + 2 * 3").unwrap();
        assert_eq!(
            sum,
            Expr::Bin(
                "+".into(),
                Box::new(Expr::Num(1.0)),
                Box::new(Expr::Bin(
                    "*".into(),
                    Box::new(Expr::Num(2.0)),
                    Box::new(Expr::Num(3.0))
                ))
            )
        );
        assert!(Expr::parse("a b").is_err(), "text after the expression");
        let sub = Expr::parse("x + y")
            .unwrap()
            .substitute(&[("x".into(), Expr::Num(1.0))]);
        assert_eq!(
            sub,
            Expr::Bin(
                "+".into(),
                Box::new(Expr::Num(1.0)),
                Box::new(Expr::Field("y".into()))
            )
        );
    }
}
