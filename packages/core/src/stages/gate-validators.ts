/**
 * Gate evidence validators: each gated stage's `evidence` JSON Schema, compiled once per loaded policy.
 * The evidence criterion (`criteria/evidence.ts`) judges with them; the CLI and the GitHub Action use
 * them to check evidence offline the way the server will.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as addFormatsModule from 'ajv-formats';
import type { StagePolicy } from '../policy.ts';

// ajv-formats ships CommonJS with `exports.default`; under NodeNext the default import is the module.
const addFormats = addFormatsModule.default as unknown as typeof addFormatsModule.default.default;

/** Compiled evidence validators, one per gated stage; build once per loaded policy. */
export class GateValidators {
  private readonly byStage = new Map<string, ValidateFunction>();

  constructor(stages: StagePolicy[]) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    for (const stage of stages) {
      if (stage.gate) this.byStage.set(stage.name, ajv.compile(stage.gate.evidence));
    }
  }

  /** Each schema violation of `evidence` for entering `stage`, as a field path and a human message. */
  validate(stage: string, evidence: unknown): { path: string; message: string }[] {
    return this.locate(stage, evidence).map(({ path, message }) => ({ path, message }));
  }

  /**
   * `validate`, with `at`: the segments of the deepest part of the document that exists and is at
   * fault (a missing field's object), so an evidence file's problem can point at its line.
   */
  locate(stage: string, evidence: unknown): EvidenceProblem[] {
    const validate = this.byStage.get(stage);
    if (!validate) return [];
    if (validate(evidence)) return [];
    return (validate.errors ?? []).map(describeAjvError);
  }
}

export interface EvidenceProblem {
  path: string;
  message: string;
  at: string[];
}

/** JSON Pointer segments (RFC 6901: `~1` is `/`, `~0` is `~`). */
const segmentsOf = (pointer: string) =>
  pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((x) => x.replaceAll('~1', '/').replaceAll('~0', '~'));

function describeAjvError(error: ErrorObject): EvidenceProblem {
  const at = segmentsOf(error.instancePath);
  // An extra field exists in the document: point at it rather than at its object.
  if (error.keyword === 'additionalProperties')
    at.push((error.params as { additionalProperty: string }).additionalProperty);
  return { ...describe(error), at };
}

function describe(error: ErrorObject): { path: string; message: string } {
  const base = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    const path = base ? `${base}.${missing}` : missing;
    return { path, message: `evidence field "${path}" is required` };
  }
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    const path = base ? `${base}.${extra}` : extra;
    return { path, message: `evidence field "${path}" is not allowed` };
  }
  const path = base || '(root)';
  return { path, message: `evidence field "${path}" ${error.message ?? 'is invalid'}` };
}
