"""The web console and the public pages, rendered on the server."""
