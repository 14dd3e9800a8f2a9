// The test command (`npm test`): type-check, lint, then every test file with
// node's test runner. Arguments narrow the run to paths containing them
// (`npm test -- packages/jlis`); `--fast` skips type-check and lint.
// At the end it lists the tests skipped and why (missing PostgreSQL, Redis, …).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const fast = args.includes('--fast');
const filters = args.filter((a) => !a.startsWith('--'));

function run(cmd: string, cmdArgs: string[]): number {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  return r.status ?? 1;
}

function findTests(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

if (!fast) {
  console.log('▶ type-check (tsc)');
  if (run(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'])) process.exit(1);
  console.log('▶ lint (biome)');
  if (run(join(root, 'node_modules/.bin/biome'), ['ci', '--colors=off', '.'])) process.exit(1);
}

const files = [...findTests(join(root, 'packages')), ...findTests(join(root, 'e2e'))]
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files match', filters);
  process.exit(1);
}
console.log(`▶ ${files.length} test files`);
const code = run(process.execPath, [
  '--test',
  `--test-concurrency=${Math.max(2, Math.min(4, availableParallelism()))}`,
  '--test-timeout=600000',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=./scripts/skip-reporter.ts',
  '--test-reporter-destination=stderr',
  ...files,
]);
process.exit(code);
