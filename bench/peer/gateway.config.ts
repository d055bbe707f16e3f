// Serve the composed supergraph; host and port come from the bench. No GraphiQL or landing
// page, and no Hive/Apollo/OpenTelemetry reporting: nothing leaves the machine.
import { defineConfig } from '@graphql-hive/gateway';

export const gatewayConfig = defineConfig({
  supergraph: './supergraph.graphql',
  host: '127.0.0.1',
  port: Number(process.env.BENCH_PEER_PORT ?? 4000),
  graphiql: false,
  landingPage: false,
  logging: 'error',
});
