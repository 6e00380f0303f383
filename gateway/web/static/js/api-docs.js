// Starts Swagger UI on /api/docs from the copy this server ships: no CDN, no inline
// script. The description's address is the data-openapi-url of #swagger-ui.
(function () {
  "use strict";

  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: false,
    validatorUrl: null,
    showExtensions: true,
    showCommonExtensions: true
  });
})();
