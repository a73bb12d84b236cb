//! What a pattern uses: its `$variables`, its references to messages and terms, and its
//! selects, collected once from the syntax tree so that every check reads the same facts.
//! Nothing is reported here: `references`, `plurals` and `variables` check what these
//! facts hold.

use std::collections::BTreeSet;

use fluent_syntax::ast;

/// What a pattern uses, collected once so each check reads it.
#[derive(Default)]
pub(super) struct PatternFacts<'a> {
    /// Every `$variable` occurrence (the name, without `$`), in order.
    pub(super) variables: Vec<&'a str>,
    pub(super) references: Vec<Reference<'a>>,
    pub(super) selects: Vec<Select<'a>>,
}

/// `{ msg }`, `{ msg.attr }`, `{ -term }` or `{ -term.attr }`.
pub(super) struct Reference<'a> {
    /// The key as in [`Entry::key`](super::syntax::Entry::key).
    pub(super) key: String,
    pub(super) id: &'a str,
    pub(super) attribute: Option<&'a str>,
}

pub(super) struct Select<'a> {
    /// Selects on a number (`$n` or `NUMBER($n)`), so the keys may be plural categories.
    pub(super) numeric: bool,
    pub(super) variants: &'a [ast::Variant<&'a str>],
}

impl<'a> PatternFacts<'a> {
    pub(super) fn of(pattern: &'a ast::Pattern<&'a str>) -> Self {
        let mut facts = PatternFacts::default();
        facts.pattern(pattern);
        facts
    }

    fn pattern(&mut self, pattern: &'a ast::Pattern<&'a str>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                self.expression(expression);
            }
        }
    }

    fn expression(&mut self, expression: &'a ast::Expression<&'a str>) {
        match expression {
            ast::Expression::Inline(inline) => self.inline(inline),
            ast::Expression::Select { selector, variants } => {
                self.inline(selector);
                self.selects.push(Select {
                    numeric: is_numeric_selector(selector),
                    variants,
                });
                for variant in variants {
                    self.pattern(&variant.value);
                }
            }
        }
    }

    fn inline(&mut self, inline: &'a ast::InlineExpression<&'a str>) {
        use ast::InlineExpression as Inline;
        match inline {
            Inline::VariableReference { id } => self.variables.push(id.name),
            Inline::MessageReference { id, attribute } => self.references.push(Reference {
                key: id.name.to_string(),
                id: id.name,
                attribute: attribute.as_ref().map(|a| a.name),
            }),
            Inline::TermReference {
                id,
                attribute,
                arguments,
            } => {
                self.references.push(Reference {
                    key: format!("-{}", id.name),
                    id: id.name,
                    attribute: attribute.as_ref().map(|a| a.name),
                });
                if let Some(arguments) = arguments {
                    self.arguments(arguments);
                }
            }
            Inline::FunctionReference { arguments, .. } => self.arguments(arguments),
            Inline::Placeable { expression } => self.expression(expression),
            Inline::StringLiteral { .. } | Inline::NumberLiteral { .. } => {}
        }
    }

    fn arguments(&mut self, arguments: &'a ast::CallArguments<&'a str>) {
        for positional in &arguments.positional {
            self.inline(positional);
        }
        for named in &arguments.named {
            self.inline(&named.value);
        }
    }

    pub(super) fn variable_names(&self) -> BTreeSet<&'a str> {
        self.variables.iter().copied().collect()
    }
}

/// `$n` or `NUMBER($n, ...)`: a selector whose value is a number at run time.
fn is_numeric_selector(selector: &ast::InlineExpression<&str>) -> bool {
    match selector {
        ast::InlineExpression::VariableReference { .. } => true,
        ast::InlineExpression::FunctionReference { id, arguments } => {
            id.name == "NUMBER"
                && matches!(
                    arguments.positional.first(),
                    Some(ast::InlineExpression::VariableReference { .. })
                )
        }
        _ => false,
    }
}
