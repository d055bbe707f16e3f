// Serve the composed supergraph; host and port come from the bench. No GraphiQL or landing
// page, and no Hive/Apollo/OpenTelemetry reporting: nothing leaves the machine.
// BENCH_RESPONSE_CACHE_TTL_MS turns on Hive Gateway's own response cache (one cache for all
// clients, entities identified by `orderId`, invalidated by mutations that return them).
import { defineConfig } from '@graphql-hive/gateway';

const responseCacheTtlMs = Number(process.env.BENCH_RESPONSE_CACHE_TTL_MS ?? 0);

export const gatewayConfig = defineConfig({
  supergraph: './supergraph.graphql',
  host: '127.0.0.1',
  port: Number(process.env.BENCH_PEER_PORT ?? 4000),
  graphiql: false,
  landingPage: false,
  logging: 'error',
  ...(responseCacheTtlMs > 0
    ? {
        responseCaching: {
          session: () => null,
          ttl: responseCacheTtlMs,
          idFields: ['id', 'orderId'],
        },
      }
    : {}),
});
