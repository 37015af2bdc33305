// What to tell a person about an ApiError. The server's `detail` may be
// reworded in any release and is written for developers, so the app words
// every problem a user can cause itself, keyed by the stable `code`.
import type { ApiError, FieldProblem } from './problem';

const PROBLEMS: Record<string, string> = {
  'invalid-credentials': 'The email or the password is wrong. Check both and try again.',
  'account-disabled': 'An administrator has suspended this account.',
  'too-many-login-attempts': 'Too many failed attempts. Wait a while, then try again.',
  'wrong-password': 'Your current password is not right; nothing was changed.',
  'invalid-link': 'This link is invalid, has expired or was already used. Ask for a new one.',
  'invalid-refresh-token': 'Your session has ended. Please sign in again.',
  'self-administration': 'You cannot change your own role: ask another admin.',
  'last-admin': 'This is the only active admin: promote another user first.',
  'session-not-found': 'That session has already ended.',
  'email-taken': 'Another account uses this email address.',
  'rate-limited': 'Too many requests. Wait a moment, then try again.',
  'dependency-unavailable': 'The service is briefly unavailable. Try again in a moment.',
  'upstream-unavailable': 'The service is briefly unavailable. Try again in a moment.',
  'upstream-unreachable': 'The service is briefly unavailable. Try again in a moment.',
  'upstream-timeout': 'The service took too long to answer. Try again in a moment.',
  unauthenticated: 'Your session has ended. Please sign in again.',
  forbidden: 'You are not allowed to do that.',
  'not-found': 'That no longer exists.',
  network: 'The server could not be reached. Check your connection and try again.',
  validation: 'Some fields need your attention.',
};

/** A sentence for the form's error summary. */
export function describe(error: ApiError): string {
  const known = PROBLEMS[error.code];
  if (known && error.code === 'too-many-login-attempts' && error.retryAfter) {
    const minutes = Math.ceil(error.retryAfter / 60);
    return `Too many failed attempts. Try again in ${String(minutes)} minute${minutes === 1 ? '' : 's'}.`;
  }
  if (known) return known;
  const id = error.requestId ? ` (request id ${error.requestId})` : '';
  return `Something went wrong${id}. Please try again.`;
}

const FIELD_CODES: Record<string, string> = {
  required: 'This field is required.',
  email: 'Enter a valid email address, like name@example.com.',
  same_as_email: 'Your password must not be your email address.',
  control_characters: 'Remove line breaks and other control characters.',
  mismatch: 'This is not your current password.',
  invalid_type: 'This value is not valid.',
};

/** The message under one input; `length` depends on the field's rule. */
export function describeField(field: FieldProblem, name: string): string {
  if (field.code === 'length') {
    if (name === 'password' || name === 'new_password') return 'Use 8 to 128 characters.';
    if (name === 'display_name') return 'Enter a name of 1 to 64 characters.';
    if (name === 'email') return 'Enter your email address (at most 254 characters).';
    return 'This value is too short or too long.';
  }
  return FIELD_CODES[field.code] ?? field.detail;
}
