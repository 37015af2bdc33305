// The filters above the admin's users table. Applied on submit, not on
// every keystroke: each change starts again from the first page.
import { useState } from 'preact/hooks';
import type { Role } from '../../generated/graphql/graphql';

export interface Filters {
  emailPrefix: string;
  role: Role | '';
  pageSize: number;
}

export const PAGE_SIZES = [5, 20, 50] as const;

export function UsersFilters(props: { initial: Filters; onApply: (filters: Filters) => void }) {
  const [draft, setDraft] = useState(props.initial);
  return (
    <form
      class="filters"
      role="search"
      aria-label="Filter users"
      onSubmit={(event) => { event.preventDefault(); props.onApply(draft); }}
    >
      <div class="field">
        <label for="email_prefix">Email starts with</label>
        <input id="email_prefix" type="search" value={draft.emailPrefix}
          onInput={(e) => setDraft({ ...draft, emailPrefix: e.currentTarget.value })} />
      </div>
      <div class="field">
        <label for="role">Role</label>
        <select id="role" value={draft.role}
          onChange={(e) => setDraft({ ...draft, role: e.currentTarget.value as Filters['role'] })}>
          <option value="">Any</option>
          <option value="USER">User</option>
          <option value="ADMIN">Admin</option>
        </select>
      </div>
      <div class="field">
        <label for="page_size">Per page</label>
        <select id="page_size" value={String(draft.pageSize)}
          onChange={(e) => setDraft({ ...draft, pageSize: Number(e.currentTarget.value) })}>
          {PAGE_SIZES.map((size) => <option key={size} value={String(size)}>{size}</option>)}
        </select>
      </div>
      <button type="submit">Apply filters</button>
    </form>
  );
}
