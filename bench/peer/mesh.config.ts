// Compose the peer's supergraph from the emulator's own OpenAPI document.
// The bench writes openapi.json (fetched from the running emulator) and sets the upstream URL
// and the headers every upstream call must carry (Engage rejects a call without `apikey`,
// `User-Agent` and `Content-Type`) before running `mesh-compose -o supergraph.graphql`.
import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

const upstream = process.env.BENCH_UPSTREAM_URL;
const headers = process.env.BENCH_UPSTREAM_HEADERS;
if (!upstream || !headers) {
  throw new Error('set BENCH_UPSTREAM_URL and BENCH_UPSTREAM_HEADERS before composing');
}

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph(process.env.BENCH_SUBGRAPH ?? 'Engage', {
        source: './openapi.json',
        endpoint: upstream,
        operationHeaders: JSON.parse(headers) as Record<string, string>,
      }),
    },
  ],
});
