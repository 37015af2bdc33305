// Writes the users service's OpenAPI document to src/generated/openapi.json,
// straight from the Rust code (`capstone schema openapi`), so the REST types
// in src/generated/openapi.ts are made from what the server really accepts.
//
// Runs $CAPSTONE_BIN when it is set (scripts/web.sh sets it to the binary it
// built), else `cargo run -q -- schema openapi` from the repository root.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(web, '..');
const bin = process.env.CAPSTONE_BIN;
const output = bin
  ? execFileSync(bin, ['schema', 'openapi'], { cwd: root, encoding: 'utf8' })
  : execFileSync('cargo', ['run', '-q', '--', 'schema', 'openapi'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
// Re-indent so the committed file diffs line by line.
const document = JSON.stringify(JSON.parse(output), null, 2) + '\n';
writeFileSync(resolve(web, 'src/generated/openapi.json'), document);
