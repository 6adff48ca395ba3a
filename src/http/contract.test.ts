/** The contract checks themselves: they must fail when a route breaks the contract. */
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ContractViolation, errorResponses, registerContract } from './contract.js';

function bareApp(violations?: ContractViolation[]) {
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerContract(app, { strict: true, ...(violations && { violations }) });
  return app;
}

const documented = {
  operationId: 'getThing',
  tags: ['things'],
  summary: 'A thing',
  response: { 200: z.object({ id: z.string() }) },
};

describe('strict contract', () => {
  it('refuses to start with an API route that has no success response schema', async () => {
    const app = bareApp();
    const { response: _, ...withoutResponse } = documented;
    expect(() =>
      app.get('/api/v1/things', { schema: withoutResponse }, async () => ({ id: 'x' })),
    ).toThrow(/a success response schema/);
    await app.close();
  });

  it('refuses a route without an operationId, and a route without a schema', async () => {
    const app = bareApp();
    const { operationId: _, ...anonymous } = documented;
    expect(() => app.get('/api/v1/a', { schema: anonymous }, async () => ({ id: 'x' }))).toThrow(
      /an operationId/,
    );
    expect(() => app.get('/api/v1/b', async () => ({ id: 'x' }))).toThrow(/no schema/);
    await app.close();
  });

  it('records a reply whose status the route does not document, and not a documented one', async () => {
    const violations: ContractViolation[] = [];
    const app = bareApp(violations);
    // The types allow only documented statuses; the cast makes the mistake the check catches.
    app.get('/api/v1/things/:id', { schema: documented }, async (req, reply) =>
      (req.params as { id: string }).id === 'new'
        ? reply.code(201 as 200).send({ id: 'new' })
        : { id: 'old' },
    );
    expect((await app.inject('/api/v1/things/old')).statusCode).toBe(200);
    expect(violations).toEqual([]);
    expect((await app.inject('/api/v1/things/new')).statusCode).toBe(201);
    expect(violations).toEqual([
      expect.objectContaining({ method: 'GET', url: '/api/v1/things/:id', status: 201 }),
    ]);
    await app.close();
  });

  it('documents the shared errors of every operation, and the route’s own codes', async () => {
    const app = bareApp();
    let schema: Record<string, unknown> | undefined;
    app.addHook('onRoute', (route) => {
      schema = route.schema?.response as Record<string, unknown>;
    });
    app.post(
      '/api/v1/things',
      { schema: { ...documented, operationId: 'createThing', errors: ['customer_not_found'] } },
      async () => ({ id: 'x' }),
    );
    await app.ready();
    expect(Object.keys(schema ?? {}).sort()).toEqual(
      ['200', '400', '401', '403', '404', '409', '413', '415', '500'].sort(),
    );
    await app.close();
  });
});

describe('errorResponses', () => {
  it('makes one response per status, naming each code', () => {
    const responses = errorResponses(['customer_not_found', 'invoice_not_found', 'forbidden']);
    expect(Object.keys(responses)).toEqual(['403', '404']);
    expect(responses['404']?.description).toContain('`customer_not_found`');
    expect(responses['404']?.description).toContain('`invoice_not_found`');
  });
});
