//! Type checking of conditions and effects (E004), resolving the names in them (E002).
//!
//! A bare name in a condition is a parameter of the action in scope if there is one by that
//! name; otherwise it is a variant of the enumeration on the other side of the comparison.

use super::build::Resolver;
use super::names::suggest;
use super::*;
use crate::checks::{type_mismatch::TYPE_MISMATCH, unknown_name::UNKNOWN_NAME};
use crate::diagnostic::Diagnostic;
use crate::syntax::ast;

/// A term before its type is known from context.
enum Class {
    /// A field or parameter: its type is its own.
    Typed(Term, Ty, String),
    /// A literal or bare name: its type comes from the other side.
    Untyped,
}

impl Resolver {
    /// Checks a condition; `scope` is the action whose parameters are visible.
    pub(super) fn cond(
        &mut self,
        cond: &Node<ast::Cond>,
        scope: Option<ActionId>,
    ) -> Option<Node<Cond>> {
        let checked = match &cond.node {
            ast::Cond::Or(parts) | ast::Cond::And(parts) => {
                let checked: Vec<_> = parts.iter().map(|p| self.cond(p, scope)).collect();
                let checked: Vec<_> = checked.into_iter().collect::<Option<_>>()?;
                if matches!(cond.node, ast::Cond::Or(_)) {
                    Cond::Or(checked)
                } else {
                    Cond::And(checked)
                }
            }
            ast::Cond::Not(inner) => Cond::Not(Box::new(self.cond(inner, scope)?)),
            ast::Cond::Compare { lhs, op, rhs } => self.compare(lhs, op, rhs, scope)?,
            ast::Cond::In { term, values } => self.membership(term, values, scope)?,
            ast::Cond::Truth(term) => self.truth(term, scope)?,
        };
        Some(Node::new(checked, cond.span))
    }

    fn classify(&mut self, term: &Node<ast::Term>, scope: Option<ActionId>) -> Option<Class> {
        Some(match &term.node {
            ast::Term::Field(field) => {
                let id = self.resolve_field(field)?;
                let f = self.model.field(id);
                Class::Typed(Term::Field(id), f.ty.node, format!("`{}`", f.qualified))
            }
            ast::Term::Name(name) => match self.param(scope, name) {
                Some((index, ty)) => Class::Typed(
                    Term::Param(scope?, index),
                    ty,
                    format!("parameter `{name}`"),
                ),
                None => Class::Untyped,
            },
            _ => Class::Untyped,
        })
    }

    fn param(&self, scope: Option<ActionId>, name: &str) -> Option<(u32, Ty)> {
        let action = self.model.actions.get(scope?.index())?;
        let index = action.params.iter().position(|p| p.name.node == name)?;
        Some((u32::try_from(index).ok()?, action.params[index].ty.node))
    }

    fn describe(&self, ty: Ty) -> String {
        match ty {
            Ty::Enum(_) | Ty::Opaque(_) => format!("`{}`", self.model.display_ty(ty)),
            _ => format!("`{}`", self.model.display_ty(ty)),
        }
    }

    fn mismatch(&mut self, span: crate::source::Span, message: String, help: Option<String>) {
        self.error(Diagnostic::new(&TYPE_MISMATCH, span, message).with_help_opt(help));
    }

    fn compare(
        &mut self,
        lhs: &Node<ast::Term>,
        op: &Node<CmpOp>,
        rhs: &Node<ast::Term>,
        scope: Option<ActionId>,
    ) -> Option<Cond> {
        let left = self.classify(lhs, scope);
        let right = self.classify(rhs, scope);
        let (left, right) = (left?, right?);
        let (lhs_term, rhs_term, ty) = match (left, right) {
            (Class::Typed(l, lt, lname), Class::Typed(r, rt, rname)) => {
                if !compatible(lt, rt) {
                    self.mismatch(
                        op.span,
                        format!(
                            "{lname} ({}) cannot be compared with {rname} ({})",
                            self.describe(lt),
                            self.describe(rt)
                        ),
                        None,
                    );
                    return None;
                }
                (Node::new(l, lhs.span), Node::new(r, rhs.span), lt)
            }
            (Class::Typed(l, lt, lname), Class::Untyped) => {
                let r = self.expect(rhs, lt, &lname, scope)?;
                (Node::new(l, lhs.span), r, lt)
            }
            (Class::Untyped, Class::Typed(r, rt, rname)) => {
                let l = self.expect(lhs, rt, &rname, scope)?;
                (l, Node::new(r, rhs.span), rt)
            }
            (Class::Untyped, Class::Untyped) => {
                let (l, r, ty) = self.literal_pair(lhs, rhs, scope)?;
                (l, r, ty)
            }
        };
        if op.node.is_ordering() && !matches!(ty, Ty::Int { .. }) {
            self.mismatch(
                op.span,
                format!(
                    "`{}` orders integers only, not {}",
                    op.node.as_str(),
                    self.describe(ty)
                ),
                Some("compare with `==` or `!=`, or use `in { ... }`".into()),
            );
            return None;
        }
        Some(Cond::Compare {
            lhs: lhs_term,
            op: op.node,
            rhs: rhs_term,
        })
    }

    /// Two literals compared with each other: allowed when of one type.
    fn literal_pair(
        &mut self,
        lhs: &Node<ast::Term>,
        rhs: &Node<ast::Term>,
        scope: Option<ActionId>,
    ) -> Option<(Node<Term>, Node<Term>, Ty)> {
        let ty = match (&lhs.node, &rhs.node) {
            (ast::Term::Bool(_), ast::Term::Bool(_)) => Ty::Bool,
            (ast::Term::Int(a), ast::Term::Int(b)) => Ty::Int {
                lo: (*a).min(*b),
                hi: (*a).max(*b),
            },
            (ast::Term::Str(_), ast::Term::Str(_)) => Ty::Text,
            (ast::Term::Name(name), _) | (_, ast::Term::Name(name)) => {
                let span = if matches!(lhs.node, ast::Term::Name(_)) {
                    lhs.span
                } else {
                    rhs.span
                };
                self.unknown_bare_name(span, name, None, scope);
                return None;
            }
            _ => {
                self.mismatch(
                    lhs.span.to(rhs.span),
                    "the two sides of this comparison have different types".into(),
                    None,
                );
                return None;
            }
        };
        let l = self.expect(lhs, ty, "the other side", scope)?;
        let r = self.expect(rhs, ty, "the other side", scope)?;
        Some((l, r, ty))
    }

    /// Checks that an untyped term (literal or bare name) is a value of `ty`.
    fn expect(
        &mut self,
        term: &Node<ast::Term>,
        ty: Ty,
        other: &str,
        scope: Option<ActionId>,
    ) -> Option<Node<Term>> {
        let value = match (&term.node, ty) {
            (ast::Term::Bool(b), Ty::Bool) => Value::Bool(*b),
            (ast::Term::Int(i), Ty::Int { lo, hi }) => {
                if *i < lo || *i > hi {
                    self.mismatch(
                        term.span,
                        format!("`{i}` is outside the range of {other} (`{lo}..{hi}`)"),
                        Some(format!("use a value from {lo} to {hi}, or widen the range")),
                    );
                    return None;
                }
                Value::Int(*i)
            }
            (ast::Term::Str(s), Ty::Opaque(_) | Ty::Text) => Value::Str(s.clone()),
            (ast::Term::Name(name), Ty::Enum(e)) => {
                return self.variant(term, name, e, other, scope);
            }
            (ast::Term::Name(name), _) => {
                self.unknown_bare_name(term.span, name, Some(ty), scope);
                return None;
            }
            (ast::Term::Field(_), _) => {
                // Fields are classified as typed before reaching here.
                return None;
            }
            (literal, _) => {
                let what = match literal {
                    ast::Term::Bool(_) => "a bool",
                    ast::Term::Int(_) => "an integer",
                    _ => "a string",
                };
                let help = match ty {
                    Ty::Enum(e) => Some(format!("{other} is one of: {}", self.variant_list(e))),
                    Ty::Bool => Some("use `true` or `false`".into()),
                    Ty::Opaque(_) | Ty::Text => {
                        Some("opaque values are written as quoted strings".into())
                    }
                    Ty::Int { .. } => None,
                };
                self.mismatch(
                    term.span,
                    format!(
                        "{what} cannot be compared with {other} ({})",
                        self.describe(ty)
                    ),
                    help,
                );
                return None;
            }
        };
        Some(Node::new(Term::Value(value), term.span))
    }

    fn variant_list(&self, e: EnumId) -> String {
        self.model.enums[e.index()]
            .variants
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn variant(
        &mut self,
        term: &Node<ast::Term>,
        name: &str,
        e: EnumId,
        other: &str,
        scope: Option<ActionId>,
    ) -> Option<Node<Term>> {
        if let Some(index) = self.model.enums[e.index()]
            .variants
            .iter()
            .position(|v| v.node == name)
        {
            let index = u32::try_from(index).ok()?;
            return Some(Node::new(Term::Value(Value::Variant(e, index)), term.span));
        }
        let elsewhere = self
            .model
            .enums
            .iter()
            .find(|def| def.variants.iter().any(|v| v.node == name))
            .map(|def| def.name.node.clone());
        if let Some(owner) = elsewhere {
            self.mismatch(
                term.span,
                format!("`{name}` is a variant of `{owner}`, not a value of {other}"),
                Some(format!("{other} is one of: {}", self.variant_list(e))),
            );
        } else {
            self.unknown_bare_name(term.span, name, Some(Ty::Enum(e)), scope);
        }
        None
    }

    /// E002 for a bare name that is neither a parameter nor a variant of the expected type.
    fn unknown_bare_name(
        &mut self,
        span: crate::source::Span,
        name: &str,
        ty: Option<Ty>,
        scope: Option<ActionId>,
    ) {
        let mut candidates: Vec<String> = Vec::new();
        if let Some(Ty::Enum(e)) = ty {
            candidates.extend(
                self.model.enums[e.index()]
                    .variants
                    .iter()
                    .map(|v| v.node.to_string()),
            );
        }
        if let Some(action) = scope.and_then(|a| self.model.actions.get(a.index())) {
            candidates.extend(action.params.iter().map(|p| p.name.node.to_string()));
        }
        let help = suggest(name, candidates.iter().map(String::as_str))
            .map(|s| format!("did you mean `{s}`?"))
            .or_else(|| match ty {
                Some(Ty::Enum(e)) => Some(format!("the values are: {}", self.variant_list(e))),
                _ if scope.is_none() => {
                    Some("only the parameters of an action can be named on their own here; fields are written `entity.field`".into())
                }
                _ => None,
            });
        let what = match ty {
            Some(Ty::Enum(_)) => "unknown value",
            _ => "unknown name",
        };
        self.error(
            Diagnostic::new(&UNKNOWN_NAME, span, format!("{what} `{name}`")).with_help_opt(help),
        );
    }

    fn membership(
        &mut self,
        term: &Node<ast::Term>,
        values: &[Node<ast::Term>],
        scope: Option<ActionId>,
    ) -> Option<Cond> {
        let Class::Typed(t, ty, name) = self.classify(term, scope)? else {
            self.mismatch(
                term.span,
                "the left side of `in` must be a field or a parameter".into(),
                None,
            );
            return None;
        };
        let mut checked = Vec::new();
        let mut ok = true;
        for v in values {
            match self.expect(v, ty, &name, scope) {
                Some(Node {
                    node: Term::Value(value),
                    span,
                }) => checked.push(Node::new(value, span)),
                _ => ok = false,
            }
        }
        ok.then_some(Cond::In {
            term: Node::new(t, term.span),
            values: checked,
        })
    }

    fn truth(&mut self, term: &Node<ast::Term>, scope: Option<ActionId>) -> Option<Cond> {
        match self.classify(term, scope)? {
            Class::Typed(t, Ty::Bool, _) => Some(Cond::Truth(Node::new(t, term.span))),
            Class::Typed(_, ty, name) => {
                let example = match ty {
                    Ty::Enum(e) => self.model.enums[e.index()]
                        .variants
                        .first()
                        .map(|v| format!("compare it, e.g. `{} == {v}`", name.trim_matches('`'))),
                    Ty::Int { lo, .. } => Some(format!(
                        "compare it, e.g. `{} > {lo}`",
                        name.trim_matches('`')
                    )),
                    _ => None,
                };
                self.mismatch(
                    term.span,
                    format!("{name} is not a bool, so it cannot stand alone as a condition"),
                    example,
                );
                None
            }
            Class::Untyped => match &term.node {
                ast::Term::Bool(b) => Some(Cond::Truth(Node::new(
                    Term::Value(Value::Bool(*b)),
                    term.span,
                ))),
                ast::Term::Name(name) => {
                    self.unknown_bare_name(term.span, name, None, scope);
                    None
                }
                _ => {
                    self.mismatch(
                        term.span,
                        "a condition must be a comparison or a bool".into(),
                        None,
                    );
                    None
                }
            },
        }
    }

    /// Checks `set field = value` of `action`.
    pub(super) fn effect(
        &mut self,
        set: &Node<ast::Set>,
        action: ActionId,
    ) -> Option<Node<Effect>> {
        let field = self.resolve_field(&set.field.node)?;
        let target = self.model.field(field).clone();
        let target_name = format!("`{}`", target.qualified);
        let value = match self.classify(&set.value, Some(action))? {
            Class::Typed(term, ty, name) => {
                if !compatible(ty, target.ty.node) {
                    self.mismatch(
                        set.value.span,
                        format!(
                            "{name} ({}) cannot be assigned to {target_name} ({})",
                            self.describe(ty),
                            self.describe(target.ty.node)
                        ),
                        None,
                    );
                    return None;
                }
                if let (Ty::Int { lo, hi }, Ty::Int { lo: tlo, hi: thi }) = (ty, target.ty.node) {
                    if lo < tlo || hi > thi {
                        self.mismatch(
                            set.value.span,
                            format!(
                                "{name} (`{lo}..{hi}`) may not fit {target_name} (`{tlo}..{thi}`)"
                            ),
                            Some(format!(
                                "narrow the value's range to {tlo}..{thi}, or widen the field's"
                            )),
                        );
                        return None;
                    }
                }
                Node::new(term, set.value.span)
            }
            Class::Untyped => {
                self.expect(&set.value, target.ty.node, &target_name, Some(action))?
            }
        };
        Some(Node::new(
            Effect {
                field: Node::new(field, set.field.span),
                value,
            },
            set.span,
        ))
    }
}

/// Whether values of two types can be compared or assigned.
fn compatible(a: Ty, b: Ty) -> bool {
    match (a, b) {
        (Ty::Int { .. }, Ty::Int { .. }) => true,
        _ => a == b,
    }
}
