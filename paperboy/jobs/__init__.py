"""Background work: task functions, and the runners that execute them."""
