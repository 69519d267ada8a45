"""What tests share (never a test module): paths and constants, a fake embedder, the verifying
QA engine, a local web site, invented news pages, and the Discord stand-in."""
