import type { LinearIssueTemplate } from '@clos/core';

/** What a stage template's placeholders stand for (docs/linear.md#templates). */
export interface TemplateContext {
  project: string;
  pod: string;
  stage: string;
  /** The project's page in the dashboard; null when CLOS_PUBLIC_URL is not set. */
  projectUrl: string | null;
  /** The project's gate in the dashboard; null likewise. */
  gateUrl: string | null;
}

const NO_LINK = '(no link: CLOS_PUBLIC_URL is not set)';

/** The links a project's issues carry, from `CLOS_PUBLIC_URL` (the dashboard serves `/projects/:id`). */
export function projectLinks(publicUrl: string | null, projectRef: string) {
  if (!publicUrl) return { projectUrl: null, gateUrl: null };
  const projectUrl = `${publicUrl}/projects/${encodeURIComponent(projectRef)}`;
  return { projectUrl, gateUrl: `${projectUrl}#gate` };
}

/**
 * Replaces `{project}`, `{pod}`, `{stage}`, `{projectUrl}` and `{gateUrl}`; a link that cannot be made
 * says why instead. Other braces are left as written.
 */
export function renderTemplate(text: string, context: TemplateContext): string {
  const values: Record<string, string> = {
    project: context.project,
    pod: context.pod,
    stage: context.stage,
    projectUrl: context.projectUrl ?? NO_LINK,
    gateUrl: context.gateUrl ?? NO_LINK,
  };
  return text.replace(/\{(project|pod|stage|projectUrl|gateUrl)\}/g, (_, key: string) => values[key]!);
}

/** A template with its text filled in; the description always ends with the link back to CLOS. */
export function renderIssue(template: LinearIssueTemplate, context: TemplateContext) {
  const description = template.description ? renderTemplate(template.description, context) : '';
  const footer = context.gateUrl
    ? `Created by CLOS for ${context.project} (${context.stage}): ${context.gateUrl}`
    : `Created by CLOS for ${context.project} (${context.stage}); ${NO_LINK}`;
  return {
    title: renderTemplate(template.title, context).slice(0, 255),
    description: description ? `${description}\n\n---\n${footer}` : footer,
    labels: template.labels,
    estimate: template.estimate,
  };
}
