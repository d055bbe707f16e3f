// Drives one real GraphQL client against a running gateway and prints one JSON line with what
// the client saw. Usage: node clients/run.mjs <case> <graphql url> [json arguments]
// The Python tests (tests/gateway/e2e/test_node_clients.py) assert on that line.
import { createHash } from "node:crypto";

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { GraphQL17Alpha9Handler } from "@apollo/client/incremental";
import { BatchHttpLink } from "@apollo/client/link/batch-http";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { Client as UrqlClient, fetchExchange } from "@urql/core";
import { GraphQLClient, ClientError } from "graphql-request";
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient } from "graphql-ws";
import WebSocket from "ws";

import {
  CONTACT_QUERY,
  DEFER_QUERY,
  JOB_PROGRESS,
  WRITE_MUTATION,
  writeInput,
} from "./operations.mjs";

const [caseName, url, rawArgs] = process.argv.slice(2);
const args = rawArgs ? JSON.parse(rawArgs) : {};
// A stream that never ends is given up on after this: long, for a busy machine, and within
// the 60 s the Python side allows a case.
const GIVE_UP_MS = 45000;

// Every HTTP exchange a client makes: method, the request's body or query string, the status
// and the response's content type, so a test can see the protocol, not only the outcome.
const exchanges = [];
async function recordingFetch(input, init = {}) {
  const target = new URL(input instanceof Request ? input.url : String(input));
  const response = await fetch(input, init);
  const contentType = response.headers.get("content-type") ?? "";
  exchanges.push({
    url: `${target.origin}${target.pathname}`,
    responseBody: contentType.startsWith("application/") ? await response.clone().json() : null,
    method: init.method ?? "GET",
    query: Object.fromEntries(target.searchParams),
    body: typeof init.body === "string" ? JSON.parse(init.body) : null,
    requestHeaders: Object.fromEntries(new Headers(init.headers)),
    status: response.status,
    contentType: response.headers.get("content-type"),
    accept: new Headers(init.headers).get("accept"),
  });
  return response;
}

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

function apollo(link, extra = {}) {
  return new ApolloClient({ link, cache: new InMemoryCache(), ...extra });
}

function errorSummary(error) {
  if (!error) return null;
  return { name: error.name, message: error.message };
}

const cases = {
  // urql exactly as its docs set it up: only the fetch exchange, every default left alone.
  async "urql-query"() {
    const client = new UrqlClient({ url, exchanges: [fetchExchange], fetch: recordingFetch });
    const result = await client.query(CONTACT_QUERY, { email: args.email }).toPromise();
    return { data: result.data ?? null, error: errorSummary(result.error), exchanges };
  },

  async "urql-mutation"() {
    const client = new UrqlClient({ url, exchanges: [fetchExchange], fetch: recordingFetch });
    const result = await client
      .mutation(WRITE_MUTATION, { input: writeInput(args.orderId) })
      .toPromise();
    return { data: result.data ?? null, error: errorSummary(result.error), exchanges };
  },

  // Subscriptions over fetch (SSE), urql's own `fetchSubscriptions` option.
  async "urql-subscription"() {
    const client = new UrqlClient({
      url,
      exchanges: [fetchExchange],
      fetchSubscriptions: true,
      fetch: recordingFetch,
    });
    const results = [];
    await new Promise((resolve) => {
      const { unsubscribe } = client
        .subscription(JOB_PROGRESS, { id: args.jobId })
        .subscribe((result) => {
          results.push({ data: result.data ?? null, error: errorSummary(result.error) });
          if (result.error || result.data?.jobProgress?.state === "COMPLETED") {
            unsubscribe();
            resolve();
          }
        });
      setTimeout(resolve, GIVE_UP_MS);
    });
    return { results, exchanges };
  },

  async "urql-defer"() {
    const client = new UrqlClient({ url, exchanges: [fetchExchange], fetch: recordingFetch });
    const results = [];
    await new Promise((resolve) => {
      client.query(DEFER_QUERY, { email: args.email, orderId: args.orderId }).subscribe((r) => {
        results.push({ data: r.data ?? null, error: errorSummary(r.error), hasNext: r.hasNext });
        if (!r.hasNext) resolve();
      });
      setTimeout(resolve, GIVE_UP_MS);
    });
    return { results, exchanges };
  },

  async "apollo-http"() {
    const client = apollo(new HttpLink({ uri: url, fetch: recordingFetch }));
    const query = await client.query({ query: gql(CONTACT_QUERY), variables: { email: args.email } });
    const mutation = await client.mutate({
      mutation: gql(WRITE_MUTATION),
      variables: { input: writeInput(args.orderId) },
    });
    return {
      query: { data: query.data ?? null, error: errorSummary(query.error) },
      mutation: { data: mutation.data ?? null, error: errorSummary(mutation.error) },
      exchanges,
    };
  },

  // Two queries issued together travel as one batch request.
  async "apollo-batch"() {
    const client = apollo(new BatchHttpLink({ uri: url, fetch: recordingFetch, batchMax: 5 }));
    const settled = await Promise.allSettled([
      client.query({ query: gql(CONTACT_QUERY), variables: { email: args.email } }),
      client.query({
        query: gql`query Vendors { vendors { vendor } }`,
      }),
    ]);
    return {
      results: settled.map((s) =>
        s.status === "fulfilled"
          ? { data: s.value.data ?? null, error: errorSummary(s.value.error) }
          : { data: null, error: errorSummary(s.reason) },
      ),
      exchanges,
    };
  },

  // Apollo's automatic persisted queries: the same query twice from two fresh clients, so the
  // second client's first request is a hash the gateway already knows.
  // With `secondUrl`, the second client talks to another gateway process.
  async "apollo-apq"() {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const uri = i === 1 && args.secondUrl ? args.secondUrl : url;
      const link = new PersistedQueryLink({
        sha256,
        useGETForHashedQueries: Boolean(args.get),
      }).concat(new HttpLink({ uri, fetch: recordingFetch }));
      const client = apollo(link);
      try {
        const result = await client.query({
          query: gql(CONTACT_QUERY),
          variables: { email: args.email },
          fetchPolicy: "network-only",
        });
        runs.push({ data: result.data ?? null, error: errorSummary(result.error) });
      } catch (error) {
        runs.push({ data: null, error: errorSummary(error) });
      }
    }
    return {
      runs,
      exchanges,
      missed: exchanges[0]?.responseBody?.errors ?? null,
    };
  },

  // Subscriptions over HttpLink: Apollo's multipart HTTP subscription protocol.
  async "apollo-subscription"() {
    const client = apollo(new HttpLink({ uri: url, fetch: recordingFetch }));
    const results = [];
    await new Promise((resolve) => {
      client.subscribe({ query: gql(JOB_PROGRESS), variables: { id: args.jobId } }).subscribe({
        next(r) {
          results.push({ data: r.data ?? null, error: errorSummary(r.error) });
        },
        error(e) {
          results.push({ data: null, error: errorSummary(e) });
          resolve();
        },
        complete: resolve,
      });
      setTimeout(resolve, GIVE_UP_MS);
    });
    return { results, exchanges };
  },

  async "apollo-defer"() {
    const client = apollo(new HttpLink({ uri: url, fetch: recordingFetch }), {
      incrementalHandler: new GraphQL17Alpha9Handler(),
    });
    const results = [];
    await new Promise((resolve) => {
      const subscription = client
        .watchQuery({
          query: gql(DEFER_QUERY),
          variables: { email: args.email, orderId: args.orderId },
        })
        .subscribe({
          next(r) {
            if (r.dataState === "empty" && !r.error) return; // the loading state before any part
            results.push({ data: r.data ?? null, error: errorSummary(r.error), dataState: r.dataState });
            if (r.dataState === "complete" || r.error) {
              subscription.unsubscribe();
              resolve();
            }
          },
          error(e) {
            results.push({ data: null, error: errorSummary(e) });
            resolve();
          },
        });
      setTimeout(resolve, GIVE_UP_MS);
    });
    return { results, exchanges };
  },

  async "graphql-request"() {
    const client = new GraphQLClient(url, { fetch: recordingFetch });
    const query = await client.request(CONTACT_QUERY, { email: args.email });
    const mutation = await client.request(WRITE_MUTATION, { input: writeInput(args.orderId) });
    let failure = null;
    try {
      await client.request(`query { contact(vendor: ENGAGE, nope: 1) { email } }`);
    } catch (error) {
      failure =
        error instanceof ClientError
          ? { status: error.response.status, errors: error.response.errors }
          : errorSummary(error);
    }
    return { query, mutation, failure, exchanges };
  },

  async "graphql-ws"() {
    const client = createWsClient({
      url: url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const results = [];
    try {
      for await (const result of client.iterate({ query: JOB_PROGRESS, variables: { id: args.jobId } })) {
        results.push(result);
      }
    } catch (error) {
      results.push({ clientError: String(error?.reason ?? error?.message ?? error) });
    }
    await client.dispose();
    return { results };
  },

  async "graphql-sse"() {
    const client = createSseClient({ url, retryAttempts: 0 });
    const results = [];
    try {
      for await (const result of client.iterate({ query: JOB_PROGRESS, variables: { id: args.jobId } })) {
        results.push(result);
      }
    } catch (error) {
      results.push({ clientError: String(error?.message ?? error) });
    }
    client.dispose();
    return { results };
  },
};

const run = cases[caseName];
if (!run) {
  console.error(`unknown case ${caseName}; known: ${Object.keys(cases).join(", ")}`);
  process.exit(2);
}
try {
  console.log(JSON.stringify(await run()));
} catch (error) {
  console.log(JSON.stringify({ crashed: errorSummary(error), exchanges }));
}
process.exit(0);
