import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PaymentGateway } from '../payment/gateway.ts';
import type { RelyingParty } from '../relying-party/client.ts';
import type { Web } from '../web/install.ts';
import type { Registry } from './registry/registry.ts';

/** What the route modules of the service share (built once in service.ts). */
export interface Quals {
  registry: Registry;
  rp: RelyingParty;
  web: Web;
  /** preHandler of the holders' pages: a login, and not a staff session */
  holderOnly: (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  payments: PaymentGateway;
  /** this service's public base URL */
  publicUrl: string;
  /** the staff pages' password */
  staffPassword: string;
  /**
   * The platform client is in test mode (the sandbox): its signing results are
   * marked test responses without a card's signature, accepted as such.
   */
  sandbox: boolean;
}
