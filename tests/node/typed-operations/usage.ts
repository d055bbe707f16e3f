// Code a frontend writes against the generated types; `tsc --strict` must accept it.
import type {
  ContactOrdersQuery,
  ContactOrdersQueryVariables,
  FastThenSlowQuery,
  ProgressSubscription,
  WriteMutationVariables,
} from "./generated";

export const variables: ContactOrdersQueryVariables = { email: "anna.berg@example.com", first: 3 };

export function orderIds(result: ContactOrdersQuery): string[] {
  return result.contact?.orders.edges.map((edge) => edge.node.orderId) ?? [];
}

export function slowTotal(result: FastThenSlowQuery): number | null | undefined {
  return "order" in result ? result.order?.total : undefined;
}

export function isDone(update: ProgressSubscription): boolean {
  return update.jobProgress.state === "COMPLETED";
}

export const write: WriteMutationVariables = {
  input: {
    vendor: "ENGAGE",
    mode: "ADD",
    order: {
      orderId: "WEB-1",
      createdAt: "2026-11-23T10:15:00+01:00",
      currency: "SEK",
      contact: { email: "anna.berg@example.com" },
      lines: [{ sku: "SKU-1", quantity: 1 }],
    },
  },
};
