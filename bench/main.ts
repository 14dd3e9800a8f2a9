// `npm run bench`: runs every bench/*.bench.ts (or those whose name contains an
// argument, e.g. `npm run bench -- jlis`) one after another in this process.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const filters = process.argv.slice(2);
const files = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
process.stdout.write(`honnin bench — node ${process.version}, ${files.length} suites\n`);
for (const f of files) {
  const mod = (await import(join(import.meta.dirname, f))) as { default: () => Promise<void> };
  await mod.default();
}
