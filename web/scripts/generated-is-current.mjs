// Fails when `npm run generate` changed anything under src/generated/, or
// left a file there that git does not know: the committed client must match
// the schemas. Reads git only (no add, no stash): it never touches the index.
import { execFileSync } from 'node:child_process';

const dir = 'src/generated';
try {
  execFileSync('git', ['diff', '--exit-code', '--stat', '--', dir], { stdio: 'inherit' });
} catch {
  console.error(`\n${dir} is stale: run \`npm run generate\` and commit the result.`);
  process.exit(1);
}
const untracked = execFileSync('git', ['ls-files', '--others', '--exclude-standard', '--', dir], {
  encoding: 'utf8',
}).trim();
if (untracked) {
  console.error(`Untracked generated files (commit them):\n${untracked}`);
  process.exit(1);
}
console.log(`${dir} is current.`);
