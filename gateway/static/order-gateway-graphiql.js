// Starts GraphiQL against the endpoint that served this page: queries and mutations over
// HTTP POST, subscriptions over WebSocket (graphql-transport-ws, bundled in graphiql.min.js).
(function () {
  "use strict";

  var DEFAULT_QUERY = [
    "# order-gateway: one schema over Voyado Engage and ExpertSender orders.",
    "# Open the docs (book icon, top left) to browse the schema; run with Ctrl-Enter.",
    "",
    "{",
    "  vendors {",
    "    vendor",
    "    configured",
    "    sandbox",
    "    capabilities",
    "  }",
    "}",
    "",
  ].join("\n");

  var endpoint = window.location.origin + window.location.pathname;
  var socketUrl = endpoint.replace(/^http/, "ws");

  var fetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: socketUrl });

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
    })
  );
})();
