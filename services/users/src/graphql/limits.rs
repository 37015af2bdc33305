//! How big a query may be. The library checks depth and complexity (each
//! field costs 1, a list of users costs its page size times its fields);
//! this adds what it does not: how many root fields and aliases a query may
//! select, and how many fields in all once fragments are expanded.
//!
//! Checked right after parsing, before validation: a document whose
//! fragments spread each other over and over (`a` spreads `b` twice, `b`
//! spreads `c` twice…) selects exponentially many fields from a few
//! hundred bytes, and anything that walks it spread by spread (validation
//! included) does exponential work. Here each fragment is counted once and
//! remembered, so the count is linear in the document.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use async_graphql::{
    Name, Positioned, ServerError, ServerResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery},
    parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet},
};

// ANCHOR: limits
/// Deepest nesting: `users { edges { node { sessions { id } } } }` is 5.
pub const MAX_DEPTH: usize = 10;
/// Most a query may cost: a full page of 100 users with every field and
/// their sessions costs about 1,900.
pub const MAX_COMPLEXITY: usize = 2_500;
/// Fields at the root of one operation: a page asks for a few at once;
/// hundreds would be one request doing the work of hundreds.
pub const MAX_ROOT_FIELDS: u64 = 10;
/// Aliases let one query ask the same field many times (`a: me { … } b:
/// me { … }`), the usual way around a per-request rate limit.
pub const MAX_ALIASES: u64 = 20;
/// Fields selected in all, fragments expanded.
pub const MAX_SELECTIONS: u64 = 500;
/// The request body: the largest query a client has reason to send.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
// ANCHOR_END: limits

/// The extension that enforces the width limits.
#[derive(Debug, Clone, Copy)]
pub struct QueryWidth;

impl ExtensionFactory for QueryWidth {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(QueryWidth)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for QueryWidth {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        check(&document)?;
        Ok(document)
    }
}

/// What a selection set selects, fragments expanded.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Width {
    /// Fields directly in this set (through fragments too, not nested).
    top_level: u64,
    aliases: u64,
    selections: u64,
}

impl Width {
    fn add_nested(&mut self, nested: Width) {
        self.aliases = self.aliases.saturating_add(nested.aliases);
        self.selections = self.selections.saturating_add(nested.selections);
    }

    fn add_same_level(&mut self, spread: Width) {
        self.top_level = self.top_level.saturating_add(spread.top_level);
        self.add_nested(spread);
    }
}

// ANCHOR: check
fn check(document: &ExecutableDocument) -> ServerResult<()> {
    let mut counter = Counter {
        fragments: &document.fragments,
        counted: HashMap::new(),
        in_progress: HashSet::new(),
    };
    for (_, operation) in document.operations.iter() {
        let width = counter.selection_set(&operation.node.selection_set.node);
        let exceeded = [
            (width.top_level, MAX_ROOT_FIELDS, "root fields"),
            (width.aliases, MAX_ALIASES, "aliases"),
            (
                width.selections,
                MAX_SELECTIONS,
                "selected fields (fragments expanded)",
            ),
        ];
        for (found, limit, what) in exceeded {
            if found > limit {
                return Err(too_wide(format!(
                    "The query selects {found} {what}; at most {limit} are allowed."
                )));
            }
        }
    }
    Ok(())
}
// ANCHOR_END: check

fn too_wide(message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", "query-too-wide");
    extensions.set("status", 400);
    error
}

struct Counter<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    /// Each fragment's width, counted once.
    counted: HashMap<&'a Name, Width>,
    /// Fragments being counted: a spread of one of these is a cycle, which
    /// validation rejects later; here it counts as nothing.
    in_progress: HashSet<&'a Name>,
}

impl<'a> Counter<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet) -> Width {
        let mut width = Width::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    width.top_level += 1;
                    width.selections = width.selections.saturating_add(1);
                    if field.node.alias.is_some() {
                        width.aliases = width.aliases.saturating_add(1);
                    }
                    width.add_nested(self.selection_set(&field.node.selection_set.node));
                }
                Selection::InlineFragment(fragment) => {
                    width.add_same_level(self.selection_set(&fragment.node.selection_set.node));
                }
                Selection::FragmentSpread(spread) => {
                    width.add_same_level(self.fragment(&spread.node.fragment_name.node));
                }
            }
        }
        width
    }

    fn fragment(&mut self, name: &'a Name) -> Width {
        if let Some(width) = self.counted.get(name) {
            return *width;
        }
        // Unknown fragments are validation's to report.
        let Some((name, definition)) = self.fragments.get_key_value(name) else {
            return Width::default();
        };
        if !self.in_progress.insert(name) {
            return Width::default();
        }
        let width = self.selection_set(&definition.node.selection_set.node);
        self.in_progress.remove(name);
        self.counted.insert(name, width);
        width
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn width_of(query: &str) -> Width {
        let document = async_graphql::parser::parse_query(query).expect("parses");
        let mut counter = Counter {
            fragments: &document.fragments,
            counted: HashMap::new(),
            in_progress: HashSet::new(),
        };
        let (_, operation) = document.operations.iter().next().expect("an operation");
        counter.selection_set(&operation.node.selection_set.node)
    }

    #[test]
    fn fields_in_fragments_count_where_they_are_spread() {
        let width = width_of(
            "{ a: me { id ...names } b: me { id ...names } }
             fragment names on User { email displayName }",
        );
        assert_eq!(
            width,
            Width {
                top_level: 2,
                aliases: 2,
                selections: 2 + 2 * 3
            }
        );
    }

    #[test]
    fn fragments_that_double_each_other_are_counted_without_expanding_them() {
        // 2^40 selections if expanded one spread at a time.
        let mut query = String::from("{ ...f0 }\n");
        for level in 0..40 {
            let next = level + 1;
            query.push_str(&format!(
                "fragment f{level} on Query {{ ...f{next} ...f{next} }}\n"
            ));
        }
        query.push_str("fragment f40 on Query { me { id } }\n");
        let width = width_of(&query);
        assert_eq!(width.top_level, 1 << 40);
        let document = async_graphql::parser::parse_query(&query).expect("parses");
        let error = check(&document).expect_err("too wide");
        assert!(error.message.contains("root fields"), "{}", error.message);
    }

    #[test]
    fn a_cycle_counts_once_and_ends() {
        let width = width_of(
            "{ ...a } fragment a on Query { me { id } ...b } fragment b on Query { ...a }",
        );
        assert_eq!(width.top_level, 1);
    }
}
