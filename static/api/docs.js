// Kept out of the page so the docs work under a CSP without inline script.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    withCredentials: true,
    requestInterceptor: function (req) {
      var csrf = window.sessionStorage.getItem("baeum.csrf");
      if (csrf) { req.headers["X-CSRF-Token"] = csrf; }
      return req;
    },
  });
});
