/**
 * The latest evidence submitted for the next stage satisfies the gate's `evidence` JSON Schema. One
 * criterion per schema violation, each naming its field; a `(root)` entry says whether anything was
 * submitted or is needed at all.
 */
import type { CriterionKind } from './criterion-kind.ts';

export type EvidenceCriterion = { kind: 'evidence'; met: boolean; path: string; message: string };

export const evidenceKind: CriterionKind<EvidenceCriterion> = {
  kind: 'evidence',
  phase: 'gate',
  group: 'requirement',
  configSchema: {
    evidence: {
      type: 'object',
      description:
        'A JSON Schema (draft 2020-12) the evidence document must satisfy; compiled with Ajv at start-up.',
    },
  },
  evaluate({ next, validators, evidence }) {
    const criteria: EvidenceCriterion[] = [];
    if (evidence === null) {
      const problems = validators.validate(next.name, {});
      criteria.push(
        problems.length === 0
          ? { kind: 'evidence', met: true, path: '(root)', message: 'no evidence is required' }
          : {
              kind: 'evidence',
              met: false,
              path: '(root)',
              message: `no evidence submitted for stage "${next.name}"`,
            },
      );
      for (const p of problems) criteria.push({ kind: 'evidence', met: false, ...p });
    } else {
      const problems = validators.validate(next.name, evidence);
      if (problems.length === 0)
        criteria.push({ kind: 'evidence', met: true, path: '(root)', message: 'evidence is valid' });
      for (const p of problems) criteria.push({ kind: 'evidence', met: false, ...p });
    }
    return criteria;
  },
  describe: {
    label: 'Evidence',
    title: (c) =>
      typeof c.path === 'string' && c.path && c.path !== '(root)' ? `Evidence: ${c.path}` : 'Evidence',
    nextStep: (gate) =>
      `submit evidence: clos validate --project ${gate.projectId} --evidence ./evidence.json --submit`,
  },
};
