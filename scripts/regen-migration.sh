#!/usr/bin/env bash
# Regenerates the newest, not yet released migration from the Drizzle schema (development only):
# drops 0005 and its snapshot, then lets drizzle-kit write it again from packages/db/src/schema.
set -euo pipefail
cd "$(dirname "$0")/.."
node -e '
const fs = require("fs");
const p = "packages/db/migrations/meta/_journal.json";
const j = JSON.parse(fs.readFileSync(p, "utf8"));
j.entries = j.entries.filter((e) => e.idx < 5);
fs.writeFileSync(p, JSON.stringify(j, null, 2));
'
rm -f packages/db/migrations/0005_*.sql packages/db/migrations/meta/0005_snapshot.json
npx drizzle-kit generate --config packages/db/drizzle.config.ts --name workflows_events
