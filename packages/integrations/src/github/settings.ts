import { readFileSync } from 'node:fs';

/** The GitHub App's secrets and endpoint, from the environment (docs/github-app.md). */
export interface GitHubSettings {
  appId: string;
  /** The App's private key, PEM. */
  privateKey: string;
  /** Signs deliveries (`X-Hub-Signature-256`). */
  webhookSecret: string;
  /** REST API root: `https://api.github.com`, a GitHub Enterprise Server's `/api/v3`, or a test's fake. */
  apiUrl: string;
}

export const GITHUB_ENVIRONMENT = [
  { name: 'CLOS_GITHUB_APP_ID', description: 'the GitHub App’s id' },
  { name: 'CLOS_GITHUB_PRIVATE_KEY', description: 'the App’s private key (PEM text)' },
  { name: 'CLOS_GITHUB_PRIVATE_KEY_FILE', description: 'or: a file holding the App’s private key' },
  { name: 'CLOS_GITHUB_WEBHOOK_SECRET', description: 'the App’s webhook secret' },
  { name: 'CLOS_GITHUB_API_URL', description: 'REST API root (default https://api.github.com)' },
] as const;

/**
 * The settings, null when none of the App's variables is set (the integration is off). A partial
 * set is a mistake worth stopping for: it throws, naming what is missing, rather than running an App
 * that can receive but not answer.
 */
export function readGitHubSettings(
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): GitHubSettings | null {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const appId = value('CLOS_GITHUB_APP_ID');
  const keyText = value('CLOS_GITHUB_PRIVATE_KEY');
  const keyFile = value('CLOS_GITHUB_PRIVATE_KEY_FILE');
  const webhookSecret = value('CLOS_GITHUB_WEBHOOK_SECRET');
  if (!appId && !keyText && !keyFile && !webhookSecret) return null;

  const problems: string[] = [];
  if (!appId) problems.push('CLOS_GITHUB_APP_ID is not set');
  else if (!/^\d+$/.test(appId)) problems.push('CLOS_GITHUB_APP_ID must be the App’s numeric id');
  if (keyText && keyFile)
    problems.push('set CLOS_GITHUB_PRIVATE_KEY or CLOS_GITHUB_PRIVATE_KEY_FILE, not both');
  if (!keyText && !keyFile)
    problems.push('CLOS_GITHUB_PRIVATE_KEY (or CLOS_GITHUB_PRIVATE_KEY_FILE) is not set');
  if (!webhookSecret) problems.push('CLOS_GITHUB_WEBHOOK_SECRET is not set');
  let privateKey = keyText?.replaceAll('\\n', '\n');
  if (keyFile && !keyText)
    try {
      privateKey = readFile(keyFile);
    } catch (error) {
      problems.push(`CLOS_GITHUB_PRIVATE_KEY_FILE ${keyFile} cannot be read: ${(error as Error).message}`);
    }
  if (privateKey && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey))
    problems.push('the GitHub App private key is not a PEM private key');
  const apiUrl = (value('CLOS_GITHUB_API_URL') ?? 'https://api.github.com').replace(/\/+$/, '');
  try {
    const parsed = new URL(apiUrl);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    problems.push(`CLOS_GITHUB_API_URL must be an http(s) URL (got "${apiUrl}")`);
  }
  if (problems.length) throw new Error(`the GitHub App is half configured: ${problems.join('; ')}`);
  return { appId: appId!, privateKey: privateKey!, webhookSecret: webhookSecret!, apiUrl };
}
