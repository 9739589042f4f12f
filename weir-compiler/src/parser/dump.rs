//! `weir parse` output: a compact, indented dump of the AST, one node per line, no spans. Types
//! and patterns are printed inline in Weir-like notation; expressions get one line per node.

use crate::ast::*;
use std::fmt::Write;

/// A compact, readable dump of the AST for `weir parse`.
pub fn dump_module(module: &Module) -> String {
    let mut d = Dumper { out: String::new() };
    for item in &module.items {
        d.item(item);
    }
    d.out
}

struct Dumper {
    out: String,
}

fn str_lit(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

pub(crate) fn ty(t: &TypeExpr) -> String {
    match &t.kind {
        TypeExprKind::Named { name, args } if args.is_empty() => name.text.clone(),
        TypeExprKind::Named { name, args } => {
            let args: Vec<String> = args.iter().map(ty).collect();
            format!("({} {})", name.text, args.join(" "))
        }
        TypeExprKind::Var(v) => format!("'{}", v.text),
        TypeExprKind::Fn { params, ret } => {
            let ps: Vec<String> = params.iter().map(ty).collect();
            format!("(Fn [{}] {})", ps.join(" "), ty(ret))
        }
        TypeExprKind::Error => "<error>".to_string(),
    }
}

pub(crate) fn pat(p: &Pattern) -> String {
    match &p.kind {
        PatKind::Wildcard => "_".to_string(),
        PatKind::Bind(n) => n.text.clone(),
        PatKind::Ctor { name, args } if args.is_empty() => name.text.clone(),
        PatKind::Ctor { name, args } => {
            let args: Vec<String> = args.iter().map(pat).collect();
            format!("({} {})", name.text, args.join(" "))
        }
        PatKind::Struct { fields } => {
            let fs: Vec<String> = fields
                .iter()
                .map(|(n, p)| match p {
                    Some(p) => format!(":{} {}", n.text, pat(p)),
                    None => format!(":{}", n.text),
                })
                .collect();
            format!("{{{}}}", fs.join(" "))
        }
        PatKind::Int(v) => v.to_string(),
        PatKind::Float(t) => t.clone(),
        PatKind::Str(b) => str_lit(b),
        PatKind::Bool(b) => b.to_string(),
        PatKind::Error => "<error>".to_string(),
    }
}

fn param(p: &Param) -> String {
    let mut s = String::new();
    if p.mutable {
        s.push_str("mut ");
    }
    match &p.pat {
        ParamPat::Name(n) => s.push_str(&n.text),
        ParamPat::Destructure(pt) => s.push_str(&pat(pt)),
    }
    if let Some(t) = &p.ty {
        write!(s, " : {}", ty(t)).unwrap();
    }
    s
}

impl Dumper {
    fn line(&mut self, depth: usize, text: &str) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn item(&mut self, item: &Item) {
        let vis = |p: bool| if p { "pub " } else { "" };
        match item {
            Item::Defn(d) => {
                let mut head = format!("{}Defn {}", vis(d.public), d.name.text);
                let ps: Vec<String> = d.params.iter().map(|p| format!("({})", param(p))).collect();
                write!(head, " ({})", ps.join(" ")).unwrap();
                if let Some(r) = &d.ret {
                    write!(head, " : {}", ty(r)).unwrap();
                }
                self.line(0, &head);
                if let Some(doc) = &d.doc {
                    self.line(1, &format!("doc {doc:?}"));
                }
                for e in &d.body {
                    self.expr(1, e);
                }
            }
            Item::Struct(s) => {
                let tps: String = s.tparams.iter().map(|t| format!(" '{}", t.text)).collect();
                self.line(0, &format!("{}Struct {}{tps}", vis(s.public), s.name.text));
                for f in &s.fields {
                    self.line(1, &format!("field {} : {}", f.name.text, ty(&f.ty)));
                }
            }
            Item::Type(t) => {
                let tps: String = t.tparams.iter().map(|t| format!(" '{}", t.text)).collect();
                self.line(0, &format!("{}Type {}{tps}", vis(t.public), t.name.text));
                for v in &t.variants {
                    let fs: String = v.fields.iter().map(|f| format!(" {}", ty(f))).collect();
                    self.line(1, &format!("variant {}{fs}", v.name.text));
                }
            }
            Item::Global(g) => {
                let mut head = format!("{}Global ", vis(g.public));
                if g.mutable {
                    head.push_str("mut ");
                }
                head.push_str(&g.name.text);
                if let Some(t) = &g.ty {
                    write!(head, " : {}", ty(t)).unwrap();
                }
                self.line(0, &head);
                self.expr(1, &g.init);
            }
            Item::Extern(b) => {
                self.line(0, "Extern \"C\"");
                for f in &b.fns {
                    let ps: Vec<String> = f
                        .params
                        .iter()
                        .map(|(n, t)| format!("({} : {})", n.text, ty(t)))
                        .collect();
                    let ret = f
                        .ret
                        .as_ref()
                        .map_or(String::new(), |r| format!(" : {}", ty(r)));
                    self.line(
                        1,
                        &format!(
                            "{}fn {} ({}){ret}",
                            vis(f.public),
                            f.name.text,
                            ps.join(" ")
                        ),
                    );
                }
            }
            Item::Import(i) => {
                let what = match &i.kind {
                    ImportKind::Names(ns) => {
                        let ns: Vec<&str> = ns.iter().map(|n| n.text.as_str()).collect();
                        format!("({})", ns.join(" "))
                    }
                    ImportKind::Alias(a) => format!(":as {}", a.text),
                    ImportKind::All => ":all".to_string(),
                };
                self.line(0, &format!("Import {} {what}", i.module.text));
            }
        }
    }

    fn exprs(&mut self, depth: usize, es: &[Expr]) {
        for e in es {
            self.expr(depth, e);
        }
    }

    fn expr(&mut self, depth: usize, e: &Expr) {
        let d = depth + 1;
        match &e.kind {
            ExprKind::Int(v) => self.line(depth, &format!("Int {v}")),
            ExprKind::Float(t) => self.line(depth, &format!("Float {t}")),
            ExprKind::Str(b) => self.line(depth, &format!("Str {}", str_lit(b))),
            ExprKind::Bool(b) => self.line(depth, &format!("Bool {b}")),
            ExprKind::Keyword(k) => self.line(depth, &format!("Keyword :{k}")),
            ExprKind::Var(n) => self.line(depth, &format!("Var {}", n.text)),
            ExprKind::Vector(es) => {
                self.line(depth, "Vector");
                self.exprs(d, es);
            }
            ExprKind::Let { bindings, body } => {
                self.line(depth, "Let");
                for b in bindings {
                    let mut head = "bind ".to_string();
                    match &b.pat {
                        BindPat::Name { name, mutable } => {
                            if *mutable {
                                head.push_str("mut ");
                            }
                            head.push_str(&name.text);
                        }
                        BindPat::Destructure(p) => head.push_str(&pat(p)),
                    }
                    if let Some(t) = &b.ty {
                        write!(head, " : {}", ty(t)).unwrap();
                    }
                    self.line(d, &head);
                    self.expr(d + 1, &b.value);
                }
                self.line(d, "body");
                self.exprs(d + 1, body);
            }
            ExprKind::Set { place, value } => {
                self.line(depth, &format!("Set {}", place_str(place)));
                self.expr(d, value);
            }
            ExprKind::Update { target, fields } => {
                self.line(depth, "Update");
                self.expr(d, target);
                for (n, v) in fields {
                    self.line(d, &format!(":{}", n.text));
                    self.expr(d + 1, v);
                }
            }
            ExprKind::If { cond, then, els } => {
                self.line(depth, "If");
                self.expr(d, cond);
                self.expr(d, then);
                if let Some(e) = els {
                    self.expr(d, e);
                }
            }
            ExprKind::When { cond, negate, body } => {
                self.line(depth, if *negate { "Unless" } else { "When" });
                self.expr(d, cond);
                self.line(d, "body");
                self.exprs(d + 1, body);
            }
            ExprKind::Do(es) => {
                self.line(depth, "Do");
                self.exprs(d, es);
            }
            ExprKind::Match { scrutinee, arms } => {
                self.line(depth, "Match");
                self.expr(d, scrutinee);
                for a in arms {
                    self.line(d, &format!("arm {}", pat(&a.pat)));
                    self.exprs(d + 1, &a.body);
                }
            }
            ExprKind::Fn(l) => {
                let ps: Vec<String> = l.params.iter().map(|p| format!("({})", param(p))).collect();
                let ret = l
                    .ret
                    .as_ref()
                    .map_or(String::new(), |r| format!(" : {}", ty(r)));
                self.line(depth, &format!("Fn ({}){ret}", ps.join(" ")));
                self.exprs(d, &l.body);
            }
            ExprKind::Ann { ty: t, expr } => {
                self.line(depth, &format!("Ann {}", ty(t)));
                self.expr(d, expr);
            }
            ExprKind::Unsafe(es) => {
                self.line(depth, "Unsafe");
                self.exprs(d, es);
            }
            ExprKind::For {
                var,
                init,
                cond,
                body,
            } => {
                self.line(depth, &format!("For {}", var.text));
                self.expr(d, init);
                self.expr(d, cond);
                self.line(d, "body");
                self.exprs(d + 1, body);
            }
            ExprKind::ForEach { var, seq, body } => {
                self.line(depth, &format!("ForEach {}", var.text));
                self.expr(d, seq);
                self.line(d, "body");
                self.exprs(d + 1, body);
            }
            ExprKind::And(es) => {
                self.line(depth, "And");
                self.exprs(d, es);
            }
            ExprKind::Or(es) => {
                self.line(depth, "Or");
                self.exprs(d, es);
            }
            ExprKind::Call { callee, args } => {
                self.line(depth, "Call");
                self.expr(d, callee);
                for a in args {
                    match &a.label {
                        Some(l) => {
                            self.line(d, &format!(":{}", l.text));
                            self.expr(d + 1, &a.expr);
                        }
                        None => self.expr(d, &a.expr),
                    }
                }
            }
            ExprKind::FieldAccess { field, expr } => {
                self.line(depth, &format!("Field .{}", field.text));
                self.expr(d, expr);
            }
            ExprKind::Try(inner) => {
                self.line(depth, "Try");
                self.expr(d, inner);
            }
            ExprKind::Error => self.line(depth, "<error>"),
        }
    }
}

fn place_str(p: &Place) -> String {
    match p {
        Place::Var(n) => n.text.clone(),
        Place::Field { field, inner, .. } => format!("(.{} {})", field.text, place_str(inner)),
    }
}
