import type { CertPurpose } from '@honnin/jpki/profile';
import type { Transaction } from '@honnin/runtime';
import type { JlisDB } from '../store/schema.ts';
import { CRL_REASON, type RevocationReason } from './reasons.ts';

export interface RevokedCertificate {
  purpose: CertPurpose;
  serial: string;
  caId: string;
  reason: RevocationReason;
  revokedAt: Date;
}

/**
 * Marks certificates revoked and tells whoever publishes revocation data (the
 * CRL publisher) which CA generations changed, once the transaction committed.
 */
export class Revoker {
  readonly #listeners = new Set<(caIds: string[]) => void>();

  /** Registers a listener; returns the function that removes it. */
  onRevoked(listener: (caIds: string[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Revokes one certificate inside `trx` unless it already is; bumps its CA's
   * revocation counter so every instance sees its CRL is stale. Returns what it
   * revoked, or undefined when the certificate was revoked before.
   */
  async revoke(
    trx: Transaction<JlisDB>,
    cert: { purpose: CertPurpose; serial: string; caId: string },
    reason: RevocationReason,
    event: string,
    now: Date,
  ): Promise<RevokedCertificate | undefined> {
    const res = await trx
      .updateTable('certificate')
      .set({ revoked_at: now.getTime(), revocation_reason: CRL_REASON[reason], revocation_event: event })
      .where('purpose', '=', cert.purpose)
      .where('serial', '=', cert.serial)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) return undefined;
    await trx
      .updateTable('ca')
      .set((eb) => ({ revocations: eb('revocations', '+', 1) }))
      .where('id', '=', cert.caId)
      .execute();
    return { ...cert, reason, revokedAt: now };
  }

  /** Call after the transaction that revoked committed. */
  notify(revoked: readonly RevokedCertificate[]): void {
    const caIds = [...new Set(revoked.map((r) => r.caId))];
    if (caIds.length === 0) return;
    for (const fn of this.#listeners) fn(caIds);
  }
}
