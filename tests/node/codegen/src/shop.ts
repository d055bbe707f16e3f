// The documents a browser shop would send, written as GraphQL Code Generator's client preset
// expects; `graphql-codegen` turns them into persisted-documents.json (hash -> document).
import { graphql } from "../gql";

export const ShopOrder = graphql(`
  query ShopOrder($vendor: Vendor!, $orderId: String!) {
    order(vendor: $vendor, orderId: $orderId) {
      orderId
      status
    }
  }
`);

export const WatchJob = graphql(`
  subscription WatchJob($id: ID!) {
    jobProgress(id: $id) {
      state
    }
  }
`);
