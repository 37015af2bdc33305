import type { ComponentChildren } from 'preact';

/** Disabled while the request runs, so a double click sends one request. */
export function SubmitButton(props: { busy: boolean; children: ComponentChildren }) {
  return (
    <button type="submit" disabled={props.busy} aria-busy={props.busy ? 'true' : undefined}>
      {props.children}
    </button>
  );
}
