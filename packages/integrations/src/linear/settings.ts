/** The Linear integration's secrets and endpoint, from the environment (docs/linear.md). */
export interface LinearSettings {
  /** A workspace API key (`lin_api_…`) or an OAuth access token, sent as Linear expects each. */
  apiKey: string;
  /** Signs every webhook Linear sends (`Linear-Signature`). */
  webhookSecret: string;
  /** The GraphQL endpoint: `https://api.linear.app/graphql`, or a test's fake. */
  apiUrl: string;
  /** Where people reach CLOS (`CLOS_PUBLIC_URL`), for links in issue text; null: no links. */
  publicUrl: string | null;
}

export const LINEAR_ENVIRONMENT = [
  { name: 'CLOS_LINEAR_API_KEY', description: 'a Linear API key (or OAuth access token) of the workspace' },
  { name: 'CLOS_LINEAR_WEBHOOK_SECRET', description: 'the signing secret of the Linear webhook' },
  {
    name: 'CLOS_LINEAR_API_URL',
    description: 'GraphQL endpoint (default https://api.linear.app/graphql)',
  },
  { name: 'CLOS_PUBLIC_URL', description: 'where people reach CLOS: links in the issues CLOS creates' },
] as const;

export const LINEAR_DEFAULT_API_URL = 'https://api.linear.app/graphql';

/**
 * The settings, null when neither secret is set (the integration is off). One without the other is a
 * mistake worth stopping for: it throws, naming what is missing, rather than create issues whose
 * completion CLOS would never hear about (or receive webhooks it cannot act on).
 */
export function readLinearSettings(env: Readonly<Record<string, string | undefined>>): LinearSettings | null {
  const value = (name: string) => env[name]?.trim() || undefined;
  const apiKey = value('CLOS_LINEAR_API_KEY');
  const webhookSecret = value('CLOS_LINEAR_WEBHOOK_SECRET');
  if (!apiKey && !webhookSecret) return null;
  const problems: string[] = [];
  if (!apiKey) problems.push('CLOS_LINEAR_API_KEY is not set');
  if (!webhookSecret) problems.push('CLOS_LINEAR_WEBHOOK_SECRET is not set');
  const apiUrl = value('CLOS_LINEAR_API_URL') ?? LINEAR_DEFAULT_API_URL;
  if (!isHttpUrl(apiUrl)) problems.push(`CLOS_LINEAR_API_URL must be an http(s) URL (got "${apiUrl}")`);
  const publicUrl = value('CLOS_PUBLIC_URL')?.replace(/\/+$/, '') ?? null;
  if (publicUrl !== null && !isHttpUrl(publicUrl))
    problems.push(`CLOS_PUBLIC_URL must be an http(s) URL (got "${publicUrl}")`);
  if (problems.length) throw new Error(`the Linear integration is half configured: ${problems.join('; ')}`);
  return { apiKey: apiKey!, webhookSecret: webhookSecret!, apiUrl, publicUrl };
}

function isHttpUrl(value: string): boolean {
  try {
    const parsed = new URL(value);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  } catch {
    return false;
  }
}
