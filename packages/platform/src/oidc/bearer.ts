import { createHash } from 'node:crypto';
import { HonninError, type SharedState } from '@honnin/runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose';
import type { ProviderHost } from './host.ts';

export interface TokenHolder {
  clientId: string;
  /** present for user access tokens (the code flow) */
  accountId?: string | undefined;
  grantId?: string | undefined;
  scopes: Set<string>;
}

class Unauthorized extends HonninError {
  constructor(message: string, scheme = 'Bearer') {
    super('invalid_token', message, { status: 401, details: { scheme } });
  }
}

/**
 * Access tokens at the platform's own APIs: an app token (client credentials)
 * or a user access token (code flow), as issued by oidc-provider. A DPoP-bound
 * token needs a valid proof for this request (RFC 9449: method, URL, token
 * hash, fresh, single use, the bound key).
 */
export async function authenticate(
  req: FastifyRequest,
  reply: FastifyReply,
  o: { host: ProviderHost; state: SharedState; publicUrl: string; kind: 'app' | 'user' },
): Promise<TokenHolder> {
  try {
    const m = /^(Bearer|DPoP) ([A-Za-z0-9._~+/-]+=*)$/.exec(req.headers.authorization ?? '');
    if (!m) throw new Unauthorized('an access token is required (Authorization: Bearer …)');
    const [, scheme, value] = m;
    const provider = o.host.provider;
    const token =
      o.kind === 'app'
        ? await provider.ClientCredentials.find(value!)
        : await provider.AccessToken.find(value!);
    if (!token || token.isExpired) throw new Unauthorized('the access token is unknown or expired');
    const jkt = (token as { jkt?: string }).jkt;
    if (jkt) {
      if (scheme !== 'DPoP')
        throw new Unauthorized('this access token is DPoP-bound: use Authorization: DPoP', 'DPoP');
      await checkDpopProof(req, value!, jkt, o);
    }
    const t = token as unknown as { clientId: string; accountId?: string; grantId?: string; scope?: string };
    return {
      clientId: t.clientId,
      accountId: t.accountId,
      grantId: t.grantId,
      scopes: new Set((t.scope ?? '').split(' ').filter(Boolean)),
    };
  } catch (e) {
    if (e instanceof Unauthorized)
      reply.header(
        'www-authenticate',
        `${e.details?.scheme ?? 'Bearer'} error="invalid_token", error_description="${e.message.replace(/[^\x20-\x7e]|"/g, '')}"`,
      );
    throw e;
  }
}

async function checkDpopProof(
  req: FastifyRequest,
  accessToken: string,
  jkt: string,
  o: { state: SharedState; publicUrl: string },
): Promise<void> {
  const proof = req.headers.dpop;
  if (typeof proof !== 'string') throw new Unauthorized('a DPoP proof is required', 'DPoP');
  let payload: Record<string, unknown>;
  let header: { jwk?: Record<string, unknown> };
  try {
    const r = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['ES256', 'EdDSA', 'RS256', 'PS256'],
      maxTokenAge: '60s',
      clockTolerance: 5,
    });
    payload = r.payload as Record<string, unknown>;
    header = r.protectedHeader as typeof header;
  } catch (e) {
    throw new Unauthorized(`the DPoP proof is invalid: ${(e as Error).message}`, 'DPoP');
  }
  const url = new URL(req.url, o.publicUrl);
  const htu = `${url.origin}${url.pathname}`;
  const ath = createHash('sha256').update(accessToken).digest('base64url');
  if (payload.htm !== req.method || payload.htu !== htu)
    throw new Unauthorized('the DPoP proof is for another request', 'DPoP');
  if (payload.ath !== ath) throw new Unauthorized('the DPoP proof is for another access token', 'DPoP');
  if ((await calculateJwkThumbprint(header.jwk as never)) !== jkt)
    throw new Unauthorized('the DPoP proof is signed by another key than the token is bound to', 'DPoP');
  if (
    typeof payload.jti !== 'string' ||
    !(await o.state.setIfAbsent(`dpop-jti:${payload.jti}`, '1', 120_000))
  )
    throw new Unauthorized('the DPoP proof was already used', 'DPoP');
}
