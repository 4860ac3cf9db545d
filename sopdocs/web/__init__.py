"""The web application (``sopdocs serve``): the archive in a browser, over the public API."""
