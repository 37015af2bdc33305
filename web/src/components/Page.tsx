// Every page's frame: sets the tab's title and, after in-app navigation,
// moves focus to the heading so keyboard and screen-reader users start at
// the new content instead of on the link they just followed.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { hasNavigated } from '../router';

export function Page(props: { title: string; wide?: boolean; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Capstone`;
    if (hasNavigated()) heading.current?.focus();
  }, [props.title]);
  return (
    <section class={props.wide ? 'page page-wide' : 'page'} aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1} ref={heading}>{props.title}</h1>
      {props.children}
    </section>
  );
}
