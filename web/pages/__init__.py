"""The dashboard's pages: one module per page, each its route handlers and the HTML it draws."""
