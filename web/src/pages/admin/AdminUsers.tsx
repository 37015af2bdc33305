// Admins only: every account, a page at a time. GraphQL's `users` pages
// forward with `after` = the previous page's endCursor; going back needs
// the cursors we came through, so we keep them on a stack.
import { useState } from 'preact/hooks';
import { gql } from '../../api/graphql';
import { useQuery } from '../../api/use-query';
import { ErrorMessage, SuccessMessage } from '../../components/Alert';
import { formErrors } from '../../components/form-errors';
import { Page } from '../../components/Page';
import { SetUserRoleDocument, UsersDocument, type Role } from '../../generated/graphql/graphql';
import { UsersFilters, type Filters } from './UsersFilters';
import { UsersTable } from './UsersTable';

export function AdminUsers() {
  const [filters, setFilters] = useState<Filters>({ emailPrefix: '', role: '', pageSize: 20 });
  // cursors[i] is the `after` of page i+2; the first page has none.
  const [cursors, setCursors] = useState<string[]>([]);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  const after = cursors.at(-1) ?? null;
  const prefix = filters.emailPrefix.trim();
  const page = useQuery(UsersDocument, {
    first: filters.pageSize,
    after,
    // An empty filter is left out: the server refuses an empty prefix.
    filter: { ...(prefix ? { emailPrefix: prefix } : {}), ...(filters.role ? { role: filters.role } : {}) },
  });

  function apply(next: Filters) {
    setFilters(next);
    setCursors([]);
    setMessage(null);
  }

  async function setRole(user: { id: string; email: string }, role: Role) {
    setBusyId(user.id);
    try {
      await gql(SetUserRoleDocument, { id: user.id, role });
      setMessage({ ok: true, text: `${user.email} is now ${role === 'ADMIN' ? 'an admin' : 'a user'}.` });
      page.reload();
    } catch (error) {
      setMessage({ ok: false, text: formErrors(error).summary ?? '' });
    } finally {
      setBusyId(null);
    }
  }

  const connection = page.data?.users;
  const endCursor = connection?.pageInfo.endCursor;
  return (
    <Page title="Users" wide>
      <UsersFilters initial={filters} onApply={apply} />
      {message && (message.ok ? <SuccessMessage>{message.text}</SuccessMessage> : <ErrorMessage>{message.text}</ErrorMessage>)}
      {page.error ? <ErrorMessage>{formErrors(page.error).summary}</ErrorMessage> : null}
      {!connection && !page.error && <p role="status">Loading…</p>}
      {connection && (
        <>
          <UsersTable users={connection.nodes} busyId={busyId} onSetRole={(u, r) => void setRole(u, r)} />
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={cursors.length === 0 || page.loading}
              onClick={() => setCursors(cursors.slice(0, -1))}>Previous</button>
            <span aria-live="polite">Page {cursors.length + 1}</span>
            <button type="button" disabled={!connection.pageInfo.hasNextPage || !endCursor || page.loading}
              onClick={() => endCursor && setCursors([...cursors, endCursor])}>Next</button>
          </nav>
        </>
      )}
    </Page>
  );
}
