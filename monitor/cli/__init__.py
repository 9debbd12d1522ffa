"""The ``brandpulse`` command line: parses arguments, calls the layers below, prints."""
