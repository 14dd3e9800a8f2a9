import { bearerGuard, z } from '@honnin/runtime';
import type { FastifyInstance } from 'fastify';
import type { IssuedCard, IssuedCertificate } from '../issuance.ts';
import type { Jlis } from '../jlis.ts';
import type { LifeEvent, LifeEventResult } from '../lifecycle.ts';
import { REVOCATION_REASONS } from '../revocation/reasons.ts';
import type { RevokedCertificate } from '../revocation/revoker.ts';
import { b64, base64Der, parseInput, purpose, serial } from './body.ts';

const holder = z.strictObject({
  name: z.string(),
  address: z.string(),
  birthDate: z.string(),
  sex: z.enum(['1', '2', '9']),
  municipalityCode: z.string(),
  nameFlags: z.string().optional(),
  addressFlags: z.string().optional(),
});

const issueCard = z
  .strictObject({
    holder: holder.optional(),
    /** a new card for a holder J-LIS knows (再交付) instead of a new holder */
    holderId: z.uuid().optional(),
    token: z.enum(['card', 'android', 'iphone']).default('card'),
    authPublicKey: base64Der,
    signaturePublicKey: base64Der.optional(),
  })
  .refine((b) => (b.holder === undefined) !== (b.holderId === undefined), {
    message: 'give either holder (a new holder) or holderId (a new card for a known holder)',
    path: ['holder'],
  });

const changeOf4Items = { holder: holder.partial(), signaturePublicKey: base64Der.optional() };
const lifeEvent = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('move'), ...changeOf4Items }),
  z.strictObject({ type: z.literal('rename'), ...changeOf4Items }),
  z.strictObject({
    type: z.literal('renewal'),
    authPublicKey: base64Der.optional(),
    signaturePublicKey: base64Der.optional(),
  }),
  z.strictObject({ type: z.literal('loss') }),
  z.strictObject({ type: z.literal('death') }),
  z.strictObject({ type: z.literal('emigration') }),
  z.strictObject({
    type: z.literal('request'),
    purposes: z.array(purpose).min(1).max(2).optional(),
    reason: z.enum(['unspecified', 'keyCompromise']).optional(),
  }),
]);

const cardParams = z.strictObject({ cardId: z.uuid() });
const certParams = z.strictObject({ purpose, serial });
const page = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export function issuedJson(c: IssuedCertificate) {
  return {
    serial: c.serial,
    caId: c.caId,
    certificate: b64(c.der),
    caCertificate: b64(c.caCertDer),
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
  };
}

export function issuedCardJson(card: IssuedCard) {
  return {
    cardId: card.cardId,
    holderId: card.holderId,
    token: card.token,
    expiresAt: card.expiresAt.toISOString(),
    auth: issuedJson(card.auth),
    ...(card.signature ? { signature: issuedJson(card.signature) } : {}),
  };
}

export const revokedJson = (r: RevokedCertificate) => ({
  purpose: r.purpose,
  serial: r.serial,
  caId: r.caId,
  reason: r.reason,
  revokedAt: r.revokedAt.toISOString(),
});

export function lifeEventJson(r: LifeEventResult) {
  return {
    event: r.event,
    cardId: r.cardId,
    holderId: r.holderId,
    revoked: r.revoked.map(revokedJson),
    ...(r.auth ? { auth: issuedJson(r.auth) } : {}),
    ...(r.signature ? { signature: issuedJson(r.signature) } : {}),
  };
}

/**
 * J-LIS's admin API (bearer adminToken): card issuance from card-generated keys,
 * life events, revocation, records, verifiers and their statements, rollover.
 * This is how the virtual cards get certified and how demos move people around.
 */
export function adminRoutes(jlis: Jlis, adminToken: string) {
  return async (app: FastifyInstance) => {
    app.addHook(
      'onRequest',
      bearerGuard(adminToken, {
        realm: 'jlis-admin',
        code: 'jlis_admin_unauthorized',
        message: 'the admin API needs Authorization: Bearer <adminToken>',
      }),
    );

    app.post('/cards', async (req, reply) => {
      const { holder, holderId, ...keys } = parseInput(issueCard, req.body);
      if (holderId) {
        const card = await jlis.lifecycle.reissueCard({ holderId, ...keys });
        return reply.status(201).send({ ...issuedCardJson(card), revoked: card.revoked.map(revokedJson) });
      }
      const card = await jlis.issuer.issueCard({ holder: holder!, ...keys });
      return reply.status(201).send(issuedCardJson(card));
    });

    app.get('/cards', async (req) => {
      const q = parseInput(page, req.query);
      return { cards: await jlis.records.cards(q) };
    });

    app.get('/cards/:cardId', async (req) => {
      const { cardId } = parseInput(cardParams, req.params);
      return jlis.records.card(cardId);
    });

    app.post('/cards/:cardId/events', async (req) => {
      const { cardId } = parseInput(cardParams, req.params);
      const event = parseInput(lifeEvent, req.body) as LifeEvent;
      return lifeEventJson(await jlis.lifecycle.apply(cardId, event));
    });

    app.get('/certificates/:purpose/:serial', async (req) => {
      const p = parseInput(certParams, req.params);
      return jlis.records.certificate(p.purpose, p.serial);
    });

    app.post('/certificates/:purpose/:serial/revoke', async (req) => {
      const p = parseInput(certParams, req.params);
      const { reason } = parseInput(z.strictObject({ reason: z.enum(REVOCATION_REASONS) }), req.body);
      return revokedJson(await jlis.lifecycle.revoke(p.purpose, p.serial, reason));
    });

    app.post('/verifiers', async (req, reply) => {
      const { name } = parseInput(z.strictObject({ name: z.string().min(1).max(200) }), req.body);
      return reply.status(201).send(await jlis.verifiers.add(name));
    });

    app.get('/verifiers', async () => ({ verifiers: await jlis.verifiers.list() }));

    app.get('/verifiers/:verifier/statements/:month', async (req) => {
      const p = parseInput(z.strictObject({ verifier: z.string().min(1), month: z.string() }), req.params);
      return jlis.fees.statement(await jlis.verifiers.get(p.verifier), p.month);
    });

    app.post('/ca/:purpose/rollover', async (req, reply) => {
      const p = parseInput(z.strictObject({ purpose }), req.params);
      const g = await jlis.ca.rollover(p.purpose);
      return reply.status(201).send({ id: g.id, purpose: g.purpose, generation: g.generation });
    });
  };
}
