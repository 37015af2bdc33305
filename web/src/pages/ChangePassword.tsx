// Change password through REST (PATCH /api/v1/users/me/password) with the
// cookie transport: the server ends every other session and sends this one
// a new access token (body) and refresh token (cookie). GraphQL's
// changePassword would put the refresh token in the body, where scripts
// could read it, so the app does not use it.
import { useState } from 'preact/hooks';
import * as rest from '../api/rest';
import { authorized } from '../auth/authorized';
import { adoptTokens } from '../auth/session';
import { ErrorMessage, SuccessMessage } from '../components/Alert';
import { Field } from '../components/Field';
import { formErrors, NO_ERRORS } from '../components/form-errors';
import { Page } from '../components/Page';
import { SubmitButton } from '../components/SubmitButton';

export function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [errors, setErrors] = useState(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setDone(false);
    try {
      const body = { current_password: current, new_password: next };
      adoptTokens(await authorized((token) => rest.changePassword(token, body)));
      setErrors(NO_ERRORS);
      setCurrent('');
      setNext('');
      setDone(true);
    } catch (error) {
      setErrors(formErrors(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title="Change your password">
      <form onSubmit={submit} noValidate>
        {errors.summary && <ErrorMessage>{errors.summary}</ErrorMessage>}
        {done && <SuccessMessage>Your password is changed. Your other sessions were signed out.</SuccessMessage>}
        <Field id="current_password" label="Current password" type="password" autoComplete="current-password" value={current} onInput={setCurrent} error={errors.fields['current_password']} />
        <Field id="new_password" label="New password" type="password" autoComplete="new-password" hint="8 to 128 characters, not your email address." value={next} onInput={setNext} error={errors.fields['new_password']} />
        <SubmitButton busy={busy}>Change password</SubmitButton>
      </form>
    </Page>
  );
}
