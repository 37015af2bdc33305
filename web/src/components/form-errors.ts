// Turns an error into what a form shows: one message per input (from the
// problem's field pointers) and a summary for the top of the form.
import { describe, describeField } from '../api/messages';
import { ApiError } from '../api/problem';

export interface FormErrors {
  summary: string | null;
  fields: Record<string, string>;
}

export const NO_ERRORS: FormErrors = { summary: null, fields: {} };

/** `#/new_password` (REST) and `#/newPassword` (GraphQL) both name `new_password`. */
function fieldName(pointer: string): string {
  return pointer.replace(/^#\//, '').replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

export function formErrors(error: unknown): FormErrors {
  if (!(error instanceof ApiError)) {
    return { summary: 'Something went wrong. Please try again.', fields: {} };
  }
  const fields: Record<string, string> = {};
  for (const field of error.fields) {
    const name = fieldName(field.pointer);
    fields[name] ??= describeField(field, name);
  }
  return { summary: describe(error), fields };
}
