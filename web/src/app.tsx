// The frame around every page: skip link, header with navigation, main.
import { useEffect } from 'preact/hooks';
import { useSession } from './auth/use-session';
import { Link } from './components/Link';
import { Nav } from './components/Nav';
import { route } from './routes';
import { navigate, useLocation } from './router';

export function App() {
  const location = useLocation();
  const session = useSession();
  const content = route(location, session);
  const redirect = 'redirect' in content ? content.redirect : null;

  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);

  return (
    <>
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="site-header">
        <Link href="/">Capstone</Link>
        <Nav path={location.path} />
      </header>
      <main id="main" tabIndex={-1}>{redirect ? null : content}</main>
    </>
  );
}
