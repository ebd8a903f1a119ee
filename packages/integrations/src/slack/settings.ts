/** The Slack app's secrets and endpoint, from the environment (docs/slack-app.md). */
export interface SlackSettings {
  /** Signs every request Slack sends (`X-Slack-Signature`, v0). */
  signingSecret: string;
  /** The bot token (`xoxb-…`) the Web API calls are made with. */
  botToken: string;
  /** The Web API root, ending in `/`: `https://slack.com/api/`, or a test's fake. */
  apiUrl: string;
}

export const SLACK_ENVIRONMENT = [
  { name: 'CLOS_SLACK_SIGNING_SECRET', description: 'the Slack app’s signing secret' },
  { name: 'CLOS_SLACK_BOT_TOKEN', description: 'the Slack app’s bot token (xoxb-…)' },
  { name: 'CLOS_SLACK_API_URL', description: 'Web API root (default https://slack.com/api/)' },
] as const;

/**
 * The settings, null when neither secret is set (the integration is off). One without the other is
 * a mistake worth stopping for: it throws, naming what is missing, rather than run an app that can
 * receive commands but not answer them.
 */
export function readSlackSettings(env: Readonly<Record<string, string | undefined>>): SlackSettings | null {
  const value = (name: string) => env[name]?.trim() || undefined;
  const signingSecret = value('CLOS_SLACK_SIGNING_SECRET');
  const botToken = value('CLOS_SLACK_BOT_TOKEN');
  if (!signingSecret && !botToken) return null;
  const problems: string[] = [];
  if (!signingSecret) problems.push('CLOS_SLACK_SIGNING_SECRET is not set');
  if (!botToken) problems.push('CLOS_SLACK_BOT_TOKEN is not set');
  else if (!/^xox[bp]-/.test(botToken))
    problems.push('CLOS_SLACK_BOT_TOKEN must be a bot token (it starts with xoxb-)');
  let apiUrl = value('CLOS_SLACK_API_URL') ?? 'https://slack.com/api/';
  if (!apiUrl.endsWith('/')) apiUrl += '/';
  try {
    const parsed = new URL(apiUrl);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    problems.push(`CLOS_SLACK_API_URL must be an http(s) URL (got "${apiUrl}")`);
  }
  if (problems.length) throw new Error(`the Slack app is half configured: ${problems.join('; ')}`);
  return { signingSecret: signingSecret!, botToken: botToken!, apiUrl };
}
