"""passnum: an open-source platform for the pass numérique."""
