import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { describeOutcome } from '../outcomes.ts';
import { parseSignatureRequest, type SignTransactions } from '../signing/transactions.ts';

/** The rich-authorization-request type of a signing request (RFC 9396). */
export const SIGNATURE_DETAIL_TYPE = 'jpki_signature';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACR = new Set(['aal3', 'crl']);

function lengthBetween(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'string' || value.length === 0) throw new errors.InvalidRequest(`${name} is required`);
  if (value.length < min || value.length > max)
    throw new errors.InvalidRequest(`${name} must hold ${min}–${max} characters`);
}

/**
 * The Digital Agency service's rules for an authorization request that
 * oidc-provider leaves optional: openid scope, state, nonce and PKCE all
 * mandatory; acr_values only aal3/crl; `sign` needs a prepared transaction (or
 * authorization_details) of this client. Runs for /auth and for PAR alike
 * (as the validator of the `sign_transaction_id` parameter, which oidc-provider
 * calls for every request with all parameters assembled).
 */
export function checkAuthorizationRequest(transactions: SignTransactions) {
  return async (ctx: KoaContextWithOIDC, value: string | undefined) => {
    const p = ctx.oidc.params as Record<string, string | undefined>;
    const scopes = new Set((p.scope ?? '').split(' ').filter(Boolean));
    if (!scopes.has('openid')) throw new errors.InvalidScope('scope must contain openid', 'openid');
    lengthBetween('state', p.state, 1, 255);
    lengthBetween('nonce', p.nonce, 1, 255);
    lengthBetween('code_challenge', p.code_challenge, 43, 128);
    if (p.code_challenge_method !== 'S256')
      throw new errors.InvalidRequest('code_challenge_method must be S256');
    for (const acr of (p.acr_values ?? '').split(' ').filter(Boolean)) {
      if (!ACR.has(acr)) throw new errors.InvalidRequest(`acr_values may hold only aal3 and crl, not ${acr}`);
    }
    const rar = p.authorization_details !== undefined;
    if (value !== undefined) {
      if (!UUID.test(value)) throw new errors.InvalidRequest('sign_transaction_id must be a UUID');
      if (!scopes.has('sign')) throw new errors.InvalidRequest('sign_transaction_id needs the sign scope');
      const tx = await transactions.find(value);
      if (!tx || tx.clientId !== ctx.oidc.client?.clientId || tx.status !== 'pending')
        throw new errors.InvalidRequest(describeOutcome('sign_transaction_invalid'));
    }
    if (scopes.has('sign') && value === undefined && !rar)
      throw new errors.InvalidRequest('the sign scope needs sign_transaction_id or authorization_details');
    if (value !== undefined && rar)
      throw new errors.InvalidRequest('give either sign_transaction_id or authorization_details, not both');
  };
}

/** Checks one `jpki_signature` authorization detail as a signing request of the signing API. */
export function validateSignatureDetail(detail: unknown, _clientId: string): void {
  try {
    parseSignatureRequest(detail);
  } catch (e) {
    throw new errors.InvalidAuthorizationDetails((e as Error).message);
  }
}
