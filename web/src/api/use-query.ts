// Runs a GraphQL query when a component mounts (and again on reload()),
// and keeps its data or error as state.
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { TypedDocumentString } from '../generated/graphql/graphql';
import { gql } from './graphql';

export interface QueryState<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useQuery<T, V>(document: TypedDocumentString<T, V>, variables: V): QueryState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  // Variables are compared by value (`key`): a new object with the same
  // contents does not fetch again, so `variables` itself is not a dependency.
  const key = JSON.stringify(variables);
  const run = useCallback(() => {
    let current = true;
    setLoading(true);
    gql(document, variables).then(
      (result) => { if (current) { setData(result); setError(null); setLoading(false); } },
      (failure: unknown) => { if (current) { setError(failure); setLoading(false); } },
    );
    return () => { current = false; };
  }, [document, key]);
  useEffect(run, [run]);
  return { data, error, loading, reload: run };
}
