import { cardsPart } from '@honnin/card/host/part';
import { jlisPart } from '@honnin/jlis/part';
import { platformPart } from '@honnin/platform/part';
import type { PartModule } from '@honnin/runtime';
import { dipsPart } from '@honnin/services/dips/part';
import { paymentPart } from '@honnin/services/payment/part';
import { officialCaPart } from '@honnin/services/qualifications/official-ca/part';
import { qualificationsPart } from '@honnin/services/qualifications/part';
import { verifyPart } from '@honnin/services/qualifications/verification/part';
import { mailboxPart } from './mailbox-part.ts';

/**
 * Every part `honnin start` runs, in start order (a part may call the ones
 * before it over HTTP while starting). Add a part with one line here.
 */
export const PARTS: PartModule[] = [
  mailboxPart,
  jlisPart,
  cardsPart,
  platformPart,
  dipsPart,
  officialCaPart,
  paymentPart,
  qualificationsPart,
  verifyPart,
];
