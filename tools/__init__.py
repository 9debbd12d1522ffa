"""Developer tools that do not ship in the package: the demo data generator."""
