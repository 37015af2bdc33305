// Messages for the whole form or page. role="alert" is read out as soon as
// it appears; role="status" politely, for good news.
import type { ComponentChildren } from 'preact';

export function ErrorMessage(props: { children: ComponentChildren }) {
  return <div class="alert alert-error" role="alert">{props.children}</div>;
}

export function SuccessMessage(props: { children: ComponentChildren }) {
  return <div class="alert alert-success" role="status">{props.children}</div>;
}
