/** The demo organisation's projects, from creation to the stage each one reaches. */

/** Where the projects keep their documents: the links in generated evidence point below it. */
export const DOCS = 'https://docs.example.com';

export interface ProjectSeed {
  name: string;
  /** The project key people type in the CLI, the API and `clos.config.yaml` (unique). */
  key: string;
  pod: string;
  /** Day the project is created (or its idea promoted). */
  created: number;
  /** Days of the first and last stage advance; advances in between are spread evenly. */
  moves: [number, number];
  problem: string;
  metrics: string[];
  rollback: string;
  /** Title of the idea whose promotion creates this project. */
  fromIdea?: string;
  /** Blocked and unblocked again before the first advance, so it never stands in a gate's way. */
  pause?: { from: number; to: number; reason: string; resolution: string };
  /** Still blocked at the end; after the last advance. */
  blocked?: { day: number; reason: string };
  /** The approver first rejects this advance (1-based), the team resubmits, then it is approved. */
  rejectOnce?: { transition: number; comment: string; revisedMetrics: string[] };
}

/**
 * Ordered from least to most advanced: the n-th project is taken as far as its rank allows in the
 * configured stage list, so every stage holds a project whatever the number of stages.
 */
export const PROJECTS: ProjectSeed[] = [
  {
    name: 'SSO for enterprise customers',
    key: 'sso',
    pod: 'compass',
    created: 36,
    moves: [38, 40],
    problem: 'Enterprise prospects stall in procurement because we cannot offer SAML single sign-on.',
    metrics: ['Three enterprise deals unblocked', 'Zero password resets for SSO tenants'],
    rollback: 'Disable the SSO feature flag per tenant; password login keeps working throughout.',
  },
  {
    name: 'Self-serve refunds',
    key: 'refunds',
    pod: 'ratio',
    created: 30,
    moves: [33, 38],
    fromIdea: 'Self-serve refunds in the customer portal',
    problem: 'Support agents handle 400 refund tickets a month that customers could resolve alone.',
    metrics: ['Refund tickets down 60%', 'Refund time under 2 minutes'],
    rollback: 'Hide the refund button behind its flag; refunds fall back to the support queue.',
  },
  {
    name: 'Public status page',
    key: 'status-page',
    pod: 'compass',
    created: 24,
    moves: [30, 38],
    problem: 'During incidents customers flood support because they cannot see what is happening.',
    metrics: ['Incident tickets down 40%', 'Status updated within 10 minutes of an incident'],
    rollback: 'Point the status subdomain back at the static maintenance page.',
  },
  {
    name: 'Usage-based billing',
    key: 'billing',
    pod: 'atlas',
    created: 14,
    moves: [22, 30],
    problem:
      'Flat plans overcharge small customers and undercharge heavy ones; churn is highest among the small.',
    metrics: ['Small-customer churn down 15%', 'Revenue per heavy account up 10%'],
    rollback: 'Switch accounts back to their previous flat plan; invoices are recomputed nightly.',
    blocked: { day: 33, reason: 'Waiting on legal review of the new pricing terms' },
  },
  {
    name: 'Offline mode for field technicians',
    key: 'offline-mode',
    pod: 'beacon',
    created: 12,
    moves: [19, 27],
    fromIdea: 'Offline mode for field technicians',
    problem: 'Technicians lose work orders when they lose signal on site, and re-enter them from paper.',
    metrics: ['Zero lost work orders', 'Sync conflicts under 1% of orders'],
    rollback: 'Ship a config update that turns offline mode off; queued orders sync on next launch.',
  },
  {
    name: 'Data warehouse migration',
    key: 'warehouse',
    pod: 'compass',
    created: 2,
    moves: [8, 29],
    problem: 'Nightly reports take six hours on the old warehouse and miss the morning planning meeting.',
    metrics: ['Nightly reports finish before 06:00', 'Warehouse cost down 30%'],
    rollback: 'Repoint the BI tools at the old warehouse, which keeps loading in parallel for a month.',
  },
  {
    name: 'Partner API v2',
    key: 'partner-api',
    pod: 'atlas',
    created: 3,
    moves: [9, 26],
    problem: 'Partners build fragile scrapers because API v1 lacks webhooks and bulk endpoints.',
    metrics: ['Five partners migrated to v2', 'p95 latency under 300 ms'],
    rollback: 'Route partner traffic back to v1, which stays deployed until every partner has moved.',
    pause: {
      from: 4.2,
      to: 7.5,
      reason: 'Waiting for partner sandbox credentials',
      resolution: 'Sandbox credentials arrived from the partner team',
    },
  },
  {
    name: 'Mobile onboarding flow',
    key: 'mobile-onboarding',
    pod: 'beacon',
    created: 1,
    moves: [6, 31],
    problem: 'Half of new mobile users drop out before finishing the seven-screen sign-up.',
    metrics: ['Onboarding completion above 75%', 'Time to first task under 3 minutes'],
    rollback: 'Serve the previous onboarding through the remote config switch; no app release needed.',
  },
  {
    name: 'Invoice PDF export',
    key: 'invoice-pdf',
    pod: 'ratio',
    created: 4,
    moves: [8, 35],
    problem: 'Finance teams at our customers re-type invoices because they cannot download them as PDF.',
    metrics: ['Better invoices'],
    rollback: 'Remove the export button; the PDF service has no other callers.',
    rejectOnce: {
      transition: 2,
      comment: 'Success metrics are not measurable: give a baseline and a target.',
      revisedMetrics: [
        'Invoice-related tickets down from 120 to 40 a month',
        '30% of invoices downloaded as PDF',
      ],
    },
  },
  {
    name: 'Search relevance tuning',
    key: 'search',
    pod: 'atlas',
    created: 0.5,
    moves: [5, 37],
    problem: 'A third of searches end without a click because results rank by recency, not relevance.',
    metrics: ['Search click-through up from 64% to 80%', 'Zero-result searches under 5%'],
    rollback: 'Flip the ranking flag back to the recency ranker; both indexes are kept warm.',
  },
  {
    name: 'Checkout redesign',
    key: 'checkout',
    pod: 'ratio',
    created: 0.4,
    moves: [3, 39],
    problem: 'Checkout conversion on mobile is 12 points below desktop; users abandon at the address form.',
    metrics: ['Mobile checkout conversion up 8 points', 'Address form errors down 50%'],
    rollback: 'Turn off the new-checkout flag; the old checkout stays deployed for two releases.',
  },
];
