import { HonninError, type SharedState } from '@honnin/runtime';
import type { FastifyInstance } from 'fastify';
import type { ClientRegistry } from '../clients/registry.ts';
import type { EventLog } from '../events/event-log.ts';
import { authenticate } from '../oidc/bearer.ts';
import type { ProviderHost } from '../oidc/host.ts';
import { isOutcomeCode, OUTCOMES } from '../outcomes.ts';
import type { ResultEncryption } from './result-encryption.ts';
import { parseSignatureRequest, type SignTransaction, type SignTransactions } from './transactions.ts';

export interface SigningApiDeps {
  host: ProviderHost;
  state: SharedState;
  publicUrl: string;
  clients: ClientRegistry;
  transactions: SignTransactions;
  events: EventLog;
  encryption: ResultEncryption;
}

const HASH_NAMES = { sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' } as const;

/**
 * The signing API (platform.md): prepare a transaction with an app token, let
 * the citizen sign it through an authorization request, fetch the result with
 * the user's access token. Also each transaction's event log.
 */
export function signingApiRoutes(app: FastifyInstance, d: SigningApiDeps): void {
  const auth =
    (kind: 'app' | 'user') =>
    (req: Parameters<typeof authenticate>[0], reply: Parameters<typeof authenticate>[1]) =>
      authenticate(req, reply, { host: d.host, state: d.state, publicUrl: d.publicUrl, kind });

  app.post('/api/sign-transactions', async (req, reply) => {
    const holder = await auth('app')(req, reply);
    const client = await d.clients.require(holder.clientId);
    if (!client.scopes.includes('sign'))
      throw new HonninError('sign_not_allowed', `${client.clientId} is not registered for signing`, {
        status: 403,
      });
    const tx = await d.transactions.create(client.clientId, parseSignatureRequest(req.body));
    await d.events.record(tx.id, tx.clientId, 'sign_transaction_created', {
      hash_algorithm: HASH_NAMES[tx.hashAlgorithm],
      container: tx.container,
    });
    return reply.status(201).send({
      sign_transaction_id: tx.id,
      status: tx.status,
      expires_at: new Date(tx.expiresAt).toISOString(),
    });
  });

  async function ownTransaction(id: string, clientId: string): Promise<SignTransaction> {
    const tx = await d.transactions.find(id);
    if (!tx || tx.clientId !== clientId)
      throw new HonninError('sign_transaction_not_found', 'no such signing transaction for this service', {
        status: 404,
      });
    return tx;
  }

  app.get<{ Params: { id: string } }>('/api/sign-transactions/:id', async (req, reply) => {
    const holder = await auth('app')(req, reply);
    const tx = await ownTransaction(req.params.id, holder.clientId);
    return {
      sign_transaction_id: tx.id,
      status: tx.status,
      document: tx.document,
      expires_at: new Date(tx.expiresAt).toISOString(),
      ...failure(tx),
    };
  });

  /** The result, for the access token of the authorization in which the citizen signed. */
  app.get<{ Params: { id: string } }>('/api/sign-transactions/:id/result', async (req, reply) => {
    const holder = await auth('user')(req, reply);
    const tx = await ownTransaction(req.params.id, holder.clientId);
    if (tx.status === 'pending')
      throw new HonninError('sign_transaction_pending', 'the citizen has not signed yet', { status: 409 });
    if (tx.status === 'completed' && tx.grantId !== holder.grantId)
      throw new HonninError(
        'sign_transaction_not_found',
        'this access token was not issued for this signature',
        {
          status: 404,
        },
      );
    if (tx.status === 'completed' && tx.resultGone)
      throw new HonninError(
        'sign_result_gone',
        'the result was fetched already, or not in time: the platform keeps no copy',
        { status: 410 },
      );
    const client = await d.clients.require(holder.clientId);
    const { cms, ...verification } = tx.verification ?? {};
    const body = {
      sign_transaction_id: tx.id,
      status: tx.status,
      ...failure(tx),
      ...(tx.status === 'completed'
        ? {
            hash_algorithm: HASH_NAMES[tx.hashAlgorithm],
            digest_info: Buffer.from(tx.digestInfo).toString('base64'),
            signature: Buffer.from(tx.signature ?? []).toString('base64'),
            // the platform-operator model: only a certified verifier receives the certificate
            ...(client.certifiedVerifier && tx.certificate?.length
              ? { certificate: Buffer.from(tx.certificate).toString('base64') }
              : {}),
            verification,
            ...(typeof cms === 'string' ? { cms } : {}),
          }
        : {}),
    };
    const jwe = await d.encryption.encrypt(client, body);
    // handed over: the signer's certificate and items leave the platform with it
    if (tx.status === 'completed') await d.transactions.dropResult(tx.id);
    await d.events.record(tx.id, tx.clientId, 'result_fetched');
    if (jwe) return reply.header('content-type', 'application/jose').send(jwe);
    return body;
  });

  app.get<{ Params: { id: string } }>('/api/transactions/:id/events', async (req, reply) => {
    const holder = await auth('app')(req, reply);
    const events = await d.events.list(req.params.id, holder.clientId);
    if (events.length === 0)
      throw new HonninError('transaction_not_found', 'no such transaction for this service', { status: 404 });
    return { transaction_id: req.params.id, events };
  });
}

function failure(tx: SignTransaction) {
  if (tx.status !== 'failed') return {};
  const code = isOutcomeCode(tx.errorCode) ? tx.errorCode : 'platform_error';
  return { error: OUTCOMES[code].error, error_code: code, error_description: OUTCOMES[code].en };
}
