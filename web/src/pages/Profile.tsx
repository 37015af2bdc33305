// My profile, read with GraphQL `me`, and the one thing a user edits
// here: the display name (`updateMe`).
import { useEffect, useState } from 'preact/hooks';
import { gql } from '../api/graphql';
import { useQuery } from '../api/use-query';
import { ErrorMessage, SuccessMessage } from '../components/Alert';
import { Field } from '../components/Field';
import { formErrors, NO_ERRORS } from '../components/form-errors';
import { Page } from '../components/Page';
import { SubmitButton } from '../components/SubmitButton';
import { formatDateTime } from '../format';
import { MeDocument, UpdateMeDocument } from '../generated/graphql/graphql';

export function Profile() {
  const me = useQuery(MeDocument, {});
  const [displayName, setDisplayName] = useState('');
  const [errors, setErrors] = useState(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (me.data) setDisplayName(me.data.me.displayName);
  }, [me.data]);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setSaved(false);
    try {
      const result = await gql(UpdateMeDocument, { displayName });
      setDisplayName(result.updateMe.displayName);
      setErrors(NO_ERRORS);
      setSaved(true);
      me.reload();
    } catch (error) {
      setErrors(formErrors(error));
    } finally {
      setBusy(false);
    }
  }

  if (me.error) return <Page title="Your profile"><ErrorMessage>{formErrors(me.error).summary}</ErrorMessage></Page>;
  if (!me.data) return <Page title="Your profile"><p role="status">Loading…</p></Page>;
  const user = me.data.me;
  return (
    <Page title="Your profile">
      <dl class="facts">
        <dt>Name</dt><dd data-testid="profile-name">{user.displayName}</dd>
        <dt>Email</dt><dd>{user.email}</dd>
        <dt>Email verified</dt>
        <dd>{user.emailVerifiedAt ? `Yes, on ${formatDateTime(user.emailVerifiedAt)}` : 'Not yet: follow the link we emailed you'}</dd>
        <dt>Role</dt><dd>{user.role === 'ADMIN' ? 'Administrator' : 'User'}</dd>
        <dt>Member since</dt><dd>{formatDateTime(user.createdAt)}</dd>
      </dl>
      <h2>Change your display name</h2>
      <form onSubmit={submit} noValidate>
        {errors.summary && <ErrorMessage>{errors.summary}</ErrorMessage>}
        {saved && <SuccessMessage>Your display name is saved.</SuccessMessage>}
        <Field id="display_name" label="Display name" autoComplete="name" value={displayName} onInput={setDisplayName} error={errors.fields['display_name']} />
        <SubmitButton busy={busy}>Save name</SubmitButton>
      </form>
    </Page>
  );
}
