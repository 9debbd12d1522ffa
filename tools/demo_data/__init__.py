"""The generator of the demo snapshots (monitor/demo/snapshots): synthetic reviews and posts with one planted incident. Developers and tests use it; the product ships only its output."""
