import { cardsPart } from '@honnin/card/host/part';
import { jlisPart } from '@honnin/jlis/part';
import { platformPart } from '@honnin/platform/part';
import type { PartModule } from '@honnin/runtime';
import { dipsPart } from '@honnin/services/dips/part';
import { mailboxPart } from './mailbox-part.ts';

/**
 * Every part `honnin start` runs, in start order (a part may call the ones
 * before it over HTTP while starting). Add a part with one line here.
 */
export const PARTS: PartModule[] = [
  mailboxPart as unknown as PartModule,
  jlisPart as unknown as PartModule,
  cardsPart as unknown as PartModule,
  platformPart as unknown as PartModule,
  dipsPart as unknown as PartModule,
];
