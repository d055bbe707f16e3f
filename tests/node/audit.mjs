// Runs the GraphQL over HTTP spec's own server audit against one URL and prints the results
// as JSON lines: {"id", "name", "status": "ok" | "warn" | "error", "reason"}.
import { auditServer } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node audit.mjs <graphql url>");
  process.exit(2);
}

const results = await auditServer({ url });
for (const result of results) {
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status !== "ok") line.reason = result.reason;
  console.log(JSON.stringify(line));
}
