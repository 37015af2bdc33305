/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** What an account may do (`USER` or `ADMIN`). */
export type Role =
  /** May manage every account. */
  | 'ADMIN'
  /** A regular account. */
  | 'USER';

/** Which users to list; every filter given must match. */
export type UsersFilter = {
  /** Created at or after this instant. */
  createdAfter?: string | null | undefined;
  /** Created before this instant. */
  createdBefore?: string | null | undefined;
  /** Only emails starting with this text (case-insensitive). */
  emailPrefix?: string | null | undefined;
  role?: Role | null | undefined;
};

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, email: string, displayName: string, role: Role, emailVerifiedAt: string | null, createdAt: string } };

export type MySessionsQueryVariables = Exact<{ [key: string]: never; }>;


export type MySessionsQuery = { me: { id: string, sessions: Array<{ id: string, signedInAt: string, lastRefreshedAt: string, expiresAt: string, current: boolean }> } };

export type RevokeSessionMutationVariables = Exact<{
  id: string;
}>;


export type RevokeSessionMutation = { revokeSession: boolean };

export type SetUserRoleMutationVariables = Exact<{
  id: string;
  role: Role;
}>;


export type SetUserRoleMutation = { setUserRole: { id: string, role: Role } };

export type UpdateMeMutationVariables = Exact<{
  displayName: string;
}>;


export type UpdateMeMutation = { updateMe: { id: string, displayName: string } };

export type UsersQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  filter?: UsersFilter | null | undefined;
}>;


export type UsersQuery = { users: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, email: string, displayName: string, role: Role, emailVerifiedAt: string | null, disabledAt: string | null, createdAt: string }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    id
    email
    displayName
    role
    emailVerifiedAt
    createdAt
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const MySessionsDocument = new TypedDocumentString(`
    query MySessions {
  me {
    id
    sessions {
      id
      signedInAt
      lastRefreshedAt
      expiresAt
      current
    }
  }
}
    `) as unknown as TypedDocumentString<MySessionsQuery, MySessionsQueryVariables>;
export const RevokeSessionDocument = new TypedDocumentString(`
    mutation RevokeSession($id: UUID!) {
  revokeSession(id: $id)
}
    `) as unknown as TypedDocumentString<RevokeSessionMutation, RevokeSessionMutationVariables>;
export const SetUserRoleDocument = new TypedDocumentString(`
    mutation SetUserRole($id: UUID!, $role: Role!) {
  setUserRole(id: $id, role: $role) {
    id
    role
  }
}
    `) as unknown as TypedDocumentString<SetUserRoleMutation, SetUserRoleMutationVariables>;
export const UpdateMeDocument = new TypedDocumentString(`
    mutation UpdateMe($displayName: String!) {
  updateMe(displayName: $displayName) {
    id
    displayName
  }
}
    `) as unknown as TypedDocumentString<UpdateMeMutation, UpdateMeMutationVariables>;
export const UsersDocument = new TypedDocumentString(`
    query Users($first: Int!, $after: String, $filter: UsersFilter) {
  users(first: $first, after: $after, filter: $filter) {
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      id
      email
      displayName
      role
      emailVerifiedAt
      disabledAt
      createdAt
    }
  }
}
    `) as unknown as TypedDocumentString<UsersQuery, UsersQueryVariables>;