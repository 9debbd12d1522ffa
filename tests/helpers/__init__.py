"""Helpers the tests import (one way: tests import helpers, helpers never import tests)."""
