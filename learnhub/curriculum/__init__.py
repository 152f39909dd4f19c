"""Learning sets and their modules: authored as files or in the browser, published as immutable versions."""
