// The header's navigation: what a signed-in user can reach, or the ways in.
import { signOut } from '../auth/session';
import { useSession } from '../auth/use-session';
import { navigate } from '../router';
import { Link } from './Link';

export function Nav(props: { path: string }) {
  const session = useSession();
  const item = (href: string, label: string) => (
    <li><Link href={href} current={props.path === href}>{label}</Link></li>
  );
  if (session.status === 'loading') return <nav aria-label="Main" />;
  if (session.status === 'signed-out') {
    return (
      <nav aria-label="Main">
        <ul>{item('/sign-in', 'Sign in')}{item('/sign-up', 'Sign up')}</ul>
      </nav>
    );
  }
  const isAdmin = session.claims.role.toLowerCase() === 'admin';
  return (
    <nav aria-label="Main">
      <ul>
        {item('/profile', 'Profile')}
        {item('/password', 'Password')}
        {item('/sessions', 'Sessions')}
        {isAdmin && item('/admin/users', 'Users')}
        <li>
          <button type="button" class="link-button" onClick={() => void signOut().finally(() => navigate('/sign-in'))}>
            Sign out
          </button>
        </li>
      </ul>
    </nav>
  );
}
