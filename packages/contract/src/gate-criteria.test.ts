/**
 * The contract follows core's criterion registry: the API's kind enum is the registry's kinds, and
 * the gate section of clos.config.yaml accepts what the kinds declare they read, no more and no less.
 */
import { CRITERION_KINDS, CRITERION_REGISTRY } from '@clos/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gateCriterionSchema } from './api.ts';
import { closConfigSchema } from './config.ts';

/**
 * Drops what Zod writes for "any safe integer", "any string key" and "any value", and descriptions:
 * the kinds' schemas leave those out, and they do not change what is accepted.
 */
function normalise(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(normalise);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description') continue;
    if (key === 'maximum' && value === Number.MAX_SAFE_INTEGER) continue;
    if (key === 'propertyNames' && JSON.stringify(value) === '{"type":"string"}') continue;
    if (key === 'additionalProperties' && JSON.stringify(value) === '{}') continue;
    out[key] = normalise(value);
  }
  return out;
}

describe('gate criteria in the contract', () => {
  it("lists the registry's kinds, in its order, as the API's criterion kinds", () => {
    expect(gateCriterionSchema.shape.kind.options).toEqual([...CRITERION_KINDS]);
    for (const kind of CRITERION_KINDS)
      expect(gateCriterionSchema.shape.kind.safeParse(kind).success).toBe(true);
    expect(gateCriterionSchema.shape.kind.safeParse('ci_green').success).toBe(false);
  });

  it("parses a stage's gate exactly as the kinds' configSchema describe it", () => {
    const config = z.toJSONSchema(closConfigSchema, { io: 'input', unrepresentable: 'any' });
    const path = ['properties', 'stages', 'items', 'properties', 'gate', 'properties'];
    const parsed = path.reduce<unknown>(
      (node, key) => (node as Record<string, unknown>)[key],
      config,
    ) as Record<string, unknown>;
    const declared = new Map<string, unknown>();
    for (const kind of CRITERION_REGISTRY) {
      for (const [key, schema] of Object.entries(kind.configSchema)) {
        // Two kinds reading one key (approvals and rejection) must describe it alike.
        if (declared.has(key)) expect(normalise(schema)).toEqual(declared.get(key));
        declared.set(key, normalise(schema));
      }
    }
    expect(Object.keys(parsed).sort()).toEqual([...declared.keys()].sort());
    for (const [key, schema] of declared)
      expect({ key, schema: normalise(parsed[key]) }).toEqual({ key, schema });
  });
});
