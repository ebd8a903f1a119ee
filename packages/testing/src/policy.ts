import { parseConfig } from '@clos/contract';
import type { Policy } from '@clos/core';

/** The built-in default model, optionally with overrides of top-level sections. */
export function defaultPolicy(overrides: Record<string, unknown> = {}): Policy {
  const parsed = parseConfig(overrides);
  if (!parsed.ok) throw new Error(`test policy is invalid:\n${parsed.problems.join('\n')}`);
  return parsed.config;
}
