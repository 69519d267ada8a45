"""geoqa's answering side: quotes, the QA engine, rendering, REPL, Discord and the CLI."""
