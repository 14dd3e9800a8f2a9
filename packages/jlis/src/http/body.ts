import { HonninError, z } from '@honnin/runtime';

/** Validates a request body (or query) with zod; problems become one 400 with every issue listed. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`);
  throw new HonninError('invalid_request', problems.join('; '), { details: { problems } });
}

/** Base64 DER (standard alphabet, padding optional) decoded to bytes. */
export const base64Der = z
  .string()
  .max(16_384)
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64')
  .transform((s) => new Uint8Array(Buffer.from(s, 'base64')));

export const purpose = z.enum(['signature', 'auth']);
export const serial = z.string().regex(/^[0-9A-Fa-f]{1,40}$/, 'must be a hexadecimal serial number');

export const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
