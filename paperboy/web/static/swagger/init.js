// Starts Swagger UI on this site's own OpenAPI document (assets served from the package).
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
