// Compose the peer's supergraph from the Engage emulator's own OpenAPI document.
// The bench writes openapi.json (fetched from the running emulator) and sets the upstream URL
// and API key in the environment before running `mesh-compose -o supergraph.graphql`.
import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

const upstream = process.env.BENCH_UPSTREAM_URL;
const apiKey = process.env.BENCH_UPSTREAM_API_KEY;
if (!upstream || !apiKey) {
  throw new Error('set BENCH_UPSTREAM_URL and BENCH_UPSTREAM_API_KEY before composing');
}

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('Engage', {
        source: './openapi.json',
        endpoint: upstream,
        // Engage answers 400/500 unless every request carries these three headers.
        operationHeaders: {
          apikey: apiKey,
          'User-Agent': 'MeshBench/1.0',
          'Content-Type': 'application/json',
        },
      }),
    },
  ],
});
