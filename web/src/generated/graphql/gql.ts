/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query Me {\n  me {\n    id\n    email\n    displayName\n    role\n    emailVerifiedAt\n    createdAt\n  }\n}": typeof types.MeDocument,
    "query MySessions {\n  me {\n    id\n    sessions {\n      id\n      signedInAt\n      lastRefreshedAt\n      expiresAt\n      current\n    }\n  }\n}": typeof types.MySessionsDocument,
    "mutation RevokeSession($id: UUID!) {\n  revokeSession(id: $id)\n}": typeof types.RevokeSessionDocument,
    "mutation SetUserRole($id: UUID!, $role: Role!) {\n  setUserRole(id: $id, role: $role) {\n    id\n    role\n  }\n}": typeof types.SetUserRoleDocument,
    "mutation UpdateMe($displayName: String!) {\n  updateMe(displayName: $displayName) {\n    id\n    displayName\n  }\n}": typeof types.UpdateMeDocument,
    "query Users($first: Int!, $after: String, $filter: UsersFilter) {\n  users(first: $first, after: $after, filter: $filter) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      email\n      displayName\n      role\n      emailVerifiedAt\n      disabledAt\n      createdAt\n    }\n  }\n}": typeof types.UsersDocument,
};
const documents: Documents = {
    "query Me {\n  me {\n    id\n    email\n    displayName\n    role\n    emailVerifiedAt\n    createdAt\n  }\n}": types.MeDocument,
    "query MySessions {\n  me {\n    id\n    sessions {\n      id\n      signedInAt\n      lastRefreshedAt\n      expiresAt\n      current\n    }\n  }\n}": types.MySessionsDocument,
    "mutation RevokeSession($id: UUID!) {\n  revokeSession(id: $id)\n}": types.RevokeSessionDocument,
    "mutation SetUserRole($id: UUID!, $role: Role!) {\n  setUserRole(id: $id, role: $role) {\n    id\n    role\n  }\n}": types.SetUserRoleDocument,
    "mutation UpdateMe($displayName: String!) {\n  updateMe(displayName: $displayName) {\n    id\n    displayName\n  }\n}": types.UpdateMeDocument,
    "query Users($first: Int!, $after: String, $filter: UsersFilter) {\n  users(first: $first, after: $after, filter: $filter) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      email\n      displayName\n      role\n      emailVerifiedAt\n      disabledAt\n      createdAt\n    }\n  }\n}": types.UsersDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me {\n  me {\n    id\n    email\n    displayName\n    role\n    emailVerifiedAt\n    createdAt\n  }\n}"): typeof import('./graphql').MeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query MySessions {\n  me {\n    id\n    sessions {\n      id\n      signedInAt\n      lastRefreshedAt\n      expiresAt\n      current\n    }\n  }\n}"): typeof import('./graphql').MySessionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RevokeSession($id: UUID!) {\n  revokeSession(id: $id)\n}"): typeof import('./graphql').RevokeSessionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SetUserRole($id: UUID!, $role: Role!) {\n  setUserRole(id: $id, role: $role) {\n    id\n    role\n  }\n}"): typeof import('./graphql').SetUserRoleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateMe($displayName: String!) {\n  updateMe(displayName: $displayName) {\n    id\n    displayName\n  }\n}"): typeof import('./graphql').UpdateMeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Users($first: Int!, $after: String, $filter: UsersFilter) {\n  users(first: $first, after: $after, filter: $filter) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      email\n      displayName\n      role\n      emailVerifiedAt\n      disabledAt\n      createdAt\n    }\n  }\n}"): typeof import('./graphql').UsersDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
