"""Forms of the signed-in pages, one module per area. They parse and render; the workflow decides."""
