// /verify-email?token=…, the link in the welcome email. Verifying happens
// on arrival; verifying twice is fine, so a reload does no harm.
import { useEffect, useState } from 'preact/hooks';
import * as rest from '../api/rest';
import { useSession } from '../auth/use-session';
import { ErrorMessage, SuccessMessage } from '../components/Alert';
import { formErrors } from '../components/form-errors';
import { Link } from '../components/Link';
import { Page } from '../components/Page';
import { useLinkToken } from './link-token';

type Outcome = { kind: 'working' } | { kind: 'verified' } | { kind: 'failed'; message: string };

export function VerifyEmail() {
  const token = useLinkToken();
  const session = useSession();
  const [outcome, setOutcome] = useState<Outcome>(
    token ? { kind: 'working' } : { kind: 'failed', message: 'This link has no token. Open the link from the email again.' },
  );

  useEffect(() => {
    if (!token) return;
    rest.verifyEmail({ token }).then(
      () => setOutcome({ kind: 'verified' }),
      (error: unknown) => setOutcome({ kind: 'failed', message: formErrors(error).summary ?? '' }),
    );
  }, [token]);

  const next = session.status === 'signed-in'
    ? <Link href="/profile">Go to your profile</Link>
    : <Link href="/sign-in">Sign in</Link>;
  return (
    <Page title="Verify your email address">
      {outcome.kind === 'working' && <p role="status">Verifying…</p>}
      {outcome.kind === 'verified' && <SuccessMessage>Your email address is verified. Thank you!</SuccessMessage>}
      {outcome.kind === 'failed' && <ErrorMessage>{outcome.message}</ErrorMessage>}
      {outcome.kind !== 'working' && <p>{next}</p>}
    </Page>
  );
}
