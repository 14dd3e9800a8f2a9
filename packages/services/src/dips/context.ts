import type { RelyingParty } from '../relying-party/client.ts';
import type { Web } from '../web/install.ts';
import type { Accounts } from './account/accounts.ts';
import type { Applications } from './application/applications.ts';
import type { Registrations } from './staff/registrations.ts';
import type { Procedure } from './verification/procedure.ts';

/** What the route modules of the service share (built once in service.ts). */
export interface Dips {
  clock: () => number;
  web: Web;
  rp: RelyingParty;
  accounts: Accounts;
  applications: Applications;
  procedure: Procedure;
  registrations: Registrations;
  /** this service's public base URL */
  publicUrl: string;
  /** staff pages' password */
  staffPassword: string;
}
