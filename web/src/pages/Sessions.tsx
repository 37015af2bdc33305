// My sessions (one per sign-in, on any device), newest first, each with a
// button that ends it (`revokeSession`). Ending this tab's own session is
// signing out, so that row offers exactly that.
import { useState } from 'preact/hooks';
import { gql } from '../api/graphql';
import { useQuery } from '../api/use-query';
import { signOut } from '../auth/session';
import { ErrorMessage, SuccessMessage } from '../components/Alert';
import { formErrors } from '../components/form-errors';
import { Page } from '../components/Page';
import { formatDateTime } from '../format';
import { MySessionsDocument, RevokeSessionDocument } from '../generated/graphql/graphql';
import { navigate } from '../router';

export function Sessions() {
  const query = useQuery(MySessionsDocument, {});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  async function revoke(id: string, signedInAt: string) {
    setBusyId(id);
    try {
      await gql(RevokeSessionDocument, { id });
      setMessage({ ok: true, text: `The session signed in on ${formatDateTime(signedInAt)} has ended.` });
    } catch (error) {
      setMessage({ ok: false, text: formErrors(error).summary ?? '' });
    } finally {
      setBusyId(null);
      query.reload();
    }
  }

  async function signOutHere() {
    await signOut();
    navigate('/sign-in', { replace: true });
  }

  if (query.error) return <Page title="Your sessions"><ErrorMessage>{formErrors(query.error).summary}</ErrorMessage></Page>;
  if (!query.data) return <Page title="Your sessions"><p role="status">Loading…</p></Page>;
  const sessions = query.data.me.sessions;
  return (
    <Page title="Your sessions">
      <p>Every place you are signed in. End any you do not recognise.</p>
      {message && (message.ok ? <SuccessMessage>{message.text}</SuccessMessage> : <ErrorMessage>{message.text}</ErrorMessage>)}
      <ul class="cards" aria-label="Sessions">
        {sessions.map((session) => {
          const signedIn = formatDateTime(session.signedInAt);
          const isCurrent = session.current;
          return (
            <li key={session.id} class="card" data-testid="session">
              <p>
                <strong>Signed in {signedIn}</strong>
                {isCurrent && <span class="badge"> This session</span>}
              </p>
              <p class="muted">
                Last active {formatDateTime(session.lastRefreshedAt)} · ends {formatDateTime(session.expiresAt)} unless used
              </p>
              {isCurrent ? (
                <button type="button" onClick={() => void signOutHere()}>Sign out</button>
              ) : (
                <button
                  type="button"
                  class="danger"
                  disabled={busyId === session.id}
                  aria-label={`Revoke the session signed in ${signedIn}`}
                  onClick={() => void revoke(session.id, session.signedInAt)}
                >
                  Revoke
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </Page>
  );
}
