import { type KeyObject, randomUUID } from 'node:crypto';
import { decodeDigestInfo, encodeDigestInfo, type HashAlgorithm } from '@honnin/jpki/signature/digest-info';
import { HonninError, type Storage, z } from '@honnin/runtime';
import type { PlatformDB } from '../store/schema.ts';
import { seal, unseal } from '../store/secrets.ts';

const HASHES: Record<string, HashAlgorithm> = {
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'must be base64');

/**
 * A signing request as a relying party sends it — the body of
 * `POST /api/sign-transactions`, or one `jpki_signature` authorization detail:
 * the document's digest (or a DER DigestInfo) and what the citizen is shown.
 */
export const signatureRequest = z
  .object({
    type: z.literal('jpki_signature').optional(),
    hash_algorithm: z.enum(['SHA-256', 'SHA-384', 'SHA-512']).default('SHA-256'),
    digest: base64.optional(),
    digest_info: base64.optional(),
    document: z.object({
      name: z.string().min(1).max(200),
      title: z.string().min(1).max(200).optional(),
      summary: z.string().max(2000).optional(),
    }),
    container: z.enum(['raw', 'cms']).default('raw'),
    expires_in: z.number().int().min(30).max(3600).default(600),
  })
  .refine((r) => (r.digest === undefined) !== (r.digest_info === undefined), {
    message: 'give exactly one of digest and digest_info',
  });

export interface SignatureRequest {
  digestInfo: Uint8Array;
  hashAlgorithm: HashAlgorithm;
  document: { name: string; title?: string | undefined; summary?: string | undefined };
  container: 'raw' | 'cms';
  expiresInSeconds: number;
}

/** Validates a signing request; throws HonninError `sign_request_invalid` listing every problem. */
export function parseSignatureRequest(input: unknown): SignatureRequest {
  const r = signatureRequest.safeParse(input);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`);
    throw new HonninError('sign_request_invalid', problems.join('; '), { details: { problems } });
  }
  const v = r.data;
  const declared = HASHES[v.hash_algorithm]!;
  let digestInfo: Uint8Array;
  try {
    if (v.digest_info !== undefined) {
      digestInfo = new Uint8Array(Buffer.from(v.digest_info, 'base64'));
      const decoded = decodeDigestInfo(digestInfo);
      if (decoded.hash !== declared)
        throw new Error(`digest_info holds a ${decoded.hash} digest, not ${v.hash_algorithm}`);
    } else {
      digestInfo = encodeDigestInfo(declared, new Uint8Array(Buffer.from(v.digest!, 'base64')));
    }
  } catch (e) {
    throw new HonninError('sign_request_invalid', (e as Error).message);
  }
  return {
    digestInfo,
    hashAlgorithm: declared,
    document: v.document,
    container: v.container,
    expiresInSeconds: v.expires_in,
  };
}

export type SignStatus = 'pending' | 'completed' | 'failed';

export interface SignTransaction {
  id: string;
  clientId: string;
  digestInfo: Uint8Array;
  hashAlgorithm: HashAlgorithm;
  document: SignatureRequest['document'];
  container: 'raw' | 'cms';
  status: SignStatus;
  createdAt: number;
  expiresAt: number;
  completedAt?: number | undefined;
  citizenId?: string | undefined;
  grantId?: string | undefined;
  signature?: Uint8Array | undefined;
  certificate?: Uint8Array | undefined;
  verification?: Record<string, unknown> | undefined;
  errorCode?: string | undefined;
  /** completed, and its result is gone: fetched by the relying party, or kept past `resultMs` */
  resultGone?: boolean | undefined;
}

/** What a completed transaction keeps, sealed, until the relying party fetches it. */
interface SealedResult {
  signature: string;
  certificate: string;
  verification: Record<string, unknown>;
}

/**
 * Signing transactions: prepared by a relying party, signed in the app, fetched
 * once done. The result (signature, signature certificate, the signer's 4
 * items) is kept sealed with the platform's seal key, and only until the
 * relying party has fetched it or could no longer (`resultMs` after completion).
 */
export class SignTransactions {
  readonly #storage: Storage<PlatformDB>;
  readonly #sealKey: KeyObject;
  readonly #now: () => number;
  readonly #resultMs: number;

  constructor(
    storage: Storage<PlatformDB>,
    o: { sealKey: KeyObject; now?: (() => number) | undefined; resultMs: number },
  ) {
    this.#storage = storage;
    this.#sealKey = o.sealKey;
    this.#now = o.now ?? Date.now;
    this.#resultMs = o.resultMs;
  }

  async create(clientId: string, req: SignatureRequest): Promise<SignTransaction> {
    const now = this.#now();
    const id = randomUUID();
    await this.#storage.db
      .insertInto('sign_transaction')
      .values({
        id,
        client_id: clientId,
        digest_info: req.digestInfo,
        hash_algorithm: req.hashAlgorithm,
        display: JSON.stringify(req.document),
        container: req.container,
        status: 'pending',
        created_at: now,
        expires_at: now + req.expiresInSeconds * 1000,
        completed_at: null,
        citizen_id: null,
        grant_id: null,
        signature: null,
        certificate: null,
        verification: null,
        error_code: null,
        sealed_result: null,
      })
      .execute();
    return (await this.find(id))!;
  }

  /** The transaction; a pending one past its expiry reads as failed with `flow_expired`. */
  async find(id: string): Promise<SignTransaction | undefined> {
    const row = await this.#storage.db
      .selectFrom('sign_transaction')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const tx = fromRow(row);
    if (tx.status === 'pending' && tx.expiresAt <= this.#now())
      return { ...tx, status: 'failed', errorCode: 'flow_expired' };
    if (tx.status !== 'completed') return tx;
    if (!row.sealed_result || (tx.completedAt ?? 0) + this.#resultMs <= this.#now())
      return { ...tx, resultGone: true };
    const r = JSON.parse(unseal(this.#sealKey, row.sealed_result)) as SealedResult;
    return {
      ...tx,
      signature: new Uint8Array(Buffer.from(r.signature, 'base64')),
      certificate: new Uint8Array(Buffer.from(r.certificate, 'base64')),
      verification: r.verification,
    };
  }

  /** Records the signature; only a pending transaction completes (once). */
  async complete(
    id: string,
    r: {
      citizenId: string;
      grantId: string;
      signature: Uint8Array;
      certificate: Uint8Array;
      verification: Record<string, unknown>;
    },
  ): Promise<boolean> {
    const res = await this.#storage.db
      .updateTable('sign_transaction')
      .set({
        status: 'completed',
        completed_at: this.#now(),
        citizen_id: r.citizenId,
        grant_id: r.grantId,
        sealed_result: this.#seal(r),
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  #seal(r: { signature: Uint8Array; certificate: Uint8Array; verification: Record<string, unknown> }) {
    const result: SealedResult = {
      signature: Buffer.from(r.signature).toString('base64'),
      certificate: Buffer.from(r.certificate).toString('base64'),
      verification: r.verification,
    };
    return seal(this.#sealKey, JSON.stringify(result));
  }

  /** The relying party has its result: the platform keeps no copy. */
  async dropResult(id: string): Promise<void> {
    await this.#storage.db
      .updateTable('sign_transaction')
      .set({ sealed_result: null, signature: null, certificate: null, verification: null })
      .where('id', '=', id)
      .execute();
  }

  /** Drops the results no relying party fetched in time; returns how many. */
  async sweepResults(): Promise<number> {
    const r = await this.#storage.db
      .updateTable('sign_transaction')
      .set({ sealed_result: null })
      .where('sealed_result', 'is not', null)
      .where('completed_at', '<=', this.#now() - this.#resultMs)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /**
   * Results older versions kept in clear (signature, certificate, verification
   * columns): sealed now, at start, once the seal key is known. Idempotent.
   */
  async sealClearResults(): Promise<number> {
    const rows = await this.#storage.db
      .selectFrom('sign_transaction')
      .select(['id', 'status', 'signature', 'certificate', 'verification'])
      .where((eb) =>
        eb.or([
          eb('signature', 'is not', null),
          eb('certificate', 'is not', null),
          eb('verification', 'is not', null),
        ]),
      )
      .execute();
    for (const row of rows) {
      const sealed =
        row.status === 'completed'
          ? this.#seal({
              signature: new Uint8Array(row.signature ?? []),
              certificate: new Uint8Array(row.certificate ?? []),
              verification: row.verification ? JSON.parse(row.verification) : {},
            })
          : null;
      await this.#storage.db
        .updateTable('sign_transaction')
        .set({ sealed_result: sealed, signature: null, certificate: null, verification: null })
        .where('id', '=', row.id)
        .execute();
    }
    return rows.length;
  }

  async fail(id: string, errorCode: string): Promise<void> {
    await this.#storage.db
      .updateTable('sign_transaction')
      .set({ status: 'failed', completed_at: this.#now(), error_code: errorCode })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  }
}

function fromRow(r: PlatformDB['sign_transaction']): SignTransaction {
  return {
    id: r.id,
    clientId: r.client_id,
    digestInfo: new Uint8Array(r.digest_info),
    hashAlgorithm: r.hash_algorithm as HashAlgorithm,
    document: JSON.parse(r.display),
    container: r.container as 'raw' | 'cms',
    status: r.status as SignStatus,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    completedAt: r.completed_at === null ? undefined : Number(r.completed_at),
    citizenId: r.citizen_id ?? undefined,
    grantId: r.grant_id ?? undefined,
    errorCode: r.error_code ?? undefined,
  };
}
