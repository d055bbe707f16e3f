// Operations as a Relay app writes them: a query, a paginated fragment on Contact.orders in both
// directions, a refetchable fragment through Node, a mutation and a subscription.
const graphql = (strings: TemplateStringsArray): string => strings.join("");

export const contactQuery = graphql`
  query ContactOrdersQuery($email: String!) {
    contact(vendor: ENGAGE, email: $email) {
      id
      email
      ...ContactOrdersForward_contact
      ...ContactOrdersBackward_contact
    }
  }
`;

export const forward = graphql`
  fragment ContactOrdersForward_contact on Contact
  @refetchable(queryName: "ContactOrdersForwardPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 3 }, cursor: { type: "String" }) {
    orders(first: $count, after: $cursor) @connection(key: "ContactOrdersForward_orders") {
      edges { node { id orderId status total } }
    }
  }
`;

export const backward = graphql`
  fragment ContactOrdersBackward_contact on Contact
  @refetchable(queryName: "ContactOrdersBackwardPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 3 }, cursor: { type: "String" }) {
    oldestOrders: orders(last: $count, before: $cursor) @connection(key: "ContactOrdersBackward_oldestOrders") {
      edges { node { id orderId } }
    }
  }
`;

export const write = graphql`
  mutation ContactOrdersWriteMutation($input: WriteOrderInput!) {
    writeOrder(input: $input) { job { id state } errors { code message field } }
  }
`;

export const progress = graphql`
  subscription ContactOrdersProgressSubscription($id: ID!) {
    jobProgress(id: $id) { id state }
  }
`;
