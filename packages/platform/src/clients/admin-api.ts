import { bearerGuard, HonninError } from '@honnin/runtime';
import type { FastifyInstance } from 'fastify';
import type { SigningKeys } from '../oidc/signing-keys.ts';
import type { Fees } from '../verification/fees.ts';
import type { ClientInput, ClientRegistry } from './registry.ts';

/**
 * The operator's HTTP API (bearer admin token): the client registry, fees and
 * key rotation — what `honnin platform …` does, for automation.
 */
export function adminRoutes(
  app: FastifyInstance,
  d: {
    adminToken: string;
    clients: ClientRegistry;
    keys: SigningKeys;
    fees: Fees;
    onKeysRotated: () => Promise<void>;
    /** 新旧紐付け: follow renewed certificates of known citizens */
    relink: () => Promise<{ checked: number; linked: number; merged: number }>;
  },
): void {
  // compared through digests: neither the token nor its length shows in the timing
  const guard = bearerGuard(d.adminToken, {
    realm: 'platform-admin',
    code: 'admin_unauthorized',
    message: 'the admin token is missing or wrong',
  });

  app.register(async (admin) => {
    admin.addHook('onRequest', guard);
    admin.get('/admin/clients', async () => ({ clients: await d.clients.list() }));
    admin.get<{ Params: { id: string } }>('/admin/clients/:id', async (req) => {
      const c = await d.clients.get(req.params.id, { includeDisabled: true });
      if (!c) throw new HonninError('client_not_found', `no relying party ${req.params.id}`, { status: 404 });
      return c;
    });
    admin.post<{ Body: Partial<ClientInput> }>('/admin/clients', async (req, reply) => {
      const body = (req.body ?? {}) as Partial<ClientInput>;
      const clientId = body.clientId ?? (await d.clients.nextClientId());
      if (await d.clients.get(clientId, { includeDisabled: true }))
        throw new HonninError(
          'client_exists',
          `${clientId} exists; PUT /admin/clients/${clientId} replaces it`,
          {
            status: 409,
          },
        );
      return reply.status(201).send(await d.clients.put({ ...body, clientId } as ClientInput));
    });
    admin.put<{ Params: { id: string }; Body: Partial<ClientInput> }>('/admin/clients/:id', async (req) =>
      d.clients.put({
        ...((req.body ?? {}) as Partial<ClientInput>),
        clientId: req.params.id,
      } as ClientInput),
    );
    admin.delete<{ Params: { id: string } }>('/admin/clients/:id', async (req, reply) => {
      await d.clients.disable(req.params.id);
      return reply.status(204).send();
    });
    admin.get<{ Querystring: { client?: string } }>('/admin/fees', async (req) => ({
      fees: await d.fees.summary(req.query.client),
    }));
    admin.post('/admin/relink', async () => d.relink());
    admin.post('/admin/keys/rotate', async () => {
      const kid = await d.keys.rotateNow();
      await d.onKeysRotated();
      return { kid };
    });
  });
}
