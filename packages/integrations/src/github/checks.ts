/**
 * The text of the `clos/wip` check run: what a developer reads on the pull request. Pure, so every
 * wording is tested without GitHub.
 */

export interface SlotHolder {
  itemId: string;
  label: string | null;
  url: string | null;
}

export type SlotState =
  | { state: 'held'; pod: string; itemType: string; used: number; limit: number; position: number }
  | {
      state: 'queued';
      pod: string;
      itemType: string;
      used: number;
      limit: number;
      /** 1-based place in the pod's line. */
      position: number;
      holders: SlotHolder[];
    }
  | { state: 'draft'; pod: string }
  /** The mapped pod does not exist (yet): created through the API later, say. */
  | { state: 'no_pod'; pod: string }
  | { state: 'released'; pod: string };

export interface CheckOutput {
  conclusion: 'success' | 'failure' | 'neutral';
  title: string;
  summary: string;
}

const holderLine = (h: SlotHolder) => {
  const text = h.label ?? h.itemId;
  return h.url ? `- [${text}](${h.url})` : `- ${text}`;
};

export function wipCheck(s: SlotState): CheckOutput {
  switch (s.state) {
    case 'held':
      return {
        conclusion: 'success',
        title: `WIP slot ${s.position} of ${s.limit} in ${s.pod}`,
        summary: `This pull request holds one of ${s.pod}'s ${s.limit} ${s.itemType} slots (${s.used} in use). Merging or closing it frees the slot for the next one in line.`,
      };
    case 'queued':
      return {
        conclusion: 'failure',
        title: `Waiting for a WIP slot in ${s.pod}: #${s.position} in line`,
        summary: [
          `${s.pod} is at its ${s.itemType} WIP limit (${s.used} of ${s.limit} in use). This pull request is number ${s.position} in line and takes the next free slot automatically; this check then turns green.`,
          '',
          'Holding the slots:',
          ...s.holders.map(holderLine),
          '',
          'Finish or close one of them (or ask a pod lead to raise the limit) to move the line.',
        ].join('\n'),
      };
    case 'draft':
      return {
        conclusion: 'neutral',
        title: 'Draft: takes no WIP slot',
        summary: `Drafts do not count against ${s.pod}'s WIP limit (github.pullRequests.countDrafts is false). Marking it ready for review takes a slot or joins the line.`,
      };
    case 'no_pod':
      return {
        conclusion: 'neutral',
        title: `Pod ${s.pod} does not exist`,
        summary: `github.repositories maps this repository to pod "${s.pod}", which CLOS does not know (yet). Create the pod, or fix the mapping in clos.config.yaml; until then no WIP limit applies.`,
      };
    case 'released':
      return {
        conclusion: 'neutral',
        title: 'No WIP slot held',
        summary: `This pull request holds no slot of ${s.pod} any more.`,
      };
  }
}

/** Where the repository's project stands against `requireStage` (github.repositories[].project). */
export type GateState =
  | { state: 'no_project'; project: string }
  | { state: 'closed'; project: string; outcome: string }
  | { state: 'blocked'; project: string; stage: string; reason: string }
  | {
      state: 'behind';
      project: string;
      stage: string;
      requireStage: string;
      /** The stages still to enter, in order, up to and including `requireStage`. */
      stagesToGo: string[];
      /** The next gate's unmet criteria, in words. */
      unmet: string[];
    }
  | { state: 'open'; project: string; stage: string; requireStage: string | null };

export function gateCheck(s: GateState): CheckOutput {
  switch (s.state) {
    case 'no_project':
      return {
        conclusion: 'neutral',
        title: `Project ${s.project} does not exist`,
        summary: `github.repositories names project "${s.project}", which CLOS does not know (yet). Create it with that key, or fix the mapping in clos.config.yaml; until then no gate applies.`,
      };
    case 'closed':
      return {
        conclusion: 'failure',
        title: `${s.project} is closed (${s.outcome})`,
        summary: `Project ${s.project} was ${s.outcome}; code for it no longer merges. Map the repository to the project that carries the work on.`,
      };
    case 'blocked':
      return {
        conclusion: 'failure',
        title: `${s.project} is blocked`,
        summary: `Project ${s.project} (in ${s.stage}) is blocked: ${s.reason}. Code merges again once it is unblocked.`,
      };
    case 'behind':
      return {
        conclusion: 'failure',
        title: `${s.project} is in ${s.stage}; code merges from ${s.requireStage}`,
        summary: [
          `Project ${s.project} must reach ${s.requireStage} before code for it merges. Stages still to pass: ${s.stagesToGo.join(' → ')}.`,
          '',
          `The gate into ${s.stagesToGo[0]} still needs:`,
          ...(s.unmet.length ? s.unmet.map((u) => `- ${u}`) : ['- nothing: it can advance now']),
        ].join('\n'),
      };
    case 'open':
      return {
        conclusion: 'success',
        title: s.requireStage
          ? `${s.project} is in ${s.stage} (code merges from ${s.requireStage})`
          : `${s.project} is in ${s.stage}`,
        summary: `Project ${s.project} is open and not blocked${s.requireStage ? `, and has reached ${s.requireStage}` : ''}.`,
      };
  }
}

/** An evidence file of the pull request, judged (evidence-files.ts), with what merging it will do. */
export interface EvidenceFileOutcome {
  path: string;
  stage: string;
  problems: number;
  /** Where the project stands: a valid file for a gate it already passed is not submitted. */
  passed: boolean;
}

/**
 * `clos/gate` with the pull request's evidence files: any problem fails the check (each is an
 * annotation on its line); valid files are listed with what merging does with them.
 */
export function withEvidence(output: CheckOutput, files: readonly EvidenceFileOutcome[]): CheckOutput {
  if (files.length === 0) return output;
  const problems = files.reduce((n, f) => n + f.problems, 0);
  const line = (f: EvidenceFileOutcome) =>
    f.problems
      ? `- \`${f.path}\` (gate into ${f.stage}): ${f.problems} problem${f.problems === 1 ? '' : 's'}, marked on the file`
      : f.passed
        ? `- \`${f.path}\` (gate into ${f.stage}): valid, but the project is past that gate, so merging submits nothing`
        : `- \`${f.path}\` (gate into ${f.stage}): valid; merging submits it as the project's evidence for ${f.stage}`;
  const summary = [output.summary, '', 'Evidence files in this pull request:', ...files.map(line)].join('\n');
  if (problems === 0) return { ...output, summary };
  return {
    conclusion: 'failure',
    title:
      output.conclusion === 'failure'
        ? `${output.title}; evidence has ${problems} problem${problems === 1 ? '' : 's'}`
        : `Evidence has ${problems} problem${problems === 1 ? '' : 's'}`,
    summary,
  };
}
