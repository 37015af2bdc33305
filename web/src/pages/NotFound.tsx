import { Link } from '../components/Link';
import { Page } from '../components/Page';

export function NotFound() {
  return (
    <Page title="Page not found">
      <p>There is no page at this address. <Link href="/">Go to the start page</Link>.</p>
    </Page>
  );
}
