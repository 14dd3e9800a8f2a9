import type { KeyObject } from 'node:crypto';
import type { InteractionResults } from 'oidc-provider';
import type { EventLog } from '../events/event-log.ts';
import { pickClaims } from '../oidc/claims.ts';
import type { ProviderHost } from '../oidc/host.ts';
import { type ItemClaim, isItemClaim } from '../oidc/provider.ts';
import type { ReleasedIdentities } from '../oidc/released-identity.ts';
import { describeOutcome, OUTCOMES } from '../outcomes.ts';
import type { SignTransactions } from '../signing/transactions.ts';
import { type Flow, transactionId } from './flow.ts';
import { unsealIdentity } from './verified.ts';

export interface FinishDeps {
  host: ProviderHost;
  identities: ReleasedIdentities;
  signTransactions: SignTransactions;
  events: EventLog;
  sealKey: KeyObject;
  /** how long released claims stay fetchable (the access token's life, or the grant's with refresh tokens) */
  releaseMs: { accessToken: number; refresh: number };
  now: () => number;
  /** told how every flow ended ('success' or the outcome code), for the metrics */
  onFinished?: ((flow: Flow, outcome: string) => void) | undefined;
}

type Params = Record<string, unknown>;

/**
 * Turns an ended flow into oidc-provider's interaction result: for success a
 * grant holding exactly what the citizen allowed (unticked items rejected), the
 * released claims and the completed signing transaction; for failure the OIDC
 * error with the platform's outcome code.
 */
export async function interactionResultFor(
  d: FinishDeps,
  flow: Flow,
  params: Params,
): Promise<InteractionResults> {
  if (flow.stage !== 'done' || !flow.verified) {
    const code = flow.outcome?.code ?? 'user_cancelled';
    if (flow.signTransactionId) await d.signTransactions.fail(flow.signTransactionId, code);
    await d.events.record(transactionId(flow), flow.clientId, 'failed', { error_code: code });
    d.onFinished?.(flow, code);
    return {
      error: OUTCOMES[code].error,
      error_description: describeOutcome(code, transactionId(flow), flow.outcome?.detail),
    };
  }
  const identity = unsealIdentity(d.sealKey, flow.verified);
  const allowed = new Set<ItemClaim>(flow.consentedItems ?? []);
  const isItem = isItemClaim;

  const grant = new d.host.provider.Grant({ accountId: identity.citizenId, clientId: flow.clientId });
  const scopes = String(params.scope ?? '')
    .split(' ')
    .filter(Boolean);
  grant.addOIDCScope(scopes.filter((s) => !isItem(s) || allowed.has(s)).join(' '));
  const refusedScopes = scopes.filter((s) => isItem(s) && !allowed.has(s));
  if (refusedScopes.length) grant.rejectOIDCScope(refusedScopes.join(' '));
  if (typeof params.claims === 'string') {
    const c = JSON.parse(params.claims) as { userinfo?: object; id_token?: object };
    const names = [...new Set([...Object.keys(c.userinfo ?? {}), ...Object.keys(c.id_token ?? {})])];
    grant.addOIDCClaims(names.filter((n) => !isItem(n) || allowed.has(n)));
    const refused = names.filter((n) => isItem(n) && !allowed.has(n));
    if (refused.length) grant.rejectOIDCClaims(refused);
  }
  if (typeof params.authorization_details === 'string') {
    for (const detail of JSON.parse(params.authorization_details) as Record<string, unknown>[])
      grant.addRar({ ...detail, sign_transaction_id: flow.signTransactionId } as never);
  }
  const grantId = await grant.save();

  const refresh = scopes.includes('offline_access');
  await d.identities.put(
    grantId,
    {
      citizenId: identity.citizenId,
      claims: { ...pickClaims(identity.claims ?? {}, [...allowed]), txn: transactionId(flow) },
    },
    d.now() + (refresh ? d.releaseMs.refresh : d.releaseMs.accessToken),
  );
  if (flow.signTransactionId && identity.signing) {
    await d.signTransactions.complete(flow.signTransactionId, {
      citizenId: identity.citizenId,
      grantId,
      signature: new Uint8Array(Buffer.from(identity.signing.signature, 'base64')),
      certificate: new Uint8Array(Buffer.from(identity.signing.certificate ?? '', 'base64')),
      verification: {
        ...identity.signing.verification,
        ...(identity.signing.cms ? { cms: identity.signing.cms } : {}),
      },
    });
  }
  d.onFinished?.(flow, 'success');
  await d.events.record(transactionId(flow), flow.clientId, 'completed', {
    items: [...allowed],
    ...(flow.signTransactionId ? { sign_transaction_id: flow.signTransactionId } : {}),
  });
  return {
    login: {
      accountId: identity.citizenId,
      acr: 'aal3',
      amr: identity.testCard ? ['test'] : ['sc', 'pin', 'hwk'],
      remember: false,
    },
    consent: { grantId },
  };
}
