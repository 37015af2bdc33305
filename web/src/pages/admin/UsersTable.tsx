// One page of users, with a role change per row (`setUserRole`).
import type { Role, UsersQuery } from '../../generated/graphql/graphql';
import { formatDateTime } from '../../format';

type User = UsersQuery['users']['nodes'][number];

interface Props {
  users: readonly User[];
  busyId: string | null;
  onSetRole: (user: User, role: Role) => void;
}

export function UsersTable({ users, busyId, onSetRole }: Props) {
  if (users.length === 0) return <p role="status">No users match.</p>;
  return (
    // The wrapper scrolls sideways on a narrow screen instead of the page.
    <div class="table-scroll" tabIndex={0} role="region" aria-label="Users table">
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Verified</th>
            <th scope="col">Created</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => {
            const target: Role = user.role === 'ADMIN' ? 'USER' : 'ADMIN';
            return (
              <tr key={user.id} data-testid="user-row">
                <th scope="row">{user.email}</th>
                <td>{user.displayName}</td>
                <td>{user.role === 'ADMIN' ? 'Admin' : 'User'}{user.disabledAt ? ' (suspended)' : ''}</td>
                <td>{user.emailVerifiedAt ? 'Yes' : 'No'}</td>
                <td>{formatDateTime(user.createdAt)}</td>
                <td>
                  <button
                    type="button"
                    disabled={busyId === user.id}
                    aria-label={`${target === 'ADMIN' ? 'Make admin' : 'Make user'}: ${user.email}`}
                    onClick={() => onSetRole(user, target)}
                  >
                    {target === 'ADMIN' ? 'Make admin' : 'Make user'}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
