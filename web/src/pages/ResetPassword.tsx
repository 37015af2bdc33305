// /reset-password?token=…, the link in the reset email. Works once: the
// server refuses the token after the password has changed.
import { useState } from 'preact/hooks';
import * as rest from '../api/rest';
import { ErrorMessage } from '../components/Alert';
import { Field } from '../components/Field';
import { formErrors, NO_ERRORS } from '../components/form-errors';
import { Link } from '../components/Link';
import { Page } from '../components/Page';
import { SubmitButton } from '../components/SubmitButton';
import { navigate } from '../router';
import { useLinkToken } from './link-token';

export function ResetPassword() {
  const token = useLinkToken();
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState(NO_ERRORS);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    if (!token) return;
    setBusy(true);
    try {
      await rest.resetPassword({ token, new_password: password });
      // Every session ended with the old password: sign in with the new one.
      navigate('/sign-in?reset=1', { replace: true });
    } catch (error) {
      setErrors(formErrors(error));
      setBusy(false);
    }
  }

  if (!token) {
    return (
      <Page title="Choose a new password">
        <ErrorMessage>This link has no token. <Link href="/forgot-password">Ask for a new link</Link>.</ErrorMessage>
      </Page>
    );
  }
  return (
    <Page title="Choose a new password">
      <form onSubmit={submit} noValidate>
        {errors.summary && <ErrorMessage>{errors.summary}</ErrorMessage>}
        <Field id="new_password" label="New password" type="password" autoComplete="new-password" hint="8 to 128 characters, not your email address." value={password} onInput={setPassword} error={errors.fields['new_password']} />
        <SubmitButton busy={busy}>Set new password</SubmitButton>
      </form>
      {errors.summary && <p><Link href="/forgot-password">Ask for a new link</Link></p>}
    </Page>
  );
}
