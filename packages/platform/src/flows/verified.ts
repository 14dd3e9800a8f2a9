import type { KeyObject } from 'node:crypto';
import type { ItemClaim } from '../oidc/provider.ts';
import { seal, unseal } from '../store/secrets.ts';

/**
 * What the card proved in a flow, kept sealed in the flow state (which may sit
 * in a shared Redis) until the service's page finishes the authorization.
 */
export interface VerifiedIdentity {
  citizenId: string;
  /** the 4 items read: from the card-info AP (logins) or the signature certificate (signing) */
  claims?: Partial<Record<ItemClaim, unknown>> | undefined;
  authSerial?: string | undefined;
  signing?:
    | {
        signature: string;
        certificate?: string | undefined;
        verification: Record<string, unknown>;
        cms?: string | undefined;
      }
    | undefined;
  /** a canned identity of the test-response screen, not a card */
  testCard?: string | undefined;
}

export function sealIdentity(key: KeyObject, v: VerifiedIdentity): { citizenId: string; sealed: string } {
  return { citizenId: v.citizenId, sealed: seal(key, JSON.stringify(v)) };
}

export function unsealIdentity(key: KeyObject, v: { sealed: string }): VerifiedIdentity {
  return JSON.parse(unseal(key, v.sealed)) as VerifiedIdentity;
}
