// Reads the emails the worker writes as .eml files (its `file` sink) and
// finds the link a user would click. Emails go through the outbox and
// RabbitMQ, so they arrive a moment after the request: poll, with a bound.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const dir = process.env.CAPSTONE_EMAIL_DIR ?? '../target/emails';

/** Undoes quoted-printable, in case a mail library chose it for long lines. */
function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The message's headers (unfolded, lower-case names) and its whole text. */
function parse(eml: string): { headers: Map<string, string>; body: string } {
  const split = eml.search(/\r?\n\r?\n/);
  const head = eml.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const body = /quoted-printable/i.test(eml) ? decodeQuotedPrintable(eml.slice(split)) : eml.slice(split);
  return { headers, body };
}

/**
 * The path and query (`/verify-email?token=…`) of the newest link to `page`
 * in an email to `to`. Only the path is kept, so the test opens it on the
 * base URL it tests, whatever link_base_url the worker was given.
 */
export async function waitForLink(
  to: string,
  page: 'verify-email' | 'reset-password',
  options: { timeoutMs?: number; after?: number } = {},
): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const pattern = new RegExp(`https?://[^\\s"<>]+(/${page}\\?token=[A-Za-z0-9._~%-]+)`);
  for (;;) {
    const found: { at: number; path: string }[] = [];
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!name.endsWith('.eml')) continue;
      const { headers, body } = parse(await readFile(join(dir, name), 'utf8'));
      if (!headers.get('to')?.toLowerCase().includes(to.toLowerCase())) continue;
      const at = Date.parse(headers.get('date') ?? '') || 0;
      const match = pattern.exec(body);
      if (match?.[1] && at >= (options.after ?? 0)) found.push({ at, path: match[1] });
    }
    found.sort((a, b) => b.at - a.at);
    if (found[0]) return found[0].path;
    if (Date.now() > deadline) throw new Error(`no ${page} email to ${to} in ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
