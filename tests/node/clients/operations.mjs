// Operations every client case sends, written as a frontend team would.
export const CONTACT_QUERY = `
  query ContactOrders($email: String!) {
    contact(vendor: ENGAGE, email: $email) {
      contactId
      email
      orders(first: 2) {
        edges { cursor node { orderId status } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

export const WRITE_MUTATION = `
  mutation Write($input: WriteOrderInput!) {
    writeOrder(input: $input) {
      job { id state operation orderId }
      errors { code message }
    }
  }
`;

export const JOB_PROGRESS = `
  subscription Progress($id: ID!) {
    jobProgress(id: $id) { id state orderId }
  }
`;

// The contact answers from one vendor at once; the order behind @defer comes from the other,
// whose emulator the test slows down.
export const DEFER_QUERY = `
  query FastThenSlow($email: String!, $orderId: String!) {
    contact(vendor: EXPERTSENDER, email: $email) { contactId email }
    ... @defer(label: "slow") {
      order(vendor: ENGAGE, orderId: $orderId) { orderId status total }
    }
  }
`;

export function writeInput(orderId) {
  return {
    vendor: "EXPERTSENDER",
    mode: "ADD",
    idempotencyKey: `node-${orderId}`,
    order: {
      orderId,
      createdAt: "2026-11-23T10:15:00+01:00",
      status: "PLACED",
      currency: "SEK",
      total: 199,
      contact: { email: "jonas.lind@example.com" },
      lines: [{ sku: "SKU-NODE-1", name: "Socks", quantity: 1, unitPrice: 199, totalPrice: 199 }],
    },
  };
}
