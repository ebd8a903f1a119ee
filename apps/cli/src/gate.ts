/** How a gate evaluation reads in a terminal: one line per criterion, then what to do next. */
import { criterionNextSteps } from '@clos/core';
import type { Output } from './output.ts';

export interface GateView {
  projectId: string;
  currentStage: string;
  nextStage: string | null;
  ready: boolean;
  criteria: { kind: string; met: boolean; message: string; roles?: string[] }[];
}

export function printGate(out: Output, gate: GateView): void {
  if (gate.nextStage === null) {
    for (const c of gate.criteria) out.line(`  ${mark(out, c.met)} ${c.message}`);
    out.line(`${gate.currentStage} is the last stage: there is no gate to pass`);
    return;
  }
  out.line(
    `gate ${gate.currentStage} → ${gate.nextStage}: ${gate.ready ? out.style('green', 'ready') : out.style('red', 'not ready')}`,
  );
  for (const c of gate.criteria) out.line(`  ${mark(out, c.met)} ${c.message}`);
}

export function mark(out: Output, met: boolean): string {
  return met ? out.style('green', '✓') : out.style('red', '✗');
}

/**
 * The commands that clear each kind of unmet criterion, as core's criterion registry words them.
 * `ref` is the project as the user named it (a key reads better than the id in a command to copy).
 */
export function nextSteps(gate: GateView, ref: string = gate.projectId): string[] {
  const steps = criterionNextSteps({ ...gate, projectId: ref });
  return steps.length ? ['next:', ...steps.map((s) => `  ${s}`)] : [];
}

/** The latest CI report of each context on one line: `unit failed, lint passed`. */
export function ciSummary(statuses: readonly { context: string; status: string }[]): string {
  return statuses.length ? statuses.map((c) => `${c.context} ${c.status}`).join(', ') : 'no reports';
}
