// Which page each path shows, and who may see it.
import type { JSX } from 'preact';
import type { SessionState } from './auth/session';
import { ChangePassword } from './pages/ChangePassword';
import { ForgotPassword } from './pages/ForgotPassword';
import { NotFound } from './pages/NotFound';
import { Profile } from './pages/Profile';
import { ResetPassword } from './pages/ResetPassword';
import { Sessions } from './pages/Sessions';
import { SignIn } from './pages/SignIn';
import { SignUp } from './pages/SignUp';
import { VerifyEmail } from './pages/VerifyEmail';
import { AdminUsers } from './pages/admin/AdminUsers';
import type { Location } from './router';

/** Pages for anyone; the email links land on two of them. */
const PUBLIC: Record<string, () => JSX.Element> = {
  '/sign-up': SignUp,
  '/verify-email': VerifyEmail,
  '/forgot-password': ForgotPassword,
  '/reset-password': ResetPassword,
};

/** Pages that need a signed-in user (the server checks roles again). */
const PRIVATE: Record<string, () => JSX.Element> = {
  '/profile': Profile,
  '/password': ChangePassword,
  '/sessions': Sessions,
  '/admin/users': AdminUsers,
};

/** What to show, or where to go instead (a redirect). */
export function route(location: Location, session: SessionState): JSX.Element | { redirect: string } {
  const { path } = location;
  const Public = PUBLIC[path];
  if (Public) return <Public />;
  if (session.status === 'loading') return <p role="status">Loading…</p>;
  const signedIn = session.status === 'signed-in';
  if (path === '/') return { redirect: signedIn ? '/profile' : '/sign-in' };
  if (path === '/sign-in') {
    if (signedIn) return { redirect: '/profile' };
    const notice = location.query.has('reset')
      ? 'Your password is changed. Sign in with the new one.'
      : session.reason;
    return <SignIn notice={notice} />;
  }
  const Private = PRIVATE[path];
  if (Private) return signedIn ? <Private /> : { redirect: '/sign-in' };
  return <NotFound />;
}
