// A node:test reporter that prints, after the run, every skipped test with its
// reason — so a laptop without PostgreSQL or Redis shows what it did not test.
type Event = { type: string; data: { name: string; skip?: string | boolean; file?: string } };

export default async function* skipReporter(source: AsyncIterable<Event>): AsyncGenerator<string> {
  const skipped: string[] = [];
  for await (const ev of source) {
    if (
      (ev.type === 'test:pass' || ev.type === 'test:fail') &&
      ev.data.skip !== undefined &&
      ev.data.skip !== false
    ) {
      const reason = typeof ev.data.skip === 'string' ? ev.data.skip : 'skipped';
      skipped.push(`  - ${ev.data.name} — ${reason}`);
    }
  }
  if (skipped.length) yield `\nSkipped (${skipped.length}):\n${[...new Set(skipped)].join('\n')}\n`;
  else yield '\nSkipped: none\n';
}
