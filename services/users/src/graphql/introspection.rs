//! Introspection off, said out loud. The library's switch makes `__schema`
//! and `__type` resolve to nothing, without an error, so a client would
//! see `{"data": {}}` and wonder; this refuses such a query with a code
//! instead, before anything runs. The library's switch stays on too: this
//! is what a client sees, that is what guarantees nothing answers.

use std::sync::Arc;

use async_graphql::{
    ServerError, ServerResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery},
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

/// The fields that describe the schema.
const INTROSPECTION_FIELDS: [&str; 2] = ["__schema", "__type"];

/// The extension that refuses introspection (installed only when it is off).
#[derive(Debug, Clone, Copy)]
pub(super) struct NoIntrospection;

impl ExtensionFactory for NoIntrospection {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(NoIntrospection)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for NoIntrospection {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if asks_for_introspection(&document) {
            let mut error = ServerError::new(
                "Introspection is off on this server; the schema is published as \
                 services/users/schema.graphql (`capstone schema`).",
                None,
            );
            let extensions = error.extensions.get_or_insert_with(Default::default);
            extensions.set("code", "introspection-disabled");
            extensions.set("status", 400);
            return Err(error);
        }
        Ok(document)
    }
}

/// Whether any operation or fragment selects an introspection field. Each
/// definition is read once, spreads are not followed: linear in the text.
fn asks_for_introspection(document: &ExecutableDocument) -> bool {
    let operations = document
        .operations
        .iter()
        .map(|(_, operation)| &operation.node.selection_set.node);
    let fragments = document
        .fragments
        .values()
        .map(|fragment| &fragment.node.selection_set.node);
    operations.chain(fragments).any(selects_introspection)
}

fn selects_introspection(set: &SelectionSet) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(field) => {
            INTROSPECTION_FIELDS.contains(&field.node.name.node.as_str())
                || selects_introspection(&field.node.selection_set.node)
        }
        Selection::InlineFragment(fragment) => {
            selects_introspection(&fragment.node.selection_set.node)
        }
        Selection::FragmentSpread(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asks(query: &str) -> bool {
        asks_for_introspection(&async_graphql::parser::parse_query(query).expect("parses"))
    }

    #[test]
    fn introspection_is_found_directly_in_fragments_and_under_aliases() {
        assert!(asks("{ __schema { queryType { name } } }"));
        assert!(asks("{ t: __type(name: \"User\") { name } }"));
        assert!(asks(
            "{ ...f } fragment f on Query { __schema { types { name } } }"
        ));
        assert!(asks("{ ... on Query { __type(name: \"User\") { name } } }"));
    }

    #[test]
    fn ordinary_queries_and_typename_pass() {
        assert!(!asks("{ me { id __typename } }"));
        assert!(!asks("mutation { revokeSession(id: \"x\") }"));
    }
}
