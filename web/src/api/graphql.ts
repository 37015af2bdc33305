// Sends a typed GraphQL document (src/generated/graphql, made from
// src/graphql/*.graphql by `npm run generate`) with the access token.
// Result and variables are typed by the document itself.
import type { TypedDocumentString } from '../generated/graphql/graphql';
import { authorized } from '../auth/authorized';
import { ApiError, graphqlProblem, networkProblem, problemFrom, type GraphQLErrorBody } from './problem';

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: GraphQLErrorBody[];
}

async function send<T, V>(token: string, document: TypedDocumentString<T, V>, variables: V): Promise<T> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
  } catch {
    throw networkProblem();
  }
  // Failures before the query runs (401 at the gateway, 413, 429) are problem+json.
  if (!response.ok) throw await problemFrom(response);
  const body = (await response.json()) as GraphQLResponse<T>;
  const first = body.errors?.[0];
  if (first) throw graphqlProblem(first);
  if (!body.data) throw new ApiError('internal', 200, 'The answer had no data.');
  return body.data;
}

/** Runs one operation (with one silent refresh if the token is refused). */
export function gql<T, V>(document: TypedDocumentString<T, V>, variables: V): Promise<T> {
  return authorized((token) => send(token, document, variables));
}
