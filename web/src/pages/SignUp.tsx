// Sign up: the server answers 202 whether or not the address already had an
// account (so nobody can probe who is registered), and emails a link either way.
import { useState } from 'preact/hooks';
import * as rest from '../api/rest';
import { ErrorMessage, SuccessMessage } from '../components/Alert';
import { Field } from '../components/Field';
import { formErrors, NO_ERRORS } from '../components/form-errors';
import { Link } from '../components/Link';
import { Page } from '../components/Page';
import { SubmitButton } from '../components/SubmitButton';

export function SignUp() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [errors, setErrors] = useState(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    try {
      await rest.register({ email, password, display_name: displayName });
      setSentTo(email);
    } catch (error) {
      setErrors(formErrors(error));
    } finally {
      setBusy(false);
    }
  }

  if (sentTo) {
    return (
      <Page title="Check your email">
        <SuccessMessage>
          We sent a message to <strong>{sentTo}</strong>. Follow its link to verify your address.
        </SuccessMessage>
        <p>You can <Link href="/sign-in">sign in</Link> already.</p>
      </Page>
    );
  }
  return (
    <Page title="Create an account">
      <form onSubmit={submit} noValidate>
        {errors.summary && <ErrorMessage>{errors.summary}</ErrorMessage>}
        <Field id="email" label="Email" type="email" autoComplete="email" value={email} onInput={setEmail} error={errors.fields['email']} />
        <Field id="display_name" label="Display name" autoComplete="name" value={displayName} onInput={setDisplayName} error={errors.fields['display_name']} />
        <Field id="password" label="Password" type="password" autoComplete="new-password" hint="8 to 128 characters, not your email address." value={password} onInput={setPassword} error={errors.fields['password']} />
        <SubmitButton busy={busy}>Sign up</SubmitButton>
      </form>
      <p>Already have an account? <Link href="/sign-in">Sign in</Link></p>
    </Page>
  );
}
