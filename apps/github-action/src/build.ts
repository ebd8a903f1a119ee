/** `npm run build -w @clos/github-action`: writes `dist/index.js`, which is committed. */
import { BUNDLE_FILE, buildBundle } from './bundle.ts';

const bytes = await buildBundle({ write: true });
process.stdout.write(`wrote ${BUNDLE_FILE} (${(bytes.length / 1024).toFixed(0)} KiB)\n`);
