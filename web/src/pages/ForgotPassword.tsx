// The server answers 202 for any address, so this page cannot (and must
// not) say whether the address has an account.
import { useState } from 'preact/hooks';
import * as rest from '../api/rest';
import { ErrorMessage, SuccessMessage } from '../components/Alert';
import { Field } from '../components/Field';
import { formErrors, NO_ERRORS } from '../components/form-errors';
import { Link } from '../components/Link';
import { Page } from '../components/Page';
import { SubmitButton } from '../components/SubmitButton';

export function ForgotPassword() {
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    try {
      await rest.forgotPassword({ email });
      setSent(true);
    } catch (error) {
      setErrors(formErrors(error));
    } finally {
      setBusy(false);
    }
  }

  if (sent) {
    return (
      <Page title="Check your email">
        <SuccessMessage>
          If an account uses <strong>{email}</strong>, we sent it a link to choose a new password.
          The link works for 30 minutes.
        </SuccessMessage>
        <p><Link href="/sign-in">Back to sign in</Link></p>
      </Page>
    );
  }
  return (
    <Page title="Forgot your password?">
      <p>Enter your email address and we will send you a link to choose a new password.</p>
      <form onSubmit={submit} noValidate>
        {errors.summary && <ErrorMessage>{errors.summary}</ErrorMessage>}
        <Field id="email" label="Email" type="email" autoComplete="email" value={email} onInput={setEmail} error={errors.fields['email']} />
        <SubmitButton busy={busy}>Send me a link</SubmitButton>
      </form>
      <p><Link href="/sign-in">Back to sign in</Link></p>
    </Page>
  );
}
