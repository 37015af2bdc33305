import { useState } from 'preact/hooks';
import { signIn } from '../auth/session';
import { ErrorMessage, SuccessMessage } from '../components/Alert';
import { Field } from '../components/Field';
import { formErrors, NO_ERRORS } from '../components/form-errors';
import { Link } from '../components/Link';
import { Page } from '../components/Page';
import { SubmitButton } from '../components/SubmitButton';
import { navigate } from '../router';

export function SignIn(props: { notice?: string | undefined }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState(NO_ERRORS);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    try {
      await signIn(email, password);
      navigate('/profile', { replace: true });
    } catch (error) {
      setErrors(formErrors(error));
      setBusy(false);
    }
  }

  return (
    <Page title="Sign in">
      {props.notice && !errors.summary && <SuccessMessage>{props.notice}</SuccessMessage>}
      <form onSubmit={submit} noValidate>
        {errors.summary && <ErrorMessage>{errors.summary}</ErrorMessage>}
        <Field id="email" label="Email" type="email" autoComplete="username" value={email} onInput={setEmail} error={errors.fields['email']} />
        <Field id="password" label="Password" type="password" autoComplete="current-password" value={password} onInput={setPassword} error={errors.fields['password']} />
        <SubmitButton busy={busy}>Sign in</SubmitButton>
      </form>
      <p><Link href="/forgot-password">Forgot your password?</Link></p>
      <p>New here? <Link href="/sign-up">Create an account</Link></p>
    </Page>
  );
}
