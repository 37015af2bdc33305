// Entry point: restore the session from the refresh cookie (if any), then
// render. Pages that need a user wait on the 'loading' state meanwhile.
import { render } from 'preact';
import { App } from './app';
import { restore } from './auth/session';
import './styles.css';

void restore();
const root = document.getElementById('app');
if (root) render(<App />, root);
