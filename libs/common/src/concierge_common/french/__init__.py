"""French text helpers: folding, word splitting, stemming and typo distance."""
