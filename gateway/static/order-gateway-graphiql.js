// Starts GraphiQL against the endpoint that served this page: queries and mutations over
// HTTP POST, subscriptions over WebSocket (graphql-transport-ws, bundled in graphiql.min.js).
// The README's example operations open as tabs (graphiql-tabs.json beside this file), the
// explorer plugin builds queries by ticking fields, and the headers editor is open for a token.
(function () {
  "use strict";

  var HEADERS_HINT = "{}";
  var staticBase = document.currentScript.src.replace(/\/[^/]*$/, "");
  var endpoint = window.location.origin + window.location.pathname;
  var socketUrl = endpoint.replace(/^http/, "ws");

  var fetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: socketUrl });
  var explorer = GraphiQLPluginExplorer.explorerPlugin();

  function render(tabs) {
    var root = ReactDOM.createRoot(document.getElementById("graphiql"));
    root.render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        defaultTabs: tabs,
        defaultHeaders: HEADERS_HINT,
        defaultEditorToolsVisibility: "headers",
        isHeadersEditorEnabled: true,
        plugins: [explorer],
      })
    );
  }

  fetch(staticBase + "/graphiql-tabs.json")
    .then(function (response) {
      return response.json();
    })
    .then(render, function () {
      render(undefined);
    });
})();
