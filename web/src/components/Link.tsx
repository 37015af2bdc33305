import type { ComponentChildren } from 'preact';
import { onLinkClick } from '../router';

/** An ordinary <a href> (keyboard, middle-click, copy link all work) routed in-app. */
export function Link(props: { href: string; children: ComponentChildren; current?: boolean }) {
  return (
    <a href={props.href} onClick={onLinkClick} aria-current={props.current ? 'page' : undefined}>
      {props.children}
    </a>
  );
}
